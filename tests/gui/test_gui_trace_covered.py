"""A merge keeps the trace view's covered tiles, in the real app under Xvfb with real
keys (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_trace_covered
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_merge_keeps_the_covered_tiles_and_undo_puts_back_the_old_ones(dataset: Path) -> None:
    scenarios_trace_covered.run("merge", dataset)


def test_an_undo_shows_the_tiles_from_before_its_merge_again(dataset: Path) -> None:
    scenarios_trace_covered.run("undo_elsewhere", dataset)
