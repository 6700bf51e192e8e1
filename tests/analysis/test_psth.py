"""PSTH: aligned spikes and histograms against a brute-force double loop."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.analysis import psth, psth_bin_edges
from phycore.errors import ActionError, DataFormatError


def brute_force(spikes: np.ndarray, events: np.ndarray, t0: float, t1: float,
                edges: np.ndarray) -> tuple[list[tuple[int, float]], np.ndarray]:
    pairs = []
    for k, e in enumerate(events):
        for s in spikes:
            if t0 <= s - e < t1:
                pairs.append((k, s - e))
    counts = np.histogram([d for _, d in pairs], bins=edges)[0]
    return pairs, counts


@pytest.mark.parametrize("seed", range(4))
def test_psth_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    spikes = np.sort(rng.uniform(0, 20, 600))
    events = np.sort(rng.uniform(-1, 21, 25))  # some windows cross the recording's ends
    pre, post, bin_size = [(0.2, 0.5, 0.01), (0.05, 0.3, 0.007), (-0.1, 0.4, 0.05), (1.0, 1.0, 0.1)][seed]
    out = psth(spikes, events, pre=pre, post=post, bin_size=bin_size)
    edges = out.bin_edges
    assert edges[0] <= -pre + 1e-12 and edges[-1] >= post - 1e-12
    np.testing.assert_allclose(edges / bin_size, np.round(edges / bin_size), atol=1e-9)  # 0 on the grid
    pairs, counts = brute_force(spikes, events, edges[0], edges[-1], edges)
    assert list(zip(out.event_index.tolist(), out.times.tolist())) == pairs
    np.testing.assert_array_equal(out.counts, counts)
    np.testing.assert_allclose(out.rates, counts / (len(events) * bin_size))
    assert out.n_trials == 25 and out.bin_size == pytest.approx(bin_size)


def test_edges_and_errors() -> None:
    assert psth_bin_edges(0.2, 0.5, 0.01).size == 71  # 20 bins before, 50 after: no rounding bin
    np.testing.assert_allclose(psth_bin_edges(0.25, 0.25, 0.1), [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3], atol=1e-12)
    with pytest.raises(ActionError, match="bin_size"):
        psth([1.0], [1.0], bin_size=0)
    with pytest.raises(ActionError, match="empty"):
        psth([1.0], [1.0], pre=-0.5, post=0.2)
    with pytest.raises(DataFormatError, match="sorted"):
        psth([2.0, 1.0], [1.0])


def test_no_events_and_no_spikes() -> None:
    out = psth([0.5, 1.0], [], pre=0.1, post=0.1, bin_size=0.05)
    assert out.n_trials == 0 and out.rates.tolist() == [0.0] * 4 and out.times.size == 0
    out = psth([], [1.0, 2.0], pre=0.1, post=0.1, bin_size=0.05)
    assert out.counts.sum() == 0 and out.event_index.dtype == np.int64


def test_a_million_spikes_on_ten_thousand_events() -> None:
    # The vectorised path on a realistic size (no timing asserted): 1M spikes, 10k events.
    rng = np.random.default_rng(0)
    spikes = np.sort(rng.uniform(0, 1000, 1_000_000))
    events = np.sort(rng.uniform(0, 1000, 10_000))
    out = psth(spikes, events, pre=0.05, post=0.05, bin_size=0.01)
    # Each window holds ~100 spikes on average: the counts add up to all the aligned spikes.
    assert out.counts.sum() == out.times.size and 0.9e6 < out.times.size < 1.1e6
    np.testing.assert_allclose(out.rates.mean(), 1000, rtol=0.05)  # the spikes' mean rate, in Hz
