"""mtscomp-compressed raw data (``.cbin`` + ``.ch``), read chunk by chunk (private).

The International Brain Laboratory compresses its Neuropixels recordings with mtscomp:
the ``.cbin`` file holds zlib-compressed chunks (~1 s each), the ``.ch`` JSON file their
offsets, the channel count, dtype and sample rate. phy/phylib read it through
``mtscomp.Reader``; so do we (the codec is mtscomp's, never reimplemented), but with
our own bounded, thread-safe chunk cache: the trace view and waveform extraction read
on worker threads, and mtscomp's own ``lru_cache`` keeps up to 10 chunks (~230 MB for
385 channels) that nothing bounds in bytes.

A :class:`CompressedPart` stands where a memory map stands for a flat file in
:class:`~phycore.model.raw.RawTraces` ``.parts``: it slices like a 2-D array (only the
chunks a slice needs are decompressed) and :func:`extract_windows` copies spike windows
from it chunk by chunk.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import RawDataError

__all__ = ["CompressedPart", "ChunkCache", "extract_windows", "read_ch", "DEFAULT_CACHE_BYTES"]

#: Bytes of decompressed chunks kept per recording: the ``.cbin`` parts of one
#: :class:`~phycore.model.raw.RawTraces` share one :class:`ChunkCache` (at least two
#: chunks are kept).
DEFAULT_CACHE_BYTES = 128 * 1024 * 1024


def _mtscomp() -> Any:
    try:
        import mtscomp
    except ImportError:  # an optional extra
        raise RawDataError(
            "reading compressed raw data (.cbin) needs the mtscomp package: "
            "pip install 'phycore[mtscomp]'.") from None
    return mtscomp


def read_ch(path: Path) -> dict[str, Any]:
    """The ``.ch`` header of an mtscomp file (JSON), or :class:`RawDataError`."""
    import json

    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RawDataError(f"compressed raw data needs its header file {path}, which does not exist.",
                           path=path) from None
    except (OSError, ValueError) as e:
        raise RawDataError(f"cannot read the mtscomp header {path}: {e}", path=path) from None
    missing = [k for k in ("n_channels", "sample_rate", "dtype", "chunk_bounds", "chunk_offsets")
               if k not in meta]
    if missing:
        raise RawDataError(f"{path.name} is not an mtscomp header: it lacks {', '.join(missing)}.",
                           path=path)
    return dict(meta)


class ChunkCache:
    """A byte budget of decompressed chunks shared by the ``.cbin`` parts of a recording
    (least recently used dropped first, at least two chunks always kept), thread-safe.

    Parameters
    ----------
    nbytes : int
        Budget for all the parts that share the cache.
    """

    def __init__(self, nbytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.nbytes = int(nbytes)
        self._items: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._used = 0
        self.lock = threading.Lock()

    @property
    def used_bytes(self) -> int:
        """Bytes of the chunks held now."""
        return self._used

    def get(self, key: tuple[int, int]) -> np.ndarray | None:
        with self.lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[int, int], arr: np.ndarray) -> None:
        with self.lock:
            old = self._items.pop(key, None)
            self._used += arr.nbytes - (0 if old is None else old.nbytes)
            self._items[key] = arr
            while self._used > self.nbytes and len(self._items) > 2:
                _, dropped = self._items.popitem(last=False)
                self._used -= dropped.nbytes

    def count(self, owner: int) -> int:
        """Chunks of one part (``id(part)``) held now."""
        with self.lock:
            return sum(1 for o, _ in self._items if o == owner)

    def drop(self, owner: int) -> None:
        """Forget the chunks of one part."""
        with self.lock:
            for key in [k for k in self._items if k[0] == owner]:
                self._used -= self._items.pop(key).nbytes


class CompressedPart:
    """One ``.cbin`` file as a read-only ``(n_samples, n_channels)`` array-like.

    Parameters
    ----------
    path : Path
        The ``.cbin`` file; its header is the ``.ch`` file next to it.
    cache_bytes : int
        Budget of the decompressed-chunk cache (least recently used chunks are dropped;
        at least two chunks are always kept so a window across a chunk edge is read once).
    cache : ChunkCache, optional
        A cache shared with the other parts of the recording (then ``cache_bytes`` is
        ignored): the budget bounds the whole recording, not each file.

    Notes
    -----
    :meth:`close` waits for the reads in progress on other threads (they complete); a read
    started after it raises :class:`~phycore.errors.RawDataError`.

    Attributes
    ----------
    chunk_bounds : ndarray
        Start sample of each compressed chunk, plus ``n_samples``.
    n_decompressed : int
        Chunks decompressed so far (cache misses), for tests and diagnostics.
    """

    _owners = itertools.count()

    def __init__(self, path: Path, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 cache: ChunkCache | None = None) -> None:
        mtscomp = _mtscomp()
        self.path = Path(path)
        meta = read_ch(self.path.with_suffix(".ch"))
        self._reader = mtscomp.Reader(n_threads=1, quiet=True)
        try:
            self._reader.open(self.path, meta)
        except OSError as e:
            raise RawDataError(f"cannot open compressed raw data {self.path}: {e}", path=self.path) from None
        r = self._reader
        self.dtype = np.dtype(r.dtype)
        self.sample_rate = float(r.sample_rate)
        self.chunk_bounds = np.asarray(r.chunk_bounds, dtype=np.int64)
        self.shape = (int(r.n_samples), int(r.n_channels))
        self.ndim = 2
        last = int(r.chunk_offsets[-1])
        size = self.path.stat().st_size
        if size < last:
            r.close()  # no handle left open by a file that cannot be read
            raise RawDataError(
                f"compressed raw data {self.path.name} is truncated: {self.path.with_suffix('.ch').name} "
                f"expects {last} bytes, the file has {size}.", path=self.path)
        longest = int(np.diff(self.chunk_bounds).max()) if len(self.chunk_bounds) > 1 else 0
        self.chunk_nbytes = longest * self.shape[1] * self.dtype.itemsize
        self._cache = ChunkCache(cache_bytes) if cache is None else cache
        self.max_chunks = max(2, self._cache.nbytes // max(1, self.chunk_nbytes))
        self._owner = next(self._owners)  # cache keys are (owner, chunk)
        self._lock = threading.Lock()
        # Reads in progress (close waits for them) and whether close was called.
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False
        self.n_decompressed = 0

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def n_cached(self) -> int:
        """Chunks of this file held in the cache now (never more than :attr:`max_chunks`)."""
        return self._cache.count(self._owner)

    def chunk(self, k: int) -> np.ndarray:
        """Decompressed chunk ``k``, ``(n_samples_chunk, n_channels)``, read-only."""
        hit = self._cache.get((self._owner, k))
        if hit is not None:
            return hit
        with self._cond:
            if self._closed:
                raise RawDataError(f"compressed raw data {self.path.name} was closed.", path=self.path)
            self._active += 1
        try:
            arr = self._decompress(k)
            arr.flags.writeable = False
            with self._lock:
                self.n_decompressed += 1
            self._cache.put((self._owner, k), arr)  # before close() may drop this file's chunks
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()
        return arr

    def _decompress(self, k: int) -> np.ndarray:
        r = self._reader
        o0, o1 = int(r.chunk_offsets[k]), int(r.chunk_offsets[k + 1])
        # mtscomp's unwrapped read_chunk (its own lru_cache is bypassed; pread is thread-safe).
        return np.asarray(type(r).read_chunk(r, k, o0, o1 - o0))

    def _chunks(self, i0: int, i1: int) -> range:
        """Indices of the chunks holding samples ``[i0, i1)``."""
        b = self.chunk_bounds
        return range(int(np.searchsorted(b, i0, side="right")) - 1, int(np.searchsorted(b, i1, side="left")))

    def read(self, i0: int, i1: int) -> np.ndarray:
        """Samples ``[i0, i1)`` (clipped), all channels, decompressing only their chunks."""
        i0, i1 = max(0, int(i0)), min(self.shape[0], int(i1))
        if i1 <= i0:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        pieces = []
        for k in self._chunks(i0, i1):
            a = int(self.chunk_bounds[k])
            c = self.chunk(k)
            pieces.append(c[max(0, i0 - a):min(c.shape[0], i1 - a)])
        return pieces[0].copy() if len(pieces) == 1 else np.concatenate(pieces, axis=0)

    def __getitem__(self, item: Any) -> np.ndarray:
        cols = None
        if isinstance(item, tuple):
            item, cols = item
        if isinstance(item, slice):
            if item.step not in (None, 1):
                raise IndexError("compressed raw data supports contiguous time slices only.")
            i0, i1, _ = item.indices(self.shape[0])
            out = self.read(i0, i1)
        else:  # integer rows (any order), read chunk by chunk
            rows = np.asarray(item, dtype=np.int64)
            n = self.shape[0]
            if rows.size and (rows.min() < -n or rows.max() >= n):
                raise IndexError(f"row index out of range for {n} samples.")
            flat = np.where(rows < 0, rows + n, rows).reshape(-1)  # from the end, as a memmap
            out = np.zeros((len(flat), self.shape[1]), dtype=self.dtype)
            ks = np.searchsorted(self.chunk_bounds, flat, side="right") - 1
            for k in np.unique(ks):
                sel = np.flatnonzero(ks == k)
                out[sel] = self.chunk(int(k))[flat[sel] - self.chunk_bounds[k]]
            out = out.reshape(rows.shape + (self.shape[1],))
        return out if cols is None else out[..., cols]

    def extract(self, starts: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], out: np.ndarray) -> None:
        """Add the windows starting at ``starts`` (relative samples) into zero-filled ``out``
        ``(n, n_win, len(cols))``, decompressing each chunk the windows touch once."""
        from phycore.model._kernels import extract_part

        n_win = out.shape[1]
        if not len(starts):
            return
        b = self.chunk_bounds
        first = np.clip(np.searchsorted(b, starts, side="right") - 1, 0, len(b) - 2)
        last = np.clip(np.searchsorted(b, starts + n_win, side="left") - 1, 0, len(b) - 2)
        for k in range(int(first.min()), int(last.max()) + 1):
            sel = np.flatnonzero((first <= k) & (last >= k))
            if not len(sel):
                continue
            tmp = np.zeros((len(sel), n_win, out.shape[2]), dtype=out.dtype)
            # Rows outside chunk k stay zero in tmp: windows across chunks add up exactly.
            extract_part(self.chunk(k), np.ascontiguousarray(starts[sel] - b[k]), cols, 0, tmp)
            out[sel] += tmp

    def clear(self) -> None:
        """Drop the cached chunks of this file."""
        self._cache.drop(self._owner)

    def close(self) -> None:
        """Drop the cached chunks and close the file, once the reads in progress are done."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._active:
                self._cond.wait()
        self.clear()
        self._reader.close()


def extract_windows(part: Any, starts: npt.NDArray[np.int64], cols: npt.NDArray[np.int64],
                    out: np.ndarray) -> None:
    """Copy spike windows from one raw part (a memory map or a :class:`CompressedPart`)
    into zero-filled ``out``; see :func:`phycore.model._kernels.extract_part`."""
    if isinstance(part, CompressedPart):
        part.extract(starts, cols, out)
        return
    from phycore.model._kernels import extract_part

    extract_part(part, starts, cols, 0, out)
