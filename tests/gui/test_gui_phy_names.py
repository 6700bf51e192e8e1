"""phy's GUI and view names in the real app under Xvfb (``subprocess``: one process each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui import scenarios_phy_names
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_list_views_view_count_and_create_and_add_view(dataset: Path) -> None:
    scenarios_phy_names.run("view_listing", dataset)


def test_views_serve_phy_attributes(dataset: Path) -> None:
    scenarios_phy_names.run("view_attributes", dataset)
