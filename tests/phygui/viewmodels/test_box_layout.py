"""Probe box layout: phylib's algorithm exactly, no overlap, scalings, nearest box."""

from __future__ import annotations

import numpy as np
import pytest

from phygui.viewmodels.box_layout import BoxLayout, non_overlapping_boxes

geometry = pytest.importorskip("phylib.utils.geometry")


PROBES = {
    "linear": np.c_[np.zeros(10), np.arange(10) * 20.0],
    "tetrode-grid": np.c_[np.tile([0, 16, 32, 48], 4), np.repeat(np.arange(4) * 20.0, 4)],
    "staggered": np.c_[np.tile([0, 32, 16, 48], 8), np.arange(32) * 10.0],
    "random": np.random.default_rng(0).normal(size=(12, 2)) * 30,
    "single": np.array([[5.0, 7.0]]),
}


@pytest.mark.parametrize("name", sorted(PROBES))
def test_same_boxes_as_phylib(name: str) -> None:
    pos = PROBES[name]
    ref_pos, ref_size = geometry.get_non_overlapping_boxes(pos.copy())
    got_pos, got_size = non_overlapping_boxes(pos)
    np.testing.assert_allclose(got_pos, ref_pos, atol=1e-12)
    np.testing.assert_allclose(got_size, ref_size, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_boxes_do_not_overlap_and_follow_the_probe(name: str) -> None:
    pos = PROBES[name]
    lay = BoxLayout(pos)
    b = lay.bounds
    n = len(b)
    for i in range(n):
        for j in range(i + 1, n):
            assert not (b[i, 0] < b[j, 2] and b[j, 0] < b[i, 2] and b[i, 1] < b[j, 3] and b[j, 1] < b[i, 3])
    # Centres are an increasing affine function of the positions along each axis.
    for axis in range(2):
        if np.ptp(pos[:, axis]) > 0:
            order = np.argsort(pos[:, axis], kind="stable")
            assert np.all(np.diff(lay.centres[order, axis]) >= -1e-12)
    ex = lay.extent
    assert ex[0] <= b[:, 0].min() and ex[2] >= b[:, 2].max()


def test_scalings_and_box_at() -> None:
    lay = BoxLayout(PROBES["tetrode-grid"])
    w, h = lay.half_size
    c = lay.centres.copy()
    lay.scale_boxes(2.0, 0.5)
    assert lay.half_size == pytest.approx((2 * w, 0.5 * h))
    np.testing.assert_allclose(lay.centres, c)
    lay.scale_probe(1.5, 1.0)
    np.testing.assert_allclose(lay.centres[:, 0], 1.5 * c[:, 0])
    for k, (x, y) in enumerate(lay.centres):
        assert lay.box_at(x, y) == k
    assert BoxLayout(np.zeros((0, 2))).box_at(0, 0) == -1


def test_largest_tests_each_value_once() -> None:
    """The binary search of the box size memoises its predicate (fewer overlap tests)."""
    from phygui.viewmodels.box_layout import _largest

    calls: list[float] = []

    def f(v: float) -> bool:
        calls.append(v)
        return v <= 0.3137

    x = _largest(f, 0.0, 2.0)
    assert abs(x - 0.3137) < 1e-8
    assert len(calls) == len(set(calls)) and len(calls) < 40


@pytest.mark.parametrize("name", sorted(PROBES) + ["bench-384"])
def test_overlap_kernel_equals_numpy_path(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overlap test runs in a numba kernel (no GIL churn on a view's worker) once the
    kernels are loaded; it gives the numpy path's answer for every tested size, and the
    same boxes bit for bit."""
    from phycore.analysis import jit
    from phygui.viewmodels import box_layout

    pos = (PROBES[name] if name != "bench-384"
           else np.c_[np.tile([43.0, 11, 59, 27], 96), np.repeat(np.arange(192) * 20.0, 2)])
    jit.warm_up(background=False)
    calls: list[bool] = []
    real = box_layout._overlap_kernel

    def kernel(*a: object) -> bool:
        out = bool(real(*a))
        calls.append(out)
        return out

    monkeypatch.setattr(box_layout, "_overlap_kernel", kernel)
    x, y = box_layout._range(pos, pos.min(axis=0), pos.max(axis=0)).T
    for v in np.r_[np.linspace(0.0, 2.0, 41), 1e-9, 0.05, 0.0525]:
        for h in (v * 0.5, v, 0.01):
            monkeypatch.setattr(box_layout, "kernels_ready", lambda: True)
            fast = box_layout._overlap(x, y, float(v), float(h))
            monkeypatch.setattr(box_layout, "kernels_ready", lambda: False)
            assert fast == box_layout._overlap(x, y, float(v), float(h))
    assert len(calls) > 100 or len(pos) < 2  # the kernel really ran
    monkeypatch.setattr(box_layout, "kernels_ready", lambda: True)
    fast_boxes = non_overlapping_boxes(pos)
    monkeypatch.setattr(box_layout, "kernels_ready", lambda: False)
    slow_boxes = non_overlapping_boxes(pos)
    np.testing.assert_array_equal(fast_boxes[0], slow_boxes[0])
    assert fast_boxes[1] == slow_boxes[1]
