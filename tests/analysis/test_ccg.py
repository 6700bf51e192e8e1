"""Correlograms: phylib parity, numpy reference, helpers and argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from phylib.stats.ccg import correlograms as phylib_correlograms
from phylib.stats.ccg import firing_rate as phylib_firing_rate

from phycore.analysis import (
    autocorrelograms,
    correlogram_baseline,
    correlogram_bins,
    correlogram_lags,
    correlograms,
    refractory_lines,
)
from phycore.errors import ActionError, DataFormatError
from tests.analysis import reference as ref


def _trains(seed: int, n: int, n_clusters: int, duration: float = 2.0, rounding: int | None = 3):
    rng = np.random.default_rng(seed)
    st = np.sort(rng.uniform(0, duration, n))
    if rounding is not None:  # creates identical spike times
        st = np.round(st, rounding)
    sc = rng.integers(0, n_clusters, n)
    return st, sc


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("symmetrize", [True, False])
def test_matches_phylib(seed: int, symmetrize: bool) -> None:
    st, sc = _trains(seed, 400, 4)
    cids = np.array([3, 0, 2, 1])  # any order
    kw = dict(sample_rate=20000.0, bin_size=0.001, window_size=0.02, symmetrize=symmetrize)
    expected = phylib_correlograms(st, sc, cids, **kw)
    got = correlograms(st, sc, cids, **kw)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "sample_rate,bin_size,window_size",
    [(30000.0, 0.001, 0.05), (25000.0, 0.0005, 0.011), (1000.0, 0.002, 0.001), (20000.0, 0.003, 0.1),
     (30000.0, 1.0, 400.0)],  # the last one skips the lag lookup table (window > 2**22 samples)
)
def test_matches_phylib_bins(sample_rate: float, bin_size: float, window_size: float) -> None:
    st, sc = _trains(7, 600, 3, rounding=None)
    expected = phylib_correlograms(st, sc, None, sample_rate, bin_size, window_size)
    got = correlograms(st, sc, None, sample_rate, bin_size, window_size)
    np.testing.assert_array_equal(got, expected)


def test_large_input_parallel_path_matches_phylib() -> None:
    st, sc = _trains(3, 60_000, 5, duration=30.0, rounding=None)
    kw = dict(sample_rate=30000.0, bin_size=0.001, window_size=0.05)
    np.testing.assert_array_equal(correlograms(st, sc, np.arange(5), **kw),
                                  phylib_correlograms(st, sc, np.arange(5), **kw))


def test_matches_reference_and_ignores_other_clusters() -> None:
    st, sc = _trains(11, 150, 5)
    cids = [4, 1]
    got = correlograms(st, sc, cids, 10000.0, 0.001, 0.01)
    np.testing.assert_array_equal(got, ref.ccg(st, sc, cids, 10000.0, 0.001, 0.01))


def test_hand_computed_example() -> None:
    # Cluster 0 at 0, 0.2 and 3 ms, cluster 1 at 0.5 and 10 ms; 1-ms bins, 10-ms window.
    st = np.array([0.0, 0.0002, 0.0005, 0.003, 0.01])
    sc = np.array([0, 0, 1, 0, 1])
    c = correlograms(st, sc, [0, 1], sample_rate=10000.0, bin_size=0.001, window_size=0.01)
    assert c.shape == (2, 2, 11)
    # ACG of 0: lags 0.2 ms (bin 0), 3 ms and 2.8 ms (bins +-3 and +-2).
    np.testing.assert_array_equal(c[0, 0], [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0])
    # Zero-lag ACG bin holds the pair of distinct spikes 0.2 ms apart: phylib does not zero it.
    assert c[0, 0, 5] == 1
    # CCG symmetry: ccg[i, j, k] == ccg[j, i, n - 1 - k].
    np.testing.assert_array_equal(c[0, 1], c[1, 0, ::-1])


def test_edge_cases() -> None:
    kw = dict(sample_rate=10000.0, bin_size=0.001, window_size=0.01)
    empty = correlograms(np.zeros(0), np.zeros(0, np.int64), [0, 1], **kw)
    assert empty.shape == (2, 2, 11) and not empty.any()
    one = correlograms([0.5], [0], [0, 1], **kw)
    assert not one.any()
    same = correlograms([0.5, 0.5, 0.5], [0, 0, 1], [0, 1], **kw)
    np.testing.assert_array_equal(same, phylib_correlograms(np.array([0.5, 0.5, 0.5]), np.array([0, 0, 1]),
                                                            [0, 1], **kw))
    # Window smaller than a bin: a single (zero-lag) bin.
    small = correlograms([0.0, 0.0001], [0, 0], [0], sample_rate=10000.0, bin_size=0.001, window_size=0.0005)
    np.testing.assert_array_equal(small, [[[1]]])


def test_autocorrelograms_are_the_diagonal() -> None:
    st, sc = _trains(5, 500, 4)
    kw = dict(sample_rate=20000.0, bin_size=0.001, window_size=0.02)
    full = phylib_correlograms(st, sc, np.arange(4), **kw)
    acg = autocorrelograms(st, [0, 1, 2, 3], spike_clusters=sc, **kw)
    np.testing.assert_array_equal(acg, full[np.arange(4), np.arange(4)])
    spc = {c: np.flatnonzero(sc == c) for c in range(4)}
    np.testing.assert_array_equal(autocorrelograms(st, [2, 0], spikes_per_cluster=spc, **kw), acg[[2, 0]])
    np.testing.assert_array_equal(autocorrelograms(st, [1], spikes_per_cluster=spc.__getitem__, **kw), acg[[1]])


def test_baseline_matches_phylib_firing_rate() -> None:
    sc = np.array([0, 1, 1, 2, 2, 2])
    expected = phylib_firing_rate(sc, cluster_ids=[0, 1, 2], bin_size=0.001, duration=10.0)
    got = correlogram_baseline(np.bincount(sc), 0.001, 10.0)
    np.testing.assert_allclose(got, expected)


def test_bins_lags_and_refractory_lines() -> None:
    assert correlogram_bins(30000.0, 0.001, 0.05) == (30, 51)
    lags = correlogram_lags(0.001, 0.05)
    assert lags.shape == (52,) and np.isclose(lags[0], -0.0255) and np.isclose(lags[-1], 0.0255)
    assert refractory_lines(0.05, 0.001, 0.002) == (23, 28)  # phy: round(23), round(27) + 1


def test_errors_name_the_argument() -> None:
    with pytest.raises(DataFormatError, match="spike_times") as e:
        correlograms([0.2, 0.1], [0, 0], [0], 1000.0, 0.001, 0.01)
    assert e.value.argument == "spike_times"
    with pytest.raises(DataFormatError, match="spike_clusters"):
        correlograms([0.1, 0.2], [0], [0], 1000.0, 0.001, 0.01)
    with pytest.raises(ActionError, match="bin_size"):
        correlograms([0.1], [0], [0], 100.0, 0.001, 0.01)  # bin < 1 sample
    with pytest.raises(ActionError, match="sample_rate"):
        correlograms([0.1], [0], [0], -1.0, 0.001, 0.01)
    with pytest.raises(ActionError, match="window_size"):
        correlograms([0.1], [0], [0], 1000.0, 0.001, float("nan"))


def test_unsorted_lookup_is_rejected() -> None:
    st = np.array([0.1, 0.2, 0.3])
    with pytest.raises(DataFormatError, match="spikes_per_cluster"):
        autocorrelograms(st, [0], spikes_per_cluster={0: [2, 0, 1]}, sample_rate=1000.0, bin_size=0.001,
                         window_size=0.01)
    # Two clusters, each sorted: fine even though the concatenation is not.
    acg = autocorrelograms(st, [0, 1], spikes_per_cluster={0: [2], 1: [0, 1]}, sample_rate=1000.0,
                           bin_size=0.001, window_size=0.01)
    assert acg.sum() == 0
