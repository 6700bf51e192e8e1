"""The merge review view in the real app under Xvfb, with real X key presses (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._oversplit import make_oversplit_folder
from tests.gui import scenarios_merge_review
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_merge_review_keys(tmp_path: Path) -> None:
    folder, _ = make_oversplit_folder(tmp_path / "data", n_spikes=6_000, duration=60.0)
    scenarios_merge_review.run("keys", folder)
