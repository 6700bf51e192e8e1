"""Shared view-model behaviour: viewport, menus and phy's shortcuts, state, hover tooltips."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.feature import FeatureModel
from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.viewmodels.template import TemplateViewModel
from phygui.viewmodels.waveform import WaveformModel

from .conftest import two_largest

MODELS = [WaveformModel, FeatureModel, AmplitudeModel, CorrelogramModel, ISIModel, FiringRateModel, TemplateViewModel]

# parity.md §1.1-1.5: phy's keys for these commands.
PHY_KEYS = {
    WaveformModel: {"toggle_waveform_overlap": "o", "toggle_show_labels": "ctrl+l", "next_waveforms_type": "w",
                    "previous_waveforms_type": "shift+w", "toggle_mean_waveforms": "m", "widen": "ctrl+right",
                    "narrow": "ctrl+left", "increase": "ctrl+up", "decrease": "ctrl+down",
                    "extend_horizontally": "shift+right", "shrink_horizontally": "shift+left",
                    "extend_vertically": "shift+up", "shrink_vertically": "shift+down"},
    FeatureModel: {"increase": "ctrl++", "decrease": "ctrl+-", "toggle_automatic_channel_selection": "c"},
    AmplitudeModel: {"next_amplitudes_type": "a", "previous_amplitudes_type": "shift+a"},
    CorrelogramModel: {"toggle_normalization": "n"},
    TemplateViewModel: {"increase": "ctrl+alt++", "decrease": "ctrl+alt+-"},  # parity.md §1.9
}


@pytest.mark.parametrize("cls", MODELS)
def test_menu_commands_exist_and_keys_are_phys(cls: type) -> None:
    items = cls.menu_items()
    assert items and all(name == "-" or callable(getattr(cls, name)) for name, _, _ in items)
    assert all(desc for name, _, desc in items if name != "-")
    assert cls.shortcuts == PHY_KEYS.get(cls, {})
    assert set(cls.shortcuts) <= {name for name, _, _ in items}


@pytest.mark.parametrize("cls", MODELS)
def test_state_roundtrip_and_empty_selection(cls: type, controller: Any) -> None:
    m = cls(controller)
    frame = m.compute()  # nothing selected: an empty picture, no error
    assert frame is not None and not m.is_dirty
    other = cls(controller)
    other.set_state(m.get_state())
    assert other.options == m.options
    m.set_selection(two_largest(controller))
    assert m.is_dirty
    m.compute()
    assert not m.is_dirty


@pytest.mark.parametrize("cls", [WaveformModel, FeatureModel, AmplitudeModel, TemplateViewModel])
def test_viewport_rerasterises_the_visible_rectangle(cls: type, controller: Any) -> None:
    m = cls(controller)
    m.set_selection(two_largest(controller))
    m.set_viewport(120, 90)
    f = m.compute()
    assert f.raster.image.shape == (90, 120, 4) and f.raster.extent == f.home
    x0, y0, x1, y1 = f.home
    zoom = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    m.set_viewport(120, 90, zoom)
    assert m.is_dirty
    g = m.compute()
    assert g.raster.extent == zoom and g.raster.image.shape == (90, 120, 4)
    assert not np.array_equal(f.raster.image, g.raster.image)
    m.set_viewport(120, 90, zoom)
    assert not m.is_dirty


def test_hover_tooltips(controller: Any) -> None:
    ids = two_largest(controller)
    w = WaveformModel(controller)
    w.set_selection(ids)
    b = w.compute().boxes[0]
    assert w.hover((b[0] + b[2]) / 2, (b[1] + b[3]) / 2).startswith("channel ")
    f = FeatureModel(controller)
    f.set_selection(ids)
    f.compute()
    assert f.hover(0.5, 3.5).startswith("time=") and f.hover(-1, -1) == ""
    c = CorrelogramModel(controller)
    c.set_selection(ids)
    fr = c.compute()
    centre = fr.counts.shape[2] // 2
    x = c.cell_x(1, centre + 0.5)
    assert c.hover(float(x), 1.5) == f"{ids[0]} -> {ids[1]}: +0.0 ms, {fr.counts[0, 1, centre]} spikes"
    h = ISIModel(controller)
    h.set_selection(ids)
    hv = h.compute()
    assert h.hover(0.0105, 1.5) == f"{ids[0]}: [10, 11] ms: {hv.values[0, 10]:.4g}"
    a = AmplitudeModel(controller)
    assert a.hover(1.0, 20.0) == "1.000 s, template amplitude 20"  # phy's first-launch type


# parity.md §1.0-1.5: phy's modified wheel gestures (the plain wheel zooms the plot).
PHY_WHEEL = {
    WaveformModel: {"ctrl": ("increase", "decrease")},
    FeatureModel: {"ctrl": ("increase", "decrease"), "alt": "change_marker_size"},
    AmplitudeModel: {"alt": "change_marker_size"},
    CorrelogramModel: {"ctrl": ("increase", "decrease"), "alt": "change_bin_size"},
    ISIModel: {"ctrl": ("increase", "decrease"), "alt": "change_n_bins", "shift": "change_x_min"},
    FiringRateModel: {"ctrl": ("increase", "decrease"), "alt": "change_n_bins", "shift": "change_x_min"},
    TemplateViewModel: {"ctrl": ("increase", "decrease"), "shift": ("next_color_scheme", "previous_color_scheme")},
}


def test_wheel_modifier_and_command() -> None:
    from phygui.viewmodels.wheel import wheel_command, wheel_modifier

    assert wheel_modifier() == ""
    assert wheel_modifier(ctrl=True) == "ctrl" and wheel_modifier(alt=True) == "alt"
    assert wheel_modifier(shift=True) == "shift" and wheel_modifier(ctrl=True, shift=True) == "ctrl+shift"
    wheel = {"ctrl": ("increase", "decrease"), "alt": "change_marker_size"}
    assert wheel_command(wheel, "ctrl", 1) == ("increase", ())
    assert wheel_command(wheel, "ctrl", -2) == ("decrease", ())
    assert wheel_command(wheel, "alt", -1) == ("change_marker_size", (-1.0,))
    assert wheel_command(wheel, "", 1) is None  # plain wheel: the plot zooms
    assert wheel_command(wheel, "shift", 1) is None  # not bound in this view
    assert wheel_command(wheel, "ctrl+alt", 1) is None
    assert wheel_command(wheel, "ctrl", 0) is None


@pytest.mark.parametrize("cls", MODELS)
def test_wheel_gestures_are_phys_and_run_commands(cls: type, controller: Any) -> None:
    assert cls.wheel == PHY_WHEEL[cls]
    m = cls(controller)
    m.set_selection(two_largest(controller))
    m.compute()
    assert m.on_wheel(1) is None and not m.is_dirty  # plain wheel: nothing (zoom)
    assert m.on_wheel(1, ctrl=True, alt=True) is None
    for mod, target in cls.wheel.items():
        for delta in (1, -1):
            before = m.get_state()
            name = m.on_wheel(delta, **{mod: True})
            expected = (target[0] if delta > 0 else target[1]) if isinstance(target, tuple) else target
            assert name == expected
            if isinstance(target, tuple) and target[0] == "next_color_scheme":
                # The colour scheme is the supervisor's, shared by every colour view.
                scheme = m.controller.supervisor.color_selector.color_scheme
                assert m.on_wheel(delta, **{mod: True}) == expected
                assert m.controller.supervisor.color_selector.color_scheme != scheme
            elif not (mod == "shift" and before.get("x_min") == 0):  # phy: x_min x1.1^delta stays at 0
                assert m.get_state() != before, (mod, delta)


def test_wheel_values(controller: Any) -> None:
    w = WaveformModel(controller)
    w.on_wheel(1, ctrl=True)
    assert w.options.box_scaling[1] > 1 and w.options.box_scaling[0] == 1
    w.on_wheel(-1, ctrl=True)
    assert w.options.box_scaling == pytest.approx((1.0, 1.0))
    c = CorrelogramModel(controller)
    win, b = c.options.window_size, c.options.bin_size
    c.on_wheel(1, ctrl=True)
    assert c.options.window_size == pytest.approx(win * 1.1)
    c.on_wheel(1, alt=True)
    assert c.options.bin_size == pytest.approx(b * 1.1)
    h = ISIModel(controller)
    n, hi = h.options.n_bins, h.x_range[1]
    h.on_wheel(1, alt=True)
    assert h.options.n_bins == int(n / 1.05)
    h.on_wheel(-1, ctrl=True)
    assert h.x_range[1] == pytest.approx(hi / 1.1)
    f = FeatureModel(controller)
    s0 = f.options.feature_scaling
    f.on_wheel(1, ctrl=True)
    assert f.options.feature_scaling == pytest.approx(s0 * 1.1)
