"""phy's keyboard habits in the real app under Xvfb, with real X key events (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_phy_habits
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_wn_sort_snippets_and_late_columns(dataset: Path) -> None:
    scenarios_phy_habits.run("snippets", dataset)


def test_main_row_plus_minus_with_modifiers(dataset: Path) -> None:
    scenarios_phy_habits.run("plus_minus_keys", dataset)


def test_ctrl_space_selects_n_similar(dataset: Path) -> None:
    scenarios_phy_habits.run("ctrl_space", dataset)


def test_phy_column_order(dataset: Path) -> None:
    scenarios_phy_habits.run("column_order", dataset)
