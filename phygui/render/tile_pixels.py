"""A trace tile's pixels in one kernel: the traces, then the spike snippets colour by colour.

A tile's palette has one colour layer per (rounded) cluster colour of its spikes: 40 to
220 on a 384-channel recording. Drawn on a :class:`~phygui.render.raster.Raster`, that
is a ``(height, width, n_layers)`` count array (9 to 48 MB for 866 x 128 pixels) to zero,
fill and composite pixel by pixel over every layer, although a pixel is lit by one or
two layers. Here (:func:`tile_rgba`) the layers are drawn one after the other into one
column-major canvas that notes, per pixel column, the first and last row lit; after each
layer its lit pixels become events (pixel, layer, count) and the canvas is zeroed on
those rows. The events, sorted by pixel (stably: a pixel's stay in layer order), are
composited pixel by pixel over the traces, in palette order, with the arithmetic of
:meth:`Raster.rgba <phygui.render.raster.Raster.rgba>` (uncovered layers skipped, as
there): the pixels are the Raster's, bit for bit (tested). The buffers are kept per
thread between tiles.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import njit
from phygui.render.raster import _LUT_SIZE, store_straight
from phygui.render.traces import _grid_geometry, _traces_kernel

__all__ = ["tile_rgba"]

_scratch = threading.local()  # per drawing thread: the kernel's buffers (see _buffers)
_luts: dict[float, npt.NDArray[np.float64]] = {}  # opacity table row by alpha (Raster's values)
_EVENTS = 1 << 18  # first capacity of a thread's (pixel, layer, count) list; doubled when short


@njit(cache=True, nogil=True)
def _tile_kernel(out: npt.NDArray[np.float32], traces: npt.NDArray[np.uint16], data: npt.NDArray[Any],
                 chans: npt.NDArray[np.int64], chan_ptr: npt.NDArray[np.int64], yoff_all: npt.NDArray[np.float64],
                 ys: float, starts: npt.NDArray[np.int64], stops: npt.NDArray[np.int64],
                 layers: npt.NDArray[np.int64], order: npt.NDArray[np.int64], palette: npt.NDArray[np.float64],
                 lut: npt.NDArray[np.float64], lut_row: npt.NDArray[np.int64], g: npt.NDArray[np.float64],
                 canvas: npt.NDArray[np.uint16], span: npt.NDArray[np.int64], pix: npt.NDArray[np.int32],
                 lay: npt.NDArray[np.int32], cnt: npt.NDArray[np.uint16], off: npt.NDArray[np.int32],
                 by_lay: npt.NDArray[np.int32], by_cnt: npt.NDArray[np.uint16]) -> int:
    # traces: layer 0's counts (height, width). The snippets, in layer order (``order``), are
    # drawn layer by layer into ``canvas`` (1, width, height; zero on entry and on exit); each
    # layer's lit pixels (the rows ``span`` noted per column) become events (pixel, layer,
    # count), pixel = col * height + row, in layer order; sorted by pixel (a counting sort,
    # stable: each pixel's events stay in layer order), they are composited pixel by pixel
    # over the traces with _composite_kernel's arithmetic. (Compositing each layer over an
    # image of colour sums at once reads those sums all over the tile for every layer: the
    # cache misses cost more than the rest.) Returns -1 if the event arrays are too short
    # (the canvas is left zero: the caller grows them and calls again).
    h, w = traces.shape
    n_lut = lut.shape[1]
    cap = pix.shape[0]
    ne = 0
    i = 0
    n_snip = order.shape[0]
    while i < n_snip:
        k = layers[order[i]]
        span[0, :] = h
        span[1, :] = -1
        j = i
        while j < n_snip and layers[order[j]] == k:
            s = order[j]
            a, b = chan_ptr[s], chan_ptr[s + 1]
            _traces_kernel(canvas, data, chans[a:b], yoff_all[chans[a:b]], ys, starts[s], stops[s], g, 0, span)
            j += 1
        for col in range(w):
            for row in range(span[0, col], span[1, col] + 1):
                n = canvas[0, col, row]
                if n != 0:
                    canvas[0, col, row] = 0
                    if ne < cap:
                        pix[ne] = col * h + row
                        lay[ne] = k
                        cnt[ne] = n
                    ne += 1
        i = j
    if ne > cap:
        return -1
    n_pix = h * w
    off[: n_pix + 1] = 0
    for e in range(ne):
        off[pix[e] + 1] += 1
    for p in range(1, n_pix + 1):
        off[p] += off[p - 1]
    for e in range(ne):  # off[p]: where pixel p's next event goes, then where pixel p + 1's start
        q = off[pix[e]]
        by_lay[q] = lay[e]
        by_cnt[q] = cnt[e]
        off[pix[e]] = q + 1
    first = 0
    for col in range(w):
        for row in range(h):
            last = off[col * h + row]
            r = 0.0
            gg = 0.0
            bb = 0.0
            a_ = 0.0
            n = traces[row, col]
            q = first - 1
            k = 0
            while True:  # layer 0 (the traces), then the pixel's events
                if n != 0:
                    ak = lut[lut_row[k], n] if n < n_lut else 1.0 - (1.0 - palette[k, 3]) ** n
                    r = palette[k, 0] * ak + r * (1.0 - ak)
                    gg = palette[k, 1] * ak + gg * (1.0 - ak)
                    bb = palette[k, 2] * ak + bb * (1.0 - ak)
                    a_ = ak + a_ * (1.0 - ak)
                q += 1
                if q >= last:
                    break
                k = by_lay[q]
                n = by_cnt[q]
            first = last
            store_straight(out, row, col, r, gg, bb, a_)
    return ne


def _opacity_table(alphas: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    # The Raster's table (1 - (1 - a) ** n for n < _LUT_SIZE), one row per distinct alpha
    # (a tile's colours share a few), computed once per alpha with the Raster's expression.
    uniq, row = np.unique(alphas, return_inverse=True)
    n = np.arange(_LUT_SIZE, dtype=np.float64)
    rows = []
    for a in uniq.tolist():
        lut = _luts.get(a)
        if lut is None:
            lut = _luts.setdefault(a, (1.0 - (1.0 - np.array([[a]])) ** n[None, :])[0])
        rows.append(lut)
    return np.ascontiguousarray(np.stack(rows)), row.astype(np.int64).reshape(-1)


class _Buffers:
    """A thread's kernel buffers for tiles of one shape (the canvas is zero between calls)."""

    def __init__(self, h: int, w: int, n_events: int) -> None:
        self.shape = (h, w)
        self.canvas = np.zeros((1, w, h), np.uint16)
        self.span = np.empty((2, w), np.int64)
        self.off = np.empty(h * w + 1, np.int32)
        self.events(n_events)

    def events(self, n: int) -> None:
        """(Re)allocate the event arrays for ``n`` events."""
        self.pix, self.lay, self.by_lay = (np.empty(n, np.int32) for _ in range(3))
        self.cnt, self.by_cnt = np.empty(n, np.uint16), np.empty(n, np.uint16)


