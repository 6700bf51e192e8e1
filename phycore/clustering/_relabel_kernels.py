"""numba kernels of ``_relabel.py`` (private; imported on first use, see there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["gather", "relabel", "remove_sorted"]


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


@intrinsic
def _int64_at(typingctx: Any, address: Any) -> tuple[Any, Callable[..., Any]]:  # pragma: no cover (numba)
    """The int64 pointer at ``address`` (an intp), for :func:`gather`: it writes arrays
    that are separate allocations in one call."""
    pointer = types.CPointer(types.int64)  # type: ignore[no-untyped-call]

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], context.get_value_type(pointer))

    return pointer(types.intp), codegen


@njit(cache=True, nogil=True)
def gather(sc: np.ndarray, slot: np.ndarray, addresses: np.ndarray, ends: np.ndarray,
           limits: np.ndarray) -> None:  # pragma: no cover (numba)
    for i in range(sc.shape[0]):
        s = slot[sc[i]]
        if s >= 0:
            k = ends[s]
            if k == limits[s]:
                raise ValueError("a cluster holds more spikes than its array")
            _int64_at(addresses[s])[k] = i  # type: ignore[call-arg]  # (numba's intrinsic call)
            ends[s] = k + 1
