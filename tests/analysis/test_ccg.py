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


# The two kernels of `correlograms` (pairs, counting) are forced in turn by their costs.
_KERNELS = {"pairs": dict(_NS_PAIR=0.0), "counting": dict(_NS_PAIR=1e9)}


@pytest.fixture(params=sorted(_KERNELS))
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    from phycore.analysis import ccg

    for name, value in _KERNELS[request.param].items():
        monkeypatch.setattr(ccg, name, value)
    monkeypatch.setattr(ccg, "_CHUNK_SPIKES", 37)  # many chunks, ties across their bounds
    return str(request.param)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("symmetrize", [True, False])
def test_both_kernels_match_phylib_on_dense_trains_with_ties(kernel: str, seed: int, symmetrize: bool) -> None:
    # 12 clusters: count rows wider than one 8-cell vector; rounding to 0.1 ms: many ties.
    st, sc = _trains(seed, 3000, 12, duration=0.5, rounding=4)
    cids = np.array([5, 0, 11, 3, 7, 1, 2, 4, 6, 8, 9, 10])
    kw = dict(sample_rate=30000.0, bin_size=0.001, window_size=0.02, symmetrize=symmetrize)
    np.testing.assert_array_equal(correlograms(st, sc, cids, **kw), phylib_correlograms(st, sc, cids, **kw))


@pytest.mark.parametrize(
    "sample_rate,bin_size,window_size",
    [(30000.0, 0.001, 0.05), (25000.0, 0.0005, 0.011), (1000.0, 0.002, 0.001), (20000.0, 0.003, 0.1)],
)
def test_both_kernels_count_lags_on_bin_edges_like_phylib(
    kernel: str, sample_rate: float, bin_size: float, window_size: float
) -> None:
    # Lags of exactly k bins, one sample less and one more, up to one bin past the window.
    binsize, n_bins = correlogram_bins(sample_rate, bin_size, window_size)
    lags = np.arange(n_bins // 2 + 2) * binsize
    offsets = np.unique(np.concatenate([lags - 1, lags, lags + 1]).clip(0))
    base = np.arange(40) * (offsets.max() + 3 * binsize)
    samples = np.sort((base[:, None] + offsets[None, :]).ravel())
    st = samples / sample_rate
    sc = np.arange(samples.size) % 3
    got = correlograms(st, sc, [0, 1, 2], sample_rate, bin_size, window_size)
    np.testing.assert_array_equal(got, phylib_correlograms(st, sc, [0, 1, 2], sample_rate, bin_size, window_size))
    # The window's last bin is filled; symmetric pairs mirror each other.
    assert got[:, :, -1].sum() > 0
    np.testing.assert_array_equal(got, got.transpose(1, 0, 2)[:, :, ::-1])


def test_both_kernels_agree_on_a_dense_recording(kernel: str) -> None:
    st, sc = _trains(4, 20_000, 3, duration=1.0, rounding=None)
    kw = dict(sample_rate=30000.0, bin_size=0.001, window_size=0.05)
    np.testing.assert_array_equal(correlograms(st, sc, [2, 0, 1], **kw), phylib_correlograms(st, sc, [2, 0, 1], **kw))


def test_the_cheaper_kernel_is_chosen() -> None:
    from phycore.analysis.ccg import _counting_plan

    dense = np.sort(np.random.default_rng(0).integers(0, 30_000, 20_000))  # 20,000 spikes in 1 s
    sparse = np.sort(np.random.default_rng(0).integers(0, 30_000 * 3600, 20_000))  # in an hour
    assert _counting_plan(dense, 3, 26, 30)[0] is not None
    assert _counting_plan(sparse, 3, 26, 30)[0] is None
    assert _counting_plan(dense[:1], 3, 26, 30)[0] is None