def _buffers(h: int, w: int) -> _Buffers:
    # This thread's buffers for (h, w) tiles.
    held = getattr(_scratch, "held", None)
    if held is None or held.shape != (h, w):
        held = _scratch.held = _Buffers(h, w, _EVENTS)
    return held


def tile_rgba(traces: npt.NDArray[np.uint16], extent: Sequence[float], data: npt.NDArray[Any], data_start: int,
              sample_rate: float, spp: float, y_offset: npt.ArrayLike, y_scale: float, palette: npt.ArrayLike,
              channels: Sequence[npt.NDArray[np.int64]], starts: npt.ArrayLike, stops: npt.ArrayLike,
              layers: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """A tile's image: the traces' counts (palette row 0) and the snippets over them.

    The arguments are :func:`~phygui.render.tiles.draw_tile`'s (snippet ``s`` is
    ``data[starts[s] - data_start:stops[s] - data_start, channels[s]]`` in palette row
    ``layers[s]``, on the tile grid of ``spp`` seconds per column).

    Returns
    -------
    ndarray, shape (height, width, 4), float32
        Straight RGBA, the pixels of a :class:`~phygui.render.raster.Raster` with the
        same counts.
    """
    h, w = traces.shape
    pal = np.ascontiguousarray(np.asarray(palette, dtype=np.float64).reshape(-1, 4))
    lut, lut_row = _opacity_table(pal[:, 3])
    n = data.shape[0]
    lens = np.array(list(map(len, channels)), dtype=np.int64)
    chans = np.concatenate(channels).astype(np.int64, copy=False) if len(channels) else np.zeros(0, np.int64)
    ptr = np.zeros(len(channels) + 1, dtype=np.int64)
    np.cumsum(lens, out=ptr[1:])
    layers_ = np.ascontiguousarray(layers, dtype=np.int64).reshape(-1)
    if layers_.size and (layers_.min() < 1 or layers_.max() >= len(pal)):
        raise ValueError(f"Snippet layers must be in [1, {len(pal)}) (palette rows; 0 is the traces).")
    buf = _buffers(h, w)
    out = np.empty((h, w, 4), dtype=np.float32)
    args = (out, np.ascontiguousarray(traces, dtype=np.uint16), data, chans, ptr,
            np.ascontiguousarray(y_offset, dtype=np.float64), float(y_scale),
            np.clip(np.asarray(starts, dtype=np.int64) - int(data_start), 0, n),
            np.clip(np.asarray(stops, dtype=np.int64) - int(data_start), 0, n), layers_,
            np.argsort(layers_, kind="stable").astype(np.int64), pal, lut, lut_row,
            _grid_geometry(extent, (h, w), data_start / sample_rate, 1.0 / sample_rate, int(data_start), spp),
            buf.canvas, buf.span)
    while _tile_kernel(*args, buf.pix, buf.lay, buf.cnt, buf.off, buf.by_lay, buf.by_cnt) < 0:
        buf.events(2 * len(buf.pix))  # more lit pixels than ever on this thread: drawn again
    return out
