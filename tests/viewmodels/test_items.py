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
    assert a.hover(1.0, 20.0) == "1.000 s, template amplitude 20"
