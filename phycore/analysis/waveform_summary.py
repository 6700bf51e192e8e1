"""Per-cluster waveform summaries from templates, updated incrementally.

A cluster's *mean template* is the spike-count-weighted mean of the (unwhitened)
templates of its spikes; its *main template* owns most of its spikes (phy's rule for
the ``amp`` column and the best channels). Only the per-cluster template counts are
stored; mean templates are rebuilt on demand from them (a few templates per cluster).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import added_spikes, group_spikes
from phycore.analysis._validate import ClusterChange, SpikeLookup, as_1d, cluster_ids_arg, positive_int
from phycore.errors import ClusterIdError, DataFormatError

__all__ = ["ClusterWaveform", "WaveformSummary"]


@attrs.define(frozen=True)
class ClusterWaveform:
    """Template-based summary of one cluster.

    Attributes
    ----------
    cluster_id : int
    template_ids : ndarray of int64
        Templates of the cluster's spikes, by decreasing spike count.
    template_counts : ndarray of int64
        Their spike counts (decreasing).
    main_template : int
        Template owning most spikes (-1 for an empty cluster).
    peak_channel : int
        Channel (index into ``channel_positions``) with the largest peak-to-peak
        amplitude of the main template; phy's best channel.
    amplitude : float
        Peak-to-peak amplitude of the main template on its peak channel (phy's ``amp``).
    depth : float
        y coordinate of the peak channel (phy's ``depth``).
    shank : int
        Shank of the peak channel (phy's ``sh``).
    best_channels : ndarray of int64
        Channels on the peak channel's shank whose mean-template peak-to-peak amplitude
        is at least ``amplitude_threshold`` times the maximum, by decreasing amplitude,
        at most ``n_best_channels``.
    """

    cluster_id: int
    template_ids: npt.NDArray[np.int64]
    template_counts: npt.NDArray[np.int64]
    main_template: int
    peak_channel: int
    amplitude: float
    depth: float
    shank: int
    best_channels: npt.NDArray[np.int64]


class WaveformSummary:
    """Waveform summaries of all clusters, recomputed only for changed clusters.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    templates : array-like, shape (n_templates, n_samples, n_channels)
        Dense unwhitened templates (all channels).
    spike_templates : array-like of int, shape (n_spikes,)
        Original template of each spike.
    channel_positions : array-like, shape (n_channels, 2)
    channel_shanks : array-like of int, shape (n_channels,), optional
    n_best_channels : int
        Maximum number of best channels per cluster (default 12, phy's
        ``n_closest_channels``).
    amplitude_threshold : float
        Relative amplitude threshold for best channels (default 0.1).
    """

    def __init__(
        self,
        templates: npt.ArrayLike,
        spike_templates: npt.ArrayLike,
        channel_positions: npt.ArrayLike,
        channel_shanks: npt.ArrayLike | None = None,
        *,
        n_best_channels: int = 12,
        amplitude_threshold: float = 0.1,
    ) -> None:
        w = np.asarray(templates)
        if w.ndim != 3:
            raise DataFormatError(f"`templates` must be 3-D, got shape {w.shape}.", argument="templates")
        self.templates = w
        self.spike_templates = as_1d(spike_templates, "spike_templates").astype(np.int64, copy=False)
        if self.spike_templates.size and (
            self.spike_templates.min() < 0 or self.spike_templates.max() >= w.shape[0]
        ):
            raise DataFormatError("`spike_templates` refers to missing templates.", argument="spike_templates")
        pos = np.asarray(channel_positions, dtype=np.float64)
        if pos.shape != (w.shape[2], 2):
            raise DataFormatError(
                f"`channel_positions` must be ({w.shape[2]}, 2), got {pos.shape}.", argument="channel_positions"
            )
        self.channel_positions = pos
        self.channel_shanks = (
            np.zeros(w.shape[2], np.int64) if channel_shanks is None
            else as_1d(channel_shanks, "channel_shanks", length=w.shape[2]).astype(np.int64)
        )
        self.n_best_channels = positive_int(n_best_channels, "n_best_channels")
        self.amplitude_threshold = float(amplitude_threshold)
        self._ptp = np.ptp(w, axis=1).astype(np.float64)  # (n_templates, n_channels)
        self._data: dict[int, ClusterWaveform] = {}
        self._vectors: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}

    # Access ---------------------------------------------------------------------------

    def __getitem__(self, cluster_id: int) -> ClusterWaveform:
        try:
            return self._data[int(cluster_id)]
        except KeyError:
            raise ClusterIdError(f"cluster {cluster_id} has no waveform summary.", argument="cluster_id") from None

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._data))

    def mean_template(self, cluster_id: int) -> npt.NDArray[np.float64]:
        """Spike-count-weighted mean template ``(n_samples, n_channels)`` of a cluster."""
        s = self[cluster_id]
        if s.template_ids.size == 0:
            return np.zeros(self.templates.shape[1:])
        wts = s.template_counts / s.template_counts.sum()
        return np.tensordot(wts, np.asarray(self.templates[s.template_ids], dtype=np.float64), axes=1)

    def mean_templates(self, cluster_ids: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Stack of :meth:`mean_template` for several clusters."""
        ids = cluster_ids_arg(cluster_ids)
        out = np.zeros((ids.size,) + self.templates.shape[1:])
        for i, c in enumerate(ids.tolist()):
            out[i] = self.mean_template(c)
        return out

    def similarity(self, cluster_id: int, cluster_ids: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Cosine similarity of mean templates over best channels, for similarity views.

        Each cluster's mean template is zeroed outside its best channels, flattened and
        normalised (as :func:`phycore.analysis.masked_cosine_similarity`); the score of
        ``(A, B)`` is the dot product of these vectors, so clusters without a common
        best channel score 0. Usable when ``similar_templates.npy`` is absent. The
        normalised vectors are cached per cluster (dropped with the cluster on update).

        Parameters
        ----------
        cluster_id : int
            Cluster A.
        cluster_ids : array-like of int, optional
            Clusters B (default: every cluster with a summary, sorted).

        Returns
        -------
        ndarray of float64, shape (len(cluster_ids),)
        """
        ids = np.array(sorted(self._data), np.int64) if cluster_ids is None else cluster_ids_arg(cluster_ids)
        ca, va = self._unit_vector(cluster_id)
        out = np.zeros(ids.size)
        for i, c in enumerate(ids.tolist()):
            cb, vb = self._unit_vector(c)
            _, ia, ib = np.intersect1d(ca, cb, assume_unique=True, return_indices=True)
            if ia.size:
                out[i] = float(np.sum(va[:, ia] * vb[:, ib]))
        return out

    def _unit_vector(self, cluster_id: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        cached = self._vectors.get(int(cluster_id))
        if cached is None:
            s = self[cluster_id]
            ch = np.sort(s.best_channels)
            v = self.mean_template(cluster_id)[:, ch] if ch.size else np.zeros((self.templates.shape[1], 0))
            norm = float(np.linalg.norm(v))
            cached = (ch, v / norm if norm > 0 else np.zeros_like(v))
            self._vectors[int(cluster_id)] = cached
        return cached

    # Computation ----------------------------------------------------------------------

    def _summarise(self, cluster_id: int, spike_ids: npt.NDArray[np.int64]) -> ClusterWaveform:
        counts = np.bincount(self.spike_templates[spike_ids], minlength=self.templates.shape[0])
        tids = np.flatnonzero(counts)
        order = np.lexsort((tids, -counts[tids]))
        tids = tids[order].astype(np.int64)
        tc = counts[tids].astype(np.int64)
        if tids.size == 0:
            return ClusterWaveform(cluster_id, tids, tc, -1, -1, float("nan"), float("nan"), -1,
                                   np.zeros(0, np.int64))
        main = int(tids[0])
        peak = int(np.argmax(self._ptp[main]))
        amp = float(self._ptp[main, peak])
        # Mean-template amplitude per channel (weighted mean of the templates' ptp is an
        # upper bound; use the true mean template for few templates).
        mean_ptp = np.ptp(np.tensordot(tc / tc.sum(), np.asarray(self.templates[tids], np.float64), axes=1),
                          axis=0)
        same_shank = self.channel_shanks == self.channel_shanks[peak]
        thr = self.amplitude_threshold * mean_ptp.max()
        cand = np.flatnonzero(same_shank & (mean_ptp >= thr) & (mean_ptp > 0))
        cand = cand[np.lexsort((cand, -mean_ptp[cand]))][: self.n_best_channels]
        if peak not in cand:
            cand = np.concatenate(([peak], cand[: self.n_best_channels - 1]))
        return ClusterWaveform(
            cluster_id=cluster_id,
            template_ids=tids,
            template_counts=tc,
            main_template=main,
            peak_channel=peak,
            amplitude=amp,
            depth=float(self.channel_positions[peak, 1]),
            shank=int(self.channel_shanks[peak]),
            best_channels=cand.astype(np.int64),
        )

    def compute(
        self,
        cluster_ids: npt.ArrayLike | None = None,
        *,
        spike_clusters: npt.ArrayLike | None = None,
        spikes_per_cluster: SpikeLookup | None = None,
        progress: Callable[[str, float], None] | None = None,
    ) -> None:
        """(Re)compute the summaries of ``cluster_ids`` (default: all clusters).

        Give the cluster assignment or per-cluster spike ids (exactly one).
        ``progress("waveforms", fraction)`` is called after each cluster.
        """
        cids, spike_ids, offsets = group_spikes(
            cluster_ids, self.spike_templates.shape[0],
            spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster,
        )
        for i, c in enumerate(cids.tolist()):
            self._data[c] = self._summarise(c, spike_ids[offsets[i]: offsets[i + 1]])
            self._vectors.pop(c, None)
            if progress is not None:
                progress("waveforms", (i + 1) / cids.size)

    def discard(self, cluster_ids: Iterable[int]) -> None:
        """Forget the summaries of these clusters (missing ids are ignored)."""
        for c in cluster_ids:
            self._data.pop(int(c), None)
            self._vectors.pop(int(c), None)

    def update(
        self,
        up: ClusterChange,
        *,
        spike_clusters: npt.ArrayLike | None = None,
        spikes_per_cluster: SpikeLookup | None = None,
    ) -> list[int]:
        """Drop ``up.deleted`` and compute ``up.added`` (an ``UpdateInfo``-like object).

        The spikes of the added clusters come from ``spikes_per_cluster`` if given,
        else from ``up.spike_ids`` and the new ``spike_clusters`` (every spike of a new
        cluster was moved by the action, so it is in ``up.spike_ids``).

        Returns
        -------
        list of int
            The recomputed cluster ids.
        """
        added, lookup = added_spikes(up, self.spike_templates.shape[0], spike_clusters, spikes_per_cluster)
        self.discard(getattr(up, "deleted", None) or ())
        if added:
            self.compute(added, spikes_per_cluster=lookup)
        return added

