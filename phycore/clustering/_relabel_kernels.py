"""numba kernels of ``_relabel.py`` (private; imported on first use, see there)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["relabel", "remove_sorted", "remove_sorted_many"]


@njit(cache=True, nogil=True)
def relabel(sc: np.ndarray, lut: np.ndarray) -> None:  # pragma: no cover (numba)
    for i in range(sc.shape[0]):
        sc[i] = lut[sc[i]]


@njit(cache=True, nogil=True)
def _remove_into(src, n, remove, j, end, out, n_out):  # type: ignore[no-untyped-def]  # pragma: no cover
    """``src[:n]`` without ``remove[j:end]`` into ``out[:n_out]`` (arrays or pointers)."""
    k = 0
    for i in range(n):
        v = src[i]
        if j < end and remove[j] == v:
            j += 1
        else:
            if k == n_out:
                raise ValueError("remove is not a subset of its array")
            out[k] = v
            k += 1
    if k != n_out or j != end:
        raise ValueError("remove is not a subset of its array")


@njit(cache=True, nogil=True)
def remove_sorted(arr: np.ndarray, remove: np.ndarray) -> np.ndarray:  # pragma: no cover (numba)
    out = np.empty(arr.shape[0] - remove.shape[0], dtype=arr.dtype)
    _remove_into(arr, arr.shape[0], remove, 0, remove.shape[0], out, out.shape[0])
    return out


@intrinsic
def _int64_at(typingctx: Any, address: Any) -> tuple[Any, Callable[..., Any]]:  # pragma: no cover (numba)
    """The int64 pointer at ``address`` (an intp), for :func:`remove_sorted_many`: it
    reads and writes arrays that are separate allocations in one call."""
    pointer = types.CPointer(types.int64)  # type: ignore[no-untyped-call]

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], context.get_value_type(pointer))

    return pointer(types.intp), codegen


@njit(cache=True, nogil=True)
def remove_sorted_many(arrays: np.ndarray, lengths: np.ndarray, remove: np.ndarray, bounds: np.ndarray,
                       outs: np.ndarray, out_lengths: np.ndarray) -> None:  # pragma: no cover (numba)
    for r in range(arrays.shape[0]):
        # (numba's intrinsic calls: the typing context is numba's argument)
        src, out = _int64_at(arrays[r]), _int64_at(outs[r])  # type: ignore[call-arg, var-annotated]
        _remove_into(src, lengths[r], remove, bounds[r], bounds[r + 1], out, out_lengths[r])
