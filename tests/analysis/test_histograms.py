"""ISI, firing-rate, amplitude and depth histograms against numpy references."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.analysis import (
    amplitude_histograms,
    binned_mean_over_time,
    firing_rate_over_time,
    isi_bin_edges,
    isi_histograms,
    mean_firing_rates,
    spike_depths,
    template_depths,
    time_bin_edges,
)
from phycore.errors import ActionError, DataFormatError
from tests.analysis import reference as ref


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    n = 3000
    st = np.sort(rng.uniform(0, 100, n))
    sc = rng.integers(0, 5, n) * 10
    amp = rng.gamma(5, 2, n)
    amp[::37] = 0
    return st, sc, amp


@pytest.mark.parametrize("log", [False, True])
def test_isi_matches_reference(data, log: bool) -> None:
    st, sc, _ = data
    edges = isi_bin_edges(1e-3 if log else 0.0, 0.5, 40, log=log)
    cids = [40, 0, 20]
    got = isi_histograms(st, cids, bin_edges=edges, spike_clusters=sc)
    np.testing.assert_array_equal(got, ref.isi_hist(st, sc, cids, edges))
    spc = {c: np.flatnonzero(sc == c) for c in cids}
    np.testing.assert_array_equal(isi_histograms(st, cids, bin_edges=edges, spikes_per_cluster=spc), got)
    dens = isi_histograms(st, cids, bin_edges=edges, spike_clusters=sc, density=True)
    expected = np.array([np.histogram(np.diff(st[sc == c]), edges, density=True)[0] for c in cids])
    np.testing.assert_allclose(dens, expected)


def test_isi_phy_view_convention() -> None:
    # phy's ISIView: np.linspace(0, 0.05, 50) edges (49 bins), unit area.
    st = np.array([0.0, 0.001, 0.003, 0.01, 0.04, 0.2])
    edges = np.linspace(0, 0.05, 50)
    got = isi_histograms(st, [0], bin_edges=edges, spike_clusters=np.zeros(6, int), density=True)
    hist, _ = np.histogram(np.diff(st), bins=edges)
    np.testing.assert_allclose(got[0], hist / (hist.sum() * (edges[1] - edges[0])))


def test_isi_unsorted_and_bad_edges() -> None:
    with pytest.raises(DataFormatError, match="spike_times"):
        isi_histograms([0.3, 0.1], [0], bin_edges=[0, 1], spike_clusters=[0, 0])
    with pytest.raises(ActionError, match="bin_edges"):
        isi_histograms([0.1], [0], bin_edges=[1, 0], spike_clusters=[0])
    with pytest.raises(ActionError, match="x_min"):
        isi_bin_edges(0.0, 1.0, 10, log=True)
    with pytest.raises(ActionError, match="exactly one"):
        isi_histograms([0.1], [0], bin_edges=[0, 1])


def test_firing_rate_over_time(data) -> None:
    st, sc, _ = data
    rates, edges = firing_rate_over_time(st, [0, 10], duration=100.0, bin_size=7.0, spike_clusters=sc)
    assert edges[-1] == 100.0 and len(edges) == 16
    counts = ref.values_hist(st, sc, [0, 10], edges)
    np.testing.assert_allclose(rates, counts / np.diff(edges))
    assert np.isclose((rates * np.diff(edges)).sum(), ((sc == 0) | (sc == 10)).sum())
    np.testing.assert_allclose(mean_firing_rates([10, 0], 5.0), [2.0, 0.0])
    np.testing.assert_allclose(mean_firing_rates([10], 0.5), [10.0])  # phy floors duration at 1 s


def test_time_bin_edges_spike_at_end() -> None:
    edges = time_bin_edges(10.0, 3.0)
    np.testing.assert_allclose(edges, [0, 3, 6, 9, 10])
    rates, _ = firing_rate_over_time([0.0, 10.0], [0], duration=10.0, bin_size=3.0, spike_clusters=[0, 0])
    np.testing.assert_allclose(rates[0], [1 / 3, 0, 0, 1.0])


def test_amplitude_histograms(data) -> None:
    st, sc, amp = data
    hist, edges = amplitude_histograms(amp, [0, 30], spike_clusters=sc, density=False)
    np.testing.assert_array_equal(hist, ref.values_hist(amp, sc, [0, 30], edges, ignore_zeros=True))
    nz = amp[((sc == 0) | (sc == 30)) & (amp != 0)]
    assert edges[0] == nz.min() and edges[-1] == nz.max() and len(edges) == 101
    dens, e0 = amplitude_histograms(amp, [0], spike_clusters=sc)
    assert np.isclose((dens[0] * np.diff(e0)).sum(), 1.0)
    _, e1 = amplitude_histograms([2.0], [0], spike_clusters=[0], n_bins=4)
    np.testing.assert_allclose(e1, [1.5, 1.75, 2.0, 2.25, 2.5])


def test_binned_mean_over_time(data) -> None:
    st, sc, amp = data
    vals = amp.copy()
    vals[::11] = np.nan
    means, counts, edges = binned_mean_over_time(st, vals, [20, 10], duration=100.0, bin_size=9.0,
                                                 spike_clusters=sc)
    rm, rc = ref.binned_mean(st, vals, sc, [20, 10], edges)
    np.testing.assert_array_equal(counts, rc)
    np.testing.assert_allclose(means, rm, equal_nan=True)


def test_spike_depths_match_phylib_formula() -> None:
    rng = np.random.default_rng(2)
    n, n_pcs, n_loc, n_t, n_ch = 500, 3, 4, 6, 10
    feats = rng.normal(size=(n, n_pcs, n_loc)).astype(np.float32)
    feats[0, 0, :] = -1  # all weights zero -> NaN
    st = rng.integers(0, n_t, n)
    ind = np.array([rng.choice(n_ch, n_loc, replace=False) for _ in range(n_t)])
    pos = np.c_[np.zeros(n_ch), np.arange(n_ch) * 20.0]
    got = spike_depths(feats, st, ind, pos)
    np.testing.assert_allclose(got, ref.spike_depths(feats, st, ind, pos), equal_nan=True)
    assert np.isnan(got[0])
    with pytest.raises(DataFormatError, match="pc_feature_ind"):
        spike_depths(feats, st, ind[:, :2], pos)


def test_template_depths() -> None:
    w = np.zeros((3, 5, 3))
    w[0, 2, 0] = 2.0  # only channel 0
    w[1, 2, 1] = 1.0
    w[1, 2, 2] = 1.0  # equal on channels 1 and 2
    pos = np.c_[np.zeros(3), [0.0, 10.0, 30.0]]
    np.testing.assert_allclose(template_depths(w, pos), [0.0, 20.0, np.nan])


def test_lookup_errors_name_the_argument() -> None:
    from phycore.errors import ClusterIdError, SpikeIdError

    with pytest.raises(SpikeIdError, match="spikes_per_cluster") as e:
        isi_histograms([0.1, 0.2], [0], bin_edges=[0, 1], spikes_per_cluster={0: [0, 5]})
    assert e.value.argument == "spikes_per_cluster"
    with pytest.raises(ClusterIdError, match="cluster 3") as e2:
        isi_histograms([0.1, 0.2], [3], bin_edges=[0, 1], spikes_per_cluster={0: [0, 1]})
    assert e2.value.argument == "cluster_ids"
    with pytest.raises(ClusterIdError, match="duplicate"):
        isi_histograms([0.1, 0.2], [0, 0], bin_edges=[0, 1], spike_clusters=[0, 0])
