"""Per-pair merge scores from a live session (private; see :mod:`phycore.controller.merge_review`).

Gathers what :mod:`phycore.analysis.merge_candidates` needs for one cluster (a bounded,
evenly spaced subset of its spikes: times, amplitudes, depths; its mean template and best
channels; the contamination of its whole train), caches it per cluster id (ids are never
reused, so entries stay valid until the cluster is deleted) and scores pairs.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.amplitudes import spike_depths
from phycore.analysis.merge_candidates import (
    amplitude_continuity,
    combined_score,
    cross_contamination,
    refractory_dip,
    spike_subset,
    train_contamination,
    waveform_similarity,
)


@attrs.frozen
class _ClusterData:
    times: npt.NDArray[np.float64]  # seconds, sorted
    samples: npt.NDArray[np.int64]
    amplitudes: npt.NDArray[np.float64] | None
    depths: npt.NDArray[np.float64] | None
    template: npt.NDArray[np.float32]  # mean template on its best channels (the model's cached one)
    channels: npt.NDArray[np.int64]
    contamination: float  # of the whole train: a subset drops the short intervals it counts
    n_spikes: int  # in the whole cluster


class PairScorer:
    """Scores of cluster pairs, with a per-cluster data cache.

    Parameters
    ----------
    controller : TemplateController
    max_spikes : int
        Spikes per cluster the correlogram and continuity scores use (evenly spaced).
    refractory : float
        Seconds: the refractory window of the correlogram dip.
    censored : float
        Seconds: SpikeInterface's censored period of the cross-contamination (its default).

    Attributes
    ----------
    min_coincidences : float
        The cross-contamination is NaN (no evidence) when independent trains would give
        fewer coincidences than this.
    depth_tolerance : float
        µm: a depth jump this small is continuous (about a channel's pitch).
    amplitude_tolerance : float
        Fraction of the median amplitude: an amplitude jump this small is continuous.
    """

    min_coincidences = 3.0
    depth_tolerance = 20.0
    amplitude_tolerance = 0.1

    def __init__(self, controller: Any, max_spikes: int = 20_000, refractory: float = 1.5e-3,
                 censored: float = 0.3e-3) -> None:
        self._c = controller
        self.max_spikes = max_spikes
        self.refractory = refractory
        self.censored = censored
        model = controller.model
        self._sr = float(model.sample_rate)
        self._duration = max(1, int(round(float(model.duration) * self._sr)))
        self._cache: dict[int, _ClusterData] = {}
        #: Pairs scored since the counter was last reset (tests count incremental work).
        self.n_scored = 0

    @property
    def _refractory_samples(self) -> tuple[int, int]:
        return int(round(self.censored * self._sr)), int(round(1e-3 * self._sr))

    def _depths(self, spikes: npt.NDArray[np.int64]) -> npt.NDArray[np.float64] | None:
        """Depths of these spikes only (phylib's ``get_depths`` formula): the model's
        ``get_depths()`` would read every spike's PC features."""
        model = self._c.model
        features = getattr(model, "sparse_features", None)
        if features is None or features.cols is None or features.data.shape[0] != model.n_spikes:
            return None  # no PC features, or only a subset of spikes has them (as phylib)
        return spike_depths(features.data[spikes], np.asarray(model.spike_templates)[spikes], features.cols,
                            model.channel_positions)

    def forget(self, cluster_ids: Any) -> None:
        """Drop the cached data of deleted clusters."""
        for c in cluster_ids:
            self._cache.pop(int(c), None)

    def data(self, cluster_id: int) -> _ClusterData:
        """The cached data of one cluster."""
        cid = int(cluster_id)
        d = self._cache.get(cid)
        if d is None:
            d = self._cache[cid] = self._load(cid)
        return d

    def _load(self, cid: int) -> _ClusterData:
        model = self._c.model
        every = np.asarray(self._c.supervisor.clustering.spikes_in_clusters([cid]), dtype=np.int64)
        train = np.sort(np.round(np.asarray(model.spike_times[every], dtype=np.float64) * self._sr).astype(np.int64))
        spikes = spike_subset(every, self.max_spikes)
        times = np.asarray(model.spike_times[spikes], dtype=np.float64)
        order = np.argsort(times, kind="stable")
        spikes, times = spikes[order], times[order]
        amps = getattr(model, "amplitudes", None)
        depths = self._depths(np.sort(spikes))
        if depths is not None:
            depths = depths[np.argsort(np.argsort(spikes, kind="stable"), kind="stable")]
        samples = np.round(times * self._sr).astype(np.int64)
        # The model's default template (best channels, unwhitened) is cached there; asking
        # for other channels would unwhiten the whole template again (tens of ms each).
        template = model.get_template(int(self._c.get_template_for_cluster(cid)))
        return _ClusterData(
            times=times, samples=samples,
            amplitudes=None if amps is None else np.asarray(amps[spikes], dtype=np.float64),
            depths=depths,
            template=np.asarray(template.template, dtype=np.float32),
            channels=np.asarray(template.channel_ids, dtype=np.int64),
            contamination=train_contamination(train, self._duration, self._refractory_samples),
            n_spikes=int(every.size),
        )

    def _waveform(self, a: _ClusterData, b: _ClusterData) -> float:
        # On the union of the best channels, each template zero outside its own (as
        # masked_cosine_similarity does for the similarity fallback).
        channels = np.union1d(a.channels, b.channels)
        n = min(a.template.shape[0], b.template.shape[0])
        wa = np.zeros((n, channels.size))
        wb = np.zeros((n, channels.size))
        wa[:, np.searchsorted(channels, a.channels)] = a.template[:n]
        wb[:, np.searchsorted(channels, b.channels)] = b.template[:n]
        return waveform_similarity(wa, wb)

    def score(self, a: int, b: int, similarity: float) -> dict[str, float]:
        """Every criterion of the pair ``(a, b)`` and the combined ``score``."""
        self.n_scored += 1
        da, db = self.data(a), self.data(b)
        # SpikeInterface's measure is asymmetric: the larger train's contamination is the
        # better estimated, so it goes first (whole sizes: the subsets are capped alike).
        first, second = (da, db) if da.n_spikes >= db.n_spikes else (db, da)
        def continuity(va: npt.NDArray[np.float64] | None, vb: npt.NDArray[np.float64] | None,
                       tolerance: float) -> float:
            if va is None or vb is None:
                return math.nan
            return amplitude_continuity(da.times, va, db.times, vb, tolerance=tolerance)

        amp_tol = (self.amplitude_tolerance * float(np.median(np.abs(da.amplitudes)))
                   if da.amplitudes is not None and da.amplitudes.size else 0.0)
        scores = {
            "similarity": float(similarity),
            "waveform": self._waveform(da, db),
            "ccg_dip": refractory_dip(da.times, db.times, self.refractory),
            "cross_contamination": cross_contamination(first.samples, second.samples, self._duration,
                                                       self._refractory_samples, c1=first.contamination,
                                                       min_expected=self.min_coincidences),
            "amplitude_continuity": continuity(da.amplitudes, db.amplitudes, amp_tol),
            "depth_continuity": continuity(da.depths, db.depths, self.depth_tolerance),
        }
        scores["score"] = combined_score(scores)
        return scores
