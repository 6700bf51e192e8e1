"""The per-spike arrays of a :class:`TemplateModel` and their growth in live sessions.

:class:`SpikeArrays` owns every array with one row per spike (the growable fields of
:data:`~phycore.model._fields.FIELDS`, the spike times in seconds and the extra
``spike_*.npy`` attributes); the model's per-spike attributes read them from it. The
first :meth:`SpikeArrays.append` copies each array into a :class:`GrowableArray`
(memory-mapped files are read, never written); later appends cost what they add.

Every array is then a view of the first ``n`` rows of its buffer (writable, as the
arrays were before, but not to be written): arrays only grow at their end and their
existing rows never change, so a reader on another thread that took an array earlier
keeps a consistent (if shorter) view, and a reader that takes several arrays can
truncate them to the shortest one (:attr:`SpikeArrays.n` is updated last).

Not thread-safe itself: append from the thread that owns the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.model._batch import SpikeBatch
from phycore.model._features import SparseData
from phycore.model._fields import FIELD, FIELDS, Field, FieldSet
from phycore.model._growable import GrowableArray
from phycore.model._membership import TemplateMembership

__all__: list[str] = []

Int64Array = npt.NDArray[np.int64]

#: Sparse per-spike arrays: attribute -> (data, cols, rows) fields.
_SPARSE: dict[str, tuple[str, str, str]] = {
    "features": ("pc_features", "pc_feature_ind", "pc_feature_spike_ids"),
    "template_features": ("template_features", "template_feature_ind", "template_feature_spike_ids"),
    "waveforms": ("subset_waveforms", "subset_channels", "subset_spikes"),
}


def _data_field(f: Field) -> str:
    """The field whose presence in a batch decides whether ``f`` grows (its own, its
    parent's, or its group's first)."""
    if f.parent is not None:
        return f.parent
    if f.group is not None:
        return next(g.name for g in FIELDS if g.group == f.group)
    return f.name


class SpikeArrays:
    """Every per-spike array of one model; grows with :meth:`append`.

    Parameters
    ----------
    fields : FieldSet
        Validated fields; the per-spike ones (and the column indices of the sparse
        ones) are taken. ``spike_times_reordered`` is converted to seconds.
    sample_rate : float
        Hz, to compute the spike times in seconds.

    Attributes
    ----------
    n_loaded : int
        Spikes given at construction.
    """

    def __init__(self, fields: FieldSet, sample_rate: float) -> None:
        self._sample_rate = sample_rate
        self._values: dict[str, np.ndarray] = {
            f.name: v for f in FIELDS
            if (f.per_spike or f.parent is not None) and (v := fields.get(f.name)) is not None}
        if fields.spike_seconds is not None and not len(fields["spike_samples"]):
            self._values["spike_samples"] = np.round(fields.spike_seconds * sample_rate).astype(np.int64)
        if "spike_clusters" in self._values:
            self._values["spike_clusters"] = np.asarray(self._values["spike_clusters"], dtype=np.int64)
        else:  # the clusters start as the templates; a copy, as the model edits it
            self._values["spike_clusters"] = self._values["spike_templates"].copy()
        reordered = self._values.get("spike_times_reordered")
        if reordered is not None:
            self._values["spike_times_reordered"] = reordered / sample_rate
        self._times: npt.NDArray[np.float64] | None = (
            None if fields.spike_seconds is None else np.asarray(fields.spike_seconds, dtype=np.float64))
        self.attributes: dict[str, np.ndarray] = fields.spike_attributes
        self._sparse: dict[str, SparseData | None] = {}
        self._publish_sparse()
        self.n_loaded = int(self._values["spike_templates"].shape[0])
        self._n = self.n_loaded
        self._buffers: dict[str, GrowableArray] | None = None
        self._time_buffer: GrowableArray | None = None
        self._attribute_buffers: dict[str, GrowableArray] = {}
        self._membership: TemplateMembership | None = None
        self._next_cluster_id: int | None = None  # set on the first append (a full scan)

    # ------------------------------------------------------------------ arrays

    @property
    def n(self) -> int:
        """Number of spikes."""
        return self._n

    @property
    def samples(self) -> Int64Array:
        """Spike times in samples (int64)."""
        return self._values["spike_samples"]

    @property
    def times(self) -> npt.NDArray[np.float64]:
        """Spike times in seconds (float64), computed on first access."""
        if self._times is None:
            self._times = self.samples / self._sample_rate
        return self._times

    @property
    def templates(self) -> Int64Array:
        """Original template of each spike (int64)."""
        return self._values["spike_templates"]

    @property
    def clusters(self) -> Int64Array:
        """Cluster of each spike (int64, writable in-memory copy)."""
        return self._values["spike_clusters"]

    def get(self, name: str) -> np.ndarray | None:
        """A per-spike field (``amplitudes``, ``spike_times_reordered`` in seconds...)."""
        return self._values.get(name)

    def sparse(self, name: str) -> SparseData | None:
        """``features``, ``template_features`` or ``waveforms`` (subset), or None."""
        return self._sparse[name]

    def _publish_sparse(self) -> None:
        for key, (data, cols, rows) in _SPARSE.items():
            d = self._values.get(data)
            self._sparse[key] = None if d is None else SparseData(d, self._values.get(cols),
                                                                  self._values.get(rows))

    def set_subset(self, waveforms: np.ndarray, channels: Int64Array, spikes: Int64Array) -> bool:
        """Use a new ``_phy_spikes_subset`` pool (just written to the folder); returns
        False, keeping the old pool, once spikes were appended (their waveforms live in
        the pool's buffers)."""
        if self._buffers is not None:
            return False
        self._values.update(subset_waveforms=waveforms, subset_channels=channels, subset_spikes=spikes)
        self._publish_sparse()
        return True

    def n_reallocations(self) -> dict[str, int]:
        """How many times each growable buffer was replaced by a larger one."""
        out = {k: b.n_reallocations for k, b in (self._buffers or {}).items()}
        if self._time_buffer is not None:
            out["times"] = self._time_buffer.n_reallocations
        return out

    # ------------------------------------------------------------------ growth

    def assign_clusters(self, templates: Int64Array) -> Int64Array:
        """Clusters of new spikes under the live template membership rule (see
        :class:`TemplateMembership`); fresh ids are reserved, counts are not updated."""
        if self._membership is None:
            self._membership = TemplateMembership(self.clusters, self.templates)
        clusters, self._next_cluster_id = self._membership.assign(templates, self._fresh_cluster_id())
        return clusters

    def _fresh_cluster_id(self) -> int:
        if self._next_cluster_id is None:
            self._next_cluster_id = int(self.clusters.max()) + 1 if self._n else 0
        return self._next_cluster_id

    def append(self, b: SpikeBatch, waveform_channels: Int64Array | None = None) -> Int64Array:
        """Append a validated batch; returns the new spike ids.

        ``b.clusters`` None = :meth:`assign_clusters`. ``waveform_channels`` replaces
        ``b.waveform_channels`` (the model fills in the templates' best channels).
        """
        n0 = self._n
        ids = np.arange(n0, n0 + b.n, dtype=np.int64)
        if not b.n:
            return ids
        if b.clusters is None:
            clusters = self.assign_clusters(b.templates)
        else:
            clusters = b.clusters
            self._next_cluster_id = max(self._fresh_cluster_id(), int(clusters.max()) + 1)
        if self._membership is not None:
            self._membership.add(clusters, b.templates)
        buffers = self._grow_buffers(b)
        source: dict[str, Any] = {
            "samples": b.samples, "templates": b.templates, "clusters": clusters, "times": b.times,
            "amplitudes": b.amplitudes, "features": b.features, "template_features": b.template_features,
            "waveforms": b.waveforms, "ids": ids,
            "waveform_channels": b.waveform_channels if waveform_channels is None else waveform_channels}
        for f in FIELDS:
            buf = buffers.get(f.name)
            data = FIELD[_data_field(f)].appended
            if buf is None or f.appended is None or data is None or source[data] is None:
                continue
            self._values[f.name] = buf.append(source[f.appended])
        assert self._time_buffer is not None
        self._times = self._time_buffer.append(b.times)
        for key, abuf in self._attribute_buffers.items():
            fill = np.nan if abuf.dtype.kind == "f" else 0
            self.attributes[key] = abuf.append(np.full((b.n,) + abuf.view.shape[1:], fill, dtype=abuf.dtype))
        self._publish_sparse()
        # Last: a reader that sees the new count sees every array at that length.
        self._n = n0 + b.n
        return ids

    def _grow_buffers(self, b: SpikeBatch) -> dict[str, GrowableArray]:
        """The buffers, made on the first append (and for waveforms, on the first batch
        that has them)."""
        if self._buffers is None:
            self._buffers = {f.name: GrowableArray(np.asarray(self._values[f.name]), extra=b.n, readonly=False)
                             for f in FIELDS if f.growable and f.name in self._values}
            self._time_buffer = GrowableArray(self.times, np.float64, b.n, readonly=False)
            self._attribute_buffers = {k: GrowableArray(np.asarray(v), extra=b.n, readonly=False)
                                       for k, v in self.attributes.items()}
        if b.waveforms is not None and "subset_waveforms" not in self._buffers:
            w = b.waveforms
            empty = {"subset_waveforms": np.zeros((0,) + w.shape[1:], w.dtype),
                     "subset_channels": np.zeros((0, w.shape[2]), np.int64),
                     "subset_spikes": np.zeros(0, np.int64)}
            for key, arr in empty.items():
                self._buffers[key] = GrowableArray(arr, extra=b.n, readonly=False)
        return self._buffers
