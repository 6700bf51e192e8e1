"""numba kernels of ``_relabel.py`` (private; imported on first use, see there)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["relabel", "remove_sorted"]


@njit(cache=True, nogil=True)
def relabel(sc: np.ndarray, lut: np.ndarray) -> None:  # pragma: no cover (numba)
    for i in range(sc.shape[0]):
        sc[i] = lut[sc[i]]


@njit(cache=True, nogil=True)
def remove_sorted(arr: np.ndarray, remove: np.ndarray) -> np.ndarray:  # pragma: no cover (numba)
    out = np.empty(arr.shape[0] - remove.shape[0], dtype=arr.dtype)
    j = 0
    k = 0
    for i in range(arr.shape[0]):
        v = arr[i]
        if j < remove.shape[0] and remove[j] == v:
            j += 1
        else:
            if k == out.shape[0]:
                raise ValueError("remove is not a subset of arr")
            out[k] = v
            k += 1
    return out
