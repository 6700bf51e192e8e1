"""phy's mouse gestures in the pure view models: right-drag zoom vs right click, the ``+``/``-``
keys, the correlogram's cross-correlogram pairs, and the raster and template views' wheel
and key bindings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.panzoom import CLICK_SLOP, PanZoom, RightDrag
from phygui.viewmodels.raster import RasterModel
from phygui.viewmodels.template import TemplateViewModel

from .conftest import two_largest


def _drag(anchor: tuple[float, float] = (100.0, 50.0)) -> RightDrag:
    return RightDrag(PanZoom((0, 0, 10, 10), width=200, height=100), anchor, (500.0, 400.0))


def test_right_press_released_in_place_is_a_click() -> None:
    drag = _drag()
    assert drag.move(500 + CLICK_SLOP - 1, 400 - 2) is None  # within the slop: no zoom yet
    assert drag.release(501, 401) is True


def test_right_drag_zooms_about_the_press_point() -> None:
    drag = _drag()
    bounds = drag.move(560, 370)  # right and up: zoom in on x and y
    assert bounds is not None and drag.zooming
    pz = PanZoom((0, 0, 10, 10), width=200, height=100, bounds=bounds)
    assert bounds[2] - bounds[0] < 10 and bounds[3] - bounds[1] < 10
    np.testing.assert_allclose(pz.pixel_to_data(100, 50), (5, 5), atol=1e-9)  # press point fixed
    # the zoom depends on the total drag only; coming back within the slop is still a zoom
    again = drag.move(560, 370)
    assert again == bounds
    assert drag.release(500, 400) is False
    out = _drag().move(440, 430)  # left and down: zoom out
    assert out is not None and out[2] - out[0] > 10 and out[3] - out[1] > 10


def test_key_zoom_about_the_centre() -> None:
    pz = PanZoom((0, 0, 10, 20), width=100, height=100)
    pz.key_zoom(True)
    np.testing.assert_allclose(pz.bounds, (5 - 5 / 1.1, 10 - 10 / 1.1, 5 + 5 / 1.1, 10 + 10 / 1.1))
    pz.key_zoom(False)
    np.testing.assert_allclose(pz.bounds, pz.home)


def test_correlogram_pairs(controller: Any) -> None:
    m = CorrelogramModel(controller)
    a, b = two_largest(controller)
    m.set_selection([a, b])
    m.compute()
    # row 0 (top, y in [1, 2]) is a, column 1 (x in [1, 2]) is b
    assert m.pair_at(1.5, 1.5) == (a, b)
    assert m.pair_at(0.5, 0.5) == (b, a)
    assert m.pair_at(0.5, 1.5) is None and m.pair_at(1.5, 0.5) is None  # auto-correlograms
    assert m.pair_at(2.5, 0.5) is None and m.pair_at(float("nan"), 0.5) is None


@pytest.mark.parametrize("wheel, key", [("alt", "ctrl+shift++"), ("shift", None)])
def test_raster_gestures(fresh_controller: Any, wheel: str, key: str | None) -> None:
    m = RasterModel(fresh_controller)
    size = m.options.marker_size
    if key:
        assert m.shortcuts["increase_marker_size"] == key
        assert m.on_wheel(-1.0, alt=True) == "decrease_marker_size"
        assert m.options.marker_size < size
    else:
        sel = fresh_controller.supervisor.color_selector
        scheme = sel.color_scheme
        assert m.on_wheel(1.0, shift=True) == "next_color_scheme" and sel.color_scheme != scheme
        assert m.on_wheel(-1.0, shift=True) == "previous_color_scheme" and sel.color_scheme == scheme


def test_template_gestures(fresh_controller: Any) -> None:
    m = TemplateViewModel(fresh_controller)
    assert m.shortcuts == {"increase": "ctrl+alt++", "decrease": "ctrl+alt+-"}
    assert m.on_wheel(1.0, ctrl=True) == "increase" and m.options.scaling > 1.0
    for _ in range(200):
        m.increase()
    assert m.options.scaling == 1e3  # phy's clamp
    assert m.on_wheel(1.0, shift=True) == "next_color_scheme"
