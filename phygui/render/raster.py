"""Rasterisation of dense layers (waveform bundles, point clouds) into RGBA images.

Dear PyGui draws one static texture much faster than thousands of line series or
scatter markers under software OpenGL (see ``dearpygui.md``), so the views draw their
dense layers here, into a numpy image, and hand the image to the drawer.

A :class:`Raster` has one *layer* per colour of its palette. Drawing only counts, per
layer and pixel, how many items cover the pixel (one integer increment: this is what
makes a 100 x 12 x 8-cluster waveform bundle cost a few milliseconds). :meth:`Raster.rgba`
then composites the layers in palette order (background first, then cluster 0, 1, ...),
a pixel covered ``n`` times by a colour of opacity ``a`` getting opacity
``1 - (1 - a) ** n``: exactly what drawing the ``n`` items one over the other
(Porter-Duff "over") gives, as items of one colour commute.

Images are ``(height, width, 4)`` float32 straight (non-premultiplied) RGBA in 0..1, top
row first. The ``extent`` ``(x0, y0, x1, y1)`` is the data rectangle the image covers:
data ``x`` maps to column ``floor((x - x0) / (x1 - x0) * width)`` and data ``y`` to row
``floor((y1 - y) / (y1 - y0) * height)``; items outside are clipped.

The kernels are numba ``@njit(cache=True)``; the ``*_reference`` functions are
plain-Python versions of the same algorithm, used by the tests. While numba loads its
kernels after the GUI's first frame (:func:`phycore.analysis.jit.warm_up`), compositing
and points take vectorised numpy paths (same counts and colours), so the frames drawn
meanwhile do not wait for that loading.
"""

from __future__ import annotations

import math
from typing import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import kernels_ready, njit

__all__ = ["Raster", "RasterLayer", "draw_polylines", "draw_points", "store_straight", "to_uint8",
           "draw_polylines_reference", "draw_points_reference", "composite_reference"]

Extent = Sequence[float]
_MAX_COUNT = 65535
_LUT_SIZE = 1024


@attrs.define(eq=False)
class RasterLayer:
    """A dense layer as an image.

    Attributes
    ----------
    image : ndarray, shape (height, width, 4), float32
        Straight RGBA in 0..1, top row first.
    extent : (x0, y0, x1, y1)
        Data rectangle the image covers (what the drawer passes as the image
        series' bounds).
    """

    image: npt.NDArray[np.float32]
    extent: tuple[float, float, float, float]


def _extent(extent: Extent) -> npt.NDArray[np.float64]:
    e = np.asarray(extent, dtype=np.float64).reshape(4)
    if not (e[2] > e[0] and e[3] > e[1]):
        raise ValueError(f"`extent` must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {tuple(e)}.")
    return e


class Raster:
    """Per-colour hit counts of an image being drawn.

    Parameters
    ----------
    height, width : int
        Image size in pixels.
    palette : array-like, shape (n_colors, 4)
        RGBA colours in 0..1; a colour's alpha is the opacity of one item.
    extent : (x0, y0, x1, y1)
        Data rectangle covered by the image.

    Attributes
    ----------
    counts : ndarray of uint16, shape (height, width, n_colors)
    """

    def __init__(self, height: int, width: int, palette: npt.ArrayLike, extent: Extent) -> None:
        self.palette = np.ascontiguousarray(np.asarray(palette, dtype=np.float64).reshape(-1, 4))
        x0, y0, x1, y1 = (float(v) for v in _extent(extent))
        self.extent: tuple[float, float, float, float] = (x0, y0, x1, y1)
        self.counts = np.zeros((max(1, int(height)), max(1, int(width)), len(self.palette)), dtype=np.uint16)
        # Opacity of a pixel covered n times by colour k: 1 - (1 - a_k) ** n (table for small n).
        n = np.arange(_LUT_SIZE, dtype=np.float64)
        self._lut = np.ascontiguousarray(1.0 - (1.0 - self.palette[:, 3:4]) ** n[None, :])

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.counts.shape[0], self.counts.shape[1]

    def rgba(self) -> npt.NDArray[np.float32]:
        """Composite the layers: straight RGBA float32 ``(height, width, 4)``."""
        out = np.empty(self.shape + (4,), dtype=np.float32)
        composite = _composite_kernel if kernels_ready() else _composite_numpy
        composite(self.counts, self.palette, self._lut, out)
        return out


