"""The spike position view in the real app under Xvfb, with real X input (one process each),
on a Kilosort 4-like synthetic folder (``spike_positions.npy``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_spike_position
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def ks4_dataset(tmp_path: Path) -> Path:
    """A small folder in Kilosort 4's conventions (no raw data: fewer views to start)."""
    from phycore.model.synthetic import make_dataset

    make_dataset(tmp_path / "ks4", n_spikes=6000, n_channels=32, n_templates=16, duration=6.0, raw=False,
                 flavor="ks4", seed=1)
    return tmp_path / "ks4"


def test_spike_position_view_lasso_split(ks4_dataset: Path) -> None:
    scenarios_spike_position.run("lasso_split", ks4_dataset)
