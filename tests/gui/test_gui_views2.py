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


def test_template_feature_view_and_lasso_split(run_views2: Run) -> None:
    run_views2("template_feature_view")


def test_color_menu_recolours_views_and_persists(run_views2: Run) -> None:
    run_views2("color_menu")
    run_views2("color_restored")  # a new process, the same user directory


def test_cluster_scatter_lasso_selects(run_views2: Run) -> None:
    run_views2("cluster_scatter_lasso")
