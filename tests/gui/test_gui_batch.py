"""`phycore batch --label` proposals in the real app under Xvfb (real ctrl+z; own process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_batch
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_batch_labels_are_one_action_that_ctrl_z_removes(dataset: Path) -> None:
    scenarios_batch.run("labels_undo", dataset)
