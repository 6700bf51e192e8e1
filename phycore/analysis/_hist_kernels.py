"""Numba histogram kernels shared by the ISI, rate and amplitude modules (private).

Bin assignment follows ``numpy.histogram`` with explicit edges: bins are half-open
``[e_k, e_k+1)`` except the last one, which is closed; values outside are dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.analysis._jit import njit, prange

__all__: list[str] = []


@njit(cache=True, inline="always")
def _bin_of(x: float, edges: npt.NDArray[np.float64]) -> int:
    """Index of the bin of x for explicit edges (numpy.histogram semantics), or -1."""
    nb: int = edges.shape[0] - 1
    if not (x >= edges[0] and x <= edges[nb]):  # also rejects NaN
        return -1
    if x == edges[nb]:
        return nb - 1
    # numpy's stubs make intp - int Any; a cast would be a call in the compiled kernel.
    return np.searchsorted(edges, x, side="right") - 1  # type: ignore[no-any-return]


@njit(cache=True, parallel=True, nogil=True)
def _isi_hist(
    times: npt.NDArray[np.float64], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], edges: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], np.int64]:
    """Per-cluster histogram of consecutive-spike intervals; also counts negative ISIs."""
    n_clusters = offsets.shape[0] - 1
    out = np.zeros((n_clusters, edges.shape[0] - 1), np.int64)
    n_negative = np.zeros(n_clusters, np.int64)
    for c in prange(n_clusters):
        for i in range(offsets[c] + 1, offsets[c + 1]):
            dt = times[spike_ids[i]] - times[spike_ids[i - 1]]
            if dt < 0:
                n_negative[c] += 1
            k = _bin_of(dt, edges)
            if k >= 0:
                out[c, k] += 1
    return out, n_negative.sum()


@njit(cache=True, parallel=True, nogil=True)
def _values_hist(
    values: npt.NDArray[np.floating[Any]], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], edges: npt.NDArray[np.float64], ignore_zeros: bool
) -> npt.NDArray[np.int64]:
    """Per-cluster histogram of a per-spike value (e.g. spike times, amplitudes)."""
    n_clusters = offsets.shape[0] - 1
    out = np.zeros((n_clusters, edges.shape[0] - 1), np.int64)
    for c in prange(n_clusters):
        for i in range(offsets[c], offsets[c + 1]):
            x = values[spike_ids[i]]
            if ignore_zeros and x == 0:
                continue
            k = _bin_of(x, edges)
            if k >= 0:
                out[c, k] += 1
    return out


@njit(cache=True, parallel=True, nogil=True)
def _binned_mean(
    times: npt.NDArray[np.float64], values: npt.NDArray[np.floating[Any]], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], edges: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Per-cluster mean of ``values`` in time bins (NaN for empty bins) and the counts."""
    n_clusters = offsets.shape[0] - 1
    nb = edges.shape[0] - 1
    sums = np.zeros((n_clusters, nb), np.float64)
    counts = np.zeros((n_clusters, nb), np.int64)
    for c in prange(n_clusters):
        for i in range(offsets[c], offsets[c + 1]):
            s = spike_ids[i]
            v = values[s]
            if np.isnan(v):
                continue
            k = _bin_of(times[s], edges)
            if k >= 0:
                sums[c, k] += v
                counts[c, k] += 1
    means = np.full((n_clusters, nb), np.nan)
    for c in range(n_clusters):
        for k in range(nb):
            if counts[c, k] > 0:
                means[c, k] = sums[c, k] / counts[c, k]
    return means, counts
