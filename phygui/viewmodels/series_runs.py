"""Consecutive plot items of one style joined into one series (pure, no dearpygui).

A drawer makes one Dear PyGui series per item it is handed, and each costs a series, a
theme binding and its per-frame overhead in ImPlot. After a split selects ~600 clusters
the correlogram view shows 20 x 20 cells: 400 filled bars and 400 baseline polylines, 800
series redrawn at once. Consecutive items of the same style are drawn as one series
instead, with the same pixels:

- line items (:class:`~phygui.viewmodels.items.Polyline`) are joined with a NaN point
  between them, which ImPlot draws as a gap (a polyline's own NaNs already are);
- filled bars (shaded between the polyline and a flat base at its first point's height)
  are joined when each starts and ends on its base: the joining segment then encloses
  no area and fills no pixel.

Only *consecutive* items are joined, so the drawing order, which decides the pixels where
items of different colours overlap, is unchanged.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["LineRun", "ShadeRun", "line_runs", "shade_runs"]

FloatArray = npt.NDArray[np.float64]


@attrs.define(eq=False)
class LineRun:
    """Points of one line series (NaN-separated polylines) and its style."""

    x: FloatArray
    y: FloatArray
    color: Any
    weight: float
    behind: bool
    n_items: int


@attrs.define(eq=False)
class ShadeRun:
    """One shade series: the top ``y`` and the base ``y2`` of every point, and its colour."""

    x: FloatArray
    y: FloatArray
    y2: FloatArray
    color: Any
    n_items: int


def _f64(values: Any) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


class _Keys:
    """``key(color)`` computed only when the colour differs from the previous item's (the
    items of a run share their colour tuple: 800 calls of the drawer's key are ~3 ms)."""

    def __init__(self, key: Callable[[Any], Hashable]) -> None:
        self.key = key
        self.color: Any = None
        self.value: Hashable = None

    def __call__(self, color: Any) -> Hashable:
        if not (color is self.color or (isinstance(color, tuple) and color == self.color)):
            self.color, self.value = color, self.key(color)
        return self.value


def line_runs(lines: Iterable[Any], key: Callable[[Any], Hashable] = tuple) -> list[LineRun]:
    """Consecutive polylines of one style (``key(color)``, ``weight``, ``kind == 'event'``:
    drawn behind the picture) joined into line series with a NaN point between them.

    Parameters
    ----------
    lines : iterable of Polyline-like
        Items with ``x``, ``y``, ``color`` and optional ``weight`` (default 1) and ``kind``.
    key : callable
        The colour's identity as the drawer sees it (e.g. rounded to 8-bit RGBA).
    """
    runs: list[LineRun] = []
    style: tuple[Hashable, float, bool] | None = None
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    color: Any = None
    gap = np.full(1, np.nan)
    key = _Keys(key)

    def close() -> None:
        if style is not None:
            x = np.concatenate([p for k, a in enumerate(xs) for p in ((gap, a) if k else (a,))])
            y = np.concatenate([p for k, a in enumerate(ys) for p in ((gap, a) if k else (a,))])
            runs.append(LineRun(x, y, color, style[1], style[2], len(xs)))

    for line in lines:
        weight = float(getattr(line, "weight", 1.0) or 1.0)
        this = (key(line.color), weight, getattr(line, "kind", "") == "event")
        if this != style:
            close()
            style, xs, ys, color = this, [], [], line.color
        xs.append(_f64(line.x))
        ys.append(_f64(line.y))
    close()
    return runs


def _closed_on_base(y: FloatArray) -> bool:
    # A bar's base is its first point's height; it is joinable when it also ends there.
    return bool(y.size) and y[0] == y[-1]


def shade_runs(bars: Sequence[Any], key: Callable[[Any], Hashable] = tuple) -> list[ShadeRun]:
    """Consecutive filled bars of one colour (``key(color)``) that start and end on their
    base joined into shade series; any other bar stays alone.

    Each bar is filled between its polyline and a flat base at the height of its first
    point, as :class:`~phygui.views._plot.PlotView` draws one.
    """
    runs: list[ShadeRun] = []
    group: list[tuple[FloatArray, FloatArray]] = []
    style: Hashable = None
    color: Any = None
    key = _Keys(key)

    def close() -> None:
        if group:
            x = np.concatenate([g[0] for g in group])
            y = np.concatenate([g[1] for g in group])
            y2 = np.concatenate([np.full(g[1].shape, g[1][0] if g[1].size else 0.0) for g in group])
            runs.append(ShadeRun(x, y, y2, color, len(group)))

    for bar in bars:
        x, y = _f64(bar.x), _f64(bar.y)
        this = key(bar.color)
        joinable = _closed_on_base(y)
        if not (joinable and group and this == style and _closed_on_base(group[-1][1])):
            close()
            group, style, color = [], this, bar.color
        group.append((x, y))
    close()
    return runs
