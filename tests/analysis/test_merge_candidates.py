"""Pure merge-candidate scores on constructed spike trains."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phycore.analysis.merge_candidates import (
    amplitude_continuity,
    combined_score,
    count_coincidences,
    cross_contamination,
    refractory_dip,
    spike_subset,
    train_contamination,
    waveform_similarity,
)
from tests._oversplit import refractory_train

SR = 30_000.0
DURATION = 200.0


def _trains() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One refractory neuron split at random in two halves, and an independent neuron."""
    rng = np.random.default_rng(3)
    neuron = refractory_train(rng, 6000, DURATION)
    half = rng.random(neuron.size) < 0.5
    other = refractory_train(rng, 3000, DURATION)
    return neuron[half], neuron[~half], other


def test_count_coincidences_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    a, b = np.sort(rng.uniform(0, 1, 300)), np.sort(rng.uniform(0, 1, 200))
    brute = int((np.abs(a[:, None] - b[None, :]) <= 0.01).sum())
    assert count_coincidences(a, b, 0.01) == brute


def test_ccg_dip_separates_a_split_neuron_from_independent_neurons() -> None:
    a, b, other = _trains()
    assert refractory_dip(a, b) > 0.9
    assert abs(refractory_dip(a, other)) < 0.35
    assert math.isnan(refractory_dip(a[:5], other[:5]))  # too few spikes to tell


def test_cross_contamination_as_spikeinterface_defines_it() -> None:
    a, b, other = _trains()
    s = [np.round(t * SR).astype(np.int64) for t in (a, b, other)]
    T, refr = int(DURATION * SR), (9, 30)  # 0.3 ms censored, 1 ms refractory
    assert train_contamination(s[0], T, refr) == 0.0  # a 2 ms dead time: no violation
    assert abs(cross_contamination(s[0], s[1], T, refr)) < 0.05
    # Independent neurons: SpikeInterface's formula counts coincidences in (t_c, t_r] but
    # normalises by t_r, so it gives 1 - t_c / t_r = 0.7 rather than 1.
    assert 0.55 < cross_contamination(s[0], s[2], T, refr) < 0.85
    # Too few coincidences expected (two 10-spike trains): no evidence, not "one neuron".
    assert cross_contamination(s[0][:10], s[2][:10], T, refr) < 0.1
    assert math.isnan(cross_contamination(s[0][:10], s[2][:10], T, refr, min_expected=3))
    # The formula, by hand, on a tiny case: one coincidence in (t_c, t_r].
    t1, t2 = np.array([100, 1000]), np.array([120, 5000])
    c1 = train_contamination(t1, 10_000, refr)
    expected = 1 - ((1 * 10_000) / (2 * 2 * 2 * 30) - 1) / (c1 - 1)
    assert math.isclose(cross_contamination(t1, t2, 10_000, refr, c1=c1), expected)


def test_amplitude_continuity_of_a_drift_split() -> None:
    t = np.linspace(0, 100, 2000)
    amp = 50 + 0.2 * t + np.random.default_rng(1).normal(0, 2, t.size)  # a slow drift
    early, late = t < 50, t >= 50
    assert amplitude_continuity(t[early], amp[early], t[late], amp[late]) > 0.6
    assert amplitude_continuity(t[early], amp[early], t[late], amp[late] + 40) < 0.01
    assert amplitude_continuity(t[early], amp[early], t[late], amp[late] + 4, tolerance=20) > 0.9
    assert math.isnan(amplitude_continuity(t, amp, t[::2], amp[::2]))  # overlapping: not a drift split
    assert math.isnan(amplitude_continuity(t[:3], amp[:3], t[late], amp[late]))


def test_waveform_similarity_and_subset() -> None:
    w = np.random.default_rng(2).normal(size=(40, 4))
    assert math.isclose(waveform_similarity(w, 2 * w), 1.0)
    assert waveform_similarity(w, np.zeros_like(w)) == 0.0
    ids = spike_subset(np.arange(1000), 10)
    assert ids.size == 10 and ids[0] == 0 and ids[-1] == 999


def test_known_pairs_rank_on_top() -> None:
    a, b, other = _trains()
    s = [np.round(t * SR).astype(np.int64) for t in (a, b, other)]
    T, refr = int(DURATION * SR), (9, 30)

    def scores(x: int, y: int, sim: float) -> float:
        return combined_score({"similarity": sim, "ccg_dip": refractory_dip([a, b, other][x], [a, b, other][y]),
                               "cross_contamination": cross_contamination(s[x], s[y], T, refr)})

    # Even with a lower template similarity, the true pair wins on the correlogram evidence.
    true_pair = scores(0, 1, 0.8)
    assert true_pair > scores(0, 2, 0.9) and true_pair > scores(1, 2, 0.9)
    assert combined_score({"similarity": math.nan}) == 0.5  # no evidence at all: neutral


def test_contamination_matches_spikeinterface_auto_merge() -> None:
    """Our cross-contamination and train contamination against SpikeInterface's own functions.

    The trains hold pairs exactly ``t_c`` and ``t_r`` samples apart (SpikeInterface counts
    those one half, ``_get_border_probabilities``) and a contaminated first train. The
    formulas are the same on the same integer samples, so the only difference left is
    SpikeInterface's ``t_c = 0.3e-3 * sf`` kept as a float (9.000000000000002 samples) in
    the train contamination: ~1e-16 relative, hence ``rel_tol=1e-9``.
    """
    auto_merge = pytest.importorskip("spikeinterface.curation.auto_merge")
    rng = np.random.default_rng(7)
    T, refr_ms, refr = int(DURATION * SR), (0.3, 1.0), (9, 30)
    neuron = refractory_train(rng, 6000, DURATION)
    half = rng.random(neuron.size) < 0.5
    contamination = rng.uniform(0, DURATION, 300)
    a = np.sort(np.round(np.concatenate([neuron[half], contamination]) * SR).astype(np.int64))
    b = np.round(neuron[~half] * SR).astype(np.int64)
    other = np.round(refractory_train(rng, 3000, DURATION) * SR).astype(np.int64)
    # Pairs exactly on the borders, within a train and across trains.
    a = np.sort(np.concatenate([a, a[100:140] + 30, a[200:220] + 9]))
    b = np.sort(np.concatenate([b, a[300:340] + 30, a[400:430] - 9, a[500:520] + 30]))
    for x, y in ((a, b), (a, other), (b, a)):
        ours_c = train_contamination(x, T, refr)
        theirs_c = auto_merge.estimate_contamination(x, SR, T, refr_ms)
        assert math.isclose(ours_c, theirs_c, rel_tol=1e-9, abs_tol=1e-12)
        ours = cross_contamination(x, y, T, refr)
        theirs = auto_merge.estimate_cross_contamination(x, y, SR, T, refr_ms)
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)
