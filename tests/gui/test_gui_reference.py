"""phygui on the SpikeInterface-exported folder of phy's reference screenshot (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._si_export import writable_copy
from tests.gui import scenarios_reference
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def si_dataset(tmp_path: Path) -> Path:
    """A writable copy of the exported folder; the 192 MB raw file is linked, not copied
    (the session only reads it)."""
    return writable_copy(tmp_path / "si")


def test_side_by_side_with_phy_reference(si_dataset: Path) -> None:
    scenarios_reference.run("side_by_side", si_dataset)
