"""Trace view model: window arithmetic, depth order, decimation kernel, spike overlay."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore.signals import connect, unconnect
from phycore.supervisor.colors import selected_cluster_color
from phygui.render.raster import Raster
from phygui.render.tile_painter import TRACE_COLOR
from phygui.render.tiles import SPIKE_DTYPE, TILE_PX
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


def _lit_rows(m: TraceModel, f: Any) -> np.ndarray:
    """Data row (channel row position) of every pixel row of the frame's picture."""
    r = f.raster
    y0, y1 = r.extent[1], r.extent[3]
    h = r.image.shape[0]
    return y1 - (np.arange(h) + 0.5) * (y1 - y0) / h


def test_compute_draws_traces_and_selected_spikes(controller: Any) -> None:
    m = TraceModel(controller)
    assert m.options.show_all_spikes  # phy's first-launch state
    m.toggle_show_all_spikes(False)
    ids = two_largest(controller)
    m.set_selection(ids)
    m.set_size(400, 300)
    f = m.compute()
    t0, t1 = m.interval
    img = f.raster.image
    # the tiles of a 400 px grid over the window, side by side
    assert img.shape == (300, len(f.tiles) * TILE_PX, 4)
    assert f.raster.extent[0] <= t0 and f.raster.extent[2] >= t1
    assert np.isclose(m.painter.tiles.grid.spp, (t1 - t0) / 400)
    assert f.home == (t0, -0.5, t1, m.n_channels - 0.5)
    rgb = (img[..., :3] * 255).round().astype(int)
    assert (np.abs(rgb - np.array(TRACE_COLOR[:3]) * 255).max(axis=-1) <= 2).sum() > 1000  # grey traces
    for i in range(2):
        col = np.array(selected_cluster_color(i)[:3]) * 255
        assert (np.abs(rgb - col).max(axis=-1) <= 2).sum() > 5, i
    # the spikes drawn: exactly the selected clusters' spikes in the window, at their times,
    # on their best channel, in their cluster's layer (0: traces; the selection on top)
    sp = m.drawn_spikes
    assert sp.dtype == SPIKE_DTYPE
    in_window, clusters = m.spikes_in_window()
    assert sorted(sp["spike"].tolist()) == in_window[np.isin(clusters, ids)].tolist()
    sc = controller.supervisor.clustering.spike_clusters
    times = controller.model.spike_times
    assert f.n_spikes == len(sp) > 0
    spp = m.painter.tiles.grid.spp
    rows = _lit_rows(m, f)
    for s in sp:
        cid = int(s["cluster"])
        assert cid in ids and sc[s["spike"]] == cid and s["layer"] == 1 + ids.index(cid)
        assert t0 <= s["time"] <= t1 and s["time"] == times[s["spike"]]
        assert s["channel"] == m.best_channels(cid)[0]
        # the spike's colour is in the picture at its time and on its channel's row
        c = int((s["time"] - f.raster.extent[0]) / spp)
        band = np.abs(rows - m.row_of[s["channel"]]) <= 1.0
        box = (rgb[band, max(0, c - 2):c + 3] - np.array(selected_cluster_color(ids.index(cid))[:3]) * 255)
        hit = (np.abs(box).max(axis=-1) <= 2).any()
        other = (np.abs(rgb[band, max(0, c - 2):c + 3] - np.array(selected_cluster_color(1 - ids.index(cid))[:3])
                        * 255).max(axis=-1) <= 2).any()
        assert hit or other, s  # (or covered by the other selected cluster's overlapping spike)
    n_sel = f.n_spikes
    m.toggle_show_all_spikes(True)
    f2 = m.compute()
    assert f2.n_spikes > n_sel
    sp2 = m.drawn_spikes
    sel = np.isin(sp2["cluster"], ids)
    assert sp2["layer"][sel].min() > sp2["layer"][~sel].max() > 0  # other clusters under the selection
    # labels: one per row (rows are 18 px apart), the channel ids from the bottom up
    cmap = np.asarray(controller.model.channel_map)
    assert [lb.text for lb in f.labels] == [str(cmap[c]) for c in m.order]
    assert [lb.y for lb in f.labels] == list(range(m.n_channels))
    m.toggle_show_labels()
    m.increase()
    assert np.isclose(m.options.scaling, 1.1)
    assert m.compute().labels == []


