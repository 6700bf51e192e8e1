"""Merge candidates: scores that say whether two clusters are one over-split unit.

Each criterion is a score in which *higher means "merge"*, except the cross-contamination
(SpikeInterface's measure, where lower means "merge"); :func:`combined_score` turns them
into one rank score in ``[0, 1]``. Criteria:

``similarity``
    The session's template similarity (phy's similarity table score).
``waveform``
    Cosine similarity of the two mean templates on the union of their best channels.
``ccg_dip``
    Refractory dip of the cross-correlogram: ``1 - observed / expected`` coincidences
    within ``refractory`` seconds, the expectation coming from the flanks of the
    cross-correlogram (``flank`` seconds). Two halves of one neuron never fire within its
    refractory period, so the dip is near 1; two independent neurons give about 0.
    NaN when the flanks hold too few coincidences to tell.
``cross_contamination``
    SpikeInterface's auto-merge cross-contamination (``estimate_cross_contamination`` in
    ``spikeinterface.curation.auto_merge``, Llobet et al. 2022): with ``C1`` the
    contamination of the first train and ``n_v`` the coincidences between the trains in
    ``(t_c, t_r]`` samples, ``1 - (n_v T / (2 N1 N2 t_r) - 1) / (C1 - 1)``. About 0 for one
    neuron, about ``1 - t_c / t_r`` (0.7 with the defaults) for independent neurons, since
    the coincidences are counted in ``(t_c, t_r]`` but normalised by ``t_r``, as
    SpikeInterface does. Our code is our own; coincidences are counted on whole samples,
    and a pair exactly ``t_c`` or ``t_r`` apart counts one half, as SpikeInterface's
    ``_get_border_probabilities`` weighs an integer border (the train contamination's
    violations at exactly ``t_r`` too).
``amplitude_continuity``, ``depth_continuity``
    Whether one cluster's amplitudes (depths) continue the other's in time, as a drift
    split leaves them: when one cluster follows the other in time, the end of the first is
    compared with the start of the second. ``exp(-d**2 / 2)`` of the robust z-distance
    ``d``: 1 when continuous; NaN when the clusters overlap in time.

All functions are pure (numpy arrays in, floats out) and bounded: callers pass at most a
few tens of thousands of spikes per cluster (:func:`spike_subset`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

__all__ = [
    "MERGE_SCORE_COLUMNS",
    "amplitude_continuity",
    "combined_score",
    "count_coincidences",
    "cross_contamination",
    "refractory_dip",
    "spike_subset",
    "train_contamination",
    "waveform_similarity",
]

#: Score columns, in display order; ``score`` is the combined rank score.
MERGE_SCORE_COLUMNS = ("score", "similarity", "waveform", "ccg_dip", "cross_contamination",
                       "amplitude_continuity", "depth_continuity")

#: Weights of :func:`combined_score` (the two continuity scores are weaker evidence:
#: different neurons at the same depth also have continuous depths).
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "similarity": 1.0, "waveform": 1.0, "ccg_dip": 1.0, "cross_contamination": 1.0,
    "amplitude_continuity": 0.5, "depth_continuity": 0.5,
}

_MIN_EXPECTED = 3.0  # coincidences the refractory window must expect before a dip means anything


def spike_subset(spike_ids: npt.ArrayLike, n_max: int) -> npt.NDArray[np.int64]:
    """At most ``n_max`` of ``spike_ids`` (sorted), evenly spaced so the whole recording is covered.

    Even spacing (not random) keeps the result deterministic and the time coverage whole,
    which the continuity scores need.
    """
    ids = np.asarray(spike_ids, dtype=np.int64)
    if ids.size <= n_max:
        return ids
    subset: npt.NDArray[np.int64] = ids[np.linspace(0, ids.size - 1, n_max).round().astype(np.int64)]
    return subset


def count_coincidences(t1: npt.ArrayLike, t2: npt.ArrayLike, window: float) -> int:
    """Number of pairs ``(i, j)`` with ``|t1[i] - t2[j]| <= window`` (both trains sorted)."""
    a = np.asarray(t1)
    b = np.asarray(t2)
    if not a.size or not b.size or window < 0:
        return 0
    hi = np.searchsorted(b, a + window, side="right")
    lo = np.searchsorted(b, a - window, side="left")
    return int((hi - lo).sum())


def _border_coincidences(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], window: int) -> float:
    """Pairs with ``|a[i] - b[j]| < window``, plus one half per pair exactly ``window`` apart
    (SpikeInterface's ``compute_nb_coincidence`` with an integer ``max_time``); 0 if ``window <= 0``."""
    if not a.size or not b.size or window <= 0:
        return 0.0
    within = count_coincidences(a, b, window)  # |dt| <= window
    inside = int((np.searchsorted(b, a + window, side="left") - np.searchsorted(b, a - window, side="right")).sum())
    return inside + 0.5 * (within - inside)


def _self_violations(t: npt.NDArray[np.int64], window: int) -> float:
    """Pairs ``i < j`` of one sorted train with ``t[j] - t[i] < window``, plus one half per
    pair exactly ``window`` apart (SpikeInterface's ``compute_nb_violations``)."""
    if t.size < 2 or window <= 0:
        return 0.0
    first = np.arange(1, t.size + 1)
    within = int((np.searchsorted(t, t + window, side="right") - first).sum())
    inside = int((np.searchsorted(t, t + window, side="left") - first).sum())
    return inside + 0.5 * (within - inside)


def train_contamination(train: npt.ArrayLike, duration: int, refractory: tuple[int, int]) -> float:
    """Contamination of one train (SpikeInterface's ``estimate_contamination``), in ``[0, 1]``.

    Parameters
    ----------
    train : array of int
        Sorted spike times in samples: the whole train (a subset, e.g. evenly spaced,
        drops the short intervals this counts and underestimates the contamination).
    duration : int
        Recording duration in samples.
    refractory : (int, int)
        Censored and refractory periods ``(t_c, t_r)`` in samples.
    """
    t = np.asarray(train, dtype=np.int64)
    t_c, t_r = refractory
    n = t.size
    if n < 2 or t_r <= t_c:
        return 0.0
    n_v = _self_violations(t, t_r)
    d = 1.0 - n_v * (duration - 2 * n * t_c) / (n ** 2 * (t_r - t_c))
    return 1.0 if d < 0 else 1.0 - math.sqrt(d)


def cross_contamination(train1: npt.ArrayLike, train2: npt.ArrayLike, duration: int,
                        refractory: tuple[int, int], c1: float | None = None,
                        min_expected: float | None = None) -> float:
    """SpikeInterface's cross-contamination of ``train2`` with the neuron of ``train1``.

    About 0 when the two trains respect each other's refractory period (one neuron),
    about ``1 - t_c / t_r`` for independent neurons. NaN when a train is empty.

    Parameters
    ----------
    train1, train2 : array of int
        Sorted spike times in samples.
    duration : int
        Recording duration in samples.
    refractory : (int, int)
        Censored and refractory periods ``(t_c, t_r)`` in samples (SpikeInterface's
        defaults: 0.3 ms and 1 ms).
    c1 : float, optional
        :func:`train_contamination` of ``train1`` if already known.
    min_expected : float, optional
        Return NaN when independent trains would give fewer coincidences than this in
        ``(t_c, t_r]`` (``2 N1 N2 (t_r - t_c) / T``): with none expected, none observed is
        no evidence, yet the formula then says 0 ("one neuron"). SpikeInterface guards
        against this with its p-value test instead; None (default) computes it anyway.
    """
    a = np.asarray(train1, dtype=np.int64)
    b = np.asarray(train2, dtype=np.int64)
    t_c, t_r = refractory
    if not a.size or not b.size or t_r <= 0:
        return math.nan
    if min_expected is not None and 2.0 * a.size * b.size * (t_r - t_c) / duration < min_expected:
        return math.nan
    if c1 is None:
        c1 = train_contamination(a, duration, refractory)
    if c1 == 1.0:
        return -math.inf  # SpikeInterface's value for a fully contaminated first train
    n_v = _border_coincidences(a, b, t_r) - _border_coincidences(a, b, t_c)
    return 1.0 - ((n_v * duration) / (2.0 * a.size * b.size * t_r) - 1.0) / (c1 - 1.0)


def refractory_dip(t1: npt.ArrayLike, t2: npt.ArrayLike, refractory: float = 1.5e-3,
                   flank: tuple[float, float] = (5e-3, 50e-3)) -> float:
    """Refractory dip of the cross-correlogram of two sorted trains (seconds), in ``[0, 1]``.

    ``1 - observed / expected``, where ``observed`` counts the pairs closer than
    ``refractory`` and ``expected`` scales the pair count in the flanks
    ``flank[0] < |dt| <= flank[1]`` to the refractory window's width. NaN when fewer
    than 3 pairs are expected there (too few spikes to tell).
    """
    a = np.asarray(t1, dtype=np.float64)
    b = np.asarray(t2, dtype=np.float64)
    lo, hi = flank
    n_flank = count_coincidences(a, b, hi) - count_coincidences(a, b, lo)
    expected = n_flank * refractory / (hi - lo)
    if expected < _MIN_EXPECTED:
        return math.nan
    observed = count_coincidences(a, b, refractory)
    return float(np.clip(1.0 - observed / expected, 0.0, 1.0))


def waveform_similarity(w1: npt.ArrayLike, w2: npt.ArrayLike) -> float:
    """Cosine similarity of two mean waveforms ``(n_samples, n_channels)`` already restricted
    to the same channels (the union of both clusters' best channels); 0 if one is flat."""
    a = np.asarray(w1, dtype=np.float64).ravel()
    b = np.asarray(w2, dtype=np.float64).ravel()
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.clip(a @ b / norm, -1.0, 1.0)) if norm > 0 else 0.0


