"""Pan/zoom: transforms, wheel about the cursor, drag, right-drag zoom, reset, clamps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phygui.viewmodels.panzoom import PanZoom


def test_transforms_roundtrip_and_orientation() -> None:
    pz = PanZoom((0, -10, 100, 10), width=200, height=100)
    px, py = pz.data_to_pixel([0, 100, 50], [10, -10, 0])
    assert px.tolist() == [0, 200, 100] and py.tolist() == [0, 100, 50]  # y down in pixels
    x, y = pz.pixel_to_data(px, py)
    np.testing.assert_allclose(x, [0, 100, 50])
    np.testing.assert_allclose(y, [10, -10, 0])


@given(st.floats(0, 400), st.floats(0, 300), st.floats(-5, 5))
def test_wheel_keeps_point_under_cursor(px: float, py: float, delta: float) -> None:
    pz = PanZoom((-1, -1, 1, 1), width=400, height=300)
    before = pz.pixel_to_data(px, py)
    pz.wheel(px, py, delta)
    after = pz.pixel_to_data(px, py)
    np.testing.assert_allclose(before, after, atol=1e-9)
    assert pz.zoom[0] == pytest.approx(1.1 ** delta)


def test_drag_pan_and_reset() -> None:
    pz = PanZoom((0, 0, 10, 10), width=100, height=100)
    pz.drag(10, 0)  # content follows the mouse to the right: we see further left
    assert pz.bounds == pytest.approx((-1, 0, 9, 10))
    pz.drag(0, 10)  # mouse down: we see further up
    assert pz.bounds == pytest.approx((-1, 1, 9, 11))
    pz.zoom_drag(50, 50, 100, 0)
    assert pz.zoom[0] > 1 and pz.zoom[1] == pytest.approx(1)
    pz.reset()
    assert pz.bounds == (0, 0, 10, 10)


def test_zoom_clamped_and_bad_bounds() -> None:
    pz = PanZoom((0, 0, 1, 1), max_zoom=10, min_zoom=0.5)
    for _ in range(100):
        pz.wheel(10, 10, 1)
    assert pz.zoom[0] == pytest.approx(10)
    for _ in range(100):
        pz.wheel(10, 10, -1)
    assert pz.zoom[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="bounds"):
        PanZoom((1, 0, 0, 1))
    pz.set_home((0, 0, 2, 2))
    assert pz.bounds == (0, 0, 2, 2)
