"""``make_dataset(realistic=True)``: spike trains, waveforms and ground truth a user would recognise.

Each test checks one property of the realistic generator with phycore's own analysis
functions (ISI metrics, correlograms), against the ground truth the folder carries.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.analysis.ccg import autocorrelograms, correlograms
from phycore.analysis.metrics import spike_train_metrics
from phycore.model import load_model
from phycore.model._synth_real import plan_duration
from phycore.model.events import load_events
from phycore.model.synthetic import TRUTH_FILE, make_dataset, read_truth

FS = 30_000.0
KW: dict[str, Any] = dict(n_spikes=None, n_channels=32, n_templates=36, duration=240.0, seed=5, realistic=True)


@pytest.fixture(scope="session")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("realistic")
    make_dataset(d, raw=False, **KW)
    return d


@pytest.fixture(scope="session")
def spikes(folder: Path) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Spike times (s), clusters and truth."""
    m = load_model(folder / "params.py")
    return m.spike_samples / FS, np.asarray(m.spike_clusters), read_truth(folder)


def _singles(truth: dict[str, Any]) -> list[int]:
    """Good units that are neither half of an over-split pair."""
    split = {c for pair in truth["oversplit_pairs"] for c in pair}
    return [c for c in truth["good_clusters"] if c not in split]


def test_truth_round_trips_and_names_every_role(folder: Path, spikes: Any) -> None:
    _, clusters, truth = spikes
    assert truth == json.loads((folder / TRUTH_FILE).read_text())
    assert read_truth(folder / "params.py") == truth
    ids = set(np.unique(clusters).tolist())
    roles = [truth["noise_clusters"], truth["mua_clusters"], truth["good_clusters"]]
    assert sorted(c for r in roles for c in r) == sorted(ids)  # a partition of the clusters
    assert truth["noise_clusters"] and truth["mua_clusters"] and len(truth["oversplit_pairs"]) >= 2
    for a, b in truth["oversplit_pairs"]:
        assert a in truth["good_clusters"] and b in truth["good_clusters"]
    assert set(truth["firing_rates_hz"]) == {str(c) for c in ids}
    for c, r in truth["responsive_clusters"].items():
        assert int(c) in ids and r["event"] == "stimulus"
        assert 10 <= r["latency_ms"] <= 50 and r["rate_hz"] > 0
    assert 1.5 <= truth["refractory_ms"] <= 2.0
    ks = dict(line.split("\t") for line in (folder / "cluster_KSLabel.tsv").read_text().split("\n")[1:] if line)
    assert {ks[str(c)] for c in truth["noise_clusters"] + truth["mua_clusters"]} == {"mua"}
    assert not (folder / "cluster_group.tsv").exists()  # nothing curated yet


def test_good_units_respect_the_refractory_period(spikes: Any) -> None:
    t, clusters, truth = spikes
    m = spike_train_metrics(t, duration=truth["duration_s"], spike_clusters=clusters)
    viol = dict(zip(m.cluster_ids.tolist(), m.isi_violations.tolist()))
    ratio = dict(zip(m.cluster_ids.tolist(), m.isi_violation_ratio.tolist()))
    assert all(viol[c] == 0 for c in truth["good_clusters"])
    # Pooled neurons and artefacts violate it, as in real data.
    assert all(ratio[c] > 0.05 for c in truth["mua_clusters"] + truth["noise_clusters"])


def test_firing_rates_are_physiological(spikes: Any) -> None:
    t, clusters, truth = spikes
    rates = {int(c): r for c, r in truth["firing_rates_hz"].items()}
    assert all(0.1 <= r <= 50.0 for r in rates.values())
    assert 2.0 <= np.median([rates[c] for c in _singles(truth)]) <= 10.0
    counts = np.bincount(clusters)
    for c, r in rates.items():
        assert counts[c] / truth["duration_s"] == pytest.approx(r, abs=1e-3)


def test_autocorrelograms_show_the_refractory_dip_and_bursts(spikes: Any) -> None:
    t, clusters, truth = spikes
    good = np.array(_singles(truth))
    acg = autocorrelograms(t, good, sample_rate=FS, bin_size=5e-4, window_size=0.05, spike_clusters=clusters)
    centre = acg.shape[1] // 2  # bins of 0.5 ms: |lag| < 1.25 ms are centre +/- 2
    assert acg[:, centre - 2:centre + 3].sum() == 0
    flat = acg[:, centre + 20:centre + 50].mean(axis=1)  # 10-25 ms
    assert acg.sum() > 0 and (flat > 0).any()
    bursting = [i for i, c in enumerate(good) if c in truth["bursting_clusters"]]
    assert bursting
    for i in bursting:  # a shoulder at the burst intervals (3-7 ms)
        assert acg[i, centre + 6:centre + 14].mean() > 2 * flat[i]


def test_responsive_units_fire_after_the_stimulus(folder: Path, spikes: Any) -> None:
    t, clusters, truth = spikes
    events = load_events(folder)["stimulus"]
    gaps = np.diff(events)
    assert gaps.min() >= 1.0 and gaps.max() <= 3.0 and len(events) == truth["n_events"]
    for c, r in truth["responsive_clusters"].items():
        tc = t[clusters == int(c)]
        lat = r["latency_ms"] * 1e-3
        after = sum(np.count_nonzero((tc >= e + lat) & (tc < e + lat + 0.1)) for e in events) / (0.1 * len(events))
        before = sum(np.count_nonzero((tc >= e - 0.5) & (tc < e)) for e in events) / (0.5 * len(events))
        assert after - before > 10 and after > 1.5 * before, (c, after, before)  # 15-40 Hz more
        assert after == pytest.approx(r["rate_hz"], rel=0.35)


