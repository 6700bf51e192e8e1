"""A synthetic folder with refractory spike trains and over-split units we made ourselves.

``make_dataset`` spreads spikes uniformly (no refractory period), so the times are
replaced by one refractory Poisson train per template (2 ms dead time; every per-spike
array is permuted to keep time order); then a few templates are split in two, one by
time (a drift-like split), the others at random. The planted pairs are the merge review's
ground truth until the realistic generator's ``synthetic_truth.json`` is used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phycore.model.synthetic import make_dataset

DEAD_TIME = 2e-3


def refractory_train(rng: np.random.Generator, n: int, duration: float, dead: float = DEAD_TIME) -> np.ndarray:
    """``n`` sorted times in ``[0, duration)`` with gaps of at least ``dead`` seconds."""
    exps = rng.exponential(1.0, size=n)
    exps *= (duration * 0.99 - n * dead) / exps.sum()
    return np.cumsum(dead + exps)


def make_oversplit_folder(out: Path, n_spikes: int = 24_000, n_templates: int = 12, duration: float = 120.0,
                          seed: int = 1) -> tuple[Path, list[tuple[int, int]]]:
    """Write the folder; returns ``(folder, planted pairs (a, b) with a < b)``."""
    make_dataset(out, n_spikes=n_spikes, n_channels=32, n_templates=n_templates, duration=duration,
                 raw=False, seed=seed, spike_clusters=False)
    rng = np.random.default_rng(seed)
    st = np.load(out / "spike_templates.npy").ravel()
    sr = 30_000.0
    times = np.zeros(st.size)
    for t in np.unique(st):
        idx = np.flatnonzero(st == t)
        times[idx] = refractory_train(rng, idx.size, duration)
    order = np.argsort(times, kind="stable")
    for f in out.glob("*.npy"):
        arr = np.load(f)
        if arr.ndim and arr.shape[0] == st.size and f.name != "spike_times.npy":
            np.save(f, arr[order])
    samples = np.round(times[order] * sr).astype(np.uint64)
    np.save(out / "spike_times.npy", samples)
    st = st[order]
    clusters = st.astype(np.int64).copy()
    new_id = int(st.max()) + 1
    pairs = []
    counts = np.bincount(st)
    big = [int(t) for t in np.argsort(counts)[::-1][:3]]
    for k, t in enumerate(big):
        idx = np.flatnonzero(st == t)
        if k == 0:  # split by time: the second half of the recording becomes a new cluster
            moved = idx[samples[idx] > np.median(samples[idx])]
        else:
            moved = idx[rng.random(idx.size) < 0.5]
        clusters[moved] = new_id
        pairs.append((t, new_id))
        new_id += 1
    np.save(out / "spike_clusters.npy", clusters.astype(np.int32))
    return out, pairs
