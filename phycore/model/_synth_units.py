"""Neurons of the realistic synthetic recording: roles, firing rates, waveforms (private).

A *source* generates spikes: one neuron (a ``good`` cluster, or two clusters when the
sorter over-split it), several neurons pooled into one ``mua`` cluster, or an artefact
(a ``noise`` cluster, no refractory period). Each cluster has a position on the probe
and a waveform table: its raw-unit waveform on its local channels at each of the
``K`` depth offsets the probe drift takes (see ``_synth_real.py``).
"""

from __future__ import annotations

import attrs
import numpy as np

__all__: list[str] = []

#: Median firing rate of single units (Hz) and the range every cluster's rate stays in.
MEDIAN_RATE = 5.0
RATE_RANGE = (0.1, 50.0)


@attrs.define(eq=False)
class Source:
    """One spike generator and the clusters its spikes go to."""

    kind: str  # "good", "mua" or "noise"
    clusters: tuple[int, ...]  # one cluster, or two for an over-split unit
    rates: tuple[float, ...]  # nominal Hz of each hidden neuron (several for mua)
    narrow: bool = False
    bursting: bool = False
    responsive: bool = False
    split: str = ""  # "", "drift" (split in time) or "amplitude"


def _lognormal(rng: np.random.Generator, median: float, sigma: float, lo: float, hi: float) -> float:
    return float(np.clip(median * np.exp(sigma * rng.standard_normal()), lo, hi))


