"""Private helpers of `Clustering`: input validation and the per-cluster spike index.

The index maps every non-empty cluster id to the sorted int64 array of its spikes. It
is built once in O(n_spikes) and then updated per action with the arrays of the
clusters the action touched only.

At start-up the index is a :class:`LazyIndex`: the cluster ids and spike counts (what
a cluster table needs) are known at once, and the arrays are sorted on a worker thread
(numpy's stable sort of 16-bit labels is a radix sort and releases the GIL), so a
session's first frame does not wait for them nor for numba loading its kernels. The
numba counting sort (:func:`build_index`) is kept for sessions with more than 65,536
clusters and as the tests' second reference.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any

import numpy as np
import numpy.typing as npt
from phycore.threads import on_thread
from phycore.errors import ActionError, ClusterIdError, SpikeIdError

__all__ = [
    "LazyIndex",
    "SpikeCounts",
    "SpikesPerCluster",
    "largest",
    "build_index",
    "build_index_numpy",
    "check_cluster_ids",
    "check_spike_ids",
    "check_spike_clusters",
    "merge_sorted",
    "readonly",
    "remove_sorted",
]

Int64Array = npt.NDArray[np.int64]


def readonly(arr: Int64Array) -> Int64Array:
    """Mark ``arr`` read-only (arrays of the index are shared with the history)."""
    arr.flags.writeable = False
    return arr


def _compact(spike_clusters: Int64Array, small: bool = False) -> tuple[Int64Array, np.ndarray, Int64Array]:
    """Return (unique ids, label of each spike in 0..n_unique-1, spikes per id), without
    a full sort when the ids are dense enough for a lookup table. ``small``: uint16
    labels when there are at most 65,536 ids (a quarter of the memory to write)."""
    n = spike_clusters.shape[0]
    top = int(spike_clusters.max())
    if top <= 4 * n + 1_000_000:
        counts = np.bincount(spike_clusters, minlength=top + 1)
        present = counts > 0
        uniq = np.flatnonzero(present).astype(np.int64)
        lut = np.cumsum(present, dtype=np.int64) - 1
        if small and len(uniq) <= 1 << 16:
            lut = lut.astype(np.uint16)
        return uniq, lut[spike_clusters], counts[uniq].astype(np.int64)
    uniq, inverse, counts = np.unique(spike_clusters, return_inverse=True, return_counts=True)
    return uniq.astype(np.int64), inverse.astype(np.int64).ravel(), counts.astype(np.int64)


def build_index(spike_clusters: Int64Array) -> dict[int, Int64Array]:
    """Map each cluster id to its sorted spike ids, in O(n_spikes) (numba counting sort)."""
    if spike_clusters.size == 0:
        return {}
    from phycore.clustering._index_kernel import counting_sort

    uniq, labels, _ = _compact(spike_clusters)
    order, bounds = counting_sort(labels, len(uniq))
    readonly(order)
    return {int(c): order[bounds[k]:bounds[k + 1]] for k, c in enumerate(uniq.tolist())}


def _split_order(order: Int64Array, uniq: Int64Array, counts: npt.NDArray[np.int64]) -> dict[int, Int64Array]:
    readonly(order)
    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    return {int(c): order[bounds[k]:bounds[k + 1]] for k, c in enumerate(uniq.tolist())}


def _sorted_by_label(labels: np.ndarray, uniq: Int64Array, counts: npt.NDArray[np.int64]) -> dict[int, Int64Array]:
    """The index from compact labels (0..n_labels-1), without numba when it can."""
    if len(uniq) <= 1 << 16:
        # A stable argsort of 16-bit keys is numpy's radix sort: O(n), and the GIL is released.
        order = np.argsort(labels.astype(np.uint16, copy=False), kind="stable").astype(np.int64, copy=False)
        return _split_order(order, uniq, counts)
    from phycore.clustering._index_kernel import counting_sort

    order, _ = counting_sort(labels, len(uniq))
    return _split_order(order, uniq, counts)


#: Below this many spikes the index is sorted at once, on the calling thread (a thread
#: costs more than the sort).
BACKGROUND_MIN_SPIKES = 1 << 20


class LazyIndex:
    """The per-cluster index of an assignment, sorted on a worker thread.

    The worker reads only a private array of compact labels made here, never the
    caller's assignment, so the caller may change its array at once. :meth:`index`
    waits for the arrays (and re-raises the worker's error); :meth:`count`,
    iteration, ``len`` and ``in`` answer from the counts while the arrays are not
    needed. The owner of the index must call :meth:`index` before changing it or the
    assignment's clusters: the counts describe the assignment given here.

    Later, :meth:`defer` hands a worker the writing of arrays put in the index with
    their lengths right and their contents not yet written: :meth:`index`, and
    :meth:`arrays_for` those arrays, wait for it too, while :meth:`count` and the ids do
    not.

    Parameters
    ----------
    spike_clusters : int64 array
        The assignment (read once, here).
    background : bool, optional
        Sort on a worker thread; default: when there are at least
        :data:`BACKGROUND_MIN_SPIKES` spikes.
    """

    def __init__(self, spike_clusters: Int64Array, *, background: bool | None = None) -> None:
        self._index: dict[int, Int64Array] | None = None
        self._future: Future[dict[int, Int64Array]] | None = None
        self._counts: dict[int, int] = {}
        self._fill: tuple[Callable[[], None], Future[None]] | None = None
        self._filling: frozenset[int] = frozenset()  # the ids whose arrays `_fill` writes
        self._fill_lock = threading.Lock()
        if spike_clusters.size == 0:
            self._index = {}
            return
        uniq, labels, counts = _compact(spike_clusters, small=True)
        self._counts = dict(zip(uniq.tolist(), counts.tolist()))
        if background is None:
            background = spike_clusters.size >= BACKGROUND_MIN_SPIKES
        if not background:
            self._index = _sorted_by_label(labels, uniq, counts)
            return
        # An exception is handed to the owner at index().
        self._future = on_thread(lambda: _sorted_by_label(labels, uniq, counts), "phycore-spike-index")

    @property
    def ready(self) -> bool:
        """Whether :meth:`index` will not wait (arrays sorted, no contents being written)."""
        fill = self._fill
        if fill is not None and not fill[1].done():
            return False
        return self._index is not None or (self._future is not None and self._future.done())

    def index(self, *, fills: bool = True) -> dict[int, Int64Array]:
        """The index ``{cluster_id: sorted spike ids}``, waiting for the workers if needed.

        ``fills=False``: without waiting for arrays being written (see :meth:`defer`;
        only for the owner, which must not read those arrays).
        """
        index = self._index
        if index is None:  # (any thread may wait: the future is kept, never reset)
            future = self._future
            assert future is not None
            index = self._index = future.result()
        if fills and self._fill is not None:
            self._wait_fill()
        return index

    def arrays_for(self, cluster_ids: Iterable[int]) -> dict[int, Int64Array]:
        """The index, waiting only if the arrays of one of ``cluster_ids`` are not
        written yet (a reader of a split's first clusters need not wait for the others)."""
        index = self._index
        if index is None or (self._fill is not None and not self._filling.isdisjoint(cluster_ids)):
            return self.index()
        return index

    def _wait_fill(self) -> None:
        with self._fill_lock:
            fill = self._fill
            if fill is None:
                return
            write, future = fill
            try:
                future.result()
            except Exception:  # the worker failed (memory?): write them here, or raise
                write()
            self._fill = None

    def defer(self, write: Callable[[], None], cluster_ids: Iterable[int]) -> None:
        """Run ``write``, which fills the arrays of ``cluster_ids``, on a worker thread.

        ``write`` must read only immutable arrays. The owner calls this before those
        arrays enter the index, so no reader ever sees them unwritten. Until it is done,
        :meth:`index` waits for it (any thread), as does :meth:`arrays_for` when asked for
        one of ``cluster_ids``; if the worker fails (or cannot start), the first of them
        runs ``write`` itself (and raises if it fails again).
        """
        self.index()  # one pending write at a time
        future: Future[None]
        try:
            future = on_thread(write, "phycore-split-rests")
        except Exception as exc:  # no thread (shutting down?): the first reader writes them
            future = Future()
            future.set_exception(exc)
        self._filling = frozenset(cluster_ids)
        self._fill = (write, future)

    def count(self, cluster_id: int) -> int:
        """Number of spikes of a cluster (KeyError if it has none)."""
        index = self._index
        return self._counts[cluster_id] if index is None else len(index[cluster_id])

    def __iter__(self) -> Iterator[int]:
        return iter(self._counts if self._index is None else self._index)

    def __len__(self) -> int:
        return len(self._counts if self._index is None else self._index)

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in (self._counts if self._index is None else self._index)


def build_index_numpy(spike_clusters: Int64Array) -> dict[int, Int64Array]:
    """Reference implementation of :func:`build_index` (stable argsort)."""
    if spike_clusters.size == 0:
        return {}
    order = np.argsort(spike_clusters, kind="stable").astype(np.int64)
    sorted_ids = spike_clusters[order]
    uniq, starts = np.unique(sorted_ids, return_index=True)
    ends = np.r_[starts[1:], len(order)]
    return {int(c): order[s:e] for c, s, e in zip(uniq, starts, ends)}


def merge_sorted(arrays: list[Int64Array], n_spikes: int | None = None) -> Int64Array:
    """Union of disjoint sorted arrays, sorted.

    Timsort merges the sorted runs; when the union covers more than an eighth of the
    ``n_spikes`` spikes, a boolean mask is cheaper (the cost stays proportional to the
    spikes in the union).
    """
    if len(arrays) == 1:
        return arrays[0]
    total = sum(len(a) for a in arrays)
    if n_spikes is not None and len(arrays) > 2 and 8 * total > n_spikes:
        mask = np.zeros(n_spikes, dtype=bool)
        for a in arrays:
            mask[a] = True
        return np.flatnonzero(mask).astype(np.int64, copy=False)
    return np.sort(np.concatenate(arrays), kind="stable")


def remove_sorted(arr: Int64Array, remove: Int64Array) -> Int64Array:
    """``arr`` without the values of ``remove``; both sorted, ``remove`` a subset of ``arr``."""
    keep = np.ones(len(arr), dtype=bool)
    keep[np.searchsorted(arr, remove)] = False
    return arr[keep]


def _is_int_scalar(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_spike_clusters(spike_clusters: Any) -> Int64Array:
    """Validate an assignment array and return an int64 copy."""
    arr = np.asarray(spike_clusters)
    if arr.ndim != 1:
        raise ClusterIdError(f"spike_clusters must be a 1-D array, got shape {arr.shape}.",
                             argument="spike_clusters")
    if arr.size and (arr.dtype.kind not in "iu"):
        raise ClusterIdError(f"spike_clusters must hold integers, got dtype {arr.dtype}.",
                             argument="spike_clusters")
    out = np.array(arr, dtype=np.int64, copy=True)
    if out.size and out.min() < 0:
        raise ClusterIdError("spike_clusters must not contain negative cluster ids.", argument="spike_clusters")
    return out


def check_cluster_ids(cluster_ids: Any, existing: Any, *, argument: str = "cluster_ids") -> list[int]:
    """Validate cluster ids (integers, existing) and return them sorted and deduplicated."""
    if _is_int_scalar(cluster_ids):
        cluster_ids = [cluster_ids]
    if isinstance(cluster_ids, (str, bytes)) or not isinstance(cluster_ids, (Iterable, np.ndarray)):
        raise ClusterIdError(f"{argument} must be a list of integers, got {cluster_ids!r}.", argument=argument)
    values = list(np.asarray(cluster_ids).ravel()) if isinstance(cluster_ids, np.ndarray) else list(cluster_ids)
    bad = [v for v in values if not _is_int_scalar(v)]
    if bad:
        raise ClusterIdError(f"{argument} must be integers, got {bad[0]!r}.", argument=argument)
    ids = sorted({int(v) for v in values})
    unknown = [c for c in ids if c not in existing]
    if unknown:
        raise ClusterIdError(f"{argument}: unknown cluster id(s) {unknown}.", argument=argument)
    return ids


def check_spike_ids(spike_ids: Any, n_spikes: int) -> Int64Array:
    """Validate spike ids (1-D integers, in range, no duplicates) and return them as int64."""
    if isinstance(spike_ids, slice):
        raise SpikeIdError("spike_ids must be an array of integers, not a slice.", argument="spike_ids")
    arr = np.asarray(spike_ids)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise SpikeIdError(f"spike_ids must be 1-D, got shape {arr.shape}.", argument="spike_ids")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise SpikeIdError(f"spike_ids must be integers, got dtype {arr.dtype}.", argument="spike_ids")
    out = arr.astype(np.int64)
    lo, hi = int(out.min()), int(out.max())
    if lo < 0 or hi >= n_spikes:
        raise SpikeIdError(f"spike_ids out of range: must be in [0, {n_spikes}), got [{lo}, {hi}].",
                           argument="spike_ids")
    return out


def check_rel(spike_clusters_rel: Any, n: int) -> Int64Array:
    """Validate relative cluster labels (scalar or one non-negative integer per spike)."""
    rel = np.asarray(spike_clusters_rel)
    if rel.ndim == 0:
        if not _is_int_scalar(rel.item()):
            raise ActionError(f"spike_clusters_rel must be integers, got {spike_clusters_rel!r}.",
                              argument="spike_clusters_rel")
        rel = np.full(n, int(rel.item()), dtype=np.int64)
    if rel.ndim != 1 or rel.shape[0] != n:
        raise ActionError(f"spike_clusters_rel must have one value per spike ({n}), got shape {rel.shape}.",
                          argument="spike_clusters_rel")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if rel.dtype.kind not in "iu":
        raise ActionError(f"spike_clusters_rel must be integers, got dtype {rel.dtype}.",
                          argument="spike_clusters_rel")
    rel = rel.astype(np.int64)
    if rel.min() < 0:
        raise ActionError("spike_clusters_rel must be non-negative.", argument="spike_clusters_rel")
    return rel


def sorted_unique_check(spike_ids: Int64Array, rel: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Sort spikes (and their labels) by spike id; raise on duplicates."""
    order = np.argsort(spike_ids, kind="stable")
    s = spike_ids[order]
    if s.size > 1 and not np.all(s[1:] != s[:-1]):
        dup = int(s[1:][s[1:] == s[:-1]][0])
        raise SpikeIdError(f"spike_ids contains duplicates (e.g. {dup}).", argument="spike_ids")
    return s, rel[order]


class _IndexView:
    """Shared read-only behaviour of the live views over the per-cluster index."""

    def __init__(self, index: LazyIndex) -> None:
        self._index = index

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in self._index


class SpikeCounts(_IndexView, Mapping[int, int]):
    """Read-only live view ``{cluster_id: number of spikes}`` over the index."""

    def __getitem__(self, cluster_id: int) -> int:
        return self._index.count(cluster_id)

    def __repr__(self) -> str:
        return repr(dict(self))


class SpikesPerCluster(_IndexView, Mapping[int, Int64Array]):
    """Read-only live view ``{cluster_id: sorted spike ids}`` over the index."""

    def __getitem__(self, cluster_id: int) -> Int64Array:
        if cluster_id not in self._index:  # (in the index: any write of it is registered)
            raise KeyError(cluster_id)
        return self._index.arrays_for((cluster_id,))[cluster_id]


def largest(groups: Mapping[int, Int64Array]) -> int:
    """Cluster with the most spikes (ties: smallest id), like phy's bincount().argmax()."""
    return min(groups, key=lambda c: (-len(groups[c]), c))
