"""Trace image view model: the window's samples as a heat map, phy's ctrl+alt navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset
from phycore.signals import connect, unconnect
from phycore.supervisor.colors import colormaps
from phygui.viewmodels.trace_image import (TRACE_IMAGE_SHORTCUTS, TRACE_IMAGE_SNIPPETS, TraceImageModel, colorize,
                                           peak_columns)

_PHY_SHORTCUTS = {  # phy 2.1's TraceImageView.default_shortcuts (but its ctrl+wheel)
    "decrease": "ctrl+alt+down", "increase": "ctrl+alt+up", "go_left": "ctrl+alt+left",
    "go_right": "ctrl+alt+right", "jump_left": "ctrl+shift+alt+left", "jump_right": "ctrl+shift+alt+right",
    "go_to_start": "ctrl+alt+home", "go_to_end": "ctrl+alt+end", "go_to": "ctrl+alt+t",
    "narrow": "ctrl+alt+shift++", "widen": "ctrl+alt+shift+-", "switch_origin": "ctrl+alt+o",
}


def test_phy_shortcuts_and_snippets() -> None:
    assert TRACE_IMAGE_SHORTCUTS == _PHY_SHORTCUTS
    assert TRACE_IMAGE_SNIPPETS == {"go_to": "tig", "shift": "tis"}
    assert {name for name, _, _ in TraceImageModel.menu_items()} >= set(_PHY_SHORTCUTS) | {"shift"}


def test_peak_columns_exact_and_median_subtracted() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype(np.float32) + np.array([10, -5, 0], np.float32)
    cols = peak_columns([x], 100, 100, 3)
    np.testing.assert_allclose(cols, x - np.median(x, axis=0), atol=1e-5)


def test_peak_columns_keep_a_spike_and_ignore_chunking() -> None:
    x = np.zeros((10_000, 2), np.float32)
    x[1234, 0], x[7000, 1] = -100.0, 55.0
    whole = peak_columns([x], len(x), 50, 2)
    assert whole.shape == (50, 2)
    assert whole[1234 * 50 // 10_000, 0] == -100.0 and whole[7000 * 50 // 10_000, 1] == 55.0
    assert np.count_nonzero(whole) == 2
    chunked = peak_columns([x[:3001], x[3001:3002], x[3002:]], len(x), 50, 2)
    np.testing.assert_array_equal(whole, chunked)


def test_colorize_diverging_zero_in_the_middle() -> None:
    lut = np.asarray(colormaps.diverging, np.float32)
    rgba = colorize(np.array([[-2.0, 0.0, 2.0, 50.0]]), 2.0)
    assert rgba.shape == (1, 4, 4) and (rgba[..., 3] == 1).all()
    np.testing.assert_allclose(rgba[0, 0, :3], lut[0])
    np.testing.assert_allclose(rgba[0, 1, :3], lut[round((len(lut) - 1) / 2)])
    np.testing.assert_allclose(rgba[0, 2, :3], lut[-1])
    np.testing.assert_allclose(rgba[0, 3, :3], lut[-1])  # clipped


def _raw_window(c: Any, m: TraceImageModel) -> np.ndarray:
    t0, t1 = m.interval
    s0, s1 = int(round(t0 * m.sample_rate)), int(round(t1 * m.sample_rate))
    return np.asarray(c.model.traces.read(s0, s1), np.float32)


def test_image_is_the_window_channels_by_depth(fresh_controller: Any) -> None:
    controller = fresh_controller
    controller.raw_data_filter.set("raw")
    m = TraceImageModel(controller, sender=object())
    assert m.filter_name == "raw"
    raw = _raw_window(controller, m)
    exact = m.columns(len(raw))
    np.testing.assert_allclose(exact, raw - np.median(raw, axis=0), atol=1e-3)
    m.set_viewport(300, 200)
    frame = m.compute()
    img = frame.raster.image
    n_cols = m.n_columns
    assert n_cols == 600 and img.shape == (m.n_channels, n_cols, 4)
    t0, t1 = m.interval
    assert frame.raster.extent == (t0, -0.5, t1, m.n_channels - 0.5) and frame.home == frame.raster.extent
    # the bottom image row is the deepest channel (origin bottom), the top one the highest
    cols = m.columns(n_cols)
    vmax = frame.vrange[1]
    np.testing.assert_allclose(img[-1], colorize(cols[:, m.depth_order[0]], vmax))
    np.testing.assert_allclose(img[0], colorize(cols[:, m.depth_order[-1]], vmax))
    q = np.quantile(cols, [0.01, 0.99])
    assert vmax == pytest.approx(max(abs(q[0]), abs(q[1])))
    m.switch_origin()
    np.testing.assert_allclose(m.compute().raster.image[0], colorize(cols[:, m.depth_order[0]], vmax))
    assert m.channel_at(0) == int(m.depth_order[-1])


def test_contrast_and_auto_scale(controller: Any) -> None:
    m = TraceImageModel(controller)
    v0 = m.compute().vrange[1]
    m.increase()
    assert m.compute().vrange[1] == pytest.approx(v0 / 1.1)
    m.decrease()
    m.decrease()
    assert m.compute().vrange[1] == pytest.approx(v0 * 1.1)
    m.toggle_auto_scale(False)
    m.jump_right()
    assert m.compute().vrange[1] == pytest.approx(v0 * 1.1)  # kept while auto-scale is off
    m.on_wheel(1, ctrl=True)
    assert m.options.scaling == pytest.approx(1.0)


def test_controller_raw_data_filter_applies(fresh_controller: Any) -> None:
    c = fresh_controller
    m = TraceImageModel(c)
    assert m.filter_name == "high_pass"  # phy's default
    c.raw_data_filter.set("raw")
    n = int(round((m.interval[1] - m.interval[0]) * m.sample_rate))  # exact samples, no reduction
    raw = m.columns(n)
    c.raw_data_filter.add_filter(lambda arr, axis=0: -arr, name="negate")
    m.compute()
    assert not m.is_dirty
    c.raw_data_filter.set("negate")
    m.on_raw_data_filter_changed(c, "negate")
    assert m.is_dirty and m.filter_name == "negate"
    m.compute()
    assert "negate" in m.status
    np.testing.assert_allclose(m.columns(n), -raw, atol=1e-3)
    c.raw_data_filter.set("high_pass")
    t0, t1 = m.interval
    s0, s1 = int(round(t0 * m.sample_rate)), int(round(t1 * m.sample_rate))
    hp = np.asarray(c.model.traces.filtered.read(s0, s1), np.float32)  # phy's 150 Hz high-pass
    np.testing.assert_allclose(m.columns(s1 - s0), hp - np.median(hp, axis=0), atol=1e-3)


def test_navigation_like_the_trace_view(controller: Any) -> None:
    sent: list[Any] = []

    def on_range(sender: Any, interval: Any) -> None:
        sent.append(interval)

    connect(on_range, event="time_range_selected")
    try:
        m = TraceImageModel(controller)
        t0, t1 = m.interval
        assert (t0 + t1) / 2 == pytest.approx(m.duration / 2) and t1 - t0 == pytest.approx(0.25)
        m.go_right()
        assert m.interval[0] == pytest.approx(t0 + 0.025) and sent[-1] == m.interval
        m.go_to_start()
        assert m.interval[0] == 0
        m.go_to_end()
        assert m.interval[1] == pytest.approx(m.duration)
        m.go_to(1.0)
        m.widen()
        assert m.interval[1] - m.interval[0] == pytest.approx(0.25 * 1.25)
        m.on_select_time(None, 2.0)
        assert sum(m.interval) / 2 == pytest.approx(2.0)
        m.max_width = 1.0
        for _ in range(20):
            m.widen()
        assert m.interval[1] - m.interval[0] == pytest.approx(1.0)
    finally:
        unconnect(on_range)


def test_no_raw_data_draws_nothing(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_spikes=500, n_channels=8, n_templates=3, duration=2.0, raw=False, seed=1)
    c = TemplateController(tmp_path / "params.py", metrics=False)
    try:
        m = TraceImageModel(c)
        frame = m.compute()
        assert frame.raster is None and "raw data unavailable" in m.status
    finally:
        c.close()
