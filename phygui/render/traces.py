"""Rasterisation of raw traces: one min/max span per pixel column (numba kernels).

:func:`draw_traces` draws many channels of a ``(n_samples, n_channels)`` window (read
row by row, as the raw file stores it); :func:`draw_snippets` draws many short pieces
(spike snippets) in one kernel call; :func:`draw_traces_reference` is the plain numpy
version used by the tests.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import njit
from phygui.render.raster import Raster

__all__ = ["draw_traces", "draw_snippets", "draw_traces_reference"]

#: Columns and rows are clamped to +-_FAR (no overflow; far outside any picture). They
#: must not be clamped near the picture: the straight segment joining two samples that
#: are several columns apart (zoomed in) depends on where both really are.
_FAR = float(2**31)
_NO_COLUMN = -(2**62)  # no previous sample
_NO_SPAN = np.zeros((2, 0), dtype=np.int64)  # the kernels' ``span`` when not tracked


@njit(cache=True, inline="always")
def _fill(buf: npt.NDArray[np.uint16], k: int, col: int, a: int, b: int, span: npt.NDArray[np.int64]) -> None:
    # buf is indexed [layer, column, row]: a column-major canvas, or a Raster's counts transposed.
    # span (2, n_columns), if not empty: the first and last row lit in each column, so that
    # the tile kernel visits only those (see tile_pixels).
    h = buf.shape[2]
    if col < 0 or col >= buf.shape[1]:
        return
    lo, hi = (a, b) if a <= b else (b, a)
    lo = max(lo, 0)
    hi = min(hi, h - 1)
    for r in range(lo, hi + 1):
        if buf[k, col, r] < 65535:
            buf[k, col, r] += 1
    if span.shape[1] and lo <= hi:
        span[0, col] = min(span[0, col], lo)
        span[1, col] = max(span[1, col], hi)


@njit(cache=True, inline="always")
def _flush(counts: npt.NDArray[np.uint16], k: int, col: int, lo: int, hi: int, first: int, prev_col: int,
           prev_row: int, span: npt.NDArray[np.int64]) -> None:
    # Columns left of the raster are joined too, so a tile's first column joins the
    # previous tile's last one; _NO_COLUMN: no previous sample.
    if prev_col > _NO_COLUMN:
        gap = col - prev_col
        if gap == 1:
            lo = min(lo, prev_row)
            hi = max(hi, prev_row)
        else:  # fewer samples than columns: a straight segment through the empty columns
            # (only the columns inside the picture are visited: j in [j0, j1])
            j0 = max(1, -prev_col)
            j1 = min(gap - 1, counts.shape[1] - 1 - prev_col)
            for j in range(j0, j1 + 1):
                _fill(counts, k, prev_col + j, _step(prev_row, first, j - 1, gap), _step(prev_row, first, j, gap),
                      span)
            r0 = _step(prev_row, first, gap - 1, gap)
            lo = min(lo, r0)
            hi = max(hi, r0)
    _fill(counts, k, col, lo, hi, span)


@njit(cache=True, inline="always")
def _step(r0: int, r1: int, j: int, gap: int) -> int:
    # Row of the segment from row r0 (column 0) to row r1 (column gap) at column j.
    return r0 + int(math.floor(float(r1 - r0) * j / gap + 0.5))


@njit(cache=True, inline="always")
def _row(v: float, yo: float, ys: float, y1: float, sy: float, h: int) -> int:
    return int(min(max(math.floor((y1 - (yo + ys * float(v))) * sy), -_FAR), _FAR))


@njit(cache=True, inline="always")
def _col(i: int, g: npt.NDArray[np.float64], w: int) -> int:
    # Column of sample i: floor(time * sx - c0), time = tbase + (i0 + i) * dt (see _geometry).
    return int(min(max(math.floor((g[0] + (g[1] + i) * g[2]) * g[3] - g[4]), -_FAR), _FAR))


@njit(cache=True, nogil=True)
def _traces_kernel(counts: npt.NDArray[np.uint16], data: npt.NDArray[np.number[Any]], chans: npt.NDArray[np.int64],
                   yoff: npt.NDArray[np.float64], ys: float, s0: int, s1: int, g: npt.NDArray[np.float64],
                   k: int, span: npt.NDArray[np.int64]) -> None:
    # counts: [layer, column, row], span: the rows lit per column or empty (see _fill);
    # g: the geometry of _geometry().
    # Samples are visited row by row (the raw data is (n_samples, n_channels), C order):
    # per pixel column, each channel keeps its min, max, first and last value; a column
    # is flushed (its pixels lit) when the samples move on to the next column.
    w, h = counts.shape[1], counts.shape[2]
    y1, sy = g[5], g[6]
    nc = chans.shape[0]
    nd = data.shape[1]
    # Many channels: min/max over whole contiguous rows (vectorised), indexed by channel
    # at flush time; few channels (spike snippets): gather just those.
    full = nc * 2 >= nd
    m = nd if full else nc
    vmin = np.empty(m, data.dtype)
    vmax = np.empty(m, data.dtype)
    vfirst = np.empty(m, data.dtype)
    prev_row = np.zeros(nc, dtype=np.int64)
    prev_col = _NO_COLUMN
    col = -1
    i = s0
    while i < s1:
        col = _col(i, g, w)
        row = data[i]
        if full:
            for n in range(nd):
                vfirst[n] = row[n]
                vmin[n] = row[n]
                vmax[n] = row[n]
        else:
            for n in range(nc):
                v = row[chans[n]]
                vfirst[n] = v
                vmin[n] = v
                vmax[n] = v
        j = i + 1
        while j < s1 and _col(j, g, w) == col:
            row = data[j]
            if full:
                for n in range(nd):
                    vmin[n] = min(vmin[n], row[n])
                    vmax[n] = max(vmax[n], row[n])
            else:
                for n in range(nc):
                    v = row[chans[n]]
                    vmin[n] = min(vmin[n], v)
                    vmax[n] = max(vmax[n], v)
            j += 1
        last_row = data[j - 1]
        for n in range(nc):
            q = chans[n] if full else n
            ra = _row(vmin[q], yoff[n], ys, y1, sy, h)
            rb = _row(vmax[q], yoff[n], ys, y1, sy, h)
            first = _row(vfirst[q], yoff[n], ys, y1, sy, h)
            _flush(counts, k, col, min(ra, rb), max(ra, rb), first, prev_col, prev_row[n], span)
            prev_row[n] = _row(last_row[chans[n]], yoff[n], ys, y1, sy, h)
        prev_col = col
        i = j


@njit(cache=True, nogil=True)
def _snippets_kernel(counts: npt.NDArray[np.uint16], data: npt.NDArray[np.number[Any]], chans: npt.NDArray[np.int64],
                     chan_ptr: npt.NDArray[np.int64], yoff_all: npt.NDArray[np.float64], ys: float,
                     starts: npt.NDArray[np.int64], stops: npt.NDArray[np.int64], layers: npt.NDArray[np.int64],
                     g: npt.NDArray[np.float64], span: npt.NDArray[np.int64]) -> None:
    for s in range(starts.shape[0]):
        a, b = chan_ptr[s], chan_ptr[s + 1]
        _traces_kernel(counts, data, chans[a:b], yoff_all[chans[a:b]], ys, starts[s], stops[s], g, layers[s], span)


def _geometry(raster: Raster, t0: float, dt: float, sample0: int | None, spp: float | None) -> npt.NDArray[np.float64]:
    """``[tbase, i0, dt, sx, c0, y1, sy]``: sample ``i`` of the data goes to column
    ``floor((tbase + (i0 + i) * dt) * sx - c0)``, a value to row ``floor((y1 - y) * sy)``.

    By default sample ``i`` is at ``t0 + i * dt`` on the raster's own columns. On a tile
    grid (``sample0``, ``spp``), sample ``i`` is the absolute sample ``sample0 + i`` and
    the column is computed from its absolute time on the grid of ``spp`` seconds per
    column, minus the raster's first column: every tile (or union of tiles) puts a given
    sample in the same global column, to the last bit.
    """
    return _grid_geometry(raster.extent, raster.shape, t0, dt, sample0, spp)


def _grid_geometry(extent: Sequence[float], shape: tuple[int, int], t0: float, dt: float, sample0: int | None,
                  spp: float | None) -> npt.NDArray[np.float64]:
    """:func:`_geometry` of a picture of ``extent`` and ``shape`` ``(height, width)``."""
    x0, y0, x1, y1 = (float(v) for v in extent)
    h, w = shape
    if sample0 is None or spp is None:
        sx = w / (x1 - x0)
        return np.array([t0, 0.0, dt, sx, x0 * sx, y1, h / (y1 - y0)])
    c0 = x0 / spp
    c0 = float(round(c0)) if abs(c0 - round(c0)) < 1e-6 else c0
    return np.array([0.0, float(sample0), dt, 1.0 / spp, c0, y1, h / (y1 - y0)])


def draw_snippets(raster: Raster, data: npt.NDArray[Any], channels: Sequence[npt.NDArray[np.int64]],
                  y_offset: npt.ArrayLike, y_scale: float, t0: float, dt: float, starts: npt.ArrayLike,
                  stops: npt.ArrayLike, layers: npt.ArrayLike, *, sample0: int | None = None,
                  spp: float | None = None) -> None:
    """Many :func:`draw_traces` calls in one kernel: snippet ``s`` is ``data[starts[s]:stops[s],
    channels[s]]`` in layer ``layers[s]``; ``y_offset`` is indexed by channel."""
    if not len(channels):
        return
    n = data.shape[0]
    chans = np.ascontiguousarray(np.concatenate([np.asarray(c, dtype=np.int64) for c in channels]))
    ptr = np.zeros(len(channels) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(c) for c in channels])
    st_ = np.clip(np.asarray(starts, dtype=np.int64), 0, n)
    sp_ = np.clip(np.asarray(stops, dtype=np.int64), 0, n)
    _snippets_kernel(raster.counts.transpose(2, 1, 0), data, chans, ptr, np.ascontiguousarray(y_offset, dtype=np.float64),
                     float(y_scale), st_, sp_, np.asarray(layers, dtype=np.int64),
                     _geometry(raster, float(t0), float(dt), sample0, spp), _NO_SPAN)


def draw_traces(raster: Raster, data: npt.NDArray[np.float32], channels: npt.ArrayLike, y_offset: npt.ArrayLike,
                y_scale: float, t0: float, dt: float, start: int = 0, stop: int | None = None,
                color_index: int = 0, *, sample0: int | None = None, spp: float | None = None) -> None:
    """Draw ``data[start:stop, channels]`` as traces with one min/max span per pixel column.

    Sample ``i`` is at x ``t0 + i * dt``; channel ``channels[n]`` at y
    ``y_offset[n] + y_scale * value``. Each pixel column lights the rows between the
    minimum and maximum of its samples, joined to the previous column's last sample
    (straight segments through columns with no sample when zoomed in). With ``sample0``
    and ``spp`` the raster is a tile of a grid (see :func:`_geometry`).
    """
    data = np.asarray(data)
    chans = np.ascontiguousarray(channels, dtype=np.int64).reshape(-1)
    yoff = np.ascontiguousarray(np.broadcast_to(np.asarray(y_offset, dtype=np.float64), chans.shape))
    stop = data.shape[0] if stop is None else min(int(stop), data.shape[0])
    start = max(0, int(start))
    if stop <= start or not chans.size:
        return
    h, w = raster.shape
    # Column-major canvas: a pixel column's rows are contiguous (the kernel fills columns).
    canvas = np.zeros((1, w, h), dtype=np.uint16)
    _traces_kernel(canvas, data, chans, yoff, float(y_scale), start, stop,
                   _geometry(raster, float(t0), float(dt), sample0, spp), 0, _NO_SPAN)
    layer = raster.counts[..., int(color_index)]
    np.minimum(layer.astype(np.uint32) + canvas[0].T, 65535, out=layer, casting="unsafe")


def draw_traces_reference(raster: Raster, data: np.ndarray, channels: Sequence[int], y_offset: Sequence[float],
                          y_scale: float, t0: float, dt: float, start: int = 0, stop: int | None = None,
                          color_index: int = 0, *, sample0: int | None = None, spp: float | None = None) -> None:
    """Plain numpy version of :func:`draw_traces` (tests)."""
    h, w = raster.shape
    tbase, i0, _, sx, c0, y1, sy = _geometry(raster, float(t0), float(dt), sample0, spp)
    stop = data.shape[0] if stop is None else min(int(stop), data.shape[0])
    counts = raster.counts

    def fill(col: int, a: int, b: int) -> None:
        if 0 <= col < w:
            lo, hi = max(min(a, b), 0), min(max(a, b), h - 1)
            if hi >= lo:
                counts[lo:hi + 1, col, color_index] += 1

    for n, c in enumerate(channels):
        i = np.arange(start, stop)
        if not i.size:
            continue
        cols = np.clip(np.floor((tbase + (i0 + i) * dt) * sx - c0), -_FAR, _FAR).astype(np.int64)
        rows = np.clip(np.floor((y1 - (y_offset[n] + y_scale * data[i, c].astype(np.float64))) * sy),
                       -_FAR, _FAR).astype(np.int64)
        # split into runs of equal column
        cuts = np.flatnonzero(np.diff(cols)) + 1
        runs = np.split(np.arange(len(i)), cuts)
        prev_col, prev_row = _NO_COLUMN, 0
        for run in runs:
            col, seg = int(cols[run[0]]), rows[run]
            lo, hi, first = int(seg.min()), int(seg.max()), int(seg[0])
            if prev_col > _NO_COLUMN:
                gap = col - prev_col
                if gap == 1:
                    lo, hi = min(lo, prev_row), max(hi, prev_row)
                else:
                    r0 = prev_row
                    for j in range(1, gap):
                        r1 = prev_row + int(math.floor(float(first - prev_row) * j / gap + 0.5))
                        fill(prev_col + j, r0, r1)
                        r0 = r1
                    lo, hi = min(lo, r0), max(hi, r0)
            fill(col, lo, hi)
            prev_col, prev_row = col, int(seg[-1])
