"""phy's raw-data filters in the real app under Xvfb (alt+r with real X key events; one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_filters
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_alt_r_cycles_the_filter_of_trace_and_waveform_views(dataset: Path) -> None:
    scenarios_filters.run("alt_r", dataset)


def test_plugin_filter_joins_the_alt_r_cycle(dataset: Path) -> None:
    scenarios_filters.run("plugin_filter", dataset)
