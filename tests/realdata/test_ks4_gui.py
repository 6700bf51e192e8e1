"""phygui on the real Kilosort 4 folder under Xvfb, with real X input: phy's default layout,
then the spike position view, its lasso and split (one process each). Screenshots go to
tests/gui/artifacts/ with the ``_ks4real`` suffix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_spike_position
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.realdata, pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def ks4_copy(ks4_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of Kilosort's results (the session saves into it; params.py keeps pointing at
    the cached recording)."""
    monkeypatch.setenv("PHYCORE_ARTIFACT_TAG", "_ks4real")
    shutil.copytree(ks4_results, tmp_path / "ks4", ignore=shutil.ignore_patterns(".phy"))
    return tmp_path / "ks4"


def test_ks4_overview(ks4_copy: Path) -> None:
    scenarios_spike_position.run("overview", ks4_copy)


def test_ks4_spike_position_lasso_split(ks4_copy: Path) -> None:
    scenarios_spike_position.run("lasso_split", ks4_copy)
