"""phy's view internals on phygui's views in the real app under Xvfb (``subprocess``: one process each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui import scenarios_view_internals
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_views_serve_their_cluster_data_bounds_and_data_functions(dataset: Path) -> None:
    scenarios_view_internals.run("cluster_data", dataset)


def test_global_views_serve_the_cluster_order_and_scatter_bindings(dataset: Path) -> None:
    scenarios_view_internals.run("global_views", dataset)


def test_views_take_phy_mouse_events(dataset: Path) -> None:
    scenarios_view_internals.run("mouse_events", dataset)