def _composite_numpy(counts: npt.NDArray[np.uint16], palette: npt.NDArray[np.float64],
                     lut: npt.NDArray[np.float64], out: npt.NDArray[np.float32]) -> None:
    """:func:`_composite_kernel` vectorised over pixels (one pass per layer)."""
    h, w, n_layers = counts.shape
    n_lut = lut.shape[1]
    r, g, b, a = (np.zeros((h, w)) for _ in range(4))
    for k in range(n_layers):
        n = counts[:, :, k]
        if not n.any():
            continue
        ak = lut[k, np.minimum(n, n_lut - 1)]  # lut[k, 0] == 0: uncovered pixels keep their colour
        big = n >= n_lut
        if big.any():
            ak[big] = 1.0 - (1.0 - palette[k, 3]) ** n[big].astype(np.float64)
        rest = 1.0 - ak
        r = palette[k, 0] * ak + r * rest
        g = palette[k, 1] * ak + g * rest
        b = palette[k, 2] * ak + b * rest
        a = ak + a * rest
    covered = a > 0.0
    safe = np.where(covered, a, 1.0)
    for i, channel in enumerate((r, g, b)):
        out[:, :, i] = np.where(covered, np.minimum(channel / safe, 1.0), 0.0)
    out[:, :, 3] = a


@njit(cache=True)
def _composite_kernel(counts: npt.NDArray[np.uint16], palette: npt.NDArray[np.float64], lut: npt.NDArray[np.float64],
                      out: npt.NDArray[np.float32]) -> None:
    h, w, n_layers = counts.shape
    n_lut = lut.shape[1]
    for row in range(h):
        for col in range(w):
            r = 0.0
            g = 0.0
            b = 0.0
            a = 0.0
            for k in range(n_layers):
                n = counts[row, col, k]
                if n == 0:
                    continue
                ak = lut[k, n] if n < n_lut else 1.0 - (1.0 - palette[k, 3]) ** n
                r = palette[k, 0] * ak + r * (1.0 - ak)
                g = palette[k, 1] * ak + g * (1.0 - ak)
                b = palette[k, 2] * ak + b * (1.0 - ak)
                a = ak + a * (1.0 - ak)
            store_straight(out, row, col, r, g, b, a)


@njit(cache=True, inline="always")
def store_straight(out: npt.NDArray[np.float32], row: int, col: int, r: float, g: float, b: float,
                   a: float) -> None:
    """Store a composited pixel (colours premultiplied by ``a``) as straight RGBA."""
    if a > 0.0:
        out[row, col, 0] = min(r / a, 1.0)
        out[row, col, 1] = min(g / a, 1.0)
        out[row, col, 2] = min(b / a, 1.0)
    else:
        out[row, col, 0] = 0.0
        out[row, col, 1] = 0.0
        out[row, col, 2] = 0.0
    out[row, col, 3] = a


@njit(cache=True, inline="always")
def _hit(counts: npt.NDArray[np.uint16], k: int, row: int, col: int, h: int, w: int) -> None:
    if 0 <= row < h and 0 <= col < w and counts[row, col, k] < 65535:
        counts[row, col, k] += 1


@njit(cache=True)
def _polylines_kernel(counts: npt.NDArray[np.uint16], t: npt.NDArray[np.float64], values: npt.NDArray[np.float32],
                      xo: npt.NDArray[np.float64], xs: npt.NDArray[np.float64], yo: npt.NDArray[np.float64],
                      ys: npt.NDArray[np.float64], cidx: npt.NDArray[np.int64], e: npt.NDArray[np.float64]) -> None:
    h, w = counts.shape[0], counts.shape[1]
    fx = w / (e[2] - e[0])
    fy = h / (e[3] - e[1])
    n_lines, n_pts = values.shape
    for i in range(n_lines):
        k = cidx[i]
        ax = (xo[i] - e[0]) * fx
        bx = xs[i] * fx
        ay = (e[3] - yo[i]) * fy
        by = -ys[i] * fy
        prev_ok = False
        px0 = 0.0
        py0 = 0.0
        for j in range(n_pts):
            v = values[i, j]
            px1 = ax + bx * t[j]
            py1 = ay + by * v
            ok = math.isfinite(px1) and math.isfinite(py1)
            last = j == n_pts - 1 or not math.isfinite(values[i, j + 1])
            if ok and prev_ok:
                dx = px1 - px0
                dy = py1 - py0
                n = int(math.ceil(max(abs(dx), abs(dy))))
                if n < 1:
                    n = 1
                # Pixels of the segment without its end (the next segment's start),
                # except for the line's last segment.
                stop = n + 1 if last else n
                sx = dx / n
                sy = dy / n
                for s in range(stop):
                    _hit(counts, k, int(math.floor(py0 + s * sy)), int(math.floor(px0 + s * sx)), h, w)
            elif ok and last:
                _hit(counts, k, int(math.floor(py1)), int(math.floor(px1)), h, w)
            prev_ok = ok
            px0 = px1
            py0 = py1


