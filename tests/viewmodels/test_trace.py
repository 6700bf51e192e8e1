"""Trace view model: window arithmetic, depth order, decimation kernel, spike overlay."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore.signals import connect, unconnect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.raster import Raster
from phygui.viewmodels.trace import TraceModel, channel_order, draw_traces, draw_traces_reference

from .conftest import DURATION, two_largest


def test_channel_order_by_depth() -> None:
    pos = np.array([[0, 40], [10, 0], [0, 20], [20, 0], [0, 0]])
    assert channel_order(pos).tolist() == [4, 1, 3, 2, 0]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), w=st.integers(1, 40), h=st.integers(1, 30), seed=st.integers(0, 1000),
       x0=st.floats(-0.5, 0.5), width=st.floats(0.05, 3.0), start=st.integers(0, 10),
       chans=st.sampled_from([[0], [2], [0, 2], [2, 1, 0]]))
def test_draw_traces_matches_reference(n: int, w: int, h: int, seed: int, x0: float, width: float,
                                       start: int, chans: list[int]) -> None:
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((n, 3)) * 2).astype(np.float32)
    ext = (x0, -1.0, x0 + width, 3.0)
    a, b = Raster(h, w, np.ones((2, 4)), ext), Raster(h, w, np.ones((2, 4)), ext)
    args = (data, chans, [0.0, 1.5, 0.7][:len(chans)], 0.3, 0.0, 1.0 / max(n, 1), start, None, 1)
    draw_traces(a, *args)
    draw_traces_reference(b, *args)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not a.counts[..., 0].any()


def test_draw_traces_columns_span_min_max() -> None:
    # 100 samples into 10 columns: each column lights the rows between its min and max.
    data = np.zeros((100, 1), np.float32)
    data[::10, 0] = 0.9  # one spike per column
    r = Raster(20, 10, np.ones((1, 4)), (0.0, -1.0, 1.0, 1.0))
    draw_traces(r, data, [0], [0.0], 1.0, 0.0, 0.01)
    lit = r.counts[..., 0] > 0
    assert lit.any(axis=0).all()  # every column has pixels
    assert lit[1, :].all() and lit[10, :].all()  # peak row and zero row in every column


def test_window_arithmetic_and_events(controller: Any) -> None:
    m = TraceModel(controller)
    assert m.interval == (DURATION / 2 - 0.125, DURATION / 2 + 0.125)
    seen = []

    def on_range(sender: Any, interval: Any) -> None:
        seen.append(interval)

    connect(on_range, event="time_range_selected")
    try:
        m.go_right()
        assert np.allclose(m.interval, (DURATION / 2 - 0.1, DURATION / 2 + 0.15))
        m.go_to_start()
        assert m.interval[0] == 0.0
        m.go_left()  # clipped at the start
        assert m.interval[0] == 0.0
        m.go_to_end()
        assert np.isclose(m.interval[1], DURATION)
        m.jump_right()
        assert np.isclose(m.interval[1], DURATION)
        m.jump_left()
        assert np.isclose(m.interval[1], DURATION * 0.9)
        m.go_to(1.0)
        w = m.interval[1] - m.interval[0]
        m.narrow()
        assert np.isclose(m.interval[1] - m.interval[0], w / 1.25)
        assert np.isclose(sum(m.interval) / 2, 1.0)
        m.widen()
        m.shift(0.5)
        assert np.isclose(sum(m.interval) / 2, 1.5)
    finally:
        unconnect(on_range)
    assert len(seen) == 8 and seen[-1] == m.interval


def test_next_previous_spike_of_first_cluster(controller: Any) -> None:
    m = TraceModel(controller)
    cid = two_largest(controller)[0]
    m.set_selection([cid])
    times = m._first_cluster_times()
    k = len(times) // 2
    m.go_to(float(times[k]))
    m.go_to_next_spike()
    assert np.isclose(sum(m.interval) / 2, times[k + 1])
    m.go_to_previous_spike()
    m.go_to_previous_spike()
    assert np.isclose(sum(m.interval) / 2, times[k - 1])


def test_compute_draws_traces_and_selected_spikes(controller: Any) -> None:
    m = TraceModel(controller)
    ids = two_largest(controller)
    m.set_selection(ids)
    m.set_size(400, 300)
    f = m.compute()
    img = f.raster.image
    assert img.shape == (300, 400, 4)
    assert f.home == (m.interval[0], -0.5, m.interval[1], m.n_channels - 0.5)
    rgb = (img[..., :3] * 255).round().astype(int)
    for i in range(2):
        col = np.array(selected_cluster_color(i)[:3]) * 255
        assert (np.abs(rgb - col).max(axis=-1) <= 2).sum() > 5, i
    # overlay positions: each drawn spike sits at its time, on a best channel's row
    sc = controller.supervisor.clustering.spike_clusters
    for sid, cid, ch, t, layer in m._spikes:
        assert cid in ids and sc[sid] == cid and layer == 2 + ids.index(cid)
        assert m.interval[0] <= t <= m.interval[1]
        assert ch in m.best_channels(cid)
    assert f.n_spikes == len(m._spikes) > 0
    n_sel = f.n_spikes
    m.toggle_show_all_spikes()
    assert m.compute().n_spikes >= n_sel
    # labels and scaling
    assert f.labels and all(lb.text for lb in f.labels)
    m.toggle_show_labels()
    m.increase()
    assert np.isclose(m.options.scaling, 1.1)
    assert m.compute().labels == []


def test_median_subtracted_rows_centred(controller: Any) -> None:
    m = TraceModel(controller)
    m.toggle_filter(False)
    m._load()
    med = np.median(m._data, axis=0)
    assert np.allclose(m._median, med, atol=np.abs(m._data).max() * 0.2 + 1e-6)


def test_spike_click_emits_and_finds_cluster(controller: Any) -> None:
    m = TraceModel(controller)
    ids = two_largest(controller)
    m.set_selection(ids)
    m.compute()
    sid, cid, ch, t, _ = m._spikes[0]
    got = []

    def on_click(sender: Any, **kw: Any) -> None:
        got.append(kw)

    connect(on_click, event="spike_click")
    try:
        x, y = m.spike_position(sid)  # type: ignore[misc]
        assert m.click(x, y) == (sid, cid, ch)
    finally:
        unconnect(on_click)
    assert got == [{"channel_id": ch, "spike_id": sid, "cluster_id": cid}]


def test_state_roundtrip(controller: Any) -> None:
    m = TraceModel(controller)
    m.go_to(1.0)
    st_ = m.get_state()
    m2 = TraceModel(controller)
    m2.set_state(st_)
    assert np.allclose(m2.interval, m.interval)


def test_no_raw_data_is_an_empty_view(fresh_controller: Any) -> None:
    fresh_controller.model.traces = None
    m = TraceModel(fresh_controller)
    m.set_selection(two_largest(fresh_controller))
    assert m.compute().raster.image.shape[0] > 0
    assert "raw data unavailable" in m.status


def test_scrolling_reuses_the_overlap(controller: Any) -> None:
    from phygui.viewmodels.trace_raster import read_shifted as _read_shifted

    raw = controller.model.traces
    prev = raw.read(1000, 3000)
    for i0, i1 in [(1200, 3200), (800, 2800), (0, 500), (1500, 2500), (2900, 5000), (1000, 3000)]:
        np.testing.assert_array_equal(_read_shifted(raw, i0, i1, 1000, prev), raw.read(i0, i1))
    m = TraceModel(controller)
    m.toggle_filter(False)
    m._load()
    m.go_right()
    m._load()
    t0, t1 = m.interval
    np.testing.assert_array_equal(m._data, raw.read(m._i0, int(round(t1 * m.sample_rate))))
