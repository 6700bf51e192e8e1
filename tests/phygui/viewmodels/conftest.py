"""Fixtures of the view-model tests: a small synthetic folder and controllers on it.

No display and no dearpygui: the view models are pure.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset

N_SPIKES = 3000
DURATION = 5.0


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16-channel, 6-template, 3,000-spike folder with raw data (built once)."""
    d = tmp_path_factory.mktemp("vm_dataset")
    make_dataset(d, n_spikes=N_SPIKES, n_channels=16, n_templates=6, duration=DURATION, raw=True, seed=0)
    return d


@pytest.fixture(scope="module")
def controller(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A read-only controller shared by a test module (tests must not curate with it)."""
    d = tmp_path_factory.mktemp("vm_ro")
    shutil.copytree(dataset_dir, d, dirs_exist_ok=True)
    c = TemplateController(d / "params.py", metrics=False)
    yield c
    c.close()


@pytest.fixture
def fresh_controller(dataset_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """A controller on a private copy of the folder (for splits and undo)."""
    shutil.copytree(dataset_dir, tmp_path / "data")
    c = TemplateController(tmp_path / "data" / "params.py", metrics=False)
    yield c
    c.close()


def two_largest(controller: Any) -> list[int]:
    """The two clusters with the most spikes, largest first."""
    counts = controller.supervisor.clustering.spike_counts
    return sorted(counts, key=lambda c: -counts[c])[:2]


@pytest.fixture
def pair_controller(dataset_dir: Path, tmp_path: Path) -> Iterator[tuple[Any, int, Any, Any]]:
    """A merged synthetic pair with a known ground truth.

    The two largest clusters A and B get amplitudes around 10 and 50 (written into a
    private copy of ``amplitudes.npy``), then are merged into C. Yields
    ``(controller, C, spikes of A, spikes of B)``.
    """
    import numpy as np

    d = tmp_path / "pair"
    shutil.copytree(dataset_dir, d)
    sc = np.load(d / "spike_clusters.npy")
    ids, counts = np.unique(sc, return_counts=True)
    a, b = ids[np.argsort(-counts)[:2]]
    rng = np.random.default_rng(1)
    amp = np.load(d / "amplitudes.npy")
    amp[sc == a] = rng.uniform(8, 12, (sc == a).sum())
    amp[sc == b] = rng.uniform(48, 52, (sc == b).sum())
    np.save(d / "amplitudes.npy", amp)
    c = TemplateController(d / "params.py", metrics=False)
    up = c.supervisor.merge(int(a), int(b))
    yield c, int(up.added[0]), np.flatnonzero(sc == a), np.flatnonzero(sc == b)
    c.close()
