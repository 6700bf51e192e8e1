"""Raw traces: flat binary files memory-mapped read-only and concatenated in time.

.. versionadded:: 0.1
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence, cast

import numpy as np
import numpy.typing as npt

from phycore.errors import RawDataError
from phycore.model._cluster_stats import check_channel_ids

__all__ = ["RawTraces", "open_raw"]

logger = logging.getLogger("phycore.model")

#: Duration of the chunks used to spread waveform samples over the recording (as phy).
CHUNK_DURATION = 600.0

_SUPPORTED = {".dat", ".bin", ".raw", ".mda", ".npy", ".cbin", ""}


class RawTraces:
    """Read-only view on flat binary raw data, with ``channel_map`` applied.

    Parameters
    ----------
    paths : sequence of Path
        Raw files, concatenated in time.
    n_channels_dat : int
        Number of interleaved channels in each file.
    dtype : numpy dtype
        Sample type.
    offset : int
        Header bytes at the start of each file.
    sample_rate : float
        Sampling rate in Hz.
    channel_map : array of int, optional
        Columns of the file, in model channel order. Defaults to all columns.

    Attributes
    ----------
    parts : list of ndarray
        One ``(n_samples_i, n_channels_dat)`` read-only memmap per file.
    part_bounds : ndarray
        Start sample of each part, plus the total number of samples.
    chunk_bounds : ndarray
        Bounds (in samples) of ~600 s chunks, restarted at each file.

    Notes
    -----
    ``traces[i0:i1]`` returns a ``(i1 - i0, n_channels)`` array in model channel order,
    as phylib's reader does. ``traces[i0:i1, channel_ids]`` also works.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        n_channels_dat: int,
        dtype: Any,
        offset: int,
        sample_rate: float,
        channel_map: npt.ArrayLike | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.n_channels_dat = int(n_channels_dat)
        self.dtype = np.dtype(dtype)
        self.offset = int(offset)
        self.sample_rate = float(sample_rate)
        self.channel_map = (
            np.arange(self.n_channels_dat, dtype=np.int64)
            if channel_map is None else np.asarray(channel_map, dtype=np.int64)
        )
        self._filtered: Any = None
        self._chunk_cache: Any = None  # one budget for all the .cbin parts (see _open_cbin)
        self.parts: list[np.ndarray] = []
        try:
            for p in self.paths:
                self.parts.append(self._open(p))
        except BaseException:
            self.close()  # the files opened before the one that failed
            raise
        self.part_bounds = np.cumsum([0] + [p.shape[0] for p in self.parts]).astype(np.int64)
        chunk = max(1, int(round(CHUNK_DURATION * self.sample_rate)))
        bounds: list[int] = [0]
        for a, b in zip(self.part_bounds[:-1], self.part_bounds[1:]):
            bounds.extend(range(int(a) + chunk, int(b), chunk))
            if bounds[-1] != b:
                bounds.append(int(b))
        self.chunk_bounds = np.array(bounds, dtype=np.int64)

    @classmethod
    def from_array(cls, data: np.ndarray, sample_rate: float,
                   channel_map: npt.ArrayLike | None = None) -> "RawTraces":
        """Wrap an in-memory ``(n_samples, n_channels_dat)`` array (no file).

        Parameters
        ----------
        data : ndarray
            Raw samples, time-major.
        sample_rate : float
            Sampling rate in Hz.
        channel_map : array of int, optional
            Columns of ``data`` in model channel order.

        Returns
        -------
        RawTraces
        """
        if data.ndim != 2:
            raise RawDataError(f"raw_data must be 2-D (n_samples, n_channels), got {data.shape}.",
                               argument="raw_data")
        self = cls([], data.shape[1], data.dtype, 0, sample_rate, channel_map)
        self.parts = [data]
        self.part_bounds = np.array([0, data.shape[0]], dtype=np.int64)
        chunk = max(1, int(round(CHUNK_DURATION * self.sample_rate)))
        b = list(range(0, data.shape[0], chunk)) + [data.shape[0]]
        self.chunk_bounds = np.unique(np.array(b, dtype=np.int64))
        return self

    def _open(self, path: Path) -> np.ndarray:
        if not path.is_file():
            raise RawDataError(f"raw data file {path} does not exist.", path=path)
        if path.suffix == ".npy":
            arr: np.ndarray = np.load(path, mmap_mode="r")
            if arr.ndim != 2 or arr.shape[1] != self.n_channels_dat:
                raise RawDataError(
                    f"raw data file {path.name} has shape {arr.shape}, expected "
                    f"(n_samples, {self.n_channels_dat}).", path=path)
            return arr
        if path.suffix.lower() == ".cbin":
            # A CompressedPart: array-like (shape, dtype, slicing), not an ndarray.
            return cast(np.ndarray, self._open_cbin(path))
        if path.suffix.lower() not in _SUPPORTED:
            raise RawDataError(
                f"raw data file {path.name}: unsupported format {path.suffix!r} "
                f"(flat binary .dat/.bin/.raw, mtscomp .cbin or .npy only).", path=path)
        size = path.stat().st_size - self.offset
        frame = self.dtype.itemsize * self.n_channels_dat
        if size < 0 or size % frame:
            raise RawDataError(
                f"raw data file {path.name} is truncated or does not match params.py: "
                f"{size} data bytes after the {self.offset}-byte offset is not a multiple of "
                f"n_channels_dat ({self.n_channels_dat}) x {self.dtype.itemsize} bytes.",
                path=path)
        n = size // frame
        if n == 0:
            return np.zeros((0, self.n_channels_dat), dtype=self.dtype)
        return np.memmap(path, dtype=self.dtype, mode="r", offset=self.offset,
                         shape=(n, self.n_channels_dat))

    def _open_cbin(self, path: Path) -> Any:
        """An mtscomp file, whose ``.ch`` header must agree with ``n_channels_dat`` and
        ``dtype`` (``get_template_params`` takes them from the header, see
        :mod:`phycore.model.acquisition`)."""
        from phycore.model._cbin import ChunkCache, CompressedPart

        if self._chunk_cache is None:
            self._chunk_cache = ChunkCache()
        part = CompressedPart(path, cache=self._chunk_cache)
        if part.shape[1] != self.n_channels_dat or part.dtype != self.dtype:
            part.close()
            raise RawDataError(
                f"compressed raw data {path.name} has {part.shape[1]} channels of {part.dtype} "
                f"({path.with_suffix('.ch').name}) but params.py says n_channels_dat = "
                f"{self.n_channels_dat}, dtype = {self.dtype}.", path=path)
        return part

    @property
    def n_samples(self) -> int:
        """Total number of samples (all files)."""
        return int(self.part_bounds[-1])

    @property
    def n_channels(self) -> int:
        """Number of channels after ``channel_map``."""
        return int(self.channel_map.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_samples, n_channels)``."""
        return (self.n_samples, self.n_channels)

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.sample_rate

    @property
    def ndim(self) -> int:
        """Always 2."""
        return 2

    def __len__(self) -> int:
        return self.n_samples

    def check_channels(self, channel_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """``channel_ids`` as an int64 array, or :class:`ChannelIdError` if one is out of range."""
        return check_channel_ids(channel_ids, self.n_channels)

    def read(self, i0: int, i1: int, channel_ids: npt.ArrayLike | None = None) -> np.ndarray:
        """Samples ``[i0, i1)`` on model channels ``channel_ids`` (all by default).

        Parameters
        ----------
        i0, i1 : int
            Sample range, clipped to the recording.
        channel_ids : array of int, optional
            Model channel indices.

        Returns
        -------
        ndarray
            ``(i1 - i0, n_channels)`` array of the raw dtype.
        """
        i0 = max(0, int(i0))
        i1 = min(self.n_samples, int(i1))
        cols = self.channel_map if channel_ids is None else self.channel_map[self.check_channels(channel_ids)]
        if i1 <= i0:
            return np.zeros((0, len(cols)), dtype=self.dtype)
        # A contiguous run of columns (e.g. the identity channel map) is read as a slice:
        # one memcpy per row block instead of numpy's much slower fancy-index gather.
        c0 = int(cols[0]) if len(cols) else 0
        contiguous = len(cols) > 0 and np.array_equal(cols, np.arange(c0, c0 + len(cols)))
        pieces = []
        for k, part in enumerate(self.parts):
            a, b = int(self.part_bounds[k]), int(self.part_bounds[k + 1])
            lo, hi = max(i0, a), min(i1, b)
            if lo < hi:
                block = part[lo - a:hi - a]
                pieces.append(np.array(block[:, c0:c0 + len(cols)]) if contiguous else block[:, cols])
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=0)

    def __getitem__(self, item: Any) -> np.ndarray:
        channel_ids = None
        if isinstance(item, tuple):
            item, channel_ids = item
            if isinstance(channel_ids, slice):
                channel_ids = np.arange(self.n_channels)[channel_ids]
        if isinstance(item, (int, np.integer)):
            i = int(item) + (self.n_samples if item < 0 else 0)
            return np.asarray(self.read(i, i + 1, channel_ids)[0])
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise IndexError("raw traces support integer or contiguous slice indexing on time.")
        i0, i1, _ = item.indices(self.n_samples)
        return self.read(i0, i1, channel_ids)

    def read_rows(self, samples: npt.ArrayLike, channel_ids: npt.ArrayLike | None = None) -> np.ndarray:
        """Values at some samples (any order, clipped to the recording), raw dtype.

        Only those rows of the files are read (e.g. ~250 rows to estimate a median).
        """
        s = np.clip(np.asarray(samples, dtype=np.int64).reshape(-1), 0, max(0, self.n_samples - 1))
        cols = self.channel_map if channel_ids is None else self.channel_map[self.check_channels(channel_ids)]
        out = np.zeros((len(s), len(cols)), dtype=self.dtype)
        for k, part in enumerate(self.parts):
            a, b = int(self.part_bounds[k]), int(self.part_bounds[k + 1])
            idx = np.flatnonzero((s >= a) & (s < b))
            if idx.size:
                out[idx] = part[s[idx] - a][:, cols]
        return out

    @property
    def filtered(self) -> Any:
        """The high-pass filtered data (phy's default raw-data filter), by cached blocks.

        A :class:`~phycore.model._filtered.FilteredTraces` with ``read(i0, i1,
        channel_ids=None)`` and ``read_rows(samples)``, created on first use.
        """
        if self._filtered is None:
            from phycore.model._filtered import FilteredTraces

            self._filtered = FilteredTraces(self)
        return self._filtered

    def get_window(
        self,
        t0: float,
        t1: float,
        channel_ids: npt.ArrayLike | None = None,
        *,
        filtered: bool = False,
    ) -> npt.NDArray[np.float32]:
        """Traces between ``t0`` and ``t1`` seconds, optionally high-pass filtered.

        Parameters
        ----------
        t0, t1 : float
            Time window in seconds (clipped to the recording).
        channel_ids : array of int, optional
            Model channels (all by default); only those are read (and filtered).
        filtered : bool
            Apply phy's 150 Hz 3rd-order forward-backward Butterworth high-pass. The
            filter sees 20 ms of data on each side of fixed 4096-sample blocks (see
            :attr:`filtered`), so the window has no edge transient and scrolling
            filters only the new blocks.

        Returns
        -------
        ndarray
            float32 ``(n_samples, n_channels)``.
        """
        i0 = int(round(t0 * self.sample_rate))
        i1 = int(round(t1 * self.sample_rate))
        if filtered:
            return np.asarray(self.filtered.read(i0, i1, channel_ids), dtype=np.float32)
        return self.read(i0, i1, channel_ids).astype(np.float32)

    def close(self) -> None:
        """Release the memory maps."""
        if self._filtered is not None:
            self._filtered.clear()
        for p in self.parts:
            if not isinstance(p, np.ndarray) and hasattr(p, "close"):  # a CompressedPart
                p.close()
                continue
            mm = getattr(p, "_mmap", None)
            if mm is not None:
                try:
                    mm.close()
                except (BufferError, ValueError):  # still referenced by a view
                    pass
        self.parts = []


def open_raw(
    paths: Sequence[Path],
    n_channels_dat: int | None,
    dtype: Any,
    offset: int,
    sample_rate: float | None,
    channel_map: npt.ArrayLike | None,
    last_spike_sample: int | None = None,
) -> tuple[RawTraces | None, str | None]:
    """Open raw data if possible; return ``(traces, None)`` or ``(None, reason)``.

    Missing raw data is not an error at load time: the model keeps working and
    reports the reason through ``raw_data_error``.
    """
    if not paths:
        return None, "no raw data file is given in params.py (dat_path)"
    for p in paths:  # the header says how to decode: name it before what it would have given
        if Path(p).suffix.lower() == ".cbin" and Path(p).is_file() and not Path(p).with_suffix(".ch").is_file():
            return None, (f"compressed raw data {p} needs its mtscomp header "
                          f"{Path(p).with_suffix('.ch').name}, which does not exist")
    if not n_channels_dat:
        return None, "params.py does not give n_channels_dat"
    if not sample_rate:
        return None, "params.py does not give sample_rate"
    try:
        traces = RawTraces(paths, n_channels_dat, dtype, offset, sample_rate, channel_map)
    except RawDataError as e:
        return None, str(e)
    except (OSError, ValueError) as e:
        return None, f"cannot open raw data {', '.join(map(str, paths))}: {e}"
    if channel_map is not None and len(traces.channel_map) and (
            traces.channel_map.max() >= n_channels_dat or traces.channel_map.min() < 0):
        return None, (f"channel_map.npy refers to channel {int(traces.channel_map.max())} but "
                      f"the raw data has n_channels_dat={n_channels_dat} channels")
    if last_spike_sample is not None and last_spike_sample >= traces.n_samples:
        names = ", ".join(p.name for p in traces.paths)
        n = traces.n_samples
        size = ""
        if traces.paths and all(p.suffix.lower() not in (".cbin", ".npy") for p in traces.paths):
            # Sizes in bytes, as `ls -l` shows them: the usual cause is an interrupted copy.
            frame = traces.dtype.itemsize * traces.n_channels_dat
            have = sum(p.stat().st_size for p in traces.paths)
            need = have + (last_spike_sample + 1 - n) * frame
            size = f"{have:,} bytes, expected at least {need:,}: "
        where = traces.paths[0].parent if traces.paths else "memory"
        traces.close()
        return None, (f"raw data {names} is truncated ({size}{n} samples but the last spike is at "
                      f"sample {last_spike_sample}), in {where}")
    return traces, None
