"""The waveform and trace view models follow the controller's raw-data filter (phy's alt+r)."""

from __future__ import annotations

from typing import Any

import numpy as np

from phygui.viewmodels.trace import TraceModel
from phygui.viewmodels.waveform import WaveformModel

from .conftest import two_largest


def _zeroed(arr: Any, axis: int = 0) -> Any:
    return np.zeros_like(arr)


def test_waveforms_are_the_controllers_filtered_ones(fresh_controller: Any) -> None:
    c = fresh_controller
    m = WaveformModel(c)
    m.set_selection(two_largest(c))
    m.set_size(300, 240)
    assert c.raw_data_filter.current == "high_pass"
    assert m.status == "waveforms high_pass"  # phy: "<type> <filter>"
    m.compute()
    for cid, w in zip(m.cluster_ids, m._waves):
        np.testing.assert_array_equal(w.data, c.get_waveforms(cid).data)  # no second median
    filtered = m.compute().raster.image.copy()
    c.raw_data_filter.next()
    assert c.raw_data_filter.current == "raw" and m.status == "waveforms raw"
    m.on_raw_data_filter_changed(c, "raw")
    assert m.is_dirty
    raw = m.compute().raster.image
    assert not np.array_equal(filtered, raw)
    for cid, w in zip(m.cluster_ids, m._waves):
        d = c.get_waveforms(cid).data
        np.testing.assert_array_equal(w.data, d)
        np.testing.assert_allclose(np.median(d, axis=1), 0, atol=1e-3)  # median-subtracted
    m.set_waveforms_type("templates")
    assert m.status == "templates raw"


def test_mean_and_all_channel_waveforms_are_filtered(fresh_controller: Any) -> None:
    c = fresh_controller
    m = WaveformModel(c)
    cid = two_largest(c)[0]
    m.set_selection([cid])
    m.toggle_mean_waveforms()
    m.compute()
    np.testing.assert_allclose(m._waves[0].data[0], c.get_waveforms(cid).data.mean(axis=0), rtol=1e-5, atol=1e-4)
    m.set_waveforms_type("waveforms")
    m.toggle_all_channels()
    m.compute()
    w = m._waves[0]
    np.testing.assert_array_equal(w.data, c.get_spike_waveforms(w.spike_ids, np.arange(c.model.n_channels)))
    sd = c.get_waveforms(cid)
    np.testing.assert_allclose(w.data[:, :, sd.channel_ids], sd.data, rtol=1e-5, atol=1e-3)


def test_plugin_filter_joins_the_views(fresh_controller: Any) -> None:
    c = fresh_controller
    c.raw_data_filter.add_filter(_zeroed, name="zeroed")
    other = object()
    w, t = WaveformModel(c), TraceModel(c)
    w.set_selection(two_largest(c)[:1])
    w.compute()
    t.compute()
    w.on_raw_data_filter_changed(other, "zeroed")  # another session's filter: ignored
    assert not w.is_dirty
    assert [c.raw_data_filter.next() for _ in range(2)] == ["zeroed", "raw"]
    c.raw_data_filter.set("zeroed")
    w.on_raw_data_filter_changed(c, "zeroed")
    t.on_raw_data_filter_changed(c, "zeroed")
    assert w.is_dirty and t.is_dirty
    assert w.status == "waveforms zeroed" and t.status.endswith("  zeroed")
    w.compute()
    assert not np.abs(w._waves[0].data).any()
    data, _ = t.painter.read(1000, 2000)
    assert data.shape == (1000, c.model.n_channels) and not data.any()
    assert t.plugin_filter is _zeroed and not t.filtered


def test_trace_status_and_samples_follow_the_filter(fresh_controller: Any) -> None:
    c = fresh_controller
    t = TraceModel(c)
    t.set_size(400, 800)
    raw = c.model.traces
    assert t.filtered and t.status.endswith("  high_pass")
    np.testing.assert_array_equal(t.painter.read(3000, 4000)[0], raw.filtered.read(3000, 4000))
    t.toggle_filter()  # the menu's high-pass toggle: the controller's filter for both views
    assert c.raw_data_filter.current == "raw" and t.status.endswith("  raw")
    np.testing.assert_array_equal(t.painter.read(3000, 4000)[0], raw.read(3000, 4000))

    def tripled(arr: Any, axis: int = 0) -> Any:
        return 3 * arr

    c.raw_data_filter.add_filter(tripled)
    c.raw_data_filter.set("tripled")
    np.testing.assert_allclose(t.painter.read(3000, 4000)[0], 3 * raw.read(3000, 4000).astype(np.float32))
    # The levels (median, scale) come from the plugin-filtered samples too.
    t.invalidate()
    levels = t.painter.window_levels()
    c.raw_data_filter.set("raw")
    t.invalidate()
    assert levels.unit > 2 * t.painter.window_levels().unit
    frame = t.compute()
    assert frame.tiles
