"""Four small synthetic sessions and one that cannot load, made once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phycore.model.synthetic import make_dataset

NAMES = ("s0", "s1", "s2", "s3")
BAD = "bad"  # a params.py whose data files are missing


@pytest.fixture(scope="session")
def batch_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch_template")
    for seed, name in enumerate(NAMES):
        make_dataset(root / name, n_spikes=2000, n_channels=16, n_templates=8, duration=10.0, raw=False, seed=seed)
    (root / BAD).mkdir()
    (root / BAD / "params.py").write_text("dat_path = 'raw.dat'\nn_channels_dat = 16\ndtype = 'int16'\n"
                                          "offset = 0\nsample_rate = 30000.0\nhp_filtered = False\n")
    return root


@pytest.fixture
def sessions(batch_template: Path, tmp_path: Path) -> Path:
    """A private copy of the five folders (a batch writes into them)."""
    root = tmp_path / "lab"
    shutil.copytree(batch_template, root)
    return root
