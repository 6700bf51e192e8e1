"""Data safety in the real app under Xvfb (``subprocess``: one process each): bad GUI state files,
and the close prompt of a read-only session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui import scenarios_safety
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_bad_state_files_do_not_break_the_views(dataset: Path) -> None:
    scenarios_safety.write_bad_state(dataset)
    scenarios_safety.run("bad_state", dataset)


def test_read_only_close_prompt_offers_no_save_and_writes_nothing(dataset: Path) -> None:
    scenarios_safety.run("read_only_close_prompt", dataset)
