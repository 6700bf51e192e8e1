"""Consecutive items of one style joined into one series: same points, same order."""

from __future__ import annotations

import numpy as np

from phygui.viewmodels.items import Polyline
from phygui.viewmodels.series_runs import line_runs, shade_runs

RED, GREY = (1.0, 0.0, 0.0, 1.0), (0.25, 0.25, 0.25, 1.0)


def _line(x0: float, color: tuple[float, ...], kind: str = "") -> Polyline:
    return Polyline(np.array([x0, x0 + 1, np.nan, x0 + 2]), np.array([0.0, 1.0, np.nan, 2.0]), color, kind=kind)


def test_consecutive_lines_of_one_style_are_one_series_with_gaps() -> None:
    lines = [_line(0, RED), _line(10, RED), _line(20, GREY), _line(30, RED), _line(40, RED, kind="event")]
    runs = line_runs(lines)
    # Only consecutive items join: the order of the colours (who is drawn over whom) stays.
    assert [(r.color, r.n_items, r.behind) for r in runs] == [(RED, 2, False), (GREY, 1, False),
                                                              (RED, 1, False), (RED, 1, True)]
    first = runs[0]
    expected_x = np.r_[lines[0].x, np.nan, lines[1].x]
    assert np.array_equal(first.x, expected_x, equal_nan=True)
    assert np.array_equal(first.y, np.r_[lines[0].y, np.nan, lines[1].y], equal_nan=True)
    # Every item's points are there once, in order.
    assert sum(r.n_items for r in runs) == len(lines)
    assert np.array_equal(np.concatenate([r.x[np.isfinite(r.x)] for r in runs]),
                          np.concatenate([ln.x[np.isfinite(ln.x)] for ln in lines]))


def test_the_colour_key_decides_what_is_one_style() -> None:
    almost = (1.0, 0.001, 0.0, 1.0)  # the same 8-bit colour as RED
    key = lambda c: tuple(round(255 * v) for v in c)  # noqa: E731
    assert len(line_runs([_line(0, RED), _line(5, almost)], key=key)) == 1
    assert len(line_runs([_line(0, RED), _line(5, almost)])) == 2


def _bar(x0: float, base: float, heights: list[float], color: tuple[float, ...]) -> Polyline:
    # As the correlogram's: starts and ends on its base.
    k = np.arange(len(heights) + 1, dtype=np.float64)
    x = x0 + np.repeat(k, 2)
    y = base + np.r_[0.0, np.repeat(heights, 2), 0.0]
    return Polyline(x, y, color)


def test_bars_closed_on_their_base_join_with_each_base() -> None:
    bars = [_bar(0, 0.0, [1, 2], RED), _bar(3, 5.0, [0.5, 1], RED), _bar(6, 0.0, [3], GREY),
            Polyline(np.array([9.0, 10.0, 11.0]), np.array([1.0, 2.0, 3.0]), GREY),  # open: alone
            _bar(12, 0.0, [1], GREY)]
    runs = shade_runs(bars)
    assert [(r.color, r.n_items) for r in runs] == [(RED, 2), (GREY, 1), (GREY, 1), (GREY, 1)]
    red = runs[0]
    assert np.array_equal(red.x, np.r_[bars[0].x, bars[1].x])
    assert np.array_equal(red.y, np.r_[bars[0].y, bars[1].y])
    # Each bar keeps its own base (its first point's height) ...
    assert np.array_equal(red.y2, np.r_[np.zeros(len(bars[0].y)), np.full(len(bars[1].y), 5.0)])
    # ... so the segment joining two bars has no height: it fills nothing.
    n0 = len(bars[0].y)
    assert red.y[n0 - 1] == red.y2[n0 - 1] and red.y[n0] == red.y2[n0]
    assert np.array_equal(runs[2].y2, np.full(3, 1.0))


def test_nothing_to_join() -> None:
    assert line_runs([]) == [] and shade_runs([]) == []
    empty = Polyline(np.zeros(0), np.zeros(0), RED)
    (run,) = shade_runs([empty])
    assert run.x.size == 0 and run.y2.size == 0