def test_median_subtracted_rows_centred(controller: Any) -> None:
    m = TraceModel(controller)
    m.set_size(400, 800)
    raw = controller.model.traces
    i0, i1 = (int(round(t * m.sample_rate)) for t in m.interval)
    for filtered in (False, True):
        m.toggle_filter(filtered)
        levels = m.painter.window_levels()
        data = (raw.filtered.read(i0, i1) if filtered else raw.read(i0, i1)).astype(np.float64)
        med = np.median(data, axis=0)
        q = np.percentile(data - med, [1, 99])
        assert np.allclose(levels.median, med, atol=0.1 * np.abs(q).max()), filtered
        assert 0.8 < levels.unit / np.abs(q).max() < 1.25, filtered
        # each channel's trace is drawn centred on its row
        f = m.compute()
        alpha = f.raster.image[..., 3]
        rows = _lit_rows(m, f)
        for r in range(m.n_channels):
            band = np.abs(rows - r) < 0.5
            w = alpha[band].sum(axis=1)
            assert abs((rows[band] * w).sum() / w.sum() - r) < 0.15, (filtered, r)


def test_whitening_toggle_draws_the_whitened_traces(controller: Any) -> None:
    m = TraceModel(controller)
    m.toggle_filter(False)
    m.set_size(400, 800)
    wm = np.asarray(controller.model.wm, dtype=np.float64)
    assert not np.allclose(wm, np.eye(len(wm)))  # else whitening could not be seen
    f0 = m.compute()
    generation = m.painter.tiles.generation
    m.toggle_whitening()
    assert m.whitened and "(whitened)" in m.status and m.get_state()["whitened"] is True
    raw = controller.model.traces
    i0, i1 = (int(round(t * m.sample_rate)) for t in m.interval)
    data, start = m.painter.read(i0, i1)
    expected = raw.read(i0, i1).astype(np.float64) @ wm.T
    assert start == i0
    np.testing.assert_allclose(data, expected, rtol=1e-4, atol=1e-3 * np.abs(expected).max())
    levels = m.painter.window_levels()
    med = np.median(expected, axis=0)
    q = np.percentile(expected - med, [1, 99])
    assert np.allclose(levels.median, med, atol=0.1 * np.abs(q).max())
    f1 = m.compute()
    assert m.painter.tiles.generation == generation + 1  # every tile redrawn
    assert not np.array_equal(f0.raster.image, f1.raster.image)
    m.toggle_whitening()
    assert not m.whitened and "(whitened)" not in m.status
    np.testing.assert_array_equal(m.compute().raster.image, f0.raster.image)  # back to the raw picture
    m.painter.close()


