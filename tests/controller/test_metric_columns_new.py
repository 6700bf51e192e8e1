"""The controller's SNR, firing-range and drift columns (docs/metrics.md)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from phycore.analysis import firing_ranges
from phycore.controller import TemplateController
from phycore.controller import _metrics
from phycore.model.synthetic import make_dataset


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 130 s: two whole 60-s drift bins; noise_std 8 (raw-data units).
    return Path(make_dataset(tmp_path_factory.mktemp("new_cols") / "data", n_spikes=30_000, n_channels=32,
                             n_templates=12, duration=130.0, raw=True, seed=5, noise_std=8.0))


def test_columns_values_and_merge(source: Path) -> None:
    c = TemplateController(source, metrics=True, read_only=True)
    try:
        s, q = c.supervisor, c.quality
        assert {"snr", "firing_range", "drift_ptp"} <= set(s.columns)
        # The noise levels of a few raw chunks find the generator's noise.
        np.testing.assert_allclose(np.median(q.metrics.template_peaks.noise), 8.0, rtol=0.1)
        ids = sorted(s.clustering.cluster_ids.tolist())
        info = {k: s.get_cluster_info(k) for k in ids}
        assert all(info[k]["snr"] > 0 for k in ids)
        sc = np.asarray(s.clustering.spike_clusters)
        expected = firing_ranges(c.model.spike_times, ids, duration=float(c.model.duration), spike_clusters=sc)
        np.testing.assert_allclose([info[k]["firing_range"] for k in ids], expected)
        assert all(info[k]["drift_ptp"] is not None and info[k]["drift_ptp"] >= 0 for k in ids)
        # Kilosort's convention (unwhitened template x mean amplitude) puts the templates in
        # raw-data units: their peak is that of the mean raw waveform (300 spikes; the
        # noise of that mean is 8 / sqrt(300) = 0.5 units of ~100).
        tp = q.metrics.template_peaks
        for t in range(3):
            spikes = np.flatnonzero(np.asarray(c.model.spike_templates) == t)[:300]
            raw = np.asarray(c.model.get_waveforms(spikes, [tp.channels[t][0]])).mean(axis=0).ravel()
            assert np.abs(tp.waves[t][:, 0]).max() == pytest.approx(np.abs(raw).max(), rel=0.05)
        # A merge: the new cluster's SNR is that of the count-weighted mean template.
        a, b = ids[:2]
        new = s.merge(a, b).added[0]
        spikes = np.asarray(s.clustering.spikes_in_clusters([new]))
        assert s.get_cluster_info(new)["snr"] == pytest.approx(q.metrics.template_peaks.snr(spikes))
    finally:
        c.close()


def test_unreadable_raw_data_leaves_only_the_snr_empty(source: Path, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    def broken(model: object) -> np.ndarray:
        raise OSError("disk error")

    monkeypatch.setattr(_metrics, "raw_noise_levels", broken)
    with caplog.at_level(logging.WARNING, logger="phycore.controller"):
        c = TemplateController(source, metrics=True, read_only=True)
    try:
        first = sorted(c.supervisor.clustering.cluster_ids.tolist())[0]
        row = c.supervisor.get_cluster_info(first)
        assert row["snr"] is None and row["firing_range"] is not None and row["isolation_distance"] is not None
        assert "SNR column stays empty" in caplog.text and "disk error" in caplog.text
    finally:
        c.close()
