"""The idle frame's theme in the real app under Xvfb (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_idle
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_child_windows_draw_no_background_and_look_the_same(dataset: Path) -> None:
    scenarios_idle.run("child_backgrounds", dataset)


def test_windows_and_dock_space_draw_no_background_and_look_the_same(dataset: Path) -> None:
    scenarios_idle.run("window_backgrounds", dataset)


def test_a_view_dragged_out_of_its_dock_never_shows_the_views_under_it(dataset: Path) -> None:
    scenarios_idle.run("drag_a_view_out_of_its_dock", dataset)