def test_spike_click_emits_and_finds_cluster(controller: Any) -> None:
    m = TraceModel(controller)
    ids = two_largest(controller)
    m.set_selection(ids)
    m.compute()
    s = m.drawn_spikes[len(m.drawn_spikes) // 2]
    sid, cid, ch = int(s["spike"]), int(s["cluster"]), int(s["channel"])
    got = []

    def on_click(sender: Any, **kw: Any) -> None:
        got.append(kw)

    connect(on_click, event="spike_click")
    try:
        x, y = m.spike_position(sid)  # type: ignore[misc]
        assert (x, y) == (s["time"], m.row_of[ch])
        assert m.click(x, y) == (sid, cid, ch)
    finally:
        unconnect(on_click)
    assert got == [{"channel_id": ch, "spike_id": sid, "cluster_id": cid}]
    assert m.spike_position(-1) is None


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
    f = m.compute()
    assert f.tiles == [] and f.raster is None and f.labels == [] and f.n_spikes == 0
    assert f.home == (m.interval[0], -0.5, m.interval[1], m.n_channels - 0.5)
    assert "raw data unavailable" in m.status
    assert not m.prefetch() and m.spike_at(0.0, 0.0) is None
    m.go_right()  # navigation still works
    assert m.compute().tiles == []


def _count_draws(m: TraceModel) -> list[int]:
    drawn: list[int] = []
    draw = m.painter.draw

    def counting(k: int, *args: Any) -> Any:
        drawn.append(k)
        return draw(k, *args)

    m.painter.draw = counting  # type: ignore[method-assign]
    return drawn


def _idle(m: TraceModel) -> None:
    """What idle frames do: until the tiles next to the window are drawn (in the background)."""
    for _ in range(10_000):
        if not m.prefetch():
            return
        time.sleep(0.002)
    raise AssertionError("the tiles next to the window were never drawn")


def test_scrolling_draws_only_the_new_tiles(controller: Any) -> None:
    from phygui.render.tile_painter import _PREFETCH

    for filtered in (False, True):
        m = TraceModel(controller)
        m.toggle_filter(filtered)
        m.set_selection(two_largest(controller))
        m.set_size(800, 32)  # 2 px per row (384 channels on 800 px); 10 % steps: 80 px, less than a tile
        drawn = _count_draws(m)
        f = m.compute()
        generation = m.painter.tiles.generation
        first = [t.key[1] for t in f.tiles]
        assert first == list(m.painter.tiles.grid.tiles(*m.interval)) and set(first) <= set(drawn)
        seen = {t.key: t for t in f.tiles}
        n_steps = 8
        for step in range(n_steps):
            m.go_right()
            f = m.compute()
            assert m.painter.tiles.generation == generation, (filtered, step)
            assert all(t is seen[t.key] for t in f.tiles if t.key in seen)  # reused as they are
            seen.update({t.key: t for t in f.tiles})
        _idle(m)
        # each tile was drawn once: the first window's, then only the strips that came
        # into view, and the next ones on each side (drawn ahead in the background)
        assert sorted(drawn) == sorted(set(drawn)), drawn
        assert len(drawn) <= len(first) + math.ceil(n_steps * 80 / TILE_PX) + 1 + 2 * _PREFETCH, drawn
        # the stitched tiles (some drawn on the drawing thread) are the picture one full
        # redraw gives, pixel for pixel
        full, spikes = m.painter.picture(f.raster.extent, f.raster.image.shape[1])
        np.testing.assert_array_equal(f.raster.image, full.image)
        in_view = spikes[(spikes["time"] >= m.interval[0]) & (spikes["time"] <= m.interval[1])]
        assert sorted(in_view["spike"].tolist()) == sorted(m.drawn_spikes["spike"].tolist())
        # after idle frames, the next steps find their tiles drawn
        ready = {k for k in range(-10, 1000) if k in m.painter.tiles}
        for move in (m.go_right, m.go_left, m.go_left):
            move()
            f = m.compute()
            assert {t.key[1] for t in f.tiles} <= ready, filtered
        # a new selection redraws the overlays only; anything else than the time position
        # and the selection starts a new generation
        m.set_selection(two_largest(controller)[:1])
        m.compute()
        assert m.painter.tiles.generation == generation
        m.increase()
        m.compute()
        assert m.painter.tiles.generation == generation + 1
        m.painter.close()


def test_hit_testing_spikes_are_made_when_asked_and_each_frame_keeps_its_own(controller: Any) -> None:
    m = TraceModel(controller)
    m.set_selection(two_largest(controller))
    m.set_size(800, 300)
    f = m.compute()
    assert m._drawn is None  # not made by the frame (thousands of spikes, every scroll step)
    spikes = m.drawn_spikes.copy()
    assert m.drawn_spikes is m.drawn_spikes and f.n_spikes == len(spikes) > 0
    t0, t1 = m.interval
    assert spikes["time"].min() >= t0 and spikes["time"].max() <= t1
    assert len(np.unique(spikes["spike"])) == len(spikes)
    for _ in range(3):
        m.go_right()
    f2 = m.compute()
    assert m._drawn is None
    np.testing.assert_array_equal(f.spikes(), spikes)  # the first frame's spikes, made again
    later = f2.spikes()
    assert later is m.drawn_spikes and later["time"].min() >= m.interval[0] > t0
    m.painter.close()


def test_a_jump_draws_on_both_threads(controller: Any) -> None:
    m = TraceModel(controller)
    m.set_selection(two_largest(controller))
    m.set_size(1000, 200)
    threads: list[str] = []
    draw = m.painter.draw

    def recording(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return draw(*args)

    m.painter.draw = recording  # type: ignore[method-assign]
    m.go_to(1.0)
    f = m.compute()
    assert len(f.tiles) >= 4
    assert any(n.startswith("phygui-trace-tiles") for n in threads[:len(f.tiles)])
    assert threading.main_thread().name in threads
    fresh = TraceModel(controller, m.options)
    fresh.set_selection(two_largest(controller))
    fresh.set_size(1000, 200)
    np.testing.assert_array_equal(fresh.painter.picture(f.raster.extent, f.raster.image.shape[1],
                                                        m.painter.tiles.grid, m.painter.tiles.params)[0].image,
                                  f.raster.image)
    m.painter.close()
    fresh.painter.close()


def test_levels_moving_traces_start_a_new_generation(controller: Any) -> None:
    # Tall rows (50 px): a scroll whose levels would move a trace by more than half a
    # pixel redraws every tile, with the new window's levels: the picture of a fresh view.
    m = TraceModel(controller)
    m.toggle_filter(False)
    m.set_size(800, 800)
    m.compute()
    generation = m.painter.tiles.generation
    for _ in range(20):
        m.go_right()
        f = m.compute()
        if m.painter.tiles.generation != generation:
            break
    assert m.painter.tiles.generation == generation + 1
    fresh = TraceModel(controller, m.options)
    fresh.set_size(800, 800)
    f2 = fresh.compute()
    assert [t.key[1] for t in f2.tiles] == [t.key[1] for t in f.tiles]
    np.testing.assert_array_equal(f.raster.image, f2.raster.image)


def test_auto_scale_off_keeps_the_scale(controller: Any) -> None:
    m = TraceModel(controller)
    m.toggle_filter(False)
    m.compute()
    ys = m.y_scale
    m.toggle_auto_scale(False)
    m.go_to(0.7)
    m.compute()
    assert m.y_scale == ys
    m.increase()
    m.compute()
    assert np.isclose(m.y_scale, ys * 1.1)


def test_dense_spikes_are_thinned_evenly(controller: Any, monkeypatch: Any) -> None:
    import phygui.render.tile_painter as painter

    ids = two_largest(controller)
    m = TraceModel(controller)
    m.set_selection(ids[:1])
    m.toggle_show_all_spikes(True)
    m.set_size(400, 300)
    m.compute()
    n_all = len(m.drawn_spikes)
    monkeypatch.setattr(painter, "_MAX_TILE_SPIKES", 40)
    m.invalidate()
    f = m.compute()
    sp = m.drawn_spikes
    assert len(sp) < n_all
    in_window, clusters = m.spikes_in_window()
    sel = np.isin(sp["cluster"], ids[:1])
    assert sorted(sp["spike"][sel].tolist()) == in_window[clusters == ids[0]].tolist()  # the selection first
    # the other clusters' spikes are thinned evenly over each tile, not cut at its end
    others = np.sort(sp["time"][~sel])
    assert len(others) > 10
    t0, t1 = m.interval
    assert others[0] - t0 < 0.2 * (t1 - t0) and t1 - others[-1] < 0.2 * (t1 - t0)
    assert np.diff(others).max() < 0.25 * (t1 - t0)
    assert all(len(t.spikes) <= 40 for t in f.tiles)


def test_thin_spikes() -> None:
    from phygui.render.tile_painter import thin_spikes

    ids = np.arange(100, 200)
    sel = ids % 10 == 3
    assert thin_spikes(ids, sel, 1000).all()
    assert (thin_spikes(ids, sel, 1000, others=False) == sel).all()
    keep = thin_spikes(ids, sel, 30)
    assert (keep & sel).sum() == 10 and keep.sum() <= 30 and (~sel & keep).sum() >= 10
    keep = thin_spikes(ids, sel, 4, others=False)
    assert 0 < keep.sum() <= 4 and not (keep & ~sel).any()
