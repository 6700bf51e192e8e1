"""Read scattered rows of a memory-mapped ``.npy`` file (private).

A cluster's spikes are scattered over a file of gigabytes (``pc_features.npy``: 384 B a
row, 3.8 GB at 10M spikes). Read through the memory map, each row not in the page cache
is a page fault waiting for its own disk read (and the kernel's read-around of 128 kB
for it): seconds for 5,000 rows on a virtual disk. Here the rows' pages are first
announced to the kernel (``madvise(WILLNEED)`` of exactly those pages, which queues the
reads and returns), then copied in one numpy take: the disk serves them concurrently.

A few rows are probed first (``mincore``): when they are all cached the announcement is
skipped, so a warm read costs what it cost before (one take). Why not ``pread``: one
system call per row releases and retakes the GIL each time, and with the views' other
data jobs running every retake waits for a switch interval (7,500 rows: seconds). A
short-lived mapping instead of the model's would keep the pages out of the process's
resident memory, but pays a minor fault per row on every read (3x slower warm).
"""

from __future__ import annotations

import ctypes
import mmap
import os
from typing import Any

import numpy as np

__all__ = ["file_rows", "advise_rows", "read_rows"]

# Rows closer than this (bytes between them) share one madvise: same or next page.
_GAP = mmap.PAGESIZE
# One madvise never spans more than this many bytes.
_MAX_RUN = 1 << 20
# Runs probed with mincore before a read: all cached -> the read is taken as warm.
_N_PROBE = 32


def file_rows(arr: np.ndarray) -> tuple[mmap.mmap, int, int] | None:
    """``(mapping, offset of row 0 in it, row size)`` of a read-only memmap with
    contiguous rows; None for other arrays (in memory, writable, strided views)."""
    if not isinstance(arr, np.memmap) or arr.ndim < 1 or arr.mode != "r":
        return None
    mm = getattr(arr, "_mmap", None)
    if not isinstance(mm, mmap.mmap) or not arr.flags.c_contiguous or arr.shape[0] == 0:
        return None
    try:  # arr may be a slice: locate its row 0 inside the mapping
        base = int(arr.ctypes.data) - _address(mm)
    except (TypeError, ValueError, BufferError):  # pragma: no cover - closed mapping
        return None
    row = arr.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64))
    if row <= 0 or base < 0 or base + arr.shape[0] * row > len(mm):
        return None
    return mm, base, row


def _address(mm: mmap.mmap) -> int:
    return int(np.frombuffer(mm, dtype=np.uint8, count=1).ctypes.data)


def _runs(rows: np.ndarray, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Split sorted unique ``rows`` into runs announced together: (first index, end index)."""
    brk = np.ones(len(rows), dtype=bool)
    if len(rows) > 1:
        gap = (rows[1:] - rows[:-1] - 1) * row
        block = (rows * row) // _MAX_RUN
        brk[1:] = (gap >= _GAP) | (block[1:] != block[:-1])
    first = np.flatnonzero(brk)
    return first, np.append(first[1:], len(rows))


def _page_ranges(rows: np.ndarray, off: int, row: int) -> tuple[list[int], list[int]]:
    first, end = _runs(rows, row)
    starts = off + rows[first] * row
    stops = off + (rows[end - 1] + 1) * row
    starts -= starts % mmap.PAGESIZE  # madvise wants page-aligned addresses
    return starts.tolist(), stops.tolist()


def _mincore() -> Any:
    """libc's ``mincore`` (called with the GIL held: a page-table lookup that never
    blocks), or None where unavailable."""
    try:
        f = ctypes.PyDLL(None).mincore
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not Linux/BSD (Windows: TypeError)
        return None
    f.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    f.restype = ctypes.c_int
    return f


_MINCORE = _mincore()


def _cached(mm: mmap.mmap, starts: list[int], stops: list[int]) -> bool:
    """Whether :data:`_N_PROBE` evenly spaced ranges are all in the page cache (False
    when unknown)."""
    if _MINCORE is None or not starts:
        return False
    addr = _address(mm)
    probe = np.linspace(0, len(starts) - 1, min(_N_PROBE, len(starts))).astype(np.int64).tolist()
    # One byte per page of the longest range probed (a row may exceed _MAX_RUN).
    vec = ctypes.create_string_buffer(max(stops[i] - starts[i] for i in probe) // mmap.PAGESIZE + 2)
    for i in probe:
        n = (stops[i] - starts[i] + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        if _MINCORE(addr + starts[i], stops[i] - starts[i], vec) != 0 or \
                not all(c & 1 for c in vec.raw[:n]):
            return False
    return True


def _announce(mm: mmap.mmap, starts: list[int], stops: list[int]) -> int:
    """madvise(WILLNEED) the byte ranges; returns how many were announced."""
    if not hasattr(mm, "madvise"):  # pragma: no cover - Python < 3.8 or odd OS
        return 0
    n = 0
    try:
        for a, b in zip(starts, stops):
            mm.madvise(mmap.MADV_WILLNEED, a, b - a)
            n += 1
    except (OSError, ValueError):  # pragma: no cover - advisory only
        pass
    return n


def advise_rows(arr: np.ndarray, idx: np.ndarray) -> int:
    """Ask the kernel to read rows ``idx`` of ``arr``'s file ahead; returns the ranges
    announced (0 when ``arr`` is not a read-only memmap or they are cached). Does not
    wait for the disk; purely advisory. Meant for a background thread: it uses
    ``posix_fadvise``, which lets other threads run during each call (unlike
    :func:`read_rows`' ``madvise``, whose caller waits for the rows anyway)."""
    loc = file_rows(arr)
    path = getattr(arr, "filename", None)
    if loc is None or len(idx) == 0 or path is None or not hasattr(os, "posix_fadvise"):
        return 0
    mm, off, row = loc
    starts, stops = _page_ranges(np.unique(np.asarray(idx, dtype=np.int64)), off, row)
    if _cached(mm, starts, stops):
        return 0
    # The mapping starts at the file offset np.memmap aligned down to the granularity.
    start = int(getattr(arr, "offset", 0))
    shift = start - start % mmap.ALLOCATIONGRANULARITY
    n = 0
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            for a, b in zip(starts, stops):
                os.posix_fadvise(fd, shift + a, b - a, os.POSIX_FADV_WILLNEED)
                n += 1
        finally:
            os.close(fd)
    except OSError:  # pragma: no cover - advisory only
        pass
    return n


def read_rows(arr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``arr[idx]`` (a new array, ``idx`` order), the rows read in increasing file order
    after announcing them all to the kernel unless they are cached."""
    idx = np.asarray(idx, dtype=np.int64)
    n_total = arr.shape[0]
    loc = file_rows(arr)
    if loc is None or len(idx) == 0 or idx.min() < -n_total or idx.max() >= n_total:
        return np.asarray(arr[idx])  # also raises numpy's IndexError for bad indices
    mm, off, row = loc
    idx = np.where(idx < 0, idx + n_total, idx)
    rows, inverse = np.unique(idx, return_inverse=True)
    starts, stops = _page_ranges(rows, off, row)
    if not _cached(mm, starts, stops):
        _announce(mm, starts, stops)
    out = np.asarray(arr[rows])
    if len(rows) == len(idx) and not np.any(idx[1:] < idx[:-1]):
        return out
    return out[inverse.reshape(-1)]
