"""Curation views II in the real app on a synthetic folder under Xvfb (``subprocess``: one process each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui import scenarios_views2
from tests.gui.conftest import needs_display, scenario_runner

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_trace_view(dataset: Path) -> None:
    scenarios_views2.run("trace_view", dataset)


def test_probe_view(dataset: Path) -> None:
    scenarios_views2.run("probe_view", dataset)


def test_raster_view(dataset: Path) -> None:
    scenarios_views2.run("raster_view", dataset)


def test_cluster_scatter_view(dataset: Path) -> None:
    scenarios_views2.run("cluster_scatter_view", dataset)


def test_template_feature_view_and_lasso_split(dataset: Path) -> None:
    scenarios_views2.run("template_feature_view", dataset)


def test_color_menu_recolours_views_and_persists(dataset: Path) -> None:
    scenarios_views2.run("color_menu", dataset)
    # a new process (a second GUI), the same folder and user directory
    scenario_runner("tests.gui.scenarios_views2", dataset)("color_restored")


def test_cluster_scatter_lasso_selects(dataset: Path) -> None:
    scenarios_views2.run("cluster_scatter_lasso", dataset)
