"""A small folder with events for the events and PSTH tests (the documented user format).

``make_dataset`` has no stimuli of its own here; the sparsest cluster is made responsive by
writing, for each stimulus, a burst of its own spike times at a fixed latency: the
events are the spike times minus the latency, so the cluster's PSTH has a peak there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from phycore.model.synthetic import make_dataset

#: The latency (s) of the responsive cluster's spikes after each stimulus.
LATENCY = 0.035
#: Number of stimuli.
N_EVENTS = 30


_MADE: dict[Path, tuple[Path, int]] = {}  # per session base folder


def events_folder(factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A 3,000-spike folder with ``events.tsv``: :data:`N_EVENTS` ``stimulus`` events, each
    followed :data:`LATENCY` s later by a spike of the responsive cluster, the cluster with
    the fewest spikes (at least 100), returned with the path. Made once per test session
    (``factory``); tests that change it work on a copy."""
    base = factory.getbasetemp()
    if base not in _MADE:
        d = factory.mktemp("events_data")
        make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=True, seed=0)
        _MADE[base] = (d, write_responsive_events(d))
    return _MADE[base]


def write_responsive_events(d: Path, sample_rate: float = 30_000.0) -> int:
    """Write ``d / 'events.tsv'`` (:data:`N_EVENTS` ``stimulus`` events, :data:`LATENCY` s
    before spikes of the sparsest cluster of at least 100 spikes); returns that cluster."""
    sc = np.load(d / "spike_clusters.npy")
    times = np.load(d / "spike_times.npy") / sample_rate
    ids, counts = np.unique(sc, return_counts=True)
    cid = int(ids[np.argmin(np.where(counts >= 100, counts, counts.max() + 1))])  # the sparsest (least background)
    own = times[sc == cid]
    picked = np.unique(own[np.linspace(len(own) // 10, len(own) - len(own) // 10, N_EVENTS).astype(int)])
    lines = ["time\tname"] + [f"{t - LATENCY:.6f}\tstimulus" for t in picked]
    (d / "events.tsv").write_text("\n".join(lines) + "\n")
    return cid
