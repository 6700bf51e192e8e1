"""Growing a :class:`Clustering` with appended spikes (live sessions) (private).

The first append switches the Clustering to *live* mode: its assignment array and the
index arrays of the clusters that receive spikes become :class:`GrowableArray` buffers
(amortised doubling: an append costs the spikes it adds, not the cluster sizes), and
the template membership counts are built once and then kept up to date by every
change, so that each appended spike finds its cluster without scanning all spikes.

Appended spike ids are larger than every existing id, so adding them at the end of a
cluster's sorted index keeps it sorted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from phycore.clustering import _spike_index as si
from phycore.errors import ActionError, ClusterIdError
from phycore.model._growable import GrowableArray
from phycore.model._membership import TemplateMembership

if TYPE_CHECKING:
    from phycore.clustering.clustering import Clustering

__all__: list[str] = []

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


class LiveState:
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
        self.sc = GrowableArray(spike_clusters, np.int64, extra)
        self.templates = None if spike_templates is None else GrowableArray(spike_templates, np.int64, extra)
        self.membership = (None if spike_templates is None
                           else TemplateMembership(spike_clusters, spike_templates))
        self._index_growth: dict[int, GrowableArray] = {}

    def templates_of(self, spikes: Int64Array) -> Int64Array | None:
        """Original templates of some spikes (None without templates)."""
        return None if self.templates is None else self.templates.view[spikes]

    def moved(self, cluster: int, spikes: Int64Array, joined: bool) -> None:
        """Keep the membership counts in step with spikes leaving or joining ``cluster``."""
        if self.membership is None or not len(spikes):
            return
        t = self.templates_of(spikes)
        assert t is not None
        c = np.full(len(spikes), cluster, dtype=np.int64)
        (self.membership.add if joined else self.membership.remove)(c, t)

    def forget(self, cluster: int) -> None:
        """The cluster's index array was replaced: its buffer is no longer the live one."""
        self._index_growth.pop(cluster, None)

    def grow_cluster(self, current: Int64Array | None, cluster: int, new: Int64Array) -> Int64Array:
        """The cluster's index with ``new`` (larger ids) appended; returns the new array."""
        g = self._index_growth.get(cluster)
        if g is None or current is None or g.view is not current:
            # First growth of this array (or it was replaced by an action): one copy with
            # spare room; the old array, maybe held by the history, is never written.
            g = GrowableArray(current if current is not None else np.zeros(0, np.int64), np.int64, len(new))
            self._index_growth[cluster] = g
        return g.append(new)


def ensure_live(cl: Clustering, extra: int) -> LiveState:
    """Switch ``cl`` to live mode (once): its assignment moves into a growable buffer."""
    if cl._live is None:
        live = LiveState(cl._sc, cl._spike_templates, extra)
        cl._live = live
        cl._sc, cl._view = live.sc.data, live.sc.view
    return cl._live


def assignment(cl: Clustering, spike_templates: Any, clusters: Any = None) -> tuple[Int64Array, Int64Array]:
    """Validated templates and the cluster of each new spike (explicit, or by live template
    membership); nothing observable changes. See :meth:`Clustering.append_spikes`."""
    templates = check_templates(spike_templates)
    n = len(templates)
    if clusters is not None:
        arr = np.asarray(clusters)
        if arr.ndim != 1 or arr.shape[0] != n or (n and arr.dtype.kind not in "iu"):
            raise ClusterIdError(f"clusters must be {n} integers (one per spike), got {arr.dtype} {arr.shape}.",
                                 argument="clusters")
        out = arr.astype(np.int64)
        fresh = cl.new_cluster_id()
        bad = [c for c in np.unique(out).tolist() if c not in cl._index and c < fresh]
        if bad:
            raise ClusterIdError(f"clusters: id(s) {bad} are neither existing clusters nor new ids (>= {fresh}); "
                                 "deleted ids are never reused.", argument="clusters")
        return templates, out
    if cl._spike_templates is None:
        raise ActionError("append_spikes needs clusters= when the Clustering was made without "
                          "spike_templates.", argument="clusters")
    if not n:
        return templates, np.zeros(0, dtype=np.int64)
    membership = ensure_live(cl, n).membership
    assert membership is not None
    out, _ = membership.assign(templates, cl.new_cluster_id())
    return templates, out


def append_spikes(cl: Clustering, spike_templates: Any, clusters: Any = None) -> tuple[Any, list[int], list[int]]:
    """Append spikes to ``cl`` (see :meth:`Clustering.append_spikes`).

    Returns ``(spike_ids, new clusters, grown existing clusters)``; nothing changes on error.
    """
    templates, assigned = assignment(cl, spike_templates, clusters)
    n0 = cl.n_spikes
    ids = np.arange(n0, n0 + len(templates), dtype=np.int64)
    if not len(ids):
        return ids, [], []
    live = ensure_live(cl, len(ids))
    live.sc.append(assigned)
    cl._sc, cl._view = live.sc.data, live.sc.view
    if live.templates is not None:
        live.templates.append(templates)
    if live.membership is not None:
        live.membership.add(assigned, templates)
    order = np.argsort(assigned, kind="stable")
    cuts = np.flatnonzero(np.diff(assigned[order])) + 1
    created, grown = [], []
    for group in np.split(order, cuts):
        c = int(assigned[group[0]])
        current = cl._index.get(c)
        (grown if current is not None else created).append(c)
        cl._index[c] = live.grow_cluster(current, c, si.readonly(ids[group]))
    cl._cluster_ids = None
    cl._new_cluster_id = max(cl._new_cluster_id, int(assigned.max()) + 1)
    return ids, sorted(created), sorted(grown)
