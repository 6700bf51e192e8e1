"""phylib.stats' ``correlograms`` and ``firing_rate``: same signatures, same values.

phylib is the oracle on random spike trains (with identical spike times, any cluster
order, both ``symmetrize`` values, non-integer sampling rates).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import phycore.analysis as analysis
from phycore.errors import ActionError

phylib_ccg = pytest.importorskip("phylib.stats.ccg")


@pytest.mark.parametrize("name", ["correlograms", "firing_rate"])
def test_same_signature(name: str) -> None:
    ours = inspect.signature(getattr(analysis, name)).parameters
    theirs = inspect.signature(getattr(phylib_ccg, name)).parameters
    assert [(p.name, p.default, p.kind) for p in ours.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.values()]


def _random(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    rng = np.random.default_rng(seed)
    n, n_clusters = int(rng.integers(1, 3000)), int(rng.integers(1, 8))
    times = np.sort(np.round(rng.uniform(0, 5.0, n), int(rng.integers(2, 6))))  # ties included
    clusters = rng.choice(rng.permutation(100)[:n_clusters], n)
    cids = rng.permutation(np.unique(clusters))
    kw = {"sample_rate": float(rng.choice([2000.0, 20000.0, 30000.0, 24414.0625])),
          "bin_size": float(rng.choice([5e-4, 1e-3, 2.5e-3])), "window_size": float(rng.uniform(5e-3, 0.2))}
    return times, clusters, cids, kw


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("symmetrize", [True, False])
def test_correlograms_equal_phylib(seed: int, symmetrize: bool) -> None:
    times, clusters, cids, kw = _random(seed)
    expected = phylib_ccg.correlograms(times, clusters, cids, symmetrize=symmetrize, **kw)
    got = analysis.correlograms(times, clusters, cids, symmetrize=symmetrize, **kw)
    np.testing.assert_array_equal(got, expected)
    # Default cluster ids (sorted unique), positional arguments as phylib's.
    np.testing.assert_array_equal(
        analysis.correlograms(times, clusters, None, kw["sample_rate"], kw["bin_size"], kw["window_size"]),
        phylib_ccg.correlograms(times, clusters, None, kw["sample_rate"], kw["bin_size"], kw["window_size"]))


@pytest.mark.parametrize("seed", range(12))
def test_firing_rate_equals_phylib(seed: int) -> None:
    _, clusters, cids, kw = _random(seed)
    duration = [None, 0.0, 7.5][seed % 3]
    for ids in (cids, None):
        expected = phylib_ccg.firing_rate(clusters, ids, bin_size=kw["bin_size"], duration=duration)
        got = analysis.firing_rate(clusters, ids, bin_size=kw["bin_size"], duration=duration)
        assert got.dtype == expected.dtype == np.float64
        np.testing.assert_array_equal(got, expected)


def test_firing_rate_empty_last_cluster_as_phylib() -> None:
    clusters = np.array([0, 0, 2])
    np.testing.assert_array_equal(analysis.firing_rate(clusters, [0, 2, 5], 1e-3, 10.0),
                                  phylib_ccg.firing_rate(clusters, [0, 2, 5], 1e-3, 10.0))


def test_differences_kept() -> None:
    times, clusters = np.array([0.0, 0.001, 0.002, 0.003]), np.array([0, 1, 0, 7])
    # Spikes of clusters outside cluster_ids are ignored (phylib miscounts or fails).
    ccg = analysis.correlograms(times, clusters, [0, 1], 1000.0, 1e-3, 5e-3)
    np.testing.assert_array_equal(ccg, analysis.correlograms(times[:3], clusters[:3], [0, 1], 1000.0, 1e-3, 5e-3))
    assert ccg.dtype == np.int64  # phylib: int32, which overflows on long recordings
    np.testing.assert_array_equal(analysis.firing_rate(clusters, [0, 1], 1e-3), [[4e-3, 2e-3], [2e-3, 1e-3]])
    with pytest.raises(ActionError):  # phylib: a bare assert (or a TypeError on None)
        analysis.firing_rate(clusters, bin_size=None)
    with pytest.raises(ActionError):
        analysis.correlograms(times, clusters, sample_rate=1000.0)
