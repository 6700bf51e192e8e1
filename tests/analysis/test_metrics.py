"""Quality metrics: hand-computed examples, numpy/scipy references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d
from scipy.stats import chi2

from phycore.analysis import (
    PCFeatures,
    amplitude_cutoffs,
    hill_contamination,
    noise_levels,
    snr,
    spike_train_metrics,
)
from phycore.analysis._metric_kernels import (
    _chi2_sf,
    _gaussian_smooth,
    _isolation,
    _isolation_weighted,
    _pool_rows,
    gaussian_weights,
)
from phycore.analysis.isolation import read_rows
from phycore.errors import ActionError
from tests.analysis import reference as ref


def test_hand_computed_spike_train_metrics() -> None:
    # Cluster 1: 4 spikes in 10 s, one ISI of 1 ms (< 1.5 ms). Cluster 2: no spike.
    st = np.array([0.5, 0.501, 3.0, 9.99])
    sc = np.array([1, 1, 1, 1])
    m = spike_train_metrics(st, [1, 2], duration=10.0, n_presence_bins=10, spike_clusters=sc)
    assert m.n_spikes.tolist() == [4, 0]
    np.testing.assert_allclose(m.firing_rate, [0.4, 0.0])
    # Bins of 1 s: spikes in bins 0, 3, 9 -> 3 of 10.
    np.testing.assert_allclose(m.presence_ratio, [0.3, 0.0])
    assert m.isi_violations.tolist() == [1, 0]
    # V T / (2 N^2 tau_r) = 1 * 10 / (2 * 16 * 0.0015) = 208.33 > 1/4 -> contamination 1.
    np.testing.assert_allclose(m.isi_violation_ratio[0], 10 / (2 * 16 * 0.0015))
    assert m.contamination[0] == 1.0
    assert np.isnan(m.isi_violation_ratio[1]) and np.isnan(m.contamination[1])


def test_hill_contamination_root() -> None:
    c = 0.1
    ratio = c * (1 - c)
    np.testing.assert_allclose(hill_contamination([ratio, 0.0, 0.3]), [0.1, 0.0, 1.0])


def test_contamination_recovers_poisson_mixture() -> None:
    # A refractory neuron (3 ms dead time) + 10% Poisson contamination.
    rng = np.random.default_rng(0)
    T, rate = 2000.0, 20.0
    isi = 0.003 + rng.exponential(1 / rate - 0.003, int(T * rate * 1.2))
    good = np.cumsum(isi)
    good = good[good < T]
    bad = rng.uniform(0, T, len(good) // 9)
    st = np.sort(np.r_[good, bad])
    m = spike_train_metrics(st, [0], duration=T, refractory_period=0.0015, spike_clusters=np.zeros(len(st), int))
    assert abs(m.contamination[0] - 0.1) < 0.03


@pytest.mark.parametrize("tau_c", [0.0, 0.0005])
def test_spike_train_metrics_match_reference(tau_c: float) -> None:
    rng = np.random.default_rng(3)
    st = np.sort(rng.uniform(0, 50, 4000))
    st[-1] = 50.0  # a spike at the very end
    sc = rng.integers(0, 6, len(st))
    cids = [5, 0, 3, 99]
    m = spike_train_metrics(st, cids, duration=50.0, censored_period=tau_c, n_presence_bins=37, spike_clusters=sc)
    r = ref.train_metrics(st, sc, cids, 50.0, 0.0015, tau_c, 37)
    for k, v in r.items():
        np.testing.assert_allclose(getattr(m, k), v, equal_nan=True, err_msg=k)


def test_spike_train_metric_errors() -> None:
    with pytest.raises(ActionError, match="censored_period"):
        spike_train_metrics([0.1], [0], duration=1.0, censored_period=0.002, spike_clusters=[0])
    with pytest.raises(ActionError, match="duration"):
        spike_train_metrics([0.1], [0], duration=0.0, spike_clusters=[0])


def test_gaussian_smoothing_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    for n, sigma in [(500, 3.0), (7, 3.0), (1, 2.0), (40, 0.7)]:
        x = rng.random(n)
        np.testing.assert_allclose(_gaussian_smooth(x, gaussian_weights(sigma)), gaussian_filter1d(x, sigma), rtol=1e-12, atol=1e-15)


def test_chi2_sf_matches_scipy() -> None:
    for df in (1, 2, 3, 8, 12, 24):
        x = np.r_[0.0, np.geomspace(1e-4, 300, 60)]
        got = np.array([_chi2_sf(v, float(df)) for v in x])
        np.testing.assert_allclose(got, chi2.sf(x, df), rtol=1e-9, atol=1e-300)


def test_amplitude_cutoff_matches_allen_reference() -> None:
    rng = np.random.default_rng(5)
    n = 6000
    amp = rng.normal(10, 2, n)
    sc = rng.integers(0, 3, n)
    amp[sc == 1] = np.maximum(amp[sc == 1], 9.0)  # truncated: a cutoff
    amp[sc == 2] = amp[sc == 2][0]  # constant -> NaN
    got = amplitude_cutoffs(amp, [0, 1, 2, 7], spike_clusters=sc)
    expected = [ref.amplitude_cutoff(amp[sc == c]) for c in (0, 1, 2)] + [np.nan]
    np.testing.assert_allclose(got, expected, rtol=1e-9, equal_nan=True)
    assert got[1] > got[0]


def test_snr_and_noise_levels() -> None:
    w = np.zeros((2, 5, 3))
    w[0, 2, 1] = -8.0
    w[0, 3, 1] = 2.0  # ptp 10 on channel 1
    w[1, 1, 2] = 4.0  # ptp 4 on channel 2
    np.testing.assert_allclose(snr(w, [1.0, 2.0, 4.0]), [5.0, 1.0])
    rng = np.random.default_rng(6)
    x = rng.normal(0, 3.0, (200_000, 2))
    np.testing.assert_allclose(noise_levels(x), [3.0, 3.0], rtol=0.02)


def test_isolation_kernel_matches_reference() -> None:
    rng = np.random.default_rng(7)
    xc = rng.normal(0, 1, (300, 6))
    xo = rng.normal(3, 2, (900, 6))
    got = _isolation(xc, xo, 300.0, 900.0)
    np.testing.assert_allclose(got, ref.isolation(xc, xo), rtol=1e-8)
    # Scaled (sub-sampled others: 900 evaluated stand for 1800).
    got = _isolation(xc, xo, 300.0, 1800.0)
    np.testing.assert_allclose(got, ref.isolation(xc, xo, 300, 1800), rtol=1e-8)
    # More cluster spikes than others -> isolation distance undefined.
    assert np.isnan(_isolation(xc, xo[:100], 300.0, 100.0)[0])


def _features(seed: int = 8):
    """Two templates on overlapping channels; cluster 0 well separated from cluster 1."""
    rng = np.random.default_rng(seed)
    n = 4000
    st = np.repeat([0, 1], n // 2)
    feats = rng.normal(0, 1, (n, 3, 4)).astype(np.float32)
    feats[st == 1] += 6.0
    ind = np.array([[0, 1, 2, 3], [1, 0, 3, 2]])  # same channels, other order
    return feats, ind, st


def test_pc_features_isolation_against_reference() -> None:
    feats, ind, st = _features()
    sc = st.copy()
    pcf = PCFeatures(feats, ind, st, n_channels=2, n_pcs=2, pool_per_template=2000)  # the whole data
    iso, lr = pcf.compute(0, np.flatnonzero(sc == 0), sc)
    # Channels 0, 1 of template 0: feature columns (0, 1) for template 0, (1, 0) for template 1.
    xc = np.stack([feats[st == 0][:, p, q] for q in (0, 1) for p in (0, 1)], axis=1)
    xo = np.stack([feats[st == 1][:, p, q] for q in (1, 0) for p in (0, 1)], axis=1)
    np.testing.assert_allclose((iso, lr), ref.isolation(xc.astype(float), xo.astype(float)), rtol=1e-6)
    assert iso > 50 and lr < 1e-3


def test_pc_features_subsampling_and_subset() -> None:
    feats, ind, st = _features(9)
    sc = st.copy()
    full = PCFeatures(feats, ind, st, pool_per_template=2000)
    capped = PCFeatures(feats, ind, st, max_cluster_spikes=500, max_other_spikes=700)
    a = full.compute(1, np.flatnonzero(sc == 1), sc)
    b = capped.compute(1, np.flatnonzero(sc == 1), sc)
    assert abs(b[0] - a[0]) / a[0] < 0.25
    # Features for a subset of the spikes only.
    keep = np.arange(0, len(st), 2)
    sub = PCFeatures(feats[keep], ind, st, spike_ids=keep)
    c = sub.compute(1, np.flatnonzero(sc == 1), sc)
    assert np.isfinite(c[0]) and abs(c[0] - a[0]) / a[0] < 0.25
    # Too few spikes with features -> NaN.
    assert np.isnan(full.compute(1, np.array([5]), sc)[0])


def test_weighted_isolation_kernel() -> None:
    rng = np.random.default_rng(11)
    xc = rng.normal(0, 1, (300, 6))
    xo = rng.normal(2, 2, (900, 6))
    # Equal weights: the sub-sampled estimate of _isolation (900 rows standing for 1800).
    got = _isolation_weighted(xc, np.full(300, 7.0), xo, np.full(900, 2.0), 300.0)
    np.testing.assert_allclose(got, _isolation(xc, xo, 300.0, 1800.0), rtol=1e-10)
    # Integer weights are repeated rows (frequency weights of the others).
    wo = rng.integers(1, 4, 900).astype(float)
    got = _isolation_weighted(xc, np.ones(300), xo, wo, 300.0)
    np.testing.assert_allclose(got, ref.isolation(xc, np.repeat(xo, wo.astype(int), axis=0)), rtol=1e-8)
    # Weighted mean / covariance of the cluster: rows duplicated k times weigh k.
    wc = rng.integers(1, 3, 300)
    a = _isolation_weighted(xc, wc.astype(float), xo, np.ones(900), 300.0)
    mu = np.average(xc, axis=0, weights=wc)
    cov = np.cov(xc, rowvar=False, aweights=wc)
    d2 = np.einsum("ij,jk,ik->i", xo - mu, np.linalg.inv(cov), xo - mu)
    assert a[0] == pytest.approx(np.sort(d2)[299]) and a[1] == pytest.approx(chi2.sf(d2, 6).sum() / 300)


def test_pool_rows_are_evenly_spaced_per_template() -> None:
    t = np.array([0, 1, 0, 0, 1, 0, 0, 2, 0])
    n = np.bincount(t)
    rows = _pool_rows(t, n, np.array([3, 2, 0]))
    # Template 0 holds rows 0 2 3 5 6 8: ranks 0, 2, 5 -> rows 0, 3, 8; template 1 all.
    assert rows.tolist() == [0, 3, 8, 1, 4]


def _big_features(seed: int = 12):
    """Four templates of unequal sizes on the same channels, two near each other."""
    rng = np.random.default_rng(seed)
    sizes = [3000, 6000, 400, 2500]
    st = rng.permutation(np.repeat(np.arange(4), sizes))
    centres = np.array([0.0, 1.5, 3.0, 8.0])
    feats = rng.normal(0, 1, (st.size, 3, 4)).astype(np.float32)
    feats += centres[st][:, None, None].astype(np.float32)
    feats[:, 0, :] *= 1.0 + st[:, None]  # unequal spreads
    ind = np.tile(np.arange(4), (4, 1))
    return feats, ind, st


def test_pool_estimates_close_to_full_data(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.analysis import isolation

    monkeypatch.setattr(isolation, "_CHUNK_BYTES", 4096)  # many stretches of the mapped file
    feats, ind, st = _big_features()
    full = PCFeatures(feats, ind, st, pool_per_template=10**6, max_other_spikes=10**6)
    pool = PCFeatures(feats, ind, st, pool_per_template=300)
    clusters = {
        "one template": np.flatnonzero(st == 0),
        "merge of a large and a small template": np.flatnonzero(np.isin(st, [0, 2])),
        "a small piece of a large template": np.flatnonzero(st == 1)[::40],
        "1% of every template": np.arange(0, st.size, 100),
    }
    for name, ids in clusters.items():
        a = full.compute(0, ids)
        b = pool.compute(0, ids)
        assert np.isfinite(a[0]) and abs(b[0] - a[0]) <= 0.15 * a[0], name
        assert abs(b[1] - a[1]) <= 0.15 * a[1] + 1e-6, name
    assert pool.pool_size == 300 * 3 + 300  # template 2 has 400 spikes: 300 of them
    # Memory-mapped file: same rows, same values (read through a private mapping).
    path = tmp_path / "pc_features.npy"
    np.save(path, feats)
    mapped = PCFeatures(np.load(path, mmap_mode="r"), ind, st, pool_per_template=300)
    for ids in clusters.values():
        assert mapped.compute(0, ids) == pool.compute(0, ids)
    rows = np.array([3, 17, 5000, 5001, 11899])
    np.testing.assert_array_equal(read_rows(np.load(path, mmap_mode="r"), rows, 2), feats[rows, :2])


def test_pool_is_exact_when_every_template_fits() -> None:
    feats, ind, st = _features(13)
    exact = PCFeatures(feats, ind, st, pool_per_template=2000, max_other_spikes=10**6)
    ids = np.flatnonzero(st == 0)
    xc = np.stack([feats[ids][:, p, q] for q in range(4) for p in range(3)], axis=1).astype(float)
    other = np.flatnonzero(st == 1)
    xo = np.stack([feats[other][:, p, ind[1].tolist().index(q)] for q in range(4) for p in range(3)],
                  axis=1).astype(float)
    np.testing.assert_allclose(exact.compute(0, ids), ref.isolation(xc, xo), rtol=1e-6)


def test_pool_extended_with_appended_spikes() -> None:
    feats, ind, st = _big_features(14)
    n0 = 9000
    before = PCFeatures(feats[:n0], ind, st[:n0], pool_per_template=300)
    before.prepare()
    first = (before._pool.spikes.copy(), before._pool.features.copy())
    after = PCFeatures(feats, ind, st, pool_per_template=300)
    after.extend_from(before)
    pool = after._pool
    assert pool is not None and pool.spikes.size > before.pool_size
    # The old rows are kept as they were (a worker may still use the old pool).
    np.testing.assert_array_equal(before._pool.spikes, first[0])
    np.testing.assert_array_equal(pool.spikes[:before.pool_size], first[0])
    new = pool.spikes[before.pool_size:]
    assert new.min() >= n0 and np.all(np.diff(new) > 0)
    np.testing.assert_array_equal(pool.features[before.pool_size:], feats[new])
    np.testing.assert_array_equal(pool.n_per_template, np.bincount(st, minlength=4))
    # Per template: every ceil(n_t / 300)-th appended row (all of them for the small one).
    n_before = np.bincount(st[:n0], minlength=4)
    for t in range(4):
        appended = np.flatnonzero(st[n0:] == t) + n0
        stride = max(1, -(-n_before[t] // 300))
        np.testing.assert_array_equal(new[st[new] == t], appended[::stride])
    # Estimates close to a pool read afresh and to the full data.
    fresh = PCFeatures(feats, ind, st, pool_per_template=300)
    full = PCFeatures(feats, ind, st, pool_per_template=10**6, max_other_spikes=10**6)
    for ids in (np.flatnonzero(st == 0), np.flatnonzero(np.isin(st, [0, 2]))):
        a, b, c = full.compute(0, ids), after.compute(0, ids), fresh.compute(0, ids)
        assert abs(b[0] - a[0]) <= 0.15 * a[0] and abs(c[0] - a[0]) <= 0.15 * a[0]
    # A second append extends the extended pool.
    again = PCFeatures(np.concatenate([feats, feats[:500]]), ind, np.concatenate([st, st[:500]]),
                       pool_per_template=300)
    again.extend_from(after)
    assert again.pool_size > after.pool_size
    np.testing.assert_array_equal(again._pool.spikes[:after.pool_size], pool.spikes)
