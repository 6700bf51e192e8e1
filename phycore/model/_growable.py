"""Arrays that grow at their end in amortised O(1) per element (private).

Live sessions append spikes many times per second. Copying every per-spike array on
every append would cost O(n_spikes) each time; a :class:`GrowableArray` instead keeps
a buffer with spare capacity and doubles it when full, so the total copying cost of
``k`` appends stays proportional to the final size.

Published arrays are *views* of the first ``n`` rows of the buffer. Appending writes
only past ``n`` (or into a new, larger buffer), so a view handed out earlier never
changes under a reader on another thread: it keeps showing the same ``n`` rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["GrowableArray"]

#: Smallest buffer, in rows, so that tiny arrays do not reallocate on every append.
MIN_CAPACITY = 1024


class GrowableArray:
    """An array that grows along axis 0 with amortised capacity doubling.

    Parameters
    ----------
    initial : array-like
        First rows (copied into the buffer).
    dtype : numpy dtype, optional
        Element type (default: that of ``initial``).
    extra : int
        Rows to reserve beyond ``initial`` (the capacity is at least
        ``max(MIN_CAPACITY, 2 * len(initial), len(initial) + extra)``).
    readonly : bool
        Whether :attr:`view` is flagged read-only. The model keeps its arrays writable
        as they were before growing (numba compiles a separate variant of a kernel for
        read-only arrays).

    Attributes
    ----------
    n_reallocations : int
        How many times the buffer was replaced by a larger one (tests check the
        amortised growth with it).
    """

    def __init__(self, initial: npt.ArrayLike, dtype: Any = None, extra: int = 0, readonly: bool = True) -> None:
        arr = np.asarray(initial, dtype=dtype)
        if arr.ndim == 0:
            raise ValueError("GrowableArray needs an array with at least one dimension.")
        n = int(arr.shape[0])
        self._buf: np.ndarray = np.empty((max(MIN_CAPACITY, 2 * n, n + extra),) + arr.shape[1:],
                                         dtype=arr.dtype)
        self._buf[:n] = arr
        self._n = n
        self._view: np.ndarray | None = None
        self._readonly = bool(readonly)
        self.n_reallocations = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        """Rows the current buffer can hold."""
        return int(self._buf.shape[0])

    @property
    def dtype(self) -> np.dtype[Any]:
        """Element type."""
        return self._buf.dtype

    @property
    def data(self) -> np.ndarray:
        """Writable view of the ``n`` rows (for owners that edit rows in place)."""
        return self._buf[: self._n]

    @property
    def view(self) -> np.ndarray:
        """View of the ``n`` rows (read-only unless made with ``readonly=False``); the same
        object until the next append."""
        if self._view is None:
            v = self._buf[: self._n]
            v.flags.writeable = not self._readonly
            self._view = v
        return self._view

    def append(self, values: npt.ArrayLike) -> np.ndarray:
        """Add rows at the end and return the new :attr:`view`.

        Raises
        ------
        ValueError
            If the rows do not have the array's trailing shape, or cannot be cast
            to its dtype without loss of kind (e.g. floats into an int array).
        """
        v = np.asarray(values)
        if v.shape[1:] != self._buf.shape[1:]:
            raise ValueError(f"rows of shape {v.shape[1:]} cannot be appended to an array of rows "
                             f"{self._buf.shape[1:]}.")
        if not np.can_cast(v.dtype, self._buf.dtype, casting="same_kind"):
            raise ValueError(f"values of dtype {v.dtype} cannot be appended to an array of {self._buf.dtype}.")
        k = v.shape[0]
        if not k:
            return self.view
        n = self._n
        if n + k > self._buf.shape[0]:
            # The old buffer is left untouched: views handed out earlier stay valid.
            buf = np.empty((max(2 * self._buf.shape[0], n + k),) + self._buf.shape[1:], dtype=self._buf.dtype)
            buf[:n] = self._buf[:n]
            self._buf = buf
            self.n_reallocations += 1
        self._buf[n:n + k] = v
        self._n = n + k
        self._view = None
        return self.view

    def __repr__(self) -> str:
        return f"<GrowableArray {self._n}/{self.capacity} rows of {self._buf.shape[1:]} {self._buf.dtype}>"
