"""SNR, firing range, drift and the SpikeInterface-compatible options, on constructed inputs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from phycore.analysis import (
    ClusterMetrics,
    MetricParams,
    PCFeatures,
    TemplatePeaks,
    amplitude_cutoffs,
    drift_metrics,
    firing_ranges,
    noise_levels,
    snr,
    spike_train_metrics,
)
from phycore.analysis.stability import whole_bin_edges
from phycore.errors import ActionError, DataFormatError


# Firing range ---------------------------------------------------------------------------


def test_firing_range_of_a_steady_and_a_switching_unit() -> None:
    # Cluster 0: exactly 10 spikes in every 5-s bin (rate 2 Hz): range 0.
    # Cluster 1: 20 Hz during the first half, silent during the second: 95th - 5th = 20 Hz.
    t0 = np.arange(200) * 0.5 + 0.25
    t1 = np.arange(1000) * 0.05 + 0.01
    t = np.concatenate([t0, t1])
    sc = np.r_[np.zeros(t0.size, int), np.ones(t1.size, int)]
    order = np.argsort(t, kind="stable")
    fr = firing_ranges(t[order], duration=100.0, spike_clusters=sc[order])
    np.testing.assert_allclose(fr, [0.0, 20.0])
    # An incomplete last bin (duration 102 s) is left out, as in SpikeInterface.
    np.testing.assert_allclose(firing_ranges(t[order], duration=102.0, spike_clusters=sc[order]), [0.0, 20.0])
    # Percentiles interpolate linearly (numpy.percentile).
    np.testing.assert_allclose(firing_ranges(t[order], [1], duration=100.0, percentiles=(25, 75),
                                             spike_clusters=sc[order]), [20.0])


def test_firing_range_nan_and_errors() -> None:
    assert np.isnan(firing_ranges([1.0], duration=4.0, spike_clusters=[0])).all()  # shorter than a bin
    assert np.isnan(firing_ranges([1.0], [0, 5], duration=40.0, spike_clusters=[0])[1])  # empty cluster
    with pytest.raises(ActionError):
        firing_ranges([1.0], duration=40.0, percentiles=(90, 10), spike_clusters=[0])
    np.testing.assert_allclose(whole_bin_edges(130.0, 60.0), [0.0, 60.0, 120.0])
    assert whole_bin_edges(30.0, 60.0).size == 0


# Drift ----------------------------------------------------------------------------------


def _drifting(n_per_s: int = 5, duration: float = 300.0, speed: float = 0.1, seed: int = 0):
    """One unit whose depth grows by ``speed`` µm/s, with ±2 µm of noise."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, duration, int(n_per_s * duration)))
    return t, 100.0 + speed * t + rng.uniform(-2, 2, t.size)


def test_drift_of_a_linearly_drifting_unit() -> None:
    t, y = _drifting()
    d = drift_metrics(t, y, duration=300.0, spike_clusters=np.zeros(t.size, int))
    # 5 bins of 60 s whose median depths are about 103, 109, ..., 127: ptp ~ 24 µm.
    assert d.ptp[0] == pytest.approx(24.0, abs=1.0)
    assert d.std[0] == pytest.approx(np.std([3, 9, 15, 21, 27]), abs=0.5)
    assert d.mad[0] == pytest.approx(6.0, abs=0.5)
    # A steady unit: only the noise of the medians.
    steady = drift_metrics(t, 100.0 + (y - 100.0 - 0.1 * t), duration=300.0, spike_clusters=np.zeros(t.size, int))
    assert steady.ptp[0] < 1.0


def test_drift_nan_rules() -> None:
    t, y = _drifting(n_per_s=1)  # 60 spikes per bin: below the default 100
    sc = np.zeros(t.size, int)
    assert np.isnan(drift_metrics(t, y, duration=300.0, spike_clusters=sc).ptp[0])
    assert np.isfinite(drift_metrics(t, y, duration=300.0, min_spikes_per_interval=50, spike_clusters=sc).ptp[0])
    assert np.isnan(drift_metrics(t, y, duration=300.0, min_num_bins=6, min_spikes_per_interval=1,
                                  spike_clusters=sc).ptp[0])
    # NaN depths are ignored; all-NaN gives NaN.
    y2 = y.copy()
    y2[::2] = np.nan
    assert np.isfinite(drift_metrics(t, y2, duration=300.0, min_spikes_per_interval=20, spike_clusters=sc).ptp[0])
    assert np.isnan(drift_metrics(t, np.full(t.size, np.nan), duration=300.0, spike_clusters=sc).ptp[0])


# SNR ------------------------------------------------------------------------------------


