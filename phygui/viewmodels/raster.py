"""Rasterisation of dense layers (waveform bundles, point clouds) into RGBA images.

Dear PyGui draws one static texture much faster than thousands of line series or
scatter markers under software OpenGL (see ``dearpygui.md``), so the views draw their
dense layers here, into a numpy image, and hand the image to the drawer.

Images are ``(height, width, 4)`` float32, straight (non-premultiplied) RGBA in 0..1,
top row first. Each item is composited *over* the image in input order (Porter-Duff
"over"), so the result is deterministic and a later cluster is drawn on top of an
earlier one. The ``extent`` ``(x0, y0, x1, y1)`` gives the data rectangle covered by the
image: data ``x`` maps to column ``floor((x - x0) / (x1 - x0) * width)`` and data ``y``
to row ``floor((y1 - y) / (y1 - y0) * height)``; items outside are clipped.

The kernels are numba ``@njit(cache=True)``; :func:`draw_polylines_reference` and
:func:`draw_points_reference` are plain-Python/numpy versions of the same algorithm,
used by the tests.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = [
    "new_image",
    "draw_polylines",
    "draw_points",
    "finish_image",
    "to_uint8",
    "draw_polylines_reference",
    "draw_points_reference",
    "palette_array",
]

Extent = Sequence[float]


def new_image(height: int, width: int) -> npt.NDArray[np.float32]:
    """A transparent premultiplied accumulation buffer ``(height, width, 4)``."""
    return np.zeros((max(1, int(height)), max(1, int(width)), 4), dtype=np.float32)


def palette_array(colors: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """RGBA colours ``(n, 4)`` in 0..1 as a contiguous float32 array."""
    out = np.ascontiguousarray(np.asarray(colors, dtype=np.float32).reshape(-1, 4))
    return out


def _extent(extent: Extent) -> npt.NDArray[np.float64]:
    e = np.asarray(extent, dtype=np.float64).reshape(4)
    if not (e[2] > e[0] and e[3] > e[1]):
        raise ValueError(f"`extent` must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {tuple(e)}.")
    return e


@njit(cache=True, inline="always")
def _blend(img, row, col, r, g, b, a):  # type: ignore[no-untyped-def]
    # Premultiplied "over": dst = src * a + dst * (1 - a).
    k = 1.0 - a
    img[row, col, 0] = r * a + img[row, col, 0] * k
    img[row, col, 1] = g * a + img[row, col, 1] * k
    img[row, col, 2] = b * a + img[row, col, 2] * k
    img[row, col, 3] = a + img[row, col, 3] * k


@njit(cache=True)
def _polylines_kernel(img, t, values, xo, xs, yo, ys, cidx, palette, e):  # type: ignore[no-untyped-def]
    h, w = img.shape[0], img.shape[1]
    fx = w / (e[2] - e[0])
    fy = h / (e[3] - e[1])
    n_lines, n_pts = values.shape
    for i in range(n_lines):
        c = cidx[i]
        r, g, b, a = palette[c, 0], palette[c, 1], palette[c, 2], palette[c, 3]
        prev_ok = False
        px0 = 0.0
        py0 = 0.0
        for k in range(n_pts):
            x = xo[i] + xs[i] * t[k]
            y = yo[i] + ys[i] * values[i, k]
            px1 = (x - e[0]) * fx
            py1 = (e[3] - y) * fy
            ok = math.isfinite(px1) and math.isfinite(py1)
            last = k == n_pts - 1 or not math.isfinite(values[i, k + 1])
            if ok and prev_ok:
                dx = px1 - px0
                dy = py1 - py0
                n = int(math.ceil(max(abs(dx), abs(dy))))
                if n < 1:
                    n = 1
                # Pixels of the segment, without its end point (the next segment's
                # start) except for the polyline's last segment.
                stop = n + 1 if last else n
                for s in range(stop):
                    u = s / n
                    col = int(math.floor(px0 + dx * u))
                    row = int(math.floor(py0 + dy * u))
                    if 0 <= col < w and 0 <= row < h:
                        _blend(img, row, col, r, g, b, a)
            elif ok and last and not prev_ok:
                col = int(math.floor(px1))
                row = int(math.floor(py1))
                if 0 <= col < w and 0 <= row < h:
                    _blend(img, row, col, r, g, b, a)
            prev_ok = ok
            px0 = px1
            py0 = py1


@njit(cache=True)
def _points_kernel(img, x, y, cidx, palette, e, size):  # type: ignore[no-untyped-def]
    h, w = img.shape[0], img.shape[1]
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
        c = cidx[i]
        r, g, b, a = palette[c, 0], palette[c, 1], palette[c, 2], palette[c, 3]
        for dr in range(size):
            row = r0 + dr
            if row < 0 or row >= h:
                continue
            for dc in range(size):
                col = c0 + dc
                if 0 <= col < w:
                    _blend(img, row, col, r, g, b, a)


def _as_lines(values: npt.ArrayLike, n_lines: int, name: str) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_lines, float(arr))
    if arr.shape != (n_lines,):
        raise ValueError(f"`{name}` must be a scalar or have shape ({n_lines},), got {arr.shape}.")
    return np.ascontiguousarray(arr)


def _polyline_args(t, values, x_offset, x_scale, y_offset, y_scale, color_index, palette, extent):  # type: ignore[no-untyped-def]
    vals = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
    if vals.ndim != 2:
        raise ValueError(f"`values` must be (n_lines, n_points), got {vals.shape}.")
    n = vals.shape[0]
    tt = np.ascontiguousarray(np.asarray(t, dtype=np.float64).reshape(-1))
    if tt.shape[0] != vals.shape[1]:
        raise ValueError(f"`t` has {tt.shape[0]} points but `values` has {vals.shape[1]}.")
    cidx = np.ascontiguousarray(np.broadcast_to(np.asarray(color_index, dtype=np.int64), (n,)))
    pal = palette_array(palette)
    if n and (cidx.min() < 0 or cidx.max() >= len(pal)):
        raise ValueError("`color_index` out of the palette's range.")
    return (tt, vals, _as_lines(x_offset, n, "x_offset"), _as_lines(x_scale, n, "x_scale"),
            _as_lines(y_offset, n, "y_offset"), _as_lines(y_scale, n, "y_scale"), cidx, pal, _extent(extent))


def draw_polylines(image: npt.NDArray[np.float32], t: npt.ArrayLike, values: npt.ArrayLike,
                   x_offset: npt.ArrayLike, x_scale: npt.ArrayLike,
                   y_offset: npt.ArrayLike, y_scale: npt.ArrayLike,
                   color_index: npt.ArrayLike, palette: npt.ArrayLike, extent: Extent) -> None:
    """Draw polylines sharing their abscissae into ``image`` (in place, premultiplied).

    Line ``i`` joins the points ``(x_offset[i] + x_scale[i] * t[k],
    y_offset[i] + y_scale[i] * values[i, k])``: one call draws a whole waveform bundle
    (one line per spike and channel, each moved into its channel box). A NaN value
    breaks a line.

    Parameters
    ----------
    image : ndarray, shape (height, width, 4)
        Buffer from :func:`new_image`.
    t : array-like, shape (n_points,)
    values : array-like, shape (n_lines, n_points)
    x_offset, x_scale, y_offset, y_scale : float or array-like, shape (n_lines,)
    color_index : int or array-like of int, shape (n_lines,)
        Row of ``palette`` for each line.
    palette : array-like, shape (n_colors, 4)
        RGBA colours in 0..1 (the alpha sets the accumulation of overlapping lines).
    extent : (x0, y0, x1, y1)
        Data rectangle covered by the image.
    """
    args = _polyline_args(t, values, x_offset, x_scale, y_offset, y_scale, color_index, palette, extent)
    if args[1].shape[0] and args[1].shape[1]:
        _polylines_kernel(image, *args)


def draw_points(image: npt.NDArray[np.float32], x: npt.ArrayLike, y: npt.ArrayLike,
                color_index: npt.ArrayLike, palette: npt.ArrayLike, extent: Extent,
                size: int = 3) -> None:
    """Draw square markers of ``size`` pixels into ``image`` (in place, premultiplied)."""
    xx = np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
    yy = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1))
    if xx.shape != yy.shape:
        raise ValueError(f"`x` and `y` differ in length ({xx.size} and {yy.size}).")
    cidx = np.ascontiguousarray(np.broadcast_to(np.asarray(color_index, dtype=np.int64), xx.shape))
    pal = palette_array(palette)
    if xx.size and (cidx.min() < 0 or cidx.max() >= len(pal)):
        raise ValueError("`color_index` out of the palette's range.")
    if xx.size:
        _points_kernel(image, xx, yy, cidx, pal, _extent(extent), max(1, int(size)))


def finish_image(image: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Premultiplied buffer -> straight RGBA float32 image (what a texture expects)."""
    out = image.copy()
    a = out[..., 3:4]
    np.divide(out[..., :3], a, out=out[..., :3], where=a > 0)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def to_uint8(image: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """Float image in 0..1 -> uint8 0..255."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


# Plain references (tests) -------------------------------------------------------------


def _blend_ref(img: np.ndarray, row: int, col: int, color: np.ndarray) -> None:
    a = np.float32(color[3])
    img[row, col, :3] = color[:3] * a + img[row, col, :3] * (np.float32(1) - a)
    img[row, col, 3] = a + img[row, col, 3] * (np.float32(1) - a)


def draw_polylines_reference(image: np.ndarray, t: npt.ArrayLike, values: npt.ArrayLike,
                             x_offset: npt.ArrayLike, x_scale: npt.ArrayLike,
                             y_offset: npt.ArrayLike, y_scale: npt.ArrayLike,
                             color_index: npt.ArrayLike, palette: npt.ArrayLike, extent: Extent) -> None:
    """Plain-Python version of :func:`draw_polylines` (same pixels, slow)."""
    tt, vals, xo, xs, yo, ys, cidx, pal, e = _polyline_args(
        t, values, x_offset, x_scale, y_offset, y_scale, color_index, palette, extent)
    h, w = image.shape[:2]
    fx, fy = w / (e[2] - e[0]), h / (e[3] - e[1])
    for i in range(vals.shape[0]):
        x = (xo[i] + xs[i] * tt - e[0]) * fx
        y = (e[3] - (yo[i] + ys[i] * vals[i].astype(np.float64))) * fy
        ok = np.isfinite(x) & np.isfinite(y)
        pixels: list[tuple[int, int]] = []
        n_pts = len(tt)
        for k in range(n_pts):
            last = k == n_pts - 1 or not np.isfinite(vals[i, k + 1])
            if ok[k] and k > 0 and ok[k - 1]:
                dx, dy = x[k] - x[k - 1], y[k] - y[k - 1]
                n = max(1, int(math.ceil(max(abs(dx), abs(dy)))))
                for s in range(n + 1 if last else n):
                    u = s / n
                    pixels.append((int(math.floor(y[k - 1] + dy * u)), int(math.floor(x[k - 1] + dx * u))))
            elif ok[k] and last and not (k > 0 and ok[k - 1]):
                pixels.append((int(math.floor(y[k])), int(math.floor(x[k]))))
        for row, col in pixels:
            if 0 <= row < h and 0 <= col < w:
                _blend_ref(image, row, col, pal[cidx[i]])


def draw_points_reference(image: np.ndarray, x: npt.ArrayLike, y: npt.ArrayLike,
                          color_index: npt.ArrayLike, palette: npt.ArrayLike, extent: Extent,
                          size: int = 3) -> None:
    """Plain-Python version of :func:`draw_points`."""
    e = _extent(extent)
    xx = np.asarray(x, dtype=np.float64).reshape(-1)
    yy = np.asarray(y, dtype=np.float64).reshape(-1)
    cidx = np.broadcast_to(np.asarray(color_index, dtype=np.int64), xx.shape)
    pal = palette_array(palette)
    h, w = image.shape[:2]
    size = max(1, int(size))
    px = (xx - e[0]) * (w / (e[2] - e[0]))
    py = (e[3] - yy) * (h / (e[3] - e[1]))
    for i in range(xx.size):
        if not (np.isfinite(px[i]) and np.isfinite(py[i])):
            continue
        c0, r0 = int(math.floor(px[i])) - size // 2, int(math.floor(py[i])) - size // 2
        for row in range(max(0, r0), min(h, r0 + size)):
            for col in range(max(0, c0), min(w, c0 + size)):
                _blend_ref(image, row, col, pal[cidx[i]])