def _spread(x: npt.NDArray[np.float64]) -> float:
    """Robust standard deviation (1.4826 MAD)."""
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if x.size else 0.0


def _segments(t1: npt.NDArray[np.float64], t2: npt.NDArray[np.float64],
              edge: float) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]] | None:
    """Masks of the end of the earlier train and the start of the later one, or None when
    the trains overlap in time (their 10-90 % spans share more than a quarter of the shorter)."""
    def q(t: npt.NDArray[np.float64], f: float) -> float:
        return float(t[int(round(f * (t.size - 1)))])  # the trains are sorted

    a0, a1 = q(t1, 0.1), q(t1, 0.9)
    b0, b1 = q(t2, 0.1), q(t2, 0.9)
    shorter = min(a1 - a0, b1 - b0)
    if min(a1, b1) - max(a0, b0) > 0.25 * shorter:
        return None
    if a0 + a1 <= b0 + b1:  # 1 then 2
        return t1 >= q(t1, 1 - edge), t2 <= q(t2, edge)
    return t1 <= q(t1, edge), t2 >= q(t2, 1 - edge)


def amplitude_continuity(t1: npt.ArrayLike, v1: npt.ArrayLike, t2: npt.ArrayLike, v2: npt.ArrayLike,
                         edge: float = 0.1, tolerance: float = 0.0) -> float:
    """Whether values ``v2`` (amplitudes, depths) over sorted times ``t2`` continue ``v1`` over ``t1``.

    Returns ``exp(-d**2 / 2)`` with ``d`` the difference between the median of the end of
    the earlier train and that of the start of the later one (``edge``: the fraction of a
    train taken as its start or end) over their pooled robust spread, or over ``tolerance`` when larger (a
    difference that small counts as continuous however tight the values are: e.g. 20 µm of
    depth, a channel's pitch). NaN when the trains overlap in time (not a drift split: the
    correlogram criteria judge those) or with fewer than 5 spikes in a segment.
    """
    ta, va = np.asarray(t1, dtype=np.float64), np.asarray(v1, dtype=np.float64)
    tb, vb = np.asarray(t2, dtype=np.float64), np.asarray(v2, dtype=np.float64)
    if ta.size < 5 or tb.size < 5:
        return math.nan
    masks = _segments(ta, tb, edge)
    if masks is None:
        return math.nan
    sa, sb = va[masks[0]], vb[masks[1]]
    if sa.size < 5 or sb.size < 5:
        return math.nan
    spread = max(math.hypot(_spread(sa), _spread(sb)), tolerance)
    diff = abs(float(np.median(sa) - np.median(sb)))
    if spread <= 0:
        return 1.0 if diff == 0 else 0.0
    return math.exp(-0.5 * (diff / spread) ** 2)


def combined_score(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """One rank score in ``[0, 1]``: the weighted mean of the criteria, each mapped to
    ``[0, 1]`` with 1 meaning "merge" (``1 - cross_contamination``).

    A criterion without evidence (NaN: too few spikes for a correlogram, clusters that do
    not follow each other in time) counts as 0.5, neither for nor against: dropping it
    instead would let a pair with no evidence tie with one whose correlogram confirms it.
    """
    weights = DEFAULT_WEIGHTS if weights is None else weights
    total = weight = 0.0
    for name, w in weights.items():
        value = scores.get(name, math.nan)
        if value is None or not math.isfinite(value):
            value = 0.5
        elif name == "cross_contamination":
            value = 1.0 - value
        total += w * min(max(float(value), 0.0), 1.0)
        weight += w
    return total / weight if weight else 0.0
