"""The realistic synthetic recording: spikes, templates and ground truth (private).

:func:`realistic_recording` draws the sources (``_synth_units.py``), the spike trains
(``_synth_trains.py``), a probe drift along depth, and returns everything
``synthetic.make_dataset`` writes: the sorted spikes, a :class:`TemplateSet`, per-spike
Kilosort amplitudes, the waveform tables and drift level of each spike for the raw
data, the stimulus times and the ground-truth dictionary. :func:`chunks`,
:func:`positions` and :func:`write_extras` feed it to the writer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import attrs
import numpy as np

from phycore.model import _synth_parts as _p
from phycore.model import _synth_trains as _tr
from phycore.model import _synth_units as _u

__all__: list[str] = []

#: Ground truth of a realistic folder (JSON) and its stimulus times.
TRUTH_FILE = "synthetic_truth.json"
EVENTS_FILE = "events.tsv"
#: Peak-to-peak probe drift along depth over the recording (µm) and its quantisation.
DRIFT_UM = 30.0
N_DRIFT_LEVELS = 9
#: Response window after each stimulus (s) and the range of response latencies (ms).
RESPONSE_WIDTH = 0.1
LATENCY_MS = (10.0, 50.0)
#: Refractory (dead) time of single neurons, drawn per neuron (ms).
DEAD_MS = (1.6, 2.0)
#: The common factor applied to all rates to fit ``n_spikes`` in ``duration`` stays in this range.
RATE_SCALE = (0.5, 2.0)


@attrs.define(eq=False)
class Recording:
    """Everything the writer needs (arrays sorted by spike time)."""

    ts: _p.TemplateSet
    samples: np.ndarray  # (n,) int64
    templates: np.ndarray  # (n,) int64, also the cluster ids
    amplitudes: np.ndarray  # (n,) Kilosort amplitude / a0
    raw_amp: np.ndarray  # (n,) factor of the waveform table in the raw data
    level: np.ndarray  # (n,) int64 drift level of each spike
    tables: np.ndarray  # (n_templates, K, n_samples, n_channels_loc) float32, raw units
    depth_offsets: np.ndarray  # (K,) µm
    xy: np.ndarray  # (n_templates, 2) neuron positions (µm, before drift)
    events: np.ndarray  # stimulus times (s)
    n_samples: int
    duration: float
    truth: dict[str, Any]
    ks_label: dict[int, str]
    contam_pct: dict[int, float]
    amplitude_col: dict[int, float]


def plan_duration(rates_sum: float, n_spikes: int | None, duration: float) -> tuple[int, float]:
    """``(n_spikes, duration)``: ``n_spikes`` is exact; rates move by at most ×2, else the duration does.

    With ``n_spikes=None``, ``n_spikes = round(rates_sum * duration)``.
    """
    if n_spikes is None:
        return max(1, int(round(rates_sum * duration))), float(duration)
    k = float(np.clip(n_spikes / (rates_sum * duration), *RATE_SCALE))
    return int(n_spikes), max(1.0, n_spikes / (k * rates_sum))


def _train(rng: np.random.Generator, src: _u.Source, n: int, lo: int, hi: int, fs: float,
           events: np.ndarray, duration: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Spikes of one source: ``(samples, cluster, amplitude factor, response truth)``."""
    info: dict[str, Any] = {}
    if src.kind == "noise":
        s = _tr.poisson_train(rng, n, lo, hi)
        var = np.exp(0.35 * rng.standard_normal(n))
        return s, np.full(n, src.clusters[0]), var, info
    if src.kind == "mua":
        sub = rng.multinomial(n, np.array(src.rates) / sum(src.rates))
        parts = [_tr.unit_train(rng, int(m), lo, hi, fs, int(round(rng.uniform(*DEAD_MS) * 1e-3 * fs)))[0]
                 for m in sub]
        s = np.sort(np.concatenate(parts))
        var = np.clip(1.0 + 0.2 * rng.standard_normal(n), 0.4, 2.0)
        return s, np.full(n, src.clusters[0]), var, info
    dead = int(round(rng.uniform(*DEAD_MS) * 1e-3 * fs))
    info["dead"] = dead
    resp = None
    if src.responsive and len(events):
        lat = float(rng.uniform(*LATENCY_MS))
        gain = float(rng.uniform(15.0, 40.0))  # Hz added during the response window
        n_resp = min(int(round(gain * RESPONSE_WIDTH * len(events))), n // 2)
        resp = _tr.Response(np.round(events * fs).astype(np.int64), int(round(lat * 1e-3 * fs)),
                            int(round(RESPONSE_WIDTH * fs)), n_resp)
        info["response"] = {"event": "stimulus", "latency_ms": round(lat, 3),
                            "rate_hz": round((n - n_resp) / duration + n_resp / (RESPONSE_WIDTH * len(events)), 3)}
    s, amp = _tr.unit_train(rng, n, lo, hi, fs, dead, _tr.Bursts() if src.bursting else None, resp)
    var = np.clip(1.0 + 0.07 * rng.standard_normal(n), 0.6, 1.5) * amp
    clu = np.full(n, src.clusters[0])
    if src.split == "drift":  # the sorter followed the drift with a second template
        t_split = lo + rng.uniform(0.35, 0.65) * (hi - lo)
        p_b = 1.0 / (1.0 + np.exp(-(s - t_split) / (0.05 * (hi - lo))))
        clu[rng.random(n) < p_b] = src.clusters[1]
    elif src.split == "amplitude":  # the small spikes got their own template
        clu[var + 0.03 * rng.standard_normal(n) < np.median(var)] = src.clusters[1]
    return s, clu, var, info


@attrs.define(eq=False)
class _Spikes:
    samples: np.ndarray  # sorted
    clusters: np.ndarray
    var: np.ndarray  # amplitude factor of each spike
    responses: dict[str, Any]  # truth of the responsive clusters
    dead: list[int]  # dead times (samples) of the single neurons
    contam_pct: dict[int, float]  # Kilosort-style contamination estimate


def _all_spikes(seed: int, sources: list[_u.Source], counts: Iterator[int], lo: int, hi: int, fs: float,
                events: np.ndarray, dur: float, report: Callable[[str, float], None]) -> _Spikes:
    """The spikes of every source, merged in time order."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    out = _Spikes(np.zeros(0), np.zeros(0), np.zeros(0), {}, [], {})
    tau = int(round(1.5e-3 * fs))
    for i, src in enumerate(sources):
        m = sum(int(next(counts)) for _ in src.rates)
        s, clu, var, info = _train(np.random.default_rng([seed, 12, i]), src, m, lo, hi, fs, events, dur)
        parts.append((s, clu, var))
        if "dead" in info:
            out.dead.append(info["dead"])
        if "response" in info:
            out.responses[str(src.clusters[0])] = info["response"]
        for c in src.clusters:
            # Hill's estimate with a 1.5 ms refractory period, as a sorter would report it.
            n_c = max(int((clu == c).sum()), 1)
            ratio = int((np.diff(s[clu == c]) < tau).sum()) * dur / (2 * n_c ** 2 * 1.5e-3)
            out.contam_pct[c] = round(float(min(100.0, 100.0 * ratio)), 1)
        report("spikes", 0.8 * (i + 1) / len(sources))
    samples = np.concatenate([p[0] for p in parts])
    order = np.argsort(samples, kind="stable")
    out.samples = samples[order]
    out.clusters = np.concatenate([p[1] for p in parts]).astype(np.int64)[order]
    out.var = np.concatenate([p[2] for p in parts])[order]
    return out


def _drift_levels(rng: np.random.Generator, samples: np.ndarray, n_total: int, fs: float) -> np.ndarray:
    """The drift level (index in ``N_DRIFT_LEVELS`` depth offsets) of each spike."""
    traj_t, traj_d = _tr.drift_trajectory(rng, n_total / fs, DRIFT_UM)
    step = max(1, int(round(fs)))  # the level changes at most once a second
    depth = np.interp((np.arange(n_total // step + 1) + 0.5) * step / fs, traj_t, traj_d)
    level_of_second = np.clip(np.round((depth + DRIFT_UM / 2) / DRIFT_UM * (N_DRIFT_LEVELS - 1)), 0,
                              N_DRIFT_LEVELS - 1).astype(np.int64)
    levels: np.ndarray = level_of_second[samples // step]
    return levels


def _templates(rng: np.random.Generator, sources: list[_u.Source], tables: np.ndarray, clusters: np.ndarray,
               level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's template (raw units, local channels) and Kilosort gain per drift level.

    A template is the cluster's mean waveform over its spikes (its drift occupancy); the
    gain is the least-squares scaling of the template to the waveform at a drift level,
    which is what Kilosort writes as a spike's amplitude.
    """
    nt, nk = tables.shape[:2]
    occ = np.bincount(clusters * nk + level, minlength=nt * nk).reshape(nt, nk).astype(np.float64)
    occ[occ.sum(axis=1) == 0, nk // 2] = 1.0
    mean_t = np.einsum("ck,ckst->cst", occ / occ.sum(axis=1, keepdims=True), tables.astype(np.float64))
    for src in sources:
        if src.split == "amplitude":  # the sorter's second template is a slightly different fit
            mean_t[src.clusters[1]] *= 1.0 + 0.06 * rng.standard_normal(mean_t.shape[2])[None, :]
    flat_t = mean_t.reshape(nt, -1)
    gain = np.einsum("ckx,cx->ck", tables.reshape(nt, nk, -1).astype(np.float64), flat_t)
    gain /= np.maximum((flat_t ** 2).sum(axis=1), 1e-12)[:, None]
    return mean_t, gain


def realistic_recording(*, seed: int, n_spikes: int | None, n_channels: int, n_templates: int,
                        duration: float, n_samples: int, n_channels_loc: int, n_shanks: int,
                        identity_whitening: bool, sample_rate: float, a0: float,
                        report: Callable[[str, float], None]) -> Recording:
    """Draw the realistic recording (see ``synthetic.make_dataset(realistic=True)``)."""
    rng = np.random.default_rng([seed, 10])
    nt, ns, fs = n_templates, n_samples, float(sample_rate)
    pos, shanks = _p.probe_layout(n_channels, n_shanks)
    sources = _u.make_sources(rng, nt)
    waves: dict[int, _u.Waveform] = {}
    for src in sources:
        w = _u.draw_waveform(rng, src.kind, src.narrow, _u.unit_position(rng, pos, shanks))
        for c in src.clusters:
            waves[c] = w  # an over-split neuron: both clusters see the same spikes in the raw data
    rates = [r for src in sources for r in src.rates]
    n, dur = plan_duration(sum(rates), n_spikes, duration)
    n_total = int(round(dur * fs))
    dur = n_total / fs
    lo, hi = ns, max(ns + 1, n_total - ns - 1)
    counts = iter(rng.multinomial(n, np.array(rates) / sum(rates)))
    events = _tr.event_times(np.random.default_rng([seed, 11]), dur)

    sp = _all_spikes(seed, sources, counts, lo, hi, fs, events, dur, report)
    samples, clusters, var = sp.samples, sp.clusters, sp.var

    # Drift: every spike sees the waveform of its neuron at the probe's depth offset then.
    offsets = np.linspace(-DRIFT_UM / 2, DRIFT_UM / 2, N_DRIFT_LEVELS)
    level = _drift_levels(np.random.default_rng([seed, 13]), samples, n_total, fs)
    xy = np.array([waves[c].xy for c in range(nt)])
    local = np.array([_u.local_channels(pos, shanks, xy[c], n_channels_loc) for c in range(nt)])
    peaks = local[:, 0].copy()
    tables = np.stack([_u.waveform_table(waves[c], pos[local[c]], offsets, ns, fs) for c in range(nt)])
    report("spikes", 0.9)

    mean_t, gain = _templates(np.random.default_rng([seed, 14]), sources, tables, clusters, level)
    amplitudes = var * gain[clusters, level]

    unwhitened = np.zeros((nt, ns, n_channels))
    for c in range(nt):
        unwhitened[c][:, local[c]] = mean_t[c]
    wm, wmi = _p.whitening(pos, shanks, identity_whitening)
    templates_w = ((unwhitened.reshape(-1, n_channels) @ wm).reshape(unwhitened.shape) / a0).astype(np.float32)
    sim = _p.similarity(templates_w)
    np.fill_diagonal(sim, 1.0)
    n_per = np.bincount(clusters, minlength=nt)
    ts = _p.TemplateSet(pos, shanks, peaks, local, unwhitened, wm, wmi, templates_w, sim,
                        n_per / dur)

    kinds = {c: src.kind for src in sources for c in src.clusters}
    pairs = [src for src in sources if src.split]
    truth: dict[str, Any] = {
        "oversplit_pairs": [list(src.clusters) for src in pairs],
        "responsive_clusters": sp.responses,
        "noise_clusters": sorted(c for c, k in kinds.items() if k == "noise"),
        "mua_clusters": sorted(c for c, k in kinds.items() if k == "mua"),
        "firing_rates_hz": {str(c): round(float(n_per[c] / dur), 4) for c in range(nt)},
        "refractory_ms": float(np.floor(min(sp.dead, default=0) / fs * 1e4) / 10),
        # Beyond the shared interface:
        "good_clusters": sorted(c for c, k in kinds.items() if k == "good"),
        "oversplit_kinds": [src.split for src in pairs],
        "bursting_clusters": sorted(src.clusters[0] for src in sources if src.bursting),
        "narrow_clusters": sorted(src.clusters[0] for src in sources if src.narrow),
        "positions_um": {str(c): [round(float(v), 2) for v in xy[c]] for c in range(nt)},
        "drift_um": DRIFT_UM,
        "duration_s": dur,
        "n_events": int(len(events)),
    }
    ptp = np.ptp(mean_t, axis=1).max(axis=1)
    return Recording(
        ts=ts, samples=samples, templates=clusters, amplitudes=amplitudes, raw_amp=var, level=level,
        tables=tables, depth_offsets=offsets, xy=xy, events=events, n_samples=n_total,
        duration=dur, truth=truth,
        ks_label={c: "good" if kinds[c] == "good" else "mua" for c in range(nt)},
        contam_pct=sp.contam_pct, amplitude_col={c: round(float(ptp[c]), 1) for c in range(nt)})


def chunks(rec: Recording, n_chunks: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The realistic spikes as ``(samples, templates, amplitude / A0)`` chunks."""
    bounds = np.linspace(0, len(rec.samples), n_chunks + 1).astype(np.int64)
    for i0, i1 in zip(bounds[:-1], bounds[1:]):
        yield rec.samples[i0:i1], rec.templates[i0:i1], rec.amplitudes[i0:i1]


def positions(rec: Recording, i0: int, i1: int) -> np.ndarray:
    """Each spike's neuron position, moved along depth by the drift at its time."""
    where: np.ndarray = rec.xy[rec.templates[i0:i1]].copy()
    where[:, 1] += rec.depth_offsets[rec.level[i0:i1]]
    return where


def write_extras(out: Path, rec: Recording, counts: np.ndarray) -> None:
    """Sorter-style cluster tables, ``events.tsv`` and ``synthetic_truth.json``."""
    ids = [int(c) for c in np.nonzero(counts)[0]]
    # As Kilosort labels them: it cannot tell noise from mua, nor see over-splits.
    _p.write_tsv(out / "cluster_KSLabel.tsv", "KSLabel", {c: rec.ks_label[c] for c in ids})
    _p.write_tsv(out / "cluster_ContamPct.tsv", "ContamPct", {c: rec.contam_pct[c] for c in ids})
    _p.write_tsv(out / "cluster_Amplitude.tsv", "Amplitude", {c: rec.amplitude_col[c] for c in ids})
    lines = ["time\tname"] + [f"{t:.6f}\tstimulus" for t in rec.events]
    (out / EVENTS_FILE).write_text("\n".join(lines) + "\n")
    (out / TRUTH_FILE).write_text(json.dumps(rec.truth, indent=1) + "\n")
