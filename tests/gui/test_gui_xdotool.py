"""End-to-end: real X key presses (xdotool) reach the keymap of the running app (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_real_key_events(dataset: Path) -> None:
    scenarios.run("xdotool_keys", dataset)


def test_real_ctrl_clicks_draw_lasso(dataset: Path) -> None:
    scenarios.run("xdotool_lasso", dataset)
