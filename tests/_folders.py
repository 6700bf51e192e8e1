"""Small synthetic folders for tests that write into them (shared by the live tests)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from phycore.model.synthetic import make_dataset


def small_folder(factory: pytest.TempPathFactory, name: str, seed: int = 0) -> Path:
    """A 3,000-spike, 16-channel, 6-template folder with raw data, made once per ``name``."""
    d = factory.mktemp(name)
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=True, seed=seed)
    return d


def fresh_copy(source: Path, tmp_path: Path) -> Path:
    """A copy of ``source`` in ``tmp_path / 'data'`` that a test may modify."""
    d = tmp_path / "data"
    shutil.copytree(source, d)
    return d


def file_hashes(d: Path) -> dict[str, str]:
    """SHA-1 of every file directly in ``d``, by name."""
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}
