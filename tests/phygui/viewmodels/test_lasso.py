"""Lasso: even-odd point-in-polygon against an exact convex test, and the gesture state."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from phygui.viewmodels.lasso import LassoState, points_in_polygon


def _convex(angles: list[float], cx: float, cy: float, r: float) -> np.ndarray:
    a = np.sort(np.unique(np.round(np.asarray(angles), 3)))
    return np.c_[cx + r * np.cos(a), cy + r * np.sin(a)]  # counter-clockwise, convex


def _inside_convex(points: np.ndarray, poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Exact for a CCW convex polygon: left of every edge. Also report the distance margin.
    v0, v1 = poly, np.roll(poly, -1, axis=0)
    e = v1 - v0
    dx, dy = points[:, None, 0] - v0[None, :, 0], points[:, None, 1] - v0[None, :, 1]
    cross = e[None, :, 0] * dy - e[None, :, 1] * dx
    margin = np.abs(cross / np.linalg.norm(e, axis=1)[None, :]).min(axis=1)
    return (cross > 0).all(axis=1), margin


@given(st.lists(st.floats(0, 2 * np.pi - 1e-3), min_size=3, max_size=12),
       st.floats(-100, 100), st.floats(-100, 100), st.floats(0.5, 50), st.integers(0, 10_000))
def test_points_inside_convex_polygon(angles: list[float], cx: float, cy: float, r: float, seed: int) -> None:
    poly = _convex(angles, cx, cy, r)
    if len(poly) < 3:
        return
    area = 0.5 * np.sum(poly[:, 0] * np.roll(poly[:, 1], -1) - np.roll(poly[:, 0], -1) * poly[:, 1])
    if area < 1e-3 * r * r:
        return
    rng = np.random.default_rng(seed)
    pts = np.c_[rng.uniform(cx - 1.2 * r, cx + 1.2 * r, 400), rng.uniform(cy - 1.2 * r, cy + 1.2 * r, 400)]
    # Convex combinations of the vertices are inside too.
    w = rng.dirichlet(np.ones(len(poly)), 50)
    pts = np.r_[pts, w @ poly]
    expected, margin = _inside_convex(pts, poly)
    clear = margin > 1e-7 * r  # points on an edge may go either way
    got = points_in_polygon(pts, poly)
    assert np.array_equal(got[clear], expected[clear])


def test_polygon_edge_cases() -> None:
    square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    assert points_in_polygon([(0.5, 0.5), (2, 0.5), (np.nan, 0.5)], square).tolist() == [True, False, False]
    assert not points_in_polygon([(0.5, 0.5)], square[:2]).any()
    assert points_in_polygon(np.zeros((0, 2)), square).shape == (0,)
    # Concave (U shape): the notch is outside.
    u = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)]
    assert points_in_polygon([(1.5, 2), (0.5, 2), (2.5, 2), (1.5, 0.5)], u).tolist() == [False, True, True, True]


def test_lasso_state_gesture() -> None:
    lasso = LassoState()
    assert not lasso.is_closed and not lasso.contains([(0, 0)]).any()
    assert lasso.add(0, 0, box=(0, 1))
    assert not lasso.add(5, 5, box=(1, 1))  # another subplot: ignored, as in phy
    assert lasso.add(1, 0, box=(0, 1)) and lasso.add(0, 1, box=(0, 1))
    assert lasso.is_closed and lasso.count == 3 and lasso.box == (0, 1)
    assert lasso.contains([(0.2, 0.2), (0.9, 0.9)]).tolist() == [True, False]
    lasso.clear()
    assert lasso.count == 0 and lasso.box is None
