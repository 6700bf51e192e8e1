"""Group spikes by cluster in one O(n_spikes) pass (private).

Every per-cluster statistic of ``phycore.analysis`` works on a *grouping*: a
concatenation of the spike ids of each requested cluster (``spike_ids``) and the
``offsets`` (length ``n_clusters + 1``) where each cluster starts. Spike ids keep
their increasing order inside a cluster, so sorted spike times stay sorted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.analysis._jit import njit
from phycore.analysis._validate import ClusterChange, SpikeLookup, as_1d, cluster_ids_arg, spike_ids_arg
from phycore.errors import ActionError, ClusterIdError, DataFormatError

__all__: list[str] = []

# Dense id -> index lookup tables are used below this id span, binary search above.
_MAX_DENSE_SPAN = 50_000_000


@njit(cache=True, nogil=True)
def _cluster_index_dense(spike_clusters: npt.NDArray[np.integer[Any]], lut: npt.NDArray[np.int64], offset: np.int64) -> npt.NDArray[np.int64]:
    n = spike_clusters.shape[0]
    out = np.empty(n, np.int64)
    span = lut.shape[0]
    for i in range(n):
        k = np.int64(spike_clusters[i]) - offset
        out[i] = lut[k] if 0 <= k < span else -1
    return out


@njit(cache=True, nogil=True)
def _cluster_index_sorted(spike_clusters: npt.NDArray[np.integer[Any]], sorted_ids: npt.NDArray[np.int64], order: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    n = spike_clusters.shape[0]
    m = sorted_ids.shape[0]
    out = np.empty(n, np.int64)
    for i in range(n):
        c = np.int64(spike_clusters[i])
        j = np.searchsorted(sorted_ids, c)
        out[i] = order[j] if j < m and sorted_ids[j] == c else -1
    return out


@njit(cache=True, nogil=True)
def _counting_sort(index: npt.NDArray[np.integer[Any]], n_clusters: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    counts = np.zeros(n_clusters + 1, np.int64)
    for i in range(index.shape[0]):
        k = index[i]
        if k >= 0:
            counts[k + 1] += 1
    offsets = np.cumsum(counts)
    fill = offsets[:-1].copy()
    out = np.empty(offsets[-1], np.int64)
    for i in range(index.shape[0]):
        k = index[i]
        if k >= 0:
            out[fill[k]] = i
            fill[k] += 1
    return out, offsets


def cluster_index(spike_clusters: np.ndarray, cluster_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Position of each spike's cluster in ``cluster_ids``, or -1 if it is not there."""
    sc = spike_clusters
    if not np.issubdtype(sc.dtype, np.integer):
        sc = sc.astype(np.int64)
    if cluster_ids.size == 0 or sc.size == 0:
        return np.full(sc.shape[0], -1, np.int64)
    lo, hi = int(cluster_ids.min()), int(cluster_ids.max())
    if hi - lo < _MAX_DENSE_SPAN:
        lut = np.full(hi - lo + 1, -1, np.int64)
        lut[cluster_ids - lo] = np.arange(cluster_ids.size)
        return _cluster_index_dense(sc, lut, np.int64(lo))
    order = np.argsort(cluster_ids, kind="stable")
    return _cluster_index_sorted(sc, cluster_ids[order], order.astype(np.int64))


def group_spikes(
    cluster_ids: npt.ArrayLike | None,
    n_spikes: int,
    *,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return ``(cluster_ids, spike_ids, offsets)`` for the requested clusters.

    Exactly one of ``spike_clusters`` (the full assignment, one cluster id per spike)
    and ``spikes_per_cluster`` (mapping or callable ``cluster_id -> spike ids``) must be
    given. ``cluster_ids=None`` means every cluster in ``spike_clusters`` (sorted) or
    every key of the mapping (sorted).
    """
    if (spike_clusters is None) == (spikes_per_cluster is None):
        raise ActionError(
            "pass exactly one of `spike_clusters` and `spikes_per_cluster`.", argument="spike_clusters"
        )
    if spike_clusters is not None:
        sc = as_1d(spike_clusters, "spike_clusters", length=n_spikes)
        cids = cluster_ids_arg(np.unique(sc) if cluster_ids is None else cluster_ids)
        index = cluster_index(sc, cids)
        spike_ids, offsets = _counting_sort(index, cids.size)
        return cids, spike_ids, offsets
    lookup = spikes_per_cluster
    assert lookup is not None  # checked above: exactly one of the two is given
    if cluster_ids is None:
        if not isinstance(lookup, Mapping):
            raise ActionError(
                "`cluster_ids` is required when `spikes_per_cluster` is a callable.", argument="cluster_ids"
            )
        cluster_ids = sorted(lookup)
    cids = cluster_ids_arg(cluster_ids)
    parts = []
    for c in cids.tolist():
        try:
            ids = lookup[c] if isinstance(lookup, Mapping) else lookup(c)
        except (KeyError, IndexError) as e:
            raise ClusterIdError(f"cluster {c} is not in `spikes_per_cluster`.", argument="cluster_ids") from e
        parts.append(spike_ids_arg(ids, n_spikes, "spikes_per_cluster"))
    offsets = np.zeros(cids.size + 1, np.int64)
    if parts:
        offsets[1:] = np.cumsum([p.size for p in parts])
        spike_ids = np.concatenate(parts)
    else:
        spike_ids = np.zeros(0, np.int64)
    return cids, spike_ids, offsets


def added_spikes(
    up: ClusterChange, n_spikes: int, spike_clusters: npt.ArrayLike | None, spikes_per_cluster: SpikeLookup | None
) -> tuple[list[int], SpikeLookup]:
    """The added cluster ids of ``up`` and a lookup of their spikes."""
    added = [int(c) for c in (getattr(up, "added", None) or ())]
    if spikes_per_cluster is not None:
        return added, spikes_per_cluster
    if spike_clusters is None:
        raise ActionError("`spike_clusters` or `spikes_per_cluster` is required.", argument="spike_clusters")
    sc = as_1d(spike_clusters, "spike_clusters", length=n_spikes)
    touched = getattr(up, "spike_ids", None)
    if touched is not None and len(touched):
        touched = spike_ids_arg(touched, n_spikes, "up.spike_ids")
        if touched.size > 1 and bool(np.any(touched[1:] < touched[:-1])):
            touched = np.sort(touched)
        tc = sc[touched]
        table = {c: touched[tc == c] for c in added}
    else:
        table = {c: np.flatnonzero(sc == c) for c in added}
    return added, table


def check_sorted_within_groups(
    times: np.ndarray, spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], argument: str
) -> None:
    """Raise DataFormatError unless the times of each group are non-decreasing."""
    if spike_ids.size < 2:
        return
    d = np.diff(times[spike_ids])
    bad = d < 0
    inner = offsets[1:-1]
    inner = inner[(inner > 0) & (inner < spike_ids.size)]
    bad[inner - 1] = False  # differences across two clusters do not count
    if bool(bad.any()):
        raise DataFormatError(
            f"the spikes given by `{argument}` must be sorted in time within each cluster.", argument=argument
        )
