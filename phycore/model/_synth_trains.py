"""Spike trains of the realistic synthetic recording (private; see ``synthetic.py``).

Every generator takes an exact spike count, so the total ``n_spikes`` of a folder is
honoured, and works on integer sample indices in ``[lo, hi]``. A refractory period is a
dead time: more spikes than needed are drawn, the ones that follow the previous spike too
closely are dropped (:func:`dead_time_keep`) and the exact count is kept at random.
"""

from __future__ import annotations

import attrs
import numpy as np

__all__: list[str] = []


def dead_time_keep(samples: np.ndarray, dead: int) -> np.ndarray:
    """Mask of the sorted spikes to keep so that no two kept spikes are closer than ``dead``.

    A spike is dropped when it follows the previous spike (kept or not) by less than
    ``dead``; a kept spike's previous kept spike is then at least that far, so the test
    is one vectorised pass. Dropping, rather than moving spikes later, leaves no pile-up
    of intervals at exactly ``dead`` in the auto-correlogram.
    """
    keep = np.ones(len(samples), dtype=bool)
    if len(samples) > 1 and dead > 0:
        keep[1:] = np.diff(samples) >= dead
    return keep


def event_times(rng: np.random.Generator, duration: float, interval: tuple[float, float] = (1.0, 3.0)) -> np.ndarray:
    """Stimulus times in seconds: a first one after 0.5-1.5 s, then every 1-3 s (uniform)."""
    n = int(duration / interval[0]) + 2
    t = 0.5 + rng.uniform(0.0, 1.0) + np.concatenate([[0.0], np.cumsum(rng.uniform(*interval, n))])
    return t[t < duration - 0.5]


@attrs.define(eq=False)
class Response:
    """Extra spikes after each event: ``n`` of them, uniform in ``[latency, latency + width]``."""

    events: np.ndarray  # event samples (int64)
    latency: int  # samples
    width: int  # samples
    n: int


@attrs.define(eq=False)
class Bursts:
    """Complex-spike bursts: ``fraction`` of the spikes follow a leader at ``isi`` intervals."""

    fraction: float = 0.5
    isi: tuple[float, float] = (3e-3, 7e-3)  # seconds, longer than the refractory period
    size: tuple[int, int] = (2, 5)  # spikes per burst, leader included
    decay: float = 0.8  # amplitude factor of each next spike of a burst


def unit_train(rng: np.random.Generator, n: int, lo: int, hi: int, sample_rate: float, dead: int,
               bursts: Bursts | None = None, response: Response | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sorted spike samples of one neuron and their amplitude factors (1, lower in bursts).

    Spikes are uniform in ``[lo, hi]`` (a homogeneous train) plus about ``response.n``
    spikes locked to the events; with ``bursts``, some of them lead a burst of followers.
    No two spikes are closer than ``dead`` samples: more spikes than ``n`` are drawn, the
    ones violating the dead time dropped, and ``n`` of the others kept at random
    (removing spikes never creates a violation).
    """
    extra = 1.1 + 2 * n * dead / max(1, hi - lo)
    while True:
        m = int(n * extra) + 10
        n_resp = 0 if response is None or not len(response.events) else min(m, int(round(response.n * extra)))
        s, amp = _candidates(rng, m, n_resp, lo, hi, sample_rate, bursts, response)
        keep = dead_time_keep(s, dead) & (s <= hi)
        if keep.sum() >= n:
            break
        extra *= 1.5
    idx = np.sort(rng.choice(np.flatnonzero(keep), n, replace=False))
    return s[idx], amp[idx]


def _candidates(rng: np.random.Generator, n: int, n_resp: int, lo: int, hi: int, sample_rate: float,
                bursts: Bursts | None, response: Response | None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sorted spikes (``n_resp`` event-locked, bursts), no dead time yet, and amplitude factors."""
    n_rest = n - n_resp
    sizes = np.zeros(0, dtype=np.int64)
    if bursts is not None and n_rest >= 4:
        mean_size = (bursts.size[0] + bursts.size[1]) / 2
        sizes = rng.integers(bursts.size[0], bursts.size[1] + 1, int(bursts.fraction * n_rest / mean_size))
        # Leaders are drawn among the other spikes: at least one non-follower per burst.
        sizes = sizes[np.cumsum(sizes - 1) <= n_rest - len(sizes)]
    n_follow = int((sizes - 1).sum())
    seeds = [rng.integers(lo, hi + 1, n_rest - n_follow)]
    if n_resp:
        assert response is not None
        ev = response.events[rng.integers(0, len(response.events), n_resp)]
        seeds.append(ev + response.latency + rng.integers(0, response.width + 1, n_resp))
    t = np.concatenate(seeds).astype(np.int64)
    amp = np.ones(t.size)
    if not sizes.size:  # no bursts: all amplitude factors are 1, a plain sort is enough
        return np.sort(t), amp
    assert bursts is not None
    leaders = rng.choice(t.size, sizes.size, replace=False)
    lead = np.repeat(leaders, sizes - 1)
    gaps = np.round(rng.uniform(bursts.isi[0], bursts.isi[1], n_follow) * sample_rate).astype(np.int64)
    # Offset of a follower from its leader: the cumulative gaps within its burst.
    csum = np.cumsum(gaps)
    first = np.cumsum(sizes - 1) - (sizes - 1)  # index of each burst's first follower
    before = np.repeat(csum[first] - gaps[first], sizes - 1)
    rank = np.arange(n_follow) - np.repeat(first, sizes - 1) + 1  # 1 for a burst's second spike
    t = np.concatenate([t, t[lead] + csum - before])
    amp = np.concatenate([amp, bursts.decay ** rank])
    order = np.argsort(t, kind="stable")
    return t[order], amp[order]


def poisson_train(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """``n`` sorted uniform spike samples: no refractory period (noise clusters)."""
    return np.sort(rng.integers(lo, hi + 1, n)).astype(np.int64)


def drift_trajectory(rng: np.random.Generator, duration: float, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Probe drift along depth (µm) sampled every second: a slow trend plus an oscillation.

    Returns ``(times_s, depth_um)`` spanning ``[-amplitude / 2, amplitude / 2]``.
    """
    t = np.linspace(0.0, duration, max(2, int(duration) + 1))
    u = t / max(duration, 1e-9)
    period = rng.uniform(0.3, 0.6)
    d = (u - 0.5) + 0.6 * np.sin(2 * np.pi * u / period + rng.uniform(0, 2 * np.pi))
    span = d.max() - d.min()
    d = (d - d.min()) / (span if span > 0 else 1.0) - 0.5
    return t, amplitude * d
