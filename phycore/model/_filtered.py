"""High-pass filtered raw data, computed by fixed blocks and kept in a small cache (private).

A forward-backward filter needs samples on both sides of what it returns. Filtering
exactly the requested window (phy's way) leaves transients at both of its ends, and
filtering the whole recording is out of the question. Here the recording is cut into
fixed blocks of ``block`` samples; a block is filtered together with ``margin`` samples
read on each side (the transients die out inside the margins), after removing each
channel's level (its mean over the first samples read), and only the block is kept.

Because the block grid is fixed, a sample's filtered value does not depend on which
window asked for it: scrolling reuses the cached blocks and filters only the new
ones, and a window is the same whichever way it was reached. The values equal those
of filtering a much longer span within a tolerance set by the margin (tested).
:meth:`FilteredTraces.prefetch` filters blocks ahead on a background thread (the numba
kernel releases the GIL), so a view scrolling through the data finds them ready.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.model.filters import highpass_float32

__all__ = ["FilteredTraces"]

_LEVEL_SAMPLES = 32


class FilteredTraces:
    """Filtered view of a :class:`~phycore.model.raw.RawTraces` (all of its channels).

    Parameters
    ----------
    raw : RawTraces
    block : int
        Samples per cached block.
    margin : float
        Seconds read and filtered on each side of a block, then dropped.
    order, cutoff : int, float
        The Butterworth high-pass (phy's default: 3rd order, 150 Hz).
    max_bytes : int
        Cache size; the least recently used blocks are dropped beyond it.

    Notes
    -----
    Thread-safe: the prefetch thread fills the cache while another thread reads; a
    block being prefetched is waited for, not filtered twice.
    """

    def __init__(self, raw: Any, *, block: int = 4096, margin: float = 0.02, order: int = 3,
                 cutoff: float = 150.0, max_bytes: int = 256 * 2**20) -> None:
        self.raw = raw
        self.block = int(block)
        self.margin = max(1, int(round(margin * raw.sample_rate)))
        self.order, self.cutoff = int(order), float(cutoff)
        row_bytes = 4 * max(1, raw.n_channels)
        self.max_blocks = max(4, int(max_bytes) // (self.block * row_bytes))
        self._cache: OrderedDict[int, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[int, Future[Any]] = {}
        self._executor: ThreadPoolExecutor | None = None

    @property
    def n_samples(self) -> int:
        """Total number of samples."""
        return int(self.raw.n_samples)

    def _filter(self, k: int, channel_ids: npt.NDArray[np.int64] | None) -> npt.NDArray[np.float32]:
        s0, s1 = k * self.block, min((k + 1) * self.block, self.n_samples)
        a, b = max(0, s0 - self.margin), min(self.n_samples, s1 + self.margin)
        x = self.raw.read(a, b, channel_ids)
        level = x[:_LEVEL_SAMPLES].mean(axis=0) if len(x) else None
        y = highpass_float32(x, self.raw.sample_rate, offset=level, order=self.order, cutoff=self.cutoff)
        return y[s0 - a:s1 - a]

    def get_block(self, k: int) -> npt.NDArray[np.float32]:
        """Filtered block ``k`` (samples ``[k * block, (k + 1) * block)``, all channels)."""
        with self._lock:
            out = self._cache.get(k)
            if out is not None:
                self._cache.move_to_end(k)
                return out
            pending = self._pending.get(k)
        if pending is not None:  # the prefetch thread is filtering it: wait rather than redo it
            try:
                pending.result()
            except CancelledError:
                pass
            with self._lock:
                out = self._cache.get(k)
            if out is not None:
                return out
        return self._store(k)

    def _store(self, k: int) -> npt.NDArray[np.float32]:
        out = self._filter(k, None)
        out.setflags(write=False)
        with self._lock:
            self._cache[k] = out
            self._cache.move_to_end(k)
            while len(self._cache) > self.max_blocks:
                self._cache.popitem(last=False)
        return out

    def has_block(self, k: int) -> bool:
        """Whether block ``k`` is cached."""
        with self._lock:
            return k in self._cache

    def read(self, i0: int, i1: int, channel_ids: npt.ArrayLike | None = None) -> npt.NDArray[np.float32]:
        """Filtered samples ``[i0, i1)`` (clipped to the recording), float32.

        With ``channel_ids``, blocks not in the cache are filtered for those channels
        only (and not cached); the values are the same as the all-channel ones.
        """
        i0, i1 = max(0, int(i0)), min(self.n_samples, int(i1))
        chans = None if channel_ids is None else self.raw.check_channels(channel_ids)
        n_ch = self.raw.n_channels if chans is None else len(chans)
        out = np.empty((max(0, i1 - i0), n_ch), dtype=np.float32)
        if i1 <= i0:
            return out
        for k in range(i0 // self.block, (i1 - 1) // self.block + 1):
            s0 = k * self.block
            lo, hi = max(i0, s0), min(i1, s0 + self.block)
            if chans is None or self.has_block(k):
                blk = self.get_block(k)
                part = blk[lo - s0:hi - s0]
                out[lo - i0:hi - i0] = part if chans is None else part[:, chans]
            else:
                out[lo - i0:hi - i0] = self._filter(k, chans)[lo - s0:hi - s0]
        return out

    def read_rows(self, samples: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Filtered values of all channels at some samples (e.g. to estimate a median)."""
        s = np.clip(np.asarray(samples, dtype=np.int64).reshape(-1), 0, max(0, self.n_samples - 1))
        out = np.empty((len(s), self.raw.n_channels), dtype=np.float32)
        blocks = s // self.block
        for k in np.unique(blocks).tolist():
            idx = np.flatnonzero(blocks == k)
            out[idx] = self.get_block(int(k))[s[idx] - k * self.block]
        return out

    def prefetch(self, i0: int, i1: int) -> int:
        """Filter the blocks of samples ``[i0, i1)`` on a background thread; returns at once.

        Returns the number of blocks queued (those neither cached nor queued already).
        """
        i0, i1 = max(0, int(i0)), min(self.n_samples, int(i1))
        if i1 <= i0:
            return 0
        with self._lock:
            todo = [k for k in range(i0 // self.block, (i1 - 1) // self.block + 1)
                    if k not in self._cache and k not in self._pending]
            if todo and self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="phycore-filter")
            for k in todo:
                assert self._executor is not None
                self._pending[k] = self._executor.submit(self._prefetch_block, k)
        return len(todo)

    def _prefetch_block(self, k: int) -> None:
        try:
            with self._lock:
                done = k in self._cache
            if not done:
                self._store(k)
        finally:
            with self._lock:
                self._pending.pop(k, None)

    def clear(self) -> None:
        """Forget the cached blocks and stop the prefetch thread (queued blocks are dropped)."""
        with self._lock:
            executor, self._executor = self._executor, None
            for fut in self._pending.values():
                fut.cancel()
        if executor is not None:
            executor.shutdown(wait=True)
        with self._lock:
            self._pending.clear()
            self._cache.clear()
