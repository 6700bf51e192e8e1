"""Curation views II in the real app on a synthetic folder under Xvfb (one process each)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from tests.gui.conftest import needs_display, run_python

pytestmark = [pytest.mark.gui, needs_display]

Run = Callable[[str], str]


@pytest.fixture
def run_views2(dataset: Path, tmp_path: Path) -> Run:
    """Run ``scenarios_views2.scenario_<name>`` in a fresh process on ``dataset``."""

    def run(name: str) -> str:
        env = dict(os.environ, PHY_USER_DIR=str(tmp_path / "user_dir"))
        proc = run_python(["-m", "tests.gui.scenarios_views2", name, str(dataset)], env=env)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"scenario {name} failed (exit {proc.returncode}):\n{out[-6000:]}"
        assert f"scenario {name}: OK" in proc.stdout
        return out

    return run


def test_trace_view(run_views2: Run) -> None:
    run_views2("trace_view")


def test_probe_view(run_views2: Run) -> None:
    run_views2("probe_view")


def test_raster_view(run_views2: Run) -> None:
    run_views2("raster_view")


def test_cluster_scatter_view(run_views2: Run) -> None:
    run_views2("cluster_scatter_view")
