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


@given(st.integers(0, 10_000), st.integers(0, 400), st.sampled_from([1, 2, 3, 5]),
       st.sampled_from([(40, 30), (17, 64), (1, 1)]))
def test_numpy_paths_equal_the_kernels(seed: int, n: int, size: int, shape: tuple[int, int]) -> None:
    """While numba loads after the first frame, points and compositing take numpy paths:
    the same counts (saturating) and the same colours."""
    from phygui.render import raster

    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1.5, 1.5, n), rng.uniform(-1.5, 1.5, n)
    if n > 3:
        x[:3] = [np.nan, np.inf, 1e300]
    cidx = rng.integers(0, 3, n)
    a, b = Raster(*shape, PALETTE, (-1.2, -1.1, 1.3, 1.2)), Raster(*shape, PALETTE, (-1.2, -1.1, 1.3, 1.2))
    e = np.asarray(a.extent)
    raster._points_kernel(a.counts, *raster._point_args(a, x, y, cidx), e, size)
    raster._points_numpy(b.counts, *raster._point_args(b, x, y, cidx), e, size)
    np.testing.assert_array_equal(a.counts, b.counts)
    a.counts[0, 0, :] = [65535, 2000, 0]  # beyond the opacity table; saturated
    raster._points_numpy(a.counts, np.array([-1.2]), np.array([1.2 - 1e-9]), np.array([0]), e, 1)
    assert a.counts[0, 0, 0] == 65535
    out_kernel, out_numpy = (np.empty(a.shape + (4,), np.float32) for _ in range(2))
    raster._composite_kernel(a.counts, a.palette, a._lut, out_kernel)
    raster._composite_numpy(a.counts, a.palette, a._lut, out_numpy)
    np.testing.assert_allclose(out_numpy, out_kernel, rtol=0, atol=1e-6)


def test_frames_before_the_warm_up_ends_take_the_numpy_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.analysis import jit
    from phygui.render import raster

    calls: list[str] = []
    monkeypatch.setattr(raster, "_points_numpy", lambda *a: calls.append("points"))
    monkeypatch.setattr(raster, "_composite_numpy", lambda *a: calls.append("composite"))
    monkeypatch.setattr(jit, "_warm_up", None)
    monkeypatch.setattr(jit, "_deferred", True)
    r = Raster(4, 4, PALETTE, (0, 0, 1, 1))
    draw_points(r, [0.5], [0.5])
    r.rgba()
    assert calls == ["points", "composite"]
    monkeypatch.setattr(jit, "_deferred", False)
    draw_points(r, [0.5], [0.5])
    assert r.counts.sum() == 9 and calls == ["points", "composite"]  # the kernel drew this one


@given(st.integers(0, 10_000), st.integers(0, 200))
def test_scatter_discs_numpy_path_equals_the_kernel(seed: int, n: int) -> None:
    from phygui.viewmodels import scatter

    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-0.3, 1.3, n), rng.uniform(-0.3, 1.3, n)
    if n:
        x[0] = np.nan
    radius, colors = rng.uniform(0.2, 12, n), rng.random((n, 4)).astype(np.float32)
    e = np.array([0.0, 0.0, 1.0, 1.0])
    a = rng.random((50, 70, 4)).astype(np.float32)
    b = a.copy()
    scatter._discs_kernel(a, x, y, radius, colors, e)
    scatter._discs_numpy(b, x, y, radius, colors, e)
    np.testing.assert_array_equal(a, b)
