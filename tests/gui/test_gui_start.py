"""The start-up's first frames in the real app under Xvfb: tables before the spike index and
numba's kernels, then real keys while both finish (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_start
from tests.gui.conftest import assert_no_logged_errors, needs_display, run_python

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_first_frame_before_the_index_and_the_kernels(dataset: Path) -> None:
    scenarios_start.run("first_frame_first", dataset)


def test_no_numba_before_the_first_frame(dataset: Path) -> None:
    # A fresh interpreter (not this pytest child, whose plugins may have imported numba).
    proc = run_python(["-m", "tests.gui.scenarios_start", "no_numba_before_first_frame", str(dataset)])
    assert proc.returncode == 0 and "scenario no_numba_before_first_frame: OK" in proc.stdout, \
        proc.stdout[-3000:] + proc.stderr[-6000:]
    assert_no_logged_errors(proc)


def test_the_first_selection_finds_the_views_kernels_loaded(dataset: Path) -> None:
    scenarios_start.run("warm_views", dataset)