def test_oversplit_pairs_are_one_neuron(folder: Path, spikes: Any) -> None:
    t, clusters, truth = spikes
    sim = np.load(folder / "similar_templates.npy")
    n = sim.shape[0]
    off = sim[~np.eye(n, dtype=bool)]
    for a, b in truth["oversplit_pairs"]:
        assert sim[a, b] > np.quantile(off, 0.95)  # more alike than random pairs
        assert sim[a, b] >= np.sort(sim[a])[-3]  # b is among a's two most similar templates
        # Their cross-correlogram has the neuron's refractory dip (bins of 0.5 ms).
        ccg = correlograms(t, clusters, [a, b], sample_rate=FS, bin_size=5e-4, window_size=0.05)
        centre = ccg.shape[2] // 2
        assert ccg[0, 1, centre - 2:centre + 3].sum() == 0 and ccg[0, 1].sum() > 0


def test_amplitudes_follow_the_probe_drift(folder: Path, spikes: Any) -> None:
    t, clusters, truth = spikes
    amp = np.load(folder / "amplitudes.npy")
    bins = (t // 20).astype(np.int64)  # 20-s bins
    profiles = []
    for c in _singles(truth):
        sel = clusters == c
        n = np.bincount(bins[sel], minlength=bins.max() + 1)
        if n.min() < 50:
            continue
        profiles.append(np.bincount(bins[sel], amp[sel], minlength=len(n)) / n / amp[sel].mean())
    p = np.array(profiles)
    # Binned means of ~7%-noisy amplitudes over >= 50 spikes vary by ~1% without drift.
    assert np.median(p.std(axis=1)) > 0.02
    # All neurons move with the same probe: their profiles are correlated.
    corr = np.corrcoef(p)
    assert np.median(np.abs(corr[np.triu_indices(len(p), 1)])) > 0.3


def test_deterministic_and_spike_count_honoured(tmp_path: Path) -> None:
    kw: dict[str, Any] = dict(n_spikes=3000, n_channels=16, n_templates=12, duration=10.0, raw=False,
                              realistic=True)
    make_dataset(tmp_path / "a", seed=1, **kw)
    make_dataset(tmp_path / "b", seed=1, **kw)
    make_dataset(tmp_path / "c", seed=2, **kw)

    def h(d: Path) -> dict[str, str]:
        return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}

    assert h(tmp_path / "a") == h(tmp_path / "b")
    assert h(tmp_path / "a")["spike_times.npy"] != h(tmp_path / "c")["spike_times.npy"]
    m = load_model(tmp_path / "a" / "params.py")
    assert m.n_spikes == 3000
    np.testing.assert_array_equal(m.spike_clusters, m.spike_templates)


def test_duration_rule() -> None:
    # Consistent inputs: both honoured; the rates move by at most x2, then the duration does.
    assert plan_duration(100.0, 1500, 10.0) == (1500, 10.0)
    assert plan_duration(100.0, 10_000, 10.0) == (10_000, 50.0)
    assert plan_duration(100.0, 100, 10.0) == (100, 2.0)
    assert plan_duration(100.0, None, 10.0) == (1000, 10.0)
    with pytest.raises(ValueError, match="realistic"):
        make_dataset("/nonexistent-never-written", n_spikes=None)


def test_raw_data_holds_decaying_spike_waveforms(tmp_path: Path) -> None:
    p = make_dataset(tmp_path, n_spikes=None, n_channels=16, n_templates=10, duration=20.0, seed=3,
                     realistic=True, noise_std=4.0)
    m = load_model(p)
    truth = read_truth(tmp_path)
    assert m.traces is not None and m.traces.n_samples == int(truth["duration_s"] * FS)
    raw = np.memmap(tmp_path / "raw.dat", dtype=np.int16, mode="r").reshape(-1, 16)
    pos = np.load(tmp_path / "channel_positions.npy")
    c = max(truth["good_clusters"], key=lambda k: truth["firing_rates_hz"][str(k)])
    s = m.spike_samples[m.spike_clusters == c]
    mean = np.mean([raw[i - 30:i + 31] for i in s[(s > 40) & (s < len(raw) - 40)]], axis=0)  # (61, 16)
    peak = int(np.argmin(mean.min(axis=0)))
    w = mean[:, peak]
    assert int(np.argmin(w)) in range(28, 33)  # the trough at the spike time
    assert w.min() < -20 and w[31:].max() > 0.1 * -w.min()  # then a positive peak
    assert int(np.argmax(w)) > 32
    far = np.argsort(np.linalg.norm(pos - np.array(truth["positions_um"][str(c)]), axis=1))[-1]
    assert -mean[:, far].min() < 0.3 * -w.min()  # decays with the distance


def test_default_path_is_unchanged(tmp_path: Path) -> None:
    """``realistic=False`` writes byte for byte what it wrote before the realistic path existed."""
    make_dataset(tmp_path, n_spikes=3000, n_channels=16, n_templates=6, duration=2.0, seed=3)
    got = {p.name: hashlib.sha1(p.read_bytes()).hexdigest()[:12] for p in sorted(tmp_path.iterdir())}
    assert not (tmp_path / TRUTH_FILE).exists() and not (tmp_path / "events.tsv").exists()
    # Pinned before the change (numpy's Generator streams are stable for a given seed).
    assert {k: got[k] for k in ("spike_times.npy", "amplitudes.npy", "templates.npy", "raw.dat")} == {
        "spike_times.npy": "829c85341edf", "amplitudes.npy": "b5ff7f7e32f0",
        "templates.npy": "80ec1f21a495", "raw.dat": "7f8813d9f17d"}
