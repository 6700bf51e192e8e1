"""Curation views II in the real app on a synthetic folder under Xvfb (one process each)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.gui.conftest import needs_display, scenario_runner

pytestmark = [pytest.mark.gui, needs_display]

Run = Callable[[str], str]


@pytest.fixture
def run_views2(dataset: Path, tmp_path: Path) -> Run:
    """Run ``tests.gui.scenarios_views2.scenario_<name>`` in a fresh process."""
    return scenario_runner("tests.gui.scenarios_views2", dataset, tmp_path)


def test_trace_view(run_views2: Run) -> None:
    run_views2("trace_view")


def test_probe_view(run_views2: Run) -> None:
    run_views2("probe_view")


def test_raster_view(run_views2: Run) -> None:
    run_views2("raster_view")


def test_cluster_scatter_view(run_views2: Run) -> None:
    run_views2("cluster_scatter_view")
