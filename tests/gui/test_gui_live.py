"""``phygui --live-demo``: spikes stream in while frames render; tables, views and status follow.

The scenario runs in its own process (``subprocess`` marker: one Dear PyGui context per
process) and fails on any logged error. Its screenshot is kept in
``tests/gui/artifacts/live_demo.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.gui import scenarios_live
from tests.gui.conftest import assert_no_logged_errors, needs_display, run_python

pytestmark = [pytest.mark.gui, needs_display]

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.mark.subprocess
def test_live_demo_tables_views_and_pixels() -> None:
    scenarios_live.run("live_demo")


def test_live_demo_command_line(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "cli_live_demo.png"
    shot.unlink(missing_ok=True)
    env = dict(os.environ, PHY_USER_DIR=str(tmp_path / "u"))
    proc = run_python(["-m", "phygui.app", "--live-demo", "--rate", "5000", "--n-channels", "64",
                       "--n-templates", "16", "--duration", "2", "--frames", "40", "--screenshot", str(shot)],
                      env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert_no_logged_errors(proc)
    assert "5,000 spikes/s over 64 channels (16 templates)" in proc.stdout
    received = re.search(r"Live demo: ([\d,]+) spikes received in (\d+) batches", proc.stdout)
    assert received is not None, proc.stdout
    assert int(received.group(1).replace(",", "")) > 0 and int(received.group(2)) > 0
    assert shot.exists() and shot.stat().st_size > 10_000
    assert f"Screenshot saved to {shot}" in proc.stdout


def test_live_demo_refuses_a_folder(tmp_path: Path) -> None:
    proc = run_python(["-m", "phygui.app", "--live-demo", str(tmp_path / "params.py")],
                      env=dict(os.environ, PHY_USER_DIR=str(tmp_path / "u")))
    assert proc.returncode == 2 and "--live-demo opens its own in-memory session" in proc.stderr
