"""The trace view's tiles equal the Raster drawing while scrolling with real keys, and a
real ctrl+click hits a drawn spike, in the real app under Xvfb (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_trace_tiles
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_scrolled_tiles_equal_the_raster_drawing_and_a_click_hits_a_spike(dataset: Path) -> None:
    scenarios_trace_tiles.run("scroll", dataset)
