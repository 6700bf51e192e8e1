"""ClusterMetrics / WaveformSummary: full computation and incremental updates."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from phycore.analysis import (
    ClusterMetrics,
    MetricParams,
    PCFeatures,
    WaveformSummary,
    masked_cosine_similarity,
    template_similarity,
    top_similar,
)
from phycore.errors import ActionError, ClusterIdError


def _dataset(seed: int = 0, n: int = 20000, n_templates: int = 6, n_channels: int = 8):
    rng = np.random.default_rng(seed)
    st = np.sort(rng.uniform(0, 100, n))
    spike_templates = rng.integers(0, n_templates, n)
    sc = spike_templates.copy()
    amp = rng.gamma(8, 2, n)
    templates = np.zeros((n_templates, 20, n_channels), np.float32)
    for t in range(n_templates):
        ch = t % n_channels
        templates[t, 8, ch] = -10.0 - t
        templates[t, 10, ch] = 3.0
        templates[t, 8, (ch + 1) % n_channels] = -4.0
    pos = np.c_[np.zeros(n_channels), np.arange(n_channels) * 20.0]
    shanks = (np.arange(n_channels) >= n_channels // 2).astype(int)
    feats = rng.normal(0, 1, (n, 3, 4)).astype(np.float32)
    feats += spike_templates[:, None, None]
    ind = np.array([[(t + k) % n_channels for k in range(4)] for t in range(n_templates)])
    return SimpleNamespace(st=st, spike_templates=spike_templates, sc=sc, amp=amp, templates=templates,
                           pos=pos, shanks=shanks, feats=feats, ind=ind)


def _metrics(d, sc) -> ClusterMetrics:
    ws = WaveformSummary(d.templates, d.spike_templates, d.pos, d.shanks, n_best_channels=3)
    m = ClusterMetrics(d.st, duration=100.0, amplitudes=d.amp, waveforms=ws, noise=0.5,
                       pc_features=PCFeatures(d.feats, d.ind, d.spike_templates, max_other_spikes=3000))
    m.compute_all(sc)
    return m


def _assert_same(a: ClusterMetrics, b: ClusterMetrics) -> None:
    assert a.cluster_ids.tolist() == b.cluster_ids.tolist()
    ca, cb = a.as_columns(), b.as_columns()
    for k in ca:
        np.testing.assert_allclose(ca[k], cb[k], equal_nan=True, err_msg=k)


def test_full_table_columns_and_progress() -> None:
    d = _dataset()
    calls: list[tuple[str, float]] = []
    m = ClusterMetrics(d.st, duration=100.0, amplitudes=d.amp,
                       waveforms=WaveformSummary(d.templates, d.spike_templates, d.pos), noise=1.0,
                       pc_features=PCFeatures(d.feats, d.ind, d.spike_templates))
    m.compute_all(d.sc, progress=lambda step, frac: calls.append((step, frac)))
    assert m.columns == ("n_spikes", "firing_rate", "presence_ratio", "isi_violations", "isi_violation_ratio",
                         "contamination", "amplitude_cutoff", "snr", "isolation_distance", "l_ratio")
    assert calls[-1] == ("done", 1.0) and len(calls) == 2 + 2 * 6
    assert [f for _, f in calls] == sorted(f for _, f in calls)
    assert m.cluster_ids.tolist() == list(range(6))
    row = m[3]
    assert row["n_spikes"] == (d.sc == 3).sum()
    assert row["snr"] == pytest.approx(16.0 / 1.0)  # ptp (13 + 3) of template 3 / noise
    assert m.get(3, "firing_rate") == pytest.approx(row["n_spikes"] / 100.0)
    assert m.metric("n_spikes")(3) == row["n_spikes"]
    np.testing.assert_array_equal(m.column("n_spikes", [1, 0]), [(d.sc == 1).sum(), (d.sc == 0).sum()])
    with pytest.raises(ClusterIdError, match="77") as e:
        m[77]
    assert e.value.argument == "cluster_id"
    with pytest.raises(ActionError, match="nope"):
        m.column("nope")


def test_minimal_table_without_optional_inputs() -> None:
    m = ClusterMetrics([0.1, 0.2, 0.5], duration=1.0)
    m.compute_all([4, 4, 9])
    assert m.columns[-1] == "contamination" and len(m) == 2 and 9 in m
    assert m[9]["n_spikes"] == 1.0


def test_update_after_merge_and_split_equals_recompute() -> None:
    d = _dataset(1)
    sc = d.sc.copy()
    m = _metrics(d, sc)  # keeps a reference to the live `sc`
    # Merge 1 and 2 into 10 (in place, like Clustering does).
    moved = np.flatnonzero(np.isin(sc, [1, 2]))
    sc[moved] = 10
    assert m.update(SimpleNamespace(added=[10], deleted=[1, 2], spike_ids=moved)) == [10]
    _assert_same(m, _metrics(d, sc.copy()))
    # Split 10: every other spike to 11, the rest to 12.
    ids = np.flatnonzero(sc == 10)
    sc[ids[::2]] = 11
    sc[ids[1::2]] = 12
    m.update(SimpleNamespace(added=[11, 12], deleted=[10], spike_ids=ids[::-1]))  # unsorted on purpose
    _assert_same(m, _metrics(d, sc.copy()))
    # Same with an explicit lookup, and a metadata-only update is a no-op.
    assert m.update(SimpleNamespace(added=[], deleted=[])) == []
    m.update(SimpleNamespace(added=[11], deleted=[]), spikes_per_cluster={11: np.flatnonzero(sc == 11)})
    _assert_same(m, _metrics(d, sc.copy()))
    assert 10 not in m.waveforms and 11 in m.waveforms  # type: ignore[operator]


def test_metric_params_validation() -> None:
    with pytest.raises(ActionError, match="censored_period"):
        MetricParams(refractory_period=0.001, censored_period=0.002)


def test_waveform_summary() -> None:
    d = _dataset(2)
    ws = WaveformSummary(d.templates, d.spike_templates, d.pos, d.shanks, n_best_channels=3)
    sc = d.sc.copy()
    ws.compute(spike_clusters=sc)
    s = ws[5]
    assert s.main_template == 5 and s.peak_channel == 5 and s.amplitude == pytest.approx(18.0)
    assert s.depth == 100.0 and s.shank == 1
    # Channel 6 has ptp 4 (>= 0.1 * 18) on the same shank.
    assert s.best_channels.tolist() == [5, 6]
    moved = np.flatnonzero(np.isin(sc, [0, 1]))
    sc[moved] = 9
    assert ws.update(SimpleNamespace(added=[9], deleted=[0, 1], spike_ids=moved), spike_clusters=sc) == [9]
    assert 0 not in ws and ws[9].template_ids.size == 2
    n0, n1 = (d.spike_templates == 0).sum(), (d.spike_templates == 1).sum()
    expected = (n0 * d.templates[0] + n1 * d.templates[1]) / (n0 + n1)
    np.testing.assert_allclose(ws.mean_template(9), expected, rtol=1e-6)
    with pytest.raises(ClusterIdError):
        ws[0]


def test_similarity() -> None:
    w = np.zeros((3, 4, 3))
    w[0, 1, 0] = 1.0
    w[1, 1, 0] = 2.0
    w[1, 2, 1] = 2.0
    w[2, 2, 2] = 1.0
    s = masked_cosine_similarity(w)
    np.testing.assert_allclose(s[0], [1.0, 1 / np.sqrt(2), 0.0])
    masks = np.array([[1, 0, 0], [1, 0, 0], [0, 0, 1]], bool)
    np.testing.assert_allclose(masked_cosine_similarity(w, masks)[0], [1.0, 1.0, 0.0])
    st = np.array([[1.0, 0.2, 0.9], [0.2, 1.0, 0.4], [0.9, 0.4, 1.0]])
    got = template_similarity(st, {5: [0], 6: [1], 7: [1, 2]}, 5, [6, 7])
    np.testing.assert_allclose(got, [0.2, 0.9])
    assert top_similar([5, 6, 7], [1.0, 0.2, 0.9], exclude=[5], n=1) == [(7, 0.9)]


def test_waveform_summary_similarity_matches_masked_cosine() -> None:
    d = _dataset(3)
    ws = WaveformSummary(d.templates, d.spike_templates, d.pos, d.shanks, n_best_channels=3)
    ws.compute(spike_clusters=d.sc)
    ids = np.arange(6)
    masks = np.zeros((6, d.templates.shape[2]), bool)
    for c in ids:
        masks[c, ws[c].best_channels] = True
    expected = masked_cosine_similarity(ws.mean_templates(ids), masks)
    for c in ids:
        np.testing.assert_allclose(ws.similarity(int(c)), expected[c], atol=1e-12)
    assert ws.similarity(0)[0] == pytest.approx(1.0)


def test_float32_amplitudes_are_used_without_a_copy() -> None:
    d = _dataset(4)
    amp32 = d.amp.astype(np.float32)
    m32 = ClusterMetrics(d.st, duration=100.0, amplitudes=amp32)
    m64 = ClusterMetrics(d.st, duration=100.0, amplitudes=amp32.astype(np.float64))
    assert m32.amplitudes is amp32  # amplitudes.npy is float32 and memory-mapped: no 8-byte copy
    m32.compute_all(d.sc)
    m64.compute_all(d.sc)
    np.testing.assert_array_equal(m32.column("amplitude_cutoff"), m64.column("amplitude_cutoff"))


def test_compute_rows_stores_nothing_and_put_rows_adopts_them() -> None:
    d = _dataset(5)
    m = ClusterMetrics(d.st, duration=100.0, amplitudes=d.amp,
                       pc_features=PCFeatures(d.feats, d.ind, d.spike_templates))
    m.compute_all(d.sc)
    merged = np.flatnonzero(np.isin(d.sc, [1, 2]))
    rows = m.compute_rows({10: merged})
    assert 10 not in m and list(rows) == [10]
    m.put_rows(rows)
    sc = d.sc.copy()
    sc[merged] = 10
    ref = ClusterMetrics(d.st, duration=100.0, amplitudes=d.amp,
                         pc_features=PCFeatures(d.feats, d.ind, d.spike_templates))
    ref.compute_all(sc)
    for name in m.columns:
        np.testing.assert_array_equal(m.column(name, [10]), ref.column(name, [10]), err_msg=name)
    with pytest.raises(ActionError, match="values"):
        m.put_rows({3: np.zeros(2)})
