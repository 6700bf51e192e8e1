"""Every phycore.analysis numba kernel equals its plain-numpy reference (hypothesis).

Spike trains are drawn on an integer sample grid so that identical spike times,
spikes at the very start (t = 0) and end (t = duration) and empty clusters all occur.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from phylib.stats.ccg import correlograms as phylib_correlograms
from scipy.ndimage import gaussian_filter1d

from phycore.analysis import (
    amplitude_cutoffs,
    autocorrelograms,
    binned_mean_over_time,
    correlograms,
    firing_rate_over_time,
    isi_bin_edges,
    isi_histograms,
    spike_depths,
    spike_train_metrics,
)
from phycore.analysis._metric_kernels import _gaussian_smooth, _isolation, gaussian_weights
from tests.analysis import reference as ref

SAMPLE_RATE = 1000.0
N_SAMPLES = 5000  # duration 5 s


@st.composite
def spike_trains(draw, max_spikes: int = 80, n_clusters: int = 4):
    """(spike_times, spike_clusters, cluster_ids, duration); cluster_ids has an empty cluster."""
    n = draw(st.integers(0, max_spikes))
    samples = draw(st.lists(st.sampled_from([0, N_SAMPLES]) | st.integers(0, N_SAMPLES), min_size=n, max_size=n))
    if n and draw(st.booleans()):  # dense bursts with repeated times
        samples = [s // 50 for s in samples]
    times = np.sort(np.asarray(samples, dtype=np.int64)) / SAMPLE_RATE
    clusters = np.asarray(draw(st.lists(st.integers(0, n_clusters - 1), min_size=n, max_size=n)), dtype=np.int64)
    cluster_ids = np.arange(n_clusters + 1)  # the last one is always empty
    return times, clusters, cluster_ids, N_SAMPLES / SAMPLE_RATE


@given(spike_trains(), st.sampled_from([0.001, 0.002, 0.005]), st.sampled_from([0.0005, 0.001, 0.01, 0.05]),
       st.booleans())
def test_correlograms(data, bin_size, window_size, symmetrize) -> None:
    t, sc, cids, _ = data
    got = correlograms(t, sc, cids, SAMPLE_RATE, bin_size, window_size, symmetrize)
    np.testing.assert_array_equal(got, ref.ccg(t, sc, list(cids), SAMPLE_RATE, bin_size, window_size, symmetrize))
    if len(t):
        expected = phylib_correlograms(t, sc, cids, SAMPLE_RATE, bin_size, window_size, symmetrize)
        np.testing.assert_array_equal(got, expected)


@given(spike_trains(), st.sampled_from([0.001, 0.003]), st.sampled_from([0.0005, 0.02]))
def test_autocorrelograms(data, bin_size, window_size) -> None:
    t, sc, cids, _ = data
    full = ref.ccg(t, sc, list(cids), SAMPLE_RATE, bin_size, window_size)
    acg = autocorrelograms(t, cids, sample_rate=SAMPLE_RATE, bin_size=bin_size, window_size=window_size,
                           spike_clusters=sc)
    np.testing.assert_array_equal(acg, full[np.arange(len(cids)), np.arange(len(cids))])


@given(spike_trains(), st.booleans(), st.integers(1, 30))
def test_isi_histograms(data, log, n_bins) -> None:
    t, sc, cids, _ = data
    edges = isi_bin_edges(0.001 if log else 0.0, 0.5, n_bins, log=log)
    got = isi_histograms(t, cids, bin_edges=edges, spike_clusters=sc)
    np.testing.assert_array_equal(got, ref.isi_hist(t, sc, cids, edges))


@given(spike_trains(), st.sampled_from([0.3, 1.0, 7.0]))
def test_firing_rate_over_time(data, bin_size) -> None:
    t, sc, cids, duration = data
    rates, edges = firing_rate_over_time(t, cids, duration=duration, bin_size=bin_size, spike_clusters=sc)
    np.testing.assert_allclose(rates * np.diff(edges), ref.values_hist(t, sc, cids, edges))


@given(spike_trains(), st.integers(0, 2**32 - 1))
def test_binned_mean(data, seed) -> None:
    t, sc, cids, duration = data
    v = np.random.default_rng(seed).normal(size=len(t))
    if len(v):
        v[:: 3] = np.nan
    means, counts, edges = binned_mean_over_time(t, v, cids, duration=duration, bin_size=0.7, spike_clusters=sc)
    rm, rc = ref.binned_mean(t, v, sc, cids, edges)
    np.testing.assert_array_equal(counts, rc)
    np.testing.assert_allclose(means, rm, equal_nan=True)


@given(spike_trains(), st.sampled_from([0.0, 0.0005]), st.integers(1, 120))
def test_spike_train_metrics(data, tau_c, n_bins) -> None:
    t, sc, cids, duration = data
    m = spike_train_metrics(t, cids, duration=duration, refractory_period=0.0015, censored_period=tau_c,
                            n_presence_bins=n_bins, spike_clusters=sc)
    r = ref.train_metrics(t, sc, cids, duration, 0.0015, tau_c, n_bins)
    for k, v in r.items():
        np.testing.assert_allclose(getattr(m, k), v, equal_nan=True, err_msg=k)


@given(spike_trains(max_spikes=200), st.integers(0, 2**32 - 1), st.sampled_from([10, 100, 500]))
def test_amplitude_cutoffs(data, seed, n_bins) -> None:
    t, sc, cids, _ = data
    rng = np.random.default_rng(seed)
    amp = np.round(rng.gamma(4, 3, len(t)), int(rng.integers(0, 3)))  # rounding creates ties
    got = amplitude_cutoffs(amp, cids, n_bins=n_bins, spike_clusters=sc)
    expected = [ref.amplitude_cutoff(amp[sc == c], n_bins, 3) for c in cids]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True)


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=60), st.floats(0.3, 8.0))
def test_gaussian_smooth(x, sigma) -> None:
    a = np.asarray(x)
    np.testing.assert_allclose(_gaussian_smooth(a, gaussian_weights(sigma)), gaussian_filter1d(a, sigma), rtol=1e-9, atol=1e-9)


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(0, 40), st.integers(0, 200))
def test_isolation(seed, d, extra, n_other) -> None:
    rng = np.random.default_rng(seed)
    xc = rng.normal(size=(d + 2 + extra, d))
    xo = rng.normal(1.0, 2.0, size=(n_other, d))
    got = _isolation(xc, xo, float(len(xc)), float(len(xo)))
    np.testing.assert_allclose(got, ref.isolation(xc, xo), rtol=1e-7, equal_nan=True)


@given(st.integers(0, 2**32 - 1), st.integers(0, 50))
def test_spike_depths(seed, n) -> None:
    rng = np.random.default_rng(seed)
    feats = rng.normal(size=(n, 3, 4)).astype(np.float32)
    tmpl = rng.integers(0, 5, n)
    ind = np.array([rng.choice(12, 4, replace=False) for _ in range(5)])
    pos = np.c_[np.zeros(12), rng.uniform(0, 1000, 12)]
    got = spike_depths(feats, tmpl, ind, pos)
    np.testing.assert_allclose(got, ref.spike_depths(feats, tmpl, ind, pos), rtol=1e-6, equal_nan=True)
