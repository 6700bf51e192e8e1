"""Live growth of a :class:`~phycore.clustering.Clustering`: the buffers appended spikes go to.

The first append switches the Clustering to *live* mode: its assignment array and the
index arrays of the clusters that receive spikes become :class:`GrowableArray` buffers
(amortised doubling: an append costs the spikes it adds, not the cluster sizes), and
the template membership counts are built once and then kept up to date by every
change, so that each appended spike finds its cluster without scanning all spikes.

:class:`LiveGrowth` owns those buffers; the Clustering asks it for new arrays and keeps
its own state itself. Appended spike ids are larger than every existing id, so adding
them at the end of a cluster's sorted index keeps it sorted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import ActionError, ClusterIdError
from phycore.model import GrowableArray, TemplateMembership

__all__ = ["LiveGrowth", "check_explicit_clusters", "check_templates", "groups_by_cluster"]

Int64Array = npt.NDArray[np.int64]


def check_templates(spike_templates: Any, n: int | None = None,
                    argument: str = "spike_templates") -> Int64Array:
    """Validate original template ids (1-D integers >= 0; ``n`` of them if given)."""
    arr = np.asarray(spike_templates)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        expected = "a 1-D array" if n is None else f"one value per spike ({n})"
        raise ActionError(f"{argument} must be {expected}, got shape {arr.shape}.", argument=argument)
    n = arr.shape[0]
    if n and arr.dtype.kind not in "iu":
        raise ActionError(f"{argument} must hold integers, got dtype {arr.dtype}.", argument=argument)
    out = arr.astype(np.int64, copy=False)
    if n and out.min() < 0:
        raise ActionError(f"{argument} must be >= 0, found {int(out.min())}.", argument=argument)
    return out


def check_explicit_clusters(clusters: Any, n: int, existing: Mapping[int, Any], fresh: int) -> Int64Array:
    """Validate the clusters given to appended spikes: existing ids or fresh ones (>= ``fresh``)."""
    arr = np.asarray(clusters)
    if arr.ndim != 1 or arr.shape[0] != n or (n and arr.dtype.kind not in "iu"):
        raise ClusterIdError(f"clusters must be {n} integers (one per spike), got {arr.dtype} {arr.shape}.",
                             argument="clusters")
    out = arr.astype(np.int64)
    bad = [c for c in np.unique(out).tolist() if c not in existing and c < fresh]
    if bad:
        raise ClusterIdError(f"clusters: id(s) {bad} are neither existing clusters nor new ids (>= {fresh}); "
                             "deleted ids are never reused.", argument="clusters")
    return out


def groups_by_cluster(assigned: Int64Array, ids: Int64Array) -> Iterator[tuple[int, Int64Array]]:
    """``(cluster, sorted spike ids)`` for each cluster in ``assigned`` (ids in cluster order)."""
    order = np.argsort(assigned, kind="stable")
    cuts = np.flatnonzero(np.diff(assigned[order])) + 1
    for group in np.split(order, cuts):
        yield int(assigned[group[0]]), ids[group]


class LiveGrowth:
    """The growable parts of a Clustering in live mode.

    Parameters
    ----------
    spike_clusters : array of int64
        The current assignment (copied once into a growable buffer).
    spike_templates : array of int64 or None
        Original template of every spike; without it, appends need explicit clusters.
    extra : int
        Rows to reserve for the first append.
    """

    def __init__(self, spike_clusters: Int64Array, spike_templates: Int64Array | None, extra: int) -> None:
        self._sc = GrowableArray(spike_clusters, np.int64, extra)
        self._templates = None if spike_templates is None else GrowableArray(spike_templates, np.int64, extra)
        self._membership = (None if spike_templates is None
                            else TemplateMembership(spike_clusters, spike_templates))
        self._index_growth: dict[int, GrowableArray] = {}

    @property
    def assignment(self) -> tuple[Int64Array, Int64Array]:
        """The assignment buffer: ``(writable array, read-only view)`` of every spike."""
        return self._sc.data, self._sc.view

    @property
    def templates(self) -> Int64Array | None:
        """Original template of every spike, appended ones included (None if unknown)."""
        return None if self._templates is None else self._templates.view

    def assign(self, templates: Int64Array, fresh: int) -> Int64Array:
        """Clusters of new spikes by live template membership (nothing changes)."""
        if self._membership is None:
            raise ActionError("append_spikes needs clusters= when the Clustering was made without "
                              "spike_templates.", argument="clusters")
        out, _ = self._membership.assign(templates, fresh)
        return np.asarray(out, dtype=np.int64)

    def append(self, assigned: Int64Array, templates: Int64Array) -> tuple[Int64Array, Int64Array]:
        """Append spikes with their clusters and templates; returns the new :attr:`assignment`."""
        self._sc.append(assigned)
        if self._templates is not None:
            self._templates.append(templates)
        if self._membership is not None:
            self._membership.add(assigned, templates)
        return self.assignment

    def moved(self, cluster: int, spikes: Int64Array, joined: bool) -> None:
        """Keep the membership counts in step with spikes leaving or joining ``cluster``,
        and forget the cluster's index buffer (an action replaced its array)."""
        self._index_growth.pop(cluster, None)
        if self._membership is None or self._templates is None or not len(spikes):
            return
        t = self._templates.view[spikes]
        c = np.full(len(spikes), cluster, dtype=np.int64)
        (self._membership.add if joined else self._membership.remove)(c, t)

    def grow_cluster(self, current: Int64Array | None, cluster: int, new: Int64Array) -> Int64Array:
        """The cluster's index with ``new`` (larger ids) appended; returns the new array."""
        g = self._index_growth.get(cluster)
        if g is None or current is None or g.view is not current:
            # First growth of this array (or it was replaced by an action): one copy with
            # spare room; the old array, maybe held by the history, is never written.
            g = GrowableArray(current if current is not None else np.zeros(0, np.int64), np.int64, len(new))
            self._index_growth[cluster] = g
        return g.append(new)