@njit(cache=True)
def _points_kernel(counts: npt.NDArray[np.uint16], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
                   cidx: npt.NDArray[np.int64], e: npt.NDArray[np.float64], size: int) -> None:
    h, w = counts.shape[0], counts.shape[1]
    fx = w / (e[2] - e[0])
    fy = h / (e[3] - e[1])
    half = size // 2
    for i in range(x.shape[0]):
        px = (x[i] - e[0]) * fx
        py = (e[3] - y[i]) * fy
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        c0 = int(math.floor(px)) - half
        r0 = int(math.floor(py)) - half
        k = cidx[i]
        for dr in range(size):
            for dc in range(size):
                _hit(counts, k, r0 + dr, c0 + dc, h, w)


def _per_line(values: npt.ArrayLike, n: int, name: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"`{name}` must be a scalar or have shape ({n},), got {arr.shape}.")
    return np.ascontiguousarray(arr)


def _color_index(color_index: npt.ArrayLike, n: int, n_colors: int) -> npt.NDArray[np.int64]:
    cidx = np.ascontiguousarray(np.broadcast_to(np.asarray(color_index, dtype=np.int64), (n,)))
    if n and (cidx.min() < 0 or cidx.max() >= n_colors):
        raise ValueError(f"`color_index` must be in [0, {n_colors}) (the palette's rows).")
    return cidx


def _polyline_args(
    raster: Raster, t: npt.ArrayLike, values: npt.ArrayLike, x_offset: npt.ArrayLike, x_scale: npt.ArrayLike,
    y_offset: npt.ArrayLike, y_scale: npt.ArrayLike, color_index: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.float64],
           npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    # The arguments of _polylines_kernel after the counts: t, values, x/y offsets and scales,
    # colour indices, extent.
    vals = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
    if vals.ndim != 2:
        raise ValueError(f"`values` must be (n_lines, n_points), got {vals.shape}.")
    n = vals.shape[0]
    tt = np.ascontiguousarray(np.asarray(t, dtype=np.float64).reshape(-1))
    if tt.shape[0] != vals.shape[1]:
        raise ValueError(f"`t` has {tt.shape[0]} points but `values` has {vals.shape[1]}.")
    return (tt, vals, _per_line(x_offset, n, "x_offset"), _per_line(x_scale, n, "x_scale"),
            _per_line(y_offset, n, "y_offset"), _per_line(y_scale, n, "y_scale"),
            _color_index(color_index, n, len(raster.palette)), np.asarray(raster.extent))


def draw_polylines(raster: Raster, t: npt.ArrayLike, values: npt.ArrayLike,
                   x_offset: npt.ArrayLike, x_scale: npt.ArrayLike,
                   y_offset: npt.ArrayLike, y_scale: npt.ArrayLike,
                   color_index: npt.ArrayLike = 0) -> None:
    """Draw polylines sharing their abscissae.

    Line ``i`` joins the points ``(x_offset[i] + x_scale[i] * t[k],
    y_offset[i] + y_scale[i] * values[i, k])``: one call draws a whole waveform bundle
    (one line per spike and channel, each moved into its channel box). A NaN value
    breaks a line.

    Parameters
    ----------
    raster : Raster
    t : array-like, shape (n_points,)
    values : array-like, shape (n_lines, n_points)
    x_offset, x_scale, y_offset, y_scale : float or array-like, shape (n_lines,)
    color_index : int or array-like of int, shape (n_lines,)
        Palette row (layer) of each line.
    """
    args = _polyline_args(raster, t, values, x_offset, x_scale, y_offset, y_scale, color_index)
    if args[1].shape[0] and args[1].shape[1]:
        _polylines_kernel(raster.counts, *args)


def _point_args(
    raster: Raster, x: npt.ArrayLike, y: npt.ArrayLike, color_index: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    xx = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
    yy = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1))
    if xx.shape != yy.shape:
        raise ValueError(f"`x` and `y` differ in length ({xx.size} and {yy.size}).")
    return xx, yy, _color_index(color_index, xx.size, len(raster.palette))


def draw_points(raster: Raster, x: npt.ArrayLike, y: npt.ArrayLike,
                color_index: npt.ArrayLike = 0, size: int = 3) -> None:
    """Draw square markers of ``size`` pixels centred on the points."""
    xx, yy, cidx = _point_args(raster, x, y, color_index)
    if xx.size:
        points = _points_kernel if kernels_ready() else _points_numpy
        points(raster.counts, xx, yy, cidx, np.asarray(raster.extent), max(1, int(size)))


