"""The numba counting sort of the spike index (private; imported on first use, so that
importing ``phycore.clustering`` does not import numba)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["counting_sort"]


@njit(cache=True, nogil=True)
def counting_sort(labels: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    counts = np.zeros(n_labels + 1, dtype=np.int64)
    for i in range(labels.shape[0]):
        counts[labels[i] + 1] += 1
    for k in range(n_labels):
        counts[k + 1] += counts[k]
    offsets = counts.copy()
    order = np.empty(labels.shape[0], dtype=np.int64)
    for i in range(labels.shape[0]):
        lab = labels[i]
        order[offsets[lab]] = i
        offsets[lab] += 1
    return order, counts
