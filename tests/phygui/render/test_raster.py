"""Rasterisation kernels: numba == plain reference, compositing == drawing one by one "over"."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phygui.render.raster import (Raster, composite_reference, draw_points, draw_points_reference,
                                      draw_polylines, draw_polylines_reference, to_uint8)

PALETTE = np.array([[0.5, 0.5, 0.5, 0.3], [0.03, 0.57, 0.99, 0.5], [1.0, 0.01, 0.01, 0.75]])


def _lines(seed: int, n_lines: int = 7, n_pts: int = 20) -> tuple:
    rng = np.random.default_rng(seed)
    t = np.linspace(-1, 1, n_pts)
    values = rng.normal(size=(n_lines, n_pts)).astype(np.float32)
    values[rng.random(values.shape) < 0.05] = np.nan  # NaN gaps
    xo, yo = rng.uniform(-1, 1, n_lines), rng.uniform(-1, 1, n_lines)
    return t, values, xo, 0.4, yo, 0.3, rng.integers(0, 3, n_lines)


@given(st.integers(0, 10_000), st.integers(1, 12), st.integers(1, 30),
       st.sampled_from([(40, 30), (17, 64), (1, 1)]))
def test_polylines_equal_reference(seed: int, n_lines: int, n_pts: int, size: tuple[int, int]) -> None:
    args = _lines(seed, n_lines, n_pts)
    a, b = Raster(*size, PALETTE, (-1.2, -1.1, 1.3, 1.2)), Raster(*size, PALETTE, (-1.2, -1.1, 1.3, 1.2))
    draw_polylines(a, *args)
    draw_polylines_reference(b, *args)
    assert np.array_equal(a.counts, b.counts)
    np.testing.assert_allclose(a.rgba(), composite_reference(b), atol=1e-5)


@given(st.integers(0, 10_000), st.integers(0, 200), st.integers(1, 5))
def test_points_equal_reference(seed: int, n: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, n)
    ci = rng.integers(0, 3, n)
    a, b = Raster(25, 33, PALETTE, (-1, -1, 1, 1)), Raster(25, 33, PALETTE, (-1, -1, 1, 1))
    draw_points(a, x, y, ci, size)
    draw_points_reference(b, x, y, ci, size)
    assert np.array_equal(a.counts, b.counts)
    np.testing.assert_allclose(a.rgba(), composite_reference(b), atol=1e-5)


def test_point_lands_on_expected_pixel_and_colour() -> None:
    r = Raster(10, 20, PALETTE, (0, 0, 1, 1))  # height 10, width 20
    draw_points(r, [0.55], [0.05], 1, size=1)
    out = r.rgba()
    rows, cols = np.nonzero(out[..., 3])
    assert (rows.tolist(), cols.tolist()) == ([9], [11])  # y up, row 0 at the top
    np.testing.assert_allclose(out[9, 11], PALETTE[1], atol=1e-6)


def test_alpha_accumulates_and_layers_are_ordered() -> None:
    r = Raster(1, 1, PALETTE, (0, 0, 1, 1))
    draw_points(r, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [2, 1, 1], size=1)  # red drawn first...
    a1, a2 = 1 - (1 - PALETTE[1, 3]) ** 2, PALETTE[2, 3]
    out = r.rgba()
    assert out[0, 0, 3] == pytest.approx(a2 + a1 * (1 - a2))
    expected = (PALETTE[2, :3] * a2 + PALETTE[1, :3] * a1 * (1 - a2)) / (a2 + a1 * (1 - a2))
    np.testing.assert_allclose(out[0, 0, :3], expected, atol=1e-6)  # ...but its layer is on top


def test_clipping_and_nan_gaps() -> None:
    r = Raster(20, 20, PALETTE, (0, 0, 1, 1))
    values = np.array([[0.0, 0.0, np.nan, 0.0, 0.0]], np.float32)
    draw_polylines(r, np.array([0.0, 0.2, 0.4, 0.6, 5.0]), values, 0, 1, 0.5, 1, 0)
    cols = np.nonzero(r.counts[10, :, 0])[0]
    # First segment covers columns 0..4; the NaN breaks the line; the last segment runs off the image.
    assert 0 in cols and 4 in cols and 7 not in cols and 12 in cols and 19 in cols
    assert np.count_nonzero(r.counts) == len(cols)


def test_deterministic_and_uint8() -> None:
    args = _lines(3, 50, 82)
    a, b = Raster(100, 120, PALETTE, (-1.5, -1.5, 1.5, 1.5)), Raster(100, 120, PALETTE, (-1.5, -1.5, 1.5, 1.5))
    draw_polylines(a, *args)
    draw_polylines(b, *args)
    assert np.array_equal(a.rgba(), b.rgba())
    u = to_uint8(a.rgba())
    assert u.dtype == np.uint8 and u.shape == (100, 120, 4)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="extent"):
        Raster(4, 4, PALETTE, (1, 0, 0, 1))
    r = Raster(4, 4, PALETTE, (0, 0, 1, 1))
    with pytest.raises(ValueError, match="color_index"):
        draw_points(r, [0], [0], 5)
    with pytest.raises(ValueError, match="values"):
        draw_polylines(r, [0, 1], np.zeros(2), 0, 1, 0, 1)
