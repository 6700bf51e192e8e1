"""Spike waveforms from raw data: a numba kernel reading only the needed samples.

The window of a spike at sample ``s`` is ``[s - n // 2, s - n // 2 + n)`` like phy,
zero-padded at the edges of the recording. Files given as a list are concatenated;
a window that straddles two files is read from both.

.. versionadded:: 0.1
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.model.raw import RawTraces

__all__ = [
    "extract_waveforms",
    "filter_windows",
    "highpass_filter",
    "prefetch_windows",
    "extract_waveforms_reference",
    "select_spikes_evenly",
    "spikes_in_chunks",
    "kept_chunks",
    "warm_up",
]


def prefetch_windows(part: np.ndarray, starts: npt.NDArray[np.int64], n_rows: int) -> int:
    """Ask the OS to read the rows ``[start, start + n_rows)`` of a memmap ahead (WILLNEED).

    The windows of sampled spikes are scattered over a file of gigabytes: read one by one
    through page faults, each costs a disk round trip when the file is not in the page
    cache. Announcing them all first lets the kernel fetch them concurrently (a cold
    100-spike, 384-channel read went from ~65 ms to ~15 ms on a virtual disk). Returns
    the number of ranges announced (0 when ``part`` is not a memmap or the OS lacks
    ``madvise``); never raises.
    """
    mm = getattr(part, "_mmap", None)
    if not isinstance(part, np.memmap) or mm is None or not hasattr(mm, "madvise"):
        return 0
    import mmap

    n_total = part.shape[0]
    row = part.strides[0]
    size = len(mm)
    try:  # byte offset of row 0 inside the mapping (which starts page-aligned)
        base = int(part.ctypes.data) - int(np.frombuffer(mm, dtype=np.uint8, count=1).ctypes.data)
    except (TypeError, ValueError, BufferError):  # pragma: no cover - closed or odd mapping
        return 0
    if row <= 0 or not 0 <= base < size:
        return 0
    page = mmap.PAGESIZE
    n = 0
    for s in np.asarray(starts, dtype=np.int64):
        r0, r1 = max(int(s), 0), min(int(s) + n_rows, n_total)
        if r1 <= r0:
            continue
        b0 = base + r0 * row
        b1 = min(base + r1 * row, size)
        a0 = b0 - b0 % page
        try:
            mm.madvise(mmap.MADV_WILLNEED, a0, b1 - a0)
        except (OSError, ValueError):  # pragma: no cover - advisory only
            return n
        n += 1
    return n


def extract_waveforms(
    traces: RawTraces,
    spike_samples: npt.ArrayLike,
    channel_ids: npt.ArrayLike,
    n_samples_waveforms: int,
    *,
    filtered: bool = False,
    subtract_median: bool = False,
    filter_margin: int | None = None,
    filter_func: Callable[..., Any] | None = None,
) -> npt.NDArray[np.float32]:
    """Extract spike waveforms from raw traces.

    Parameters
    ----------
    traces : RawTraces
        Raw data.
    spike_samples : array of int
        Spike times in samples.
    channel_ids : array of int
        Model channel indices (after ``channel_map``); -1 gives a zero column.
    n_samples_waveforms : int
        Window length in samples.
    filtered : bool
        High-pass filter each waveform (phy's 150 Hz Butterworth, forward-backward).
        Unlike phy, which filters the bare window, we filter a window extended by
        ``filter_margin`` samples on each side and crop, which removes most edge
        artefacts.
    subtract_median : bool
        Subtract each waveform's per-channel median over time (phy's display step).
        Done before filtering, as phy does.
    filter_margin : int, optional
        Extra samples on each side used for filtering (default ``n_samples_waveforms``).
    filter_func : callable, optional
        Any raw-data filter ``f(arr, axis=1)`` returning an array of the same shape (phy's
        ``raw_data_filter`` convention), applied instead of the high-pass, in the same way:
        on the median-subtracted windows extended by ``filter_margin``, then cropped.

    Returns
    -------
    ndarray
        float32 ``(n_spikes, n_samples_waveforms, n_channels)``.
    """
    from phycore.model._cbin import extract_windows

    samples = np.ascontiguousarray(spike_samples, dtype=np.int64).reshape(-1)
    channel_ids = np.asarray(channel_ids, dtype=np.int64).reshape(-1)
    nsw = int(n_samples_waveforms)
    if filtered and filter_func is not None:
        raise ValueError("Pass either filtered=True (the built-in high-pass) or filter_func, not both.")
    if filtered:
        filter_func = highpass_filter(traces.sample_rate)
    margin = (nsw if filter_margin is None else max(0, int(filter_margin))) if filter_func is not None else 0
    n_win = nsw + 2 * margin
    cols = np.where(channel_ids >= 0, traces.channel_map[np.maximum(channel_ids, 0)], -1)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.zeros((len(samples), n_win, len(cols)), dtype=np.float32)
    if len(samples) and len(cols):
        starts = samples - nsw // 2 - margin
        for k, part in enumerate(traces.parts):
            # The kernel only writes the rows of each window that fall in this part.
            rel = starts - int(traces.part_bounds[k])
            prefetch_windows(part, rel, n_win)
            extract_windows(part, rel, cols, out)
    if subtract_median:
        core = out[:, margin:margin + nsw, :]
        out -= np.median(core, axis=1)[:, np.newaxis, :]
    if filter_func is not None:
        out = filter_windows(filter_func, out, margin)
    return out


def _highpass(arr: np.ndarray, axis: int = 0, *, sample_rate: float) -> np.ndarray:
    from phycore.model.filters import filtfilt_highpass

    return filtfilt_highpass(arr, sample_rate, axis=axis)


def highpass_filter(sample_rate: float) -> Callable[..., Any]:
    """phy's ``high_pass`` raw-data filter, ``f(arr, axis=0)``, for data sampled at
    ``sample_rate`` Hz (:func:`phycore.model.filters.filtfilt_highpass`)."""
    return partial(_highpass, sample_rate=float(sample_rate))


def _highpass_windows(filter_func: Callable[..., Any], windows: np.ndarray,
                      margin: int) -> npt.NDArray[np.float32] | None:
    # The built-in high-pass on float32 windows: one numba kernel (GIL released) instead
    # of the generic path's axis move, float64 copy, filter, crop and float32 copy (each a
    # GIL release and retake under contention); the same values (same coefficients, same
    # float64 recursion per window and channel). None: not that filter.
    if not (isinstance(filter_func, partial) and filter_func.func is _highpass and not filter_func.args
            and set(filter_func.keywords) == {"sample_rate"}):
        return None
    if windows.dtype != np.float32 or windows.ndim != 3 or windows.shape[1] < 2 * margin:
        return None
    from phycore.model._kernels import filtfilt_windows
    from phycore.model.filters import butter_highpass

    b, a = butter_highpass(3, 150.0, float(filter_func.keywords["sample_rate"]))
    return filtfilt_windows(b / a[0], a / a[0], np.ascontiguousarray(windows), int(margin))  # type: ignore[no-any-return]


def filter_windows(filter_func: Callable[..., Any], windows: np.ndarray, margin: int = 0) -> npt.NDArray[np.float32]:
    """``filter_func(windows, axis=1)`` without its first and last ``margin`` samples.

    Parameters
    ----------
    filter_func : callable
        A raw-data filter ``f(arr, axis=...)`` returning an array of the same shape.
    windows : ndarray
        ``(n_spikes, n_samples, n_channels)``.
    margin : int
        Samples of each side that were only there for the filter.

    Returns
    -------
    ndarray
        float32 ``(n_spikes, n_samples - 2 * margin, n_channels)``.

    Raises
    ------
    DataFormatError
        The filter changed the array's shape.
    """
    fast = _highpass_windows(filter_func, windows, margin)
    if fast is not None:
        return fast
    filt = np.asarray(filter_func(windows, axis=1))
    if filt.shape != windows.shape:
        raise DataFormatError(f"The waveform filter returned shape {filt.shape} for windows of shape "
                              f"{windows.shape}.")
    return np.ascontiguousarray(filt[:, margin:filt.shape[1] - margin, :], dtype=np.float32)


def extract_waveforms_reference(
    traces: RawTraces,
    spike_samples: npt.ArrayLike,
    channel_ids: npt.ArrayLike,
    n_samples_waveforms: int,
) -> npt.NDArray[np.float32]:
    """Plain-numpy reference of :func:`extract_waveforms` (no filter, no median)."""
    samples = np.asarray(spike_samples, dtype=np.int64).reshape(-1)
    channel_ids = np.asarray(channel_ids, dtype=np.int64).reshape(-1)
    nsw = int(n_samples_waveforms)
    out = np.zeros((len(samples), nsw, len(channel_ids)), dtype=np.float32)
    valid = channel_ids >= 0
    for i, s in enumerate(samples):
        t0 = int(s) - nsw // 2
        a, b = max(0, t0), min(traces.n_samples, t0 + nsw)
        if a < b:
            w = traces.read(a, b, np.maximum(channel_ids, 0)).astype(np.float32)
            w[:, ~valid] = 0
            out[i, a - t0:b - t0] = w
    return out


def kept_chunks(chunk_bounds: npt.ArrayLike, n_chunks_kept: int) -> npt.NDArray[np.int64]:
    """Flat ``[start0, end0, start1, end1, ...]`` of ~``n_chunks_kept`` evenly spaced chunks.

    Same selection as phylib's ``SpikeSelector``.
    """
    bounds = np.asarray(chunk_bounds, dtype=np.int64)
    n_chunks = len(bounds) - 1
    step = max(1, int(np.ceil(n_chunks / max(1, n_chunks_kept))))
    kept: list[int] = []
    for i in range(0, n_chunks, step):
        kept.extend(bounds[i:i + 2].tolist())
    return np.array(kept, dtype=np.int64)


def spikes_in_chunks(samples: npt.ArrayLike, chunks_kept: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Mask of the samples lying in the kept chunks (flat bounds, see :func:`kept_chunks`)."""
    ind = np.searchsorted(np.asarray(chunks_kept), np.asarray(samples), side="right")
    return np.asarray(ind % 2 == 1, dtype=np.bool_)


