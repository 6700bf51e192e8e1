"""phy's mouse habits in the real app under Xvfb, with real X mouse input (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_mouse
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_table_right_click_promotes_and_demotes(dataset: Path) -> None:
    scenarios_mouse.run("table_right_click", dataset)


def test_correlogram_right_click_promotes_similar(dataset: Path) -> None:
    scenarios_mouse.run("correlogram_right_click", dataset)


def test_waveform_ctrl_click_selects_feature_channels(dataset: Path) -> None:
    scenarios_mouse.run("waveform_select_channel", dataset)


def test_raster_and_template_wheel_and_keys(dataset: Path) -> None:
    scenarios_mouse.run("raster_template_gestures", dataset)


def test_pan_zoom_in_every_plot(dataset: Path) -> None:
    scenarios_mouse.run("pan_zoom", dataset)