def _points_numpy(counts: npt.NDArray[np.uint16], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
                  cidx: npt.NDArray[np.int64], e: npt.NDArray[np.float64], size: int) -> None:
    """:func:`_points_kernel` vectorised over points (one pass per marker pixel)."""
    h, w, n_layers = counts.shape
    px = (x - e[0]) * (w / (e[2] - e[0]))
    py = (e[3] - y) * (h / (e[3] - e[1]))
    ok = np.isfinite(px) & np.isfinite(py)
    # Clipped far outside the image before the cast (those markers are off-image anyway).
    lim = float(max(h, w) + size + 1)
    c0 = np.clip(np.floor(px[ok]), -lim, lim).astype(np.int64) - size // 2
    r0 = np.clip(np.floor(py[ok]), -lim, lim).astype(np.int64) - size // 2
    k = cidx[ok]
    hits = np.zeros(h * w * n_layers, dtype=np.int64)
    for dr in range(size):
        for dc in range(size):
            rows, cols = r0 + dr, c0 + dc
            inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
            flat = (rows[inside] * w + cols[inside]) * n_layers + k[inside]
            hits += np.bincount(flat, minlength=hits.size)
    # The kernel stops counting at 65535: the same as saturating the sum.
    np.minimum(counts + hits.reshape(counts.shape), _MAX_COUNT, out=hits.reshape(counts.shape))
    counts[...] = hits.reshape(counts.shape)


def to_uint8(image: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """Float image in 0..1 -> uint8 0..255."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


# Plain references (tests) -------------------------------------------------------------


def _hit_ref(counts: np.ndarray, k: int, row: int, col: int) -> None:
    if 0 <= row < counts.shape[0] and 0 <= col < counts.shape[1] and counts[row, col, k] < _MAX_COUNT:
        counts[row, col, k] += 1


def draw_polylines_reference(raster: Raster, t: npt.ArrayLike, values: npt.ArrayLike,
                             x_offset: npt.ArrayLike, x_scale: npt.ArrayLike,
                             y_offset: npt.ArrayLike, y_scale: npt.ArrayLike,
                             color_index: npt.ArrayLike = 0) -> None:
    """Plain-Python version of :func:`draw_polylines` (same counts, slow)."""
    tt, vals, xo, xs, yo, ys, cidx, e = _polyline_args(raster, t, values, x_offset, x_scale, y_offset, y_scale,
                                                       color_index)
    h, w = raster.shape
    fx, fy = w / (e[2] - e[0]), h / (e[3] - e[1])
    for i in range(vals.shape[0]):
        x = (xo[i] - e[0]) * fx + xs[i] * fx * tt
        y = (e[3] - yo[i]) * fy - ys[i] * fy * vals[i].astype(np.float64)
        ok = np.isfinite(x) & np.isfinite(y)
        for k in range(len(tt)):
            last = k == len(tt) - 1 or not np.isfinite(vals[i, k + 1])
            if ok[k] and k > 0 and ok[k - 1]:
                dx, dy = x[k] - x[k - 1], y[k] - y[k - 1]
                n = max(1, int(math.ceil(max(abs(dx), abs(dy)))))
                sx, sy = dx / n, dy / n
                for s in range(n + 1 if last else n):
                    row, col = int(math.floor(y[k - 1] + s * sy)), int(math.floor(x[k - 1] + s * sx))
                    _hit_ref(raster.counts, cidx[i], row, col)
            elif ok[k] and last:
                _hit_ref(raster.counts, cidx[i], int(math.floor(y[k])), int(math.floor(x[k])))


def draw_points_reference(raster: Raster, x: npt.ArrayLike, y: npt.ArrayLike,
                          color_index: npt.ArrayLike = 0, size: int = 3) -> None:
    """Plain-Python version of :func:`draw_points`."""
    xx, yy, cidx = _point_args(raster, x, y, color_index)
    e = raster.extent
    h, w = raster.shape
    size = max(1, int(size))
    px = (xx - e[0]) * (w / (e[2] - e[0]))
    py = (e[3] - yy) * (h / (e[3] - e[1]))
    for i in range(xx.size):
        if np.isfinite(px[i]) and np.isfinite(py[i]):
            c0, r0 = int(math.floor(px[i])) - size // 2, int(math.floor(py[i])) - size // 2
            for row in range(r0, r0 + size):
                for col in range(c0, c0 + size):
                    _hit_ref(raster.counts, cidx[i], row, col)


def composite_reference(raster: Raster) -> npt.NDArray[np.float32]:
    """Numpy version of :meth:`Raster.rgba`: each layer's items drawn one by one, "over"."""
    h, w = raster.shape
    prem = np.zeros((h, w, 4))
    for k, color in enumerate(raster.palette):
        n = raster.counts[..., k].astype(np.int64)
        for _ in range(int(n.max(initial=0))):
            mask = n > 0
            a = color[3]
            prem[mask, :3] = color[:3] * a + prem[mask, :3] * (1 - a)
            prem[mask, 3] = a + prem[mask, 3] * (1 - a)
            n = n - 1
    out = prem.copy()
    alpha = out[..., 3:4]
    np.divide(out[..., :3], alpha, out=out[..., :3], where=alpha > 0)
    return np.clip(out, 0, 1).astype(np.float32)
