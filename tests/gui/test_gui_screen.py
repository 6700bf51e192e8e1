"""The window fits the screen: under Xvfb screens of two sizes (one process each)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gui.conftest import ROOT

pytestmark = [pytest.mark.gui, pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="no xvfb-run")]


def _run(scenario: str, dataset: Path, screen: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PHYGUI_SCREEN_SIZE")}
    env["PHY_USER_DIR"] = str(tmp_path / "u")
    proc = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-m",
                           "tests.gui.scenarios_screen", scenario, str(dataset)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]


@pytest.mark.parametrize("screen", ["1280x800", "1600x1000"])
def test_window_and_docks_fit_the_screen(dataset: Path, screen: str, tmp_path: Path) -> None:
    _run("fits", dataset, screen, tmp_path)


def test_saved_geometry_is_clamped_to_the_screen(dataset: Path, tmp_path: Path) -> None:
    _run("saved_geometry_clamped", dataset, "1280x800", tmp_path)