def test_snr_extremum_and_peak_to_peak() -> None:
    w = np.zeros((1, 10, 3))
    w[0, 4, 1] = -8.0
    w[0, 6, 1] = 6.0
    w[0, 4, 2] = -7.0
    # The channel is the template's extremum channel (as SpikeInterface's main channel),
    # whatever the noise: |-8| / 2 on channel 1.
    np.testing.assert_allclose(snr(w, [1.0, 2.0, 1.0], method="extremum"), [4.0])
    np.testing.assert_allclose(snr(w, [1.0, 2.0, 1.0]), [7.0])  # ptp 14 / 2 on channel 1
    np.testing.assert_allclose(snr(w, [1.0, 1.0, 1.0], method="extremum"), [8.0])
    with pytest.raises(ActionError):
        snr(w, 1.0, method="nope")


def test_template_peaks_snr_of_single_and_merged_clusters() -> None:
    # Two templates with their peak on channels 0 and 3; dense (4 channels).
    temps = np.zeros((2, 5, 4), np.float32)
    temps[0, 2, 0], temps[0, 2, 1] = -10.0, -4.0
    temps[1, 2, 3], temps[1, 2, 0] = -6.0, -2.0
    st = np.array([0, 0, 0, 1])
    tp = TemplatePeaks(temps, st, noise=[2.0, 1.0, 1.0, 1.0], n_channels=2)
    assert tp.snr([0, 1]) == pytest.approx(5.0)  # 10 / 2
    assert tp.snr([3]) == pytest.approx(6.0)  # 6 / 1 on channel 3
    # Merged (3 spikes of template 0, 1 of template 1): mean on channel 0 is
    # (3 * -10 + 1 * -2) / 4 = -8, on channel 3 -1.5: SNR 8 / 2.
    assert tp.snr([0, 1, 2, 3]) == pytest.approx(4.0)
    assert np.isnan(tp.snr([]))
    # Sparse input with channel ids, -1 marking unused columns.
    sparse = [temps[0][:, [1, 0]], np.c_[temps[1][:, [3, 0]], np.zeros(5)]]
    tp2 = TemplatePeaks(sparse, st, [2.0, 1.0, 1.0, 1.0], channel_ids=[[1, 0], [3, 0, -1]])
    assert tp2.snr([0, 1, 2, 3]) == pytest.approx(4.0)
    longer = tp2.with_spike_templates(np.r_[st, 1])
    assert longer.snr([4]) == pytest.approx(6.0)
    with pytest.raises(DataFormatError):
        TemplatePeaks(temps, [0, 2], [1.0] * 4)
    with pytest.raises(DataFormatError):
        TemplatePeaks(temps, st, [1.0, 1.0])  # channels without a noise level


def test_noise_levels_per_chunk_average() -> None:
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 1, (20000, 2)), rng.normal(0, 3, (20000, 2))]
    chunked = noise_levels(x, chunk_size=20000)
    whole = [np.median(np.abs(c - np.median(c, 0)), 0) / 0.6744897501960817 for c in (x[:20000], x[20000:])]
    np.testing.assert_allclose(chunked, np.mean(whole, axis=0))
    assert chunked == pytest.approx([2.0, 2.0], rel=0.03)


# SpikeInterface-compatible options --------------------------------------------------------


def test_amplitude_cutoff_spikeinterface_method_matches_its_function() -> None:
    pytest.importorskip("spikeinterface")
    from spikeinterface.metrics.quality.misc_metrics import amplitude_cutoff

    rng = np.random.default_rng(3)
    a = rng.normal(60, 15, 5000)
    cut = a[a > 45]  # a threshold cut: a missing left tail
    sc = np.r_[np.zeros(cut.size, int), np.ones(300, int)]
    amps = np.r_[cut, rng.normal(60, 15, 300)]
    got = amplitude_cutoffs(amps, spike_clusters=sc, n_bins=100, method="spikeinterface")
    assert got[0] == pytest.approx(amplitude_cutoff(cut), rel=1e-12) and got[0] > 0.05
    assert np.isnan(got[1])  # 300 spikes < 5 per bin x 100 bins
    # Negative amplitudes are flipped, as compute_amplitude_cutoffs does.
    neg = amplitude_cutoffs(-amps, spike_clusters=sc, n_bins=100, method="spikeinterface")
    np.testing.assert_allclose(neg, got, equal_nan=True)
    np.testing.assert_allclose(amplitude_cutoffs(-amps, spike_clusters=sc), amplitude_cutoffs(amps, spike_clusters=sc))
    with pytest.raises(ActionError):
        amplitude_cutoffs(amps, spike_clusters=sc, method="nope")


def test_presence_ratio_with_bin_duration() -> None:
    # Spikes at 1, 2, 65 and 125 s in a 130-s recording with 60-s bins: [0, 60) and
    # [60, 120] occupied; the spike at 125 s is in no whole bin.
    t = np.array([1.0, 2.0, 65.0, 125.0, 10.0, 125.5])
    sc = np.array([0, 0, 0, 0, 1, 1])
    order = np.argsort(t)
    m = spike_train_metrics(t[order], duration=130.0, presence_bin_duration=60.0, spike_clusters=sc[order])
    np.testing.assert_allclose(m.presence_ratio, [1.0, 0.5])
    short = spike_train_metrics(t[order], duration=30.0, presence_bin_duration=60.0, spike_clusters=sc[order])
    assert np.isnan(short.presence_ratio).all()


