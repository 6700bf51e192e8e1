"""File > "export curation to spikeinterface" in the real app under Xvfb, with real X input,
on a folder written by SpikeInterface's export_to_phy (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._si_sorters import sorted_folder
from tests.gui import scenarios_curation_export
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def si_dataset(tmp_path: Path) -> Path:
    """A writable copy of the small exported folder (its raw file linked: only read)."""
    source, dst = sorted_folder("ground_truth") / "phy", tmp_path / "phy"
    dst.mkdir()
    for p in source.iterdir():
        if p.name == "recording.dat":
            (dst / p.name).symlink_to(p.resolve())
        elif p.is_file():
            shutil.copy2(p, dst / p.name)
    return dst


def test_file_menu_export_curation(si_dataset: Path) -> None:
    scenarios_curation_export.run("file_menu", si_dataset)
