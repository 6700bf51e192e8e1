"""End-to-end: real X key presses (xdotool) reach the keymap of the running app."""

from __future__ import annotations

import shutil
from typing import Callable

import pytest

from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_real_key_events(run_scenario: Callable[[str], str]) -> None:
    run_scenario("xdotool_keys")


def test_real_ctrl_clicks_draw_lasso(run_scenario: Callable[[str], str]) -> None:
    run_scenario("xdotool_lasso")