# The table ------------------------------------------------------------------------------


def _table_data(seed: int = 0, n: int = 30000):
    rng = np.random.default_rng(seed)
    n_templates, n_channels = 4, 8
    st = np.sort(rng.uniform(0, 300, n))
    spike_templates = rng.integers(0, n_templates, n)
    templates = np.zeros((n_templates, 20, n_channels), np.float32)
    for t in range(n_templates):
        templates[t, 8, 2 * t] = -10.0 - t
        templates[t, 10, 2 * t] = 4.0
    feats = np.abs(rng.normal(1, 0.2, (n, 3, 4))).astype(np.float32)
    # Template 0 drifts: its first PC moves from the first to the second channel.
    drift = (st / 300.0)[spike_templates == 0]
    feats[spike_templates == 0, 0, 0] = 2.0 * (1 - drift)
    feats[spike_templates == 0, 0, 1] = 2.0 * drift
    feats[spike_templates == 0, 0, 2:] = 0.0
    ind = np.array([[(2 * t + k) % n_channels for k in range(4)] for t in range(n_templates)])
    return SimpleNamespace(st=st, spike_templates=spike_templates, templates=templates, feats=feats, ind=ind,
                           y=np.arange(n_channels) * 20.0)


def test_table_new_columns_and_incremental_rows() -> None:
    d = _table_data()
    tp = TemplatePeaks(d.templates, d.spike_templates, np.full(8, 2.0))
    m = ClusterMetrics(d.st, duration=300.0, template_peaks=tp, firing_range=True,
                       pc_features=PCFeatures(d.feats, d.ind, d.spike_templates, pool_per_template=50_000),
                       channel_y=d.y)
    assert m.columns[6:] == ("snr", "isolation_distance", "l_ratio", "firing_range", "drift_ptp", "drift_std",
                             "drift_mad")
    m.compute_all(d.spike_templates)
    assert m.get(2, "snr") == pytest.approx(12.0 / 2.0)
    np.testing.assert_allclose(m.column("firing_range", [1]), firing_ranges(
        d.st, [1], duration=300.0, spike_clusters=d.spike_templates))
    # Template 0's depth goes from 0 to 20 µm (squared-PC weights): a drift of ~16 µm between
    # the first and last 60-s bins; the others stay put.
    assert 12.0 < m.get(0, "drift_ptp") < 20.0
    assert m.get(1, "drift_ptp") < 1.0
    # The drift from the pool equals drift_metrics on every spike when the pool holds them all.
    from phycore.analysis import spike_depths

    depth = spike_depths(d.feats, d.spike_templates, d.ind, np.c_[np.zeros(8), d.y])
    full = drift_metrics(d.st, depth, [0, 1], duration=300.0, spike_clusters=d.spike_templates)
    np.testing.assert_allclose(m.column("drift_ptp", [0, 1]), full.ptp, rtol=1e-9)
    np.testing.assert_allclose(m.column("drift_mad", [0, 1]), full.mad, rtol=1e-9)
    # Rows computed from spike ids (the controller's worker) equal the table's.
    spikes = {1: np.flatnonzero(d.spike_templates == 1)}
    np.testing.assert_allclose(m.compute_rows(spikes)[1], m._row(1))
    # Per-spike depths instead of the pool: the same values here.
    m2 = ClusterMetrics(d.st, duration=300.0, depths=depth)
    m2.compute_all(d.spike_templates)
    np.testing.assert_allclose(m2.column("drift_ptp", [0, 1]), full.ptp)


def test_drift_from_a_subsampled_pool_counts_represented_spikes() -> None:
    d = _table_data(n=40000)
    # 500 pool rows per template of ~10,000 spikes: each row stands for ~20 spikes, so
    # 60-s bins (about 100 rows) hold about 2,000 represented spikes: valid bins.
    pc = PCFeatures(d.feats, d.ind, d.spike_templates, pool_per_template=500)
    spikes, depths, weights = pc.depth_sample(np.flatnonzero(d.spike_templates == 0), d.y)
    assert spikes.size == 500 and weights.sum() == pytest.approx((d.spike_templates == 0).sum())
    m = ClusterMetrics(d.st, duration=300.0, pc_features=pc, channel_y=d.y)
    m.compute_all(d.spike_templates)
    assert 12.0 < m.get(0, "drift_ptp") < 20.0


def test_metric_params_validation() -> None:
    with pytest.raises(ActionError):
        MetricParams(amplitude_cutoff_method="nope")
    with pytest.raises(ActionError):
        MetricParams(snr_method="nope")
    with pytest.raises(ActionError):
        MetricParams(presence_bin_duration=0.0)
    p = MetricParams(presence_bin_duration=60.0, amplitude_cutoff_method="spikeinterface", amplitude_cutoff_bins=100)
    assert p.presence_bin_duration == 60.0
