"""The trace view's overlay of the selected spikes, in the real app under Xvfb with real
keys (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_trace_overlay
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_select_deselect_merge_undo_redraw_the_overlay_only(dataset: Path) -> None:
    scenarios_trace_overlay.run("overlay", dataset)