def select_spikes_evenly(spike_ids: npt.ArrayLike, n: int | None) -> npt.NDArray[np.int64]:
    """Up to ``n`` evenly spaced elements of a sorted id array, both ends included."""
    ids = np.asarray(spike_ids, dtype=np.int64)
    if n is None or n >= len(ids):
        return ids
    if n <= 0:
        return ids[:0]
    if n == 1:
        return ids[:1]
    idx = np.arange(n, dtype=np.int64) * (len(ids) - 1) // (n - 1)
    return ids[idx]


def warm_up() -> None:
    """Import numba and load the compiled waveform/filter kernels (~0.3-0.5 s, once).

    The first waveform extraction otherwise pays this cost; a GUI can call this in a
    background thread right after :func:`phycore.load_model`.
    """
    from phycore.model import _kernels

    data = np.zeros((4, 2), dtype=np.int16)
    data.setflags(write=False)  # raw files are opened read-only
    out = np.zeros((1, 2, 1), dtype=np.float32)
    _kernels.extract_part(data, np.zeros(1, np.int64), np.zeros(1, np.int64), 0, out)
    _kernels.filtfilt_2d(np.ones(2), np.ones(2), np.zeros((3, 1)))
    _kernels.filtfilt_windows(np.ones(2), np.ones(2), np.zeros((1, 3, 1), dtype=np.float32), 1)
