"""Real raw data in the real app under Xvfb (``subprocess``: one process each): a truncated
raw file and an mtscomp-compressed one (compressed by mtscomp itself)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.gui import scenarios_real_raw
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_truncated_raw_file(dataset: Path) -> None:
    raw = dataset / "raw.dat"
    frame = 2 * 32  # int16 x 32 channels
    with raw.open("r+b") as f:
        f.truncate(raw.stat().st_size // 2 // frame * frame)
    scenarios_real_raw.run("truncated", dataset)


def test_cbin_raw_file(tmp_path: Path) -> None:
    """A small 2-s folder (mtscomp's zlib takes ~0.3 s per 1-s chunk of 16 channels here)."""
    mtscomp = pytest.importorskip("mtscomp")
    from phycore.model.synthetic import make_dataset

    dataset = make_dataset(tmp_path / "data", n_spikes=2000, n_channels=16, n_templates=8, duration=2.0,
                           seed=1).parent
    mtscomp.compress(dataset / "raw.dat", dataset / "raw.cbin", dataset / "raw.ch", sample_rate=30000.0,
                     n_channels=16, dtype=np.int16, n_threads=1, check_after_compress=False)
    (dataset / "raw.dat").unlink()
    params = (dataset / "params.py").read_text().splitlines()
    params = [line for line in params if not line.startswith(("dat_path", "n_channels_dat"))]
    (dataset / "params.py").write_text("\n".join(params + ["dat_path = 'raw.cbin'", ""]))
    scenarios_real_raw.run("cbin", dataset)


def test_sync_channel_and_uv_scales(tmp_path: Path) -> None:
    """A 1-s SpikeGLX folder (real .meta) whose channel map includes the sync column."""
    from phycore.model.synthetic import make_dataset
    from tests._acquisition_folders import spikeglx_folder, sync_in_channel_map

    src = make_dataset(tmp_path / "src", n_spikes=600, n_channels=16, n_templates=4, duration=1.0, seed=3).parent
    spikeglx_folder(src, tmp_path / "sglx", hp_filtered=False)
    sync_in_channel_map(tmp_path / "sglx")
    scenarios_real_raw.run("sync_gains", tmp_path / "sglx")


def _small(tmp_path: Path) -> Path:
    from phycore.model.synthetic import make_dataset

    return make_dataset(tmp_path / "src", n_spikes=3000, n_channels=16, n_templates=8, duration=3.0, seed=2).parent


# The SpikeGLX and Open Ephys windows add ~30 s: run with `pytest -m realdata` (make test-realdata).
@pytest.mark.realdata
def test_spikeglx_folder(tmp_path: Path) -> None:
    from tests._acquisition_folders import spikeglx_folder

    spikeglx_folder(_small(tmp_path), tmp_path / "sglx")
    scenarios_real_raw.run("acquisition", tmp_path / "sglx")


@pytest.mark.realdata
def test_openephys_folder(tmp_path: Path) -> None:
    from tests._acquisition_folders import openephys_folder

    openephys_folder(_small(tmp_path), tmp_path / "oe")
    scenarios_real_raw.run("acquisition", tmp_path / "oe")
