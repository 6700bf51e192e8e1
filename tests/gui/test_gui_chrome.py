"""phy's window chrome in the real app under Xvfb, with real X clicks (one process each):
toolbar, dock menus (screenshot, auto update, close, actions), View settings, narrow windows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_chrome
from tests.gui.conftest import needs_display, run_python

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_toolbar_buttons_run_and_grey_out(dataset: Path) -> None:
    scenarios_chrome.run("toolbar", dataset)


def test_dock_menu_screenshot_auto_update_close(dataset: Path) -> None:
    scenarios_chrome.run("dock_menu", dataset)
    # The saved auto_update comes back at the next start (a new process, as a user restarts).
    proc = run_python(["-m", "tests.gui.scenarios_chrome", "auto_update_restored", str(dataset)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_view_settings_dialog(dataset: Path) -> None:
    scenarios_chrome.run("settings_dialog", dataset)


def test_menu_bar_fits_1232(dataset: Path) -> None:
    scenarios_chrome.run("narrow_1232", dataset)


def test_menu_bar_fits_1024(dataset: Path) -> None:
    scenarios_chrome.run("narrow_1024", dataset)
