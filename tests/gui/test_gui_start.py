"""The start-up's first frames in the real app under Xvfb: tables before the spike index and
numba's kernels, then real keys while both finish (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_start
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_first_frame_before_the_index_and_the_kernels(dataset: Path) -> None:
    scenarios_start.run("first_frame_first", dataset)