def role_counts(n_templates: int) -> tuple[int, int, int]:
    """Numbers of noise clusters, mua clusters and over-split pairs for ``n_templates``."""
    if n_templates < 8:
        return 0, 0, 0
    return max(1, n_templates // 15), max(1, n_templates // 10), max(1, n_templates // 12)


def make_sources(rng: np.random.Generator, n_templates: int) -> list[Source]:
    """Assign a role to every cluster id (shuffled, so roles do not follow the ids)."""
    ids = [int(i) for i in rng.permutation(n_templates)]
    n_noise, n_mua, n_pairs = role_counts(n_templates)
    out: list[Source] = []
    for _ in range(n_noise):
        out.append(Source("noise", (ids.pop(),), (float(rng.uniform(10.0, 40.0)),)))
    for _ in range(n_mua):
        k = int(rng.integers(2, 6))
        rates = np.array([_lognormal(rng, 6.0, 0.6, 1.0, 20.0) for _ in range(k)])
        rates *= min(1.0, 45.0 / rates.sum())
        out.append(Source("mua", (ids.pop(),), tuple(float(r) for r in rates)))
    for i in range(n_pairs):
        a, b = sorted((ids.pop(), ids.pop()))
        out.append(Source("good", (a, b), (_lognormal(rng, 10.0, 0.4, 4.0, 30.0),),
                          split="drift" if i % 2 == 0 else "amplitude"))
    singles = list(ids)
    n_resp = max(1, round(0.25 * len(singles))) if singles else 0
    n_burst = max(1, round(0.2 * len(singles))) if len(singles) > 2 else 0
    for j, c in enumerate(singles):
        responsive = j < n_resp
        bursting = n_resp <= j < n_resp + n_burst
        narrow = not bursting and rng.random() < 0.2
        median = MEDIAN_RATE * (2.0 if narrow else 1.0) * (1.5 if responsive or bursting else 1.0)
        rate = _lognormal(rng, median, 0.8, 1.0 if responsive else 0.3, 40.0)
        out.append(Source("good", (c,), (rate,), narrow=narrow, bursting=bursting, responsive=responsive))
    return out


@attrs.define(eq=False)
class Waveform:
    """Where a cluster's neuron sits and what its spike looks like (times in ms, µm)."""

    xy: np.ndarray  # (2,) position on the probe plane
    amplitude: float  # trough depth on the nearest point, raw units
    trough: float  # trough width (ms, Gaussian sigma)
    ttp: float  # trough-to-peak time (ms)
    peak: float  # width of the positive peak (ms)
    ratio: float  # positive peak / trough
    lam: float  # spatial decay length (µm)
    noise: bool = False  # an artefact: flat-ish, wide, no propagation


def draw_waveform(rng: np.random.Generator, kind: str, narrow: bool, xy: np.ndarray) -> Waveform:
    """Shape parameters: broad (pyramidal-like) or narrow spiking, mua lower, noise flat-ish."""
    if kind == "noise":
        return Waveform(xy, float(rng.uniform(15, 30)), float(rng.uniform(0.5, 0.9)),
                        float(rng.uniform(1.5, 3.0)), 0.0, 0.0, 150.0, noise=True)
    if narrow:
        shape = (rng.uniform(0.06, 0.09), rng.uniform(0.2, 0.4), rng.uniform(0.1, 0.16), rng.uniform(0.4, 0.7))
    else:
        shape = (rng.uniform(0.1, 0.16), rng.uniform(0.5, 0.9), rng.uniform(0.22, 0.38), rng.uniform(0.2, 0.45))
    if kind == "mua":
        amp, lam = _lognormal(rng, 45.0, 0.3, 25.0, 90.0), float(rng.uniform(30.0, 50.0))
    else:
        amp, lam = _lognormal(rng, 110.0, 0.5, 45.0, 400.0), float(rng.uniform(18.0, 35.0))
    trough, ttp, peak, ratio = (float(v) for v in shape)
    return Waveform(xy, amp, trough, ttp, peak, ratio, lam)


def _spike_shape(t: np.ndarray, w: Waveform) -> np.ndarray:
    """Trough, then a slower, asymmetric positive peak; a small bump before the trough."""
    trough = -np.exp(-0.5 * (t / w.trough) ** 2)
    sig = np.where(t < w.ttp, w.peak, 1.8 * w.peak)
    peak = w.ratio * np.exp(-0.5 * ((t - w.ttp) / sig) ** 2)
    pre = 0.08 * np.exp(-0.5 * ((t + 2.5 * w.trough) / w.trough) ** 2)
    return np.asarray(trough + peak + pre)


def _noise_shape(t: np.ndarray, w: Waveform) -> np.ndarray:
    """A slow wobble (line pick-up, movement): no sharp trough."""
    return np.asarray(-np.sin(2 * np.pi * t / w.ttp) * np.exp(-0.5 * (t / w.trough) ** 2))


def waveform_table(w: Waveform, ch_pos: np.ndarray, depth_offsets: np.ndarray, n_samples: int,
                   sample_rate: float) -> np.ndarray:
    """Raw-unit waveform on the channels ``ch_pos`` at each depth offset: ``(K, n_samples, nloc)``.

    The amplitude decays as ``exp(-d / lam)`` with the distance ``d`` from the neuron;
    far channels see the spike later and broader (propagation, low-pass of the tissue).
    The trough sits at sample ``n_samples // 2`` (where the injector puts the spike time).
    """
    t = (np.arange(n_samples) - n_samples // 2) / sample_rate * 1e3  # ms
    if w.noise:
        norm = np.abs(_noise_shape(t, w)).max() or 1.0
        d0 = np.sqrt(((ch_pos - w.xy) ** 2).sum(axis=1))
        wave = _noise_shape(t, w)[:, None] / norm * np.exp(-d0 / w.lam)[None, :]
        return np.repeat((w.amplitude * wave)[None], len(depth_offsets), axis=0).astype(np.float32)
    norm = -_spike_shape(t, w).min()
    dx = ch_pos[None, :, 0] - w.xy[0]
    dy = ch_pos[None, :, 1] - (w.xy[1] + depth_offsets[:, None])
    d = np.sqrt(dx ** 2 + dy ** 2)  # (K, nloc)
    delay = d / 400.0  # ms: 50 µm away, 0.125 ms later
    broad = 1.0 + d / 120.0
    tt = (t[None, :, None] - delay[:, None, :]) / broad[:, None, :]
    out: np.ndarray = w.amplitude * _spike_shape(tt, w) / norm * np.exp(-d / w.lam)[:, None, :]
    return out.astype(np.float32)


def unit_position(rng: np.random.Generator, pos: np.ndarray, shanks: np.ndarray) -> np.ndarray:
    """A random position within the probe's footprint (on a random shank), in µm."""
    sh = rng.integers(0, shanks.max() + 1)
    p = pos[shanks == sh]
    lo, hi = p.min(axis=0) - 10.0, p.max(axis=0) + 10.0
    return np.asarray(rng.uniform(lo, hi))


def local_channels(pos: np.ndarray, shanks: np.ndarray, xy: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` channels nearest ``xy`` (its nearest channel's shank first), nearest first."""
    d = ((pos - xy) ** 2).sum(axis=1)
    peak = int(np.argmin(d))
    order: np.ndarray = np.argsort(d + 1e9 * (shanks != shanks[peak]), kind="stable")
    return order[:n].astype(np.int64)
