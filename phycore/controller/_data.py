"""Cluster-dependent data the views need, with phy's spike budgets (private).

Each function answers for the *live* clustering and is memoised per cluster id in the
Context's in-memory cache (ids are never reused, so an entry never goes stale; the
Context drops entries of deleted clusters to free memory).
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis import correlograms
from phycore.cache import Context
from phycore.clustering import Clustering
from phycore.controller._columns import ClusterColumns
from phycore.controller._raw_filter import RawDataFilter
from phycore.errors import ClusterIdError
from phycore.model import TemplateModel

__all__ = ["ViewData", "SpikeData", "even_subset"]

# Spikes whose template features are projected at once (each chunk needs ~1 KB a spike).
_TEMPLATE_FEATURE_CHUNK = 65_536


def even_subset(spike_ids: npt.NDArray[np.int64], n: int | None) -> npt.NDArray[np.int64]:
    """At most ``n`` spikes evenly spaced within ``spike_ids`` (all when ``n`` is None)."""
    if n is None or n < 0 or spike_ids.size <= n:
        return spike_ids
    idx = np.linspace(0, spike_ids.size - 1, int(n)).round().astype(np.int64)
    # idx is sorted: drop repeats with one comparison (np.unique hashes: 10x slower here).
    keep = np.ones(idx.size, dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    return np.asarray(spike_ids[idx[keep]], dtype=np.int64)


def _proportional(sizes: Sequence[int], n: int) -> list[int]:
    """``n`` split in proportion to ``sizes`` (largest remainders; each at most its size)."""
    total = sum(sizes)
    if total == 0:
        return [0] * len(sizes)
    exact = [n * s / total for s in sizes]
    out = [int(e) for e in exact]
    for i in sorted(range(len(sizes)), key=lambda i: exact[i] - out[i], reverse=True)[: n - sum(out)]:
        out[i] += 1
    return [min(k, s) for k, s in zip(out, sizes)]


@attrs.define(eq=False)
class SpikeData:
    """Per-spike data of one cluster for a view.

    Attributes
    ----------
    cluster_id : int
    spike_ids : ndarray of int64
    data : ndarray
        Waveforms ``(n, n_samples, n_channels)``, features ``(n, n_channels, n_pcs)``
        or amplitudes ``(n,)``.
    channel_ids : ndarray of int64 or None
    spike_times : ndarray of float64
    """

    cluster_id: int
    spike_ids: npt.NDArray[np.int64]
    data: Any
    channel_ids: npt.NDArray[np.int64] | None = None
    spike_times: npt.NDArray[np.float64] | None = None

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


class ViewData:
    """Data functions for the views (waveforms, features, amplitudes, templates, CCGs, traces).

    Parameters
    ----------
    model, clustering, columns, context
        The session's objects.
    """

    n_spikes_waveforms = 100
    n_spikes_features = 2500
    n_spikes_amplitudes = 10_000
    n_spikes_correlograms = 100_000
    #: Seconds of raw data filtered on each side of a waveform and dropped (at least the
    #: waveform's length): the filter's start-up transient fades there, not on the spike.
    waveform_filter_margin = 0.005

    def __init__(self, model: TemplateModel, clustering: Clustering, columns: ClusterColumns,
                 context: Context, raw_data_filter: RawDataFilter | None = None) -> None:
        self.model = model
        self.clustering = clustering
        self.columns = columns
        self.raw_data_filter = raw_data_filter if raw_data_filter is not None else RawDataFilter()
        self._cached_waveforms = context.memcache(self._get_waveforms)
        self.get_features = context.memcache(self._get_features)
        self.get_amplitudes = context.memcache(self._get_amplitudes)
        self.get_template_waveforms = context.memcache(self._get_template_waveforms)

    def spikes(self, cluster_id: int, n: int | None = None) -> npt.NDArray[np.int64]:
        """Spike ids of a cluster, at most ``n`` evenly spaced ones."""
        return even_subset(self.clustering.spikes_in_clusters([int(cluster_id)]), n)

    def feature_spikes(self, cluster_id: int, n: int | None = None) -> npt.NDArray[np.int64]:
        """Spikes of a cluster that have PC features, at most ``n`` evenly spaced ones: all
        with ``pc_features.npy``; else those of the ``_phy_spikes_subset`` waveforms, whose
        features the model computes (phy shows only those: never zeros for the others)."""
        if getattr(self.model, "sparse_features", None) is not None:
            return self.spikes(cluster_id, n)
        return self._pooled_spikes(cluster_id, n)

    def _pooled_spikes(self, cluster_id: int, n: int | None) -> npt.NDArray[np.int64]:
        """As :meth:`spikes`, but only among the ``_phy_spikes_subset`` spikes (the waveforms
        ``extract-waveforms`` saved) when the folder has them, as phy samples its waveforms
        (and the features it computes from them)."""
        sw = getattr(self.model, "spike_waveforms", None)
        if sw is None or sw.rows is None:
            return self.spikes(cluster_id, n)
        spikes = self.clustering.spikes_in_clusters([int(cluster_id)])
        return even_subset(spikes[np.isin(spikes, np.asarray(sw.rows, dtype=np.int64))], n)

    def _times(self, spike_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        return np.asarray(self.model.spike_times[spike_ids], dtype=np.float64)

    def get_waveforms(self, cluster_id: int, n_spikes: int | None = None,
                      filter_name: str | None = None) -> SpikeData:
        """Raw waveforms of sampled spikes on the cluster's best channels, as phy's waveform
        view shows them (:meth:`spike_waveforms`).

        Parameters
        ----------
        cluster_id : int
        n_spikes : int, optional
            At most this many evenly spaced spikes (default :attr:`n_spikes_waveforms`).
        filter_name : str, optional
            A filter of :attr:`raw_data_filter` (default: the current one).

        Returns
        -------
        SpikeData
            ``data`` float32 ``(n_spikes, n_samples_waveforms, n_channels)``. Cached per
            ``(cluster, n_spikes, filter)`` for phycore's filters; a plugin's filter is
            recomputed each time (its code may change between sessions, and the cache is
            kept on disk).
        """
        name = self.raw_data_filter.current if filter_name is None else str(filter_name)
        self.raw_data_filter.get(name)  # an unknown name fails here, before any caching
        n = self.n_spikes_waveforms if n_spikes is None else int(n_spikes)
        if self.raw_data_filter.is_builtin(name):
            return self._cached_waveforms(int(cluster_id), n, name)
        return self._get_waveforms(int(cluster_id), n, name)

    def _get_waveforms(self, cluster_id: int, n_spikes: int, filter_name: str) -> SpikeData:
        channels = self.columns.best_channels(cluster_id)
        merged = self._merged_waveforms(cluster_id, n_spikes, filter_name, channels)
        if merged is not None:
            return merged
        spike_ids = self._pooled_spikes(cluster_id, n_spikes)
        data = self.spike_waveforms(spike_ids, channels, filter_name)
        return SpikeData(int(cluster_id), spike_ids, data, channels, self._times(spike_ids))

    def _merged_waveforms(self, cluster_id: int, n_spikes: int, filter_name: str,
                          channels: npt.NDArray[np.int64]) -> SpikeData | None:
        """The waveforms of a cluster the last action merged, from its parts' cached ones.

        Each part gives a share of the ``n_spikes`` proportional to its size, evenly spaced
        within its cached sample, on the merged cluster's channels (a spike's waveform on a
        channel does not depend on the other channels); a part whose sample is not cached,
        or lacks one of those channels, has its share read from the raw data. So a merge
        reads at most the windows the cache does not hold, instead of ``n_spikes`` new ones.
        The spikes shown differ from the evenly spaced ones of a fresh read (a deliberate
        difference from phy, for speed); None when the last action is not that merge, or
        when the waveforms come from ``_phy_spikes_subset``: then the plain path is used.
        """
        change = self.clustering.history.current_item
        peek = getattr(self._cached_waveforms, "peek", None)
        if (peek is None or change is None or getattr(change.up, "description", "") != "merge"
                or list(change.after) != [int(cluster_id)] or not getattr(self.model, "has_raw_data", False)
                or getattr(getattr(self.model, "spike_waveforms", None), "rows", None) is not None):
            return None  # (with _phy_spikes_subset, waveforms are drawn among those spikes)
        parts = {int(c): np.asarray(s, dtype=np.int64) for c, s in change.before.items()}
        total = sum(len(s) for s in parts.values())
        if total != int(self.clustering.spike_counts.get(int(cluster_id), -1)):
            return None  # live spikes joined it since: read it afresh
        n = min(int(n_spikes), total)
        shares = _proportional([len(s) for s in parts.values()], n)
        ids, datas = [], []
        for (part, spikes), k in zip(parts.items(), shares):
            if k == 0:
                continue
            cached = peek(part, int(n_spikes), filter_name)
            if cached is not None and len(cached.spike_ids) >= k and np.isin(channels, cached.channel_ids).all():
                pick = even_subset(np.arange(len(cached.spike_ids), dtype=np.int64), k)
                col_of = {int(c): i for i, c in enumerate(cached.channel_ids)}
                cols = np.array([col_of[int(c)] for c in channels], dtype=np.int64)
                ids.append(np.asarray(cached.spike_ids, np.int64)[pick])
                datas.append(np.asarray(cached.data)[pick][:, :, cols])
            else:
                sub = even_subset(spikes, k)
                ids.append(sub)
                datas.append(self.spike_waveforms(sub, channels, filter_name))
        spike_ids = np.concatenate(ids)
        order = np.argsort(spike_ids, kind="stable")
        data = np.concatenate(datas)[order]
        spike_ids = spike_ids[order]
        return SpikeData(int(cluster_id), spike_ids, data, channels, self._times(spike_ids))

    def spike_waveforms(self, spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike | None = None,
                        filter_name: str | None = None) -> npt.NDArray[np.float32]:
        """Waveforms of any spikes as phy shows them: each spike's per-channel median over
        time subtracted, then a raw-data filter (default: the current one).

        phy filters the bare waveform window; the filter's start-up transient then bends
        the spike's ends. We filter the window extended by :attr:`waveform_filter_margin`
        on each side and crop it, so the spike is filtered as inside the continuous
        recording (without raw data, ``_phy_spikes_subset`` windows are filtered bare, as
        phy does).

        Returns
        -------
        ndarray
            float32 ``(n_spikes, n_samples_waveforms, n_channels)`` (all channels by default).

        Raises
        ------
        RawDataError
            Neither raw data nor ``_phy_spikes_subset`` waveforms of these spikes.
        """
        rf = self.raw_data_filter
        name = rf.current if filter_name is None else str(filter_name)
        func = None if name == "raw" and rf.is_builtin(name) else rf.get(name)
        nsw = int(self.model.n_samples_waveforms)
        margin = max(nsw, int(round(self.waveform_filter_margin * float(self.model.sample_rate))))
        return self.model.get_waveforms(np.asarray(spike_ids, dtype=np.int64), channel_ids, subtract_median=True,
                                        filter_func=func, filter_margin=margin)

    def _get_template_waveforms(self, cluster_id: int) -> SpikeData:
        """The cluster's main unwhitened template on its best channels ``(n_samples, n_channels)``."""
        template = self.model.get_template(self.columns.template(cluster_id))
        empty = np.zeros(0, dtype=np.int64)
        return SpikeData(int(cluster_id), empty, template.template, template.channel_ids)

    def _get_features(self, cluster_id: int, channel_ids: Sequence[int] | None = None,
                      load_all: bool = False) -> SpikeData | None:
        """PC features of sampled spikes (all spikes with ``load_all``, for lasso splits).
        Without ``pc_features.npy`` they are computed from the ``_phy_spikes_subset``
        waveforms, so only those spikes have them (phy's rule)."""
        spike_ids = self.feature_spikes(cluster_id, None if load_all else self.n_spikes_features)
        channels = (np.asarray(channel_ids, dtype=np.int64) if channel_ids is not None
                    else self.columns.best_channels(cluster_id)[:4])
        data = self.model.get_features(spike_ids, channels)
        if data is None:
            return None
        return SpikeData(int(cluster_id), spike_ids, data, channels, self._times(spike_ids))

    def _get_amplitudes(self, cluster_id: int, load_all: bool = False) -> SpikeData | None:
        """Template amplitudes of sampled spikes over time."""
        if self.model.amplitudes is None:
            return None
        spike_ids = self.spikes(cluster_id, None if load_all else self.n_spikes_amplitudes)
        data = np.asarray(self.model.amplitudes[spike_ids], dtype=np.float64)
        return SpikeData(int(cluster_id), spike_ids, data, None, self._times(spike_ids))

    def get_template_features(self, cluster_ids: Sequence[int], load_all: bool = False) -> list[SpikeData] | None:
        """Template features of two clusters' spikes projected on the two clusters' templates.

        phy's TemplateFeatureView data: for the spikes of each cluster (at most
        ``n_spikes_features`` evenly spaced ones, all with ``load_all``), column 0 of
        ``data`` is the spike's template features averaged over the templates of the
        *first* cluster, weighted by how many of that cluster's spikes each template
        holds; column 1 the same for the second cluster. NaN for spikes without
        template features.

        Parameters
        ----------
        cluster_ids : sequence of two int
        load_all : bool
            All spikes of both clusters (lasso splits).

        Returns
        -------
        list of two SpikeData, or None
            ``data`` is ``(n_spikes, 2)`` float64; None without ``template_features.npy``.
        """
        ids = [int(c) for c in cluster_ids]
        if len(ids) != 2:
            raise ClusterIdError(f"cluster_ids must hold exactly two clusters, got {ids}.", argument="cluster_ids")
        counts = self.clustering.spike_counts
        missing = [c for c in ids if not counts.get(c)]
        if missing:
            raise ClusterIdError(f"Unknown cluster id(s) {missing} in cluster_ids.", argument="cluster_ids")
        if self.model.sparse_template_features is None:
            return None
        # Runs on a view's worker: reads the Clustering's histograms, never stores one.
        weights = np.stack([self.columns.template_counts(c, store=False) for c in ids], axis=1).astype(np.float64)
        weights /= weights.sum(axis=0)
        out = []
        for c in ids:
            spike_ids = self.spikes(c, None if load_all else self.n_spikes_features)
            # The projection on the two clusters' templates, from the sparse features; in
            # chunks, so that all spikes of a big cluster never need much memory at once.
            step = _TEMPLATE_FEATURE_CHUNK
            parts: list[npt.NDArray[np.float64]] = []
            for i in range(0, len(spike_ids), step):
                xy_part = self.model.project_template_features(spike_ids[i:i + step], weights)
                assert xy_part is not None  # the model has template features (checked above)
                parts.append(xy_part)
            xy = np.concatenate(parts) if parts else np.zeros((0, 2))
            out.append(SpikeData(c, spike_ids, xy, None, self._times(spike_ids)))
        return out

    def get_correlograms(self, cluster_ids: Sequence[int], bin_size: float = 1e-3,
                         window_size: float = 50e-3) -> npt.NDArray[np.int64]:
        """Cross-correlograms ``(n, n, n_bins)`` of the clusters (at most 100,000 spikes each)."""
        ids = [int(c) for c in cluster_ids]
        parts = [self.spikes(c, self.n_spikes_correlograms) for c in ids]
        if not parts:
            return correlograms(np.zeros(0), np.zeros(0, dtype=np.int64), ids,
                                sample_rate=float(self.model.sample_rate), bin_size=bin_size,
                                window_size=window_size)
        # Each part is sorted: the stable sort (timsort) merges the runs, 10x faster than
        # the default sort of 200,000 ids. The labels come from the parts, not from the
        # live assignment, which an action on the GUI thread may be rewriting while a
        # view's worker computes this.
        joined = np.concatenate(parts)
        order = np.argsort(joined, kind="stable")
        spikes = joined[order]
        labels = np.repeat(np.asarray(ids, dtype=np.int64), [len(p) for p in parts])[order]
        return correlograms(self._times(spikes), labels, ids,
                            sample_rate=float(self.model.sample_rate), bin_size=bin_size,
                            window_size=window_size)

    def get_traces(self, t0: float, t1: float, filtered: bool = False,
                   channel_ids: Sequence[int] | None = None) -> dict[str, Any]:
        """Traces in ``[t0, t1)`` and the spikes inside, with their live clusters.

        Parameters
        ----------
        t0, t1 : float
            Window in seconds.
        filtered : bool
            phy's 150 Hz high-pass (see :meth:`phycore.model.RawTraces.get_window`).
        channel_ids : sequence of int, optional
            Only these channels are read (and filtered); all by default.

        Returns
        -------
        dict
            ``traces`` float32 ``(n_samples, n_channels)``, ``spike_ids``, ``spike_times``,
            ``spike_clusters``.
        """
        traces = self.model.get_traces(t0, t1, channel_ids, filtered=filtered)
        times = self.model.spike_times
        i0, i1 = np.searchsorted(times, [t0, t1])
        spike_ids = np.arange(i0, i1, dtype=np.int64)
        return {"traces": traces, "spike_ids": spike_ids, "spike_times": self._times(spike_ids),
                "spike_clusters": self.clustering.spike_clusters[spike_ids]}
