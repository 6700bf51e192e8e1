"""The trace view's overlay of the selected clusters' spikes: a new selection, a merge and
its undo redraw only the overlays, and tiles + overlays are the picture drawing
everything in one raster gives (the drawing before the overlay existed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from phycore.supervisor.colors import selected_cluster_color
from phygui.render.raster import RasterLayer
from phygui.render.tile_painter import SPIKE_HALF, TRACE_COLOR
from phygui.render.tiles import SpikeSnippets, draw_overlay, draw_tile, over, samples_for
from phygui.viewmodels.trace import TraceModel

from .conftest import two_largest


def _one_raster(m: TraceModel, extent: tuple[float, float, float, float], width: int) -> np.ndarray:
    """The picture as one raster: traces, the other clusters' spikes (when shown) in their
    colours, the selected clusters' spikes on top in the selection colours."""
    p = m.painter
    grid, levels = p.tiles.grid, p.tiles.params
    ys = p.y_scale(levels.unit)
    yoff = m.row_of.astype(np.float64) - ys * levels.median
    ids, clusters = m.spikes_between(extent[0] - SPIKE_HALF - 2 * grid.spp, extent[2] + SPIKE_HALF + 2 * grid.spp)
    sel = np.isin(clusters, m.cluster_ids)
    keep = sel | m.options.show_all_spikes
    ids, clusters, sel = ids[keep], clusters[keep], sel[keep]
    palette: list[Any] = [TRACE_COLOR]
    layer_of: dict[int, int] = {}
    colors = m.controller.supervisor.color_selector.get_colors(sorted(set(clusters[~sel].tolist())))
    colors[:, :3] = np.round(colors[:, :3] * 8) / 8
    for c, col in zip(sorted(set(clusters[~sel].tolist())), colors):
        if tuple(col) not in palette:
            palette.append(tuple(col))
        layer_of[c] = palette.index(tuple(col))
    for i, c in enumerate(m.cluster_ids):
        layer_of[c] = len(palette)
        palette.append(selected_cluster_color(i))
    half = int(round(SPIKE_HALF * m.sample_rate))
    t = np.round(m.controller.model.spike_times[ids] * m.sample_rate).astype(np.int64)
    snip = SpikeSnippets([m.best_channels(c) for c in clusters.tolist()], t - half, t + half + 1,
                         np.array([layer_of[c] for c in clusters.tolist()], dtype=np.int64))
    s0, s1 = samples_for(extent[0], extent[2], grid.spp, m.sample_rate, half + 1)
    data, start = p.read(s0, s1)
    r0, r1 = max(0, int(math.floor(grid.y0)) - 1), min(m.n_channels, int(math.ceil(grid.y1)) + 2)
    return draw_tile(grid, extent, width, data, start, m.sample_rate, m.order[r0:r1], yoff, ys, np.asarray(palette),
                     snip).image


@pytest.mark.parametrize("show_all", [True, False])
def test_tiles_and_overlays_equal_one_raster(controller: Any, show_all: bool) -> None:
    m = TraceModel(controller)
    try:
        m.toggle_show_all_spikes(show_all)
        m.set_size(700, 400)
        for selection in (two_largest(controller), two_largest(controller)[1:], []):
            m.set_selection(selection)
            f = m.compute()
            np.testing.assert_array_equal(f.raster.image, _one_raster(m, f.raster.extent, f.raster.image.shape[1]))
    finally:
        m.painter.close()


def test_a_new_selection_redraws_only_the_overlays(controller: Any) -> None:
    a, b = two_largest(controller)
    m = TraceModel(controller)
    try:
        m.set_size(700, 400)
        m.set_selection([a])
        f = m.compute()
        rasters = [t.raster for t in f.tiles]
        drawn: list[int] = []
        draw = m.painter.draw
        m.painter.draw = lambda k, *args: drawn.append(k) or draw(k, *args)  # type: ignore[method-assign]
        m.set_selection([a, b])
        g = m.compute()
        assert not drawn and [t.raster for t in g.tiles] == rasters  # the very same tiles
        assert all(t.overlay is not None and t.overlay.key[1] == (a, b) for t in g.tiles)
        assert set(m.drawn_spikes["cluster"][m.drawn_spikes["layer"] > 0].tolist()) >= {a, b}
        # deselecting leaves no overlay: the tiles alone
        m.set_selection([])
        h = m.compute()
        assert all(t.overlay is not None and t.overlay.bands == [] for t in h.tiles)
        assert [t.raster for t in h.tiles] == rasters
        np.testing.assert_array_equal(h.raster.image, np.concatenate([r.image for r in rasters], axis=1))
    finally:
        m.painter.close()


def test_merge_and_undo_redraw_the_overlays_only_without_other_spikes(fresh_controller: Any) -> None:
    c = fresh_controller
    a, b = two_largest(c)
    m = TraceModel(c)
    try:
        m.toggle_show_all_spikes(False)  # the tiles hold the traces alone
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        sup = c.supervisor
        up = sup.merge([a, b])
        m.on_cluster(sup, up)
        m.set_selection(sup.selected)
        merged = m.compute()
        assert [t.raster for t in merged.tiles] == [t.raster for t in before.tiles]
        assert set(m.drawn_spikes["cluster"].tolist()) == set(sup.selected)
        np.testing.assert_array_equal(merged.raster.image,
                                      _one_raster(m, merged.raster.extent, merged.raster.image.shape[1]))
        up = sup.undo()
        m.on_cluster(sup, up)
        m.set_selection(sup.selected)
        undone = m.compute()
        np.testing.assert_array_equal(undone.raster.image, before.raster.image)
    finally:
        m.painter.close()


def test_draw_overlay_crops_to_the_rows_of_its_spikes() -> None:
    from phygui.render.tiles import TileGrid
    grid = TileGrid(0.01, 40, -0.5, 4.5, 16)
    data = np.zeros((200, 5), np.float32)
    data[100, 2] = 3.0
    snip = SpikeSnippets([np.array([2])], np.array([95]), np.array([106]), np.array([1]))
    palette = np.array([TRACE_COLOR, (1.0, 0.0, 0.0, 1.0)])
    ext = grid.extent(0)
    bands = draw_overlay(grid, ext, 16, data, 0, 1000.0, np.arange(5.0), 0.3, palette, snip)
    assert len(bands) == 1 and bands[0].image.shape[0] < 40
    full = draw_tile(grid, ext, 16, data, 0, 1000.0, np.array([], np.int64), np.arange(5.0), 0.3, palette, snip)
    base = RasterLayer(np.zeros((40, 16, 4), np.float32), full.extent)
    np.testing.assert_array_equal(over(base, bands[0]).image, full.image)  # the same pixels, in place
    empty = SpikeSnippets([np.array([2])], np.array([500]), np.array([511]), np.array([1]))
    assert draw_overlay(grid, ext, 16, data, 0, 1000.0, np.arange(5.0), 0.3, palette, empty) == []


def test_overlay_bands_of_distant_rows() -> None:
    # Spikes on channels far apart: two bands, only their rows; together the same pixels.
    from phygui.render.tiles import TileGrid
    grid = TileGrid(0.01, 200, -0.5, 19.5, 16)
    data = np.zeros((200, 20), np.float32)
    data[100, [1, 18]] = 3.0
    snip = SpikeSnippets([np.array([1]), np.array([18])], np.array([95, 95]), np.array([106, 106]), np.array([1, 2]))
    palette = np.array([TRACE_COLOR, (1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)])
    ext = grid.extent(0)
    bands = draw_overlay(grid, ext, 16, data, 0, 1000.0, np.arange(20.0), 0.3, palette, snip)
    assert len(bands) == 2 and sum(b.image.shape[0] for b in bands) < 100
    full = draw_tile(grid, ext, 16, data, 0, 1000.0, np.array([], np.int64), np.arange(20.0), 0.3, palette, snip)
    out = RasterLayer(np.zeros((200, 16, 4), np.float32), full.extent)
    for band in bands:
        out = over(out, band)
    np.testing.assert_array_equal(out.image, full.image)


def test_merge_redraws_the_tiles_of_its_spikes_and_undo_finds_them_again(fresh_controller: Any) -> None:
    # Other clusters' spikes shown: a merge redraws the tiles holding the merged clusters'
    # spikes (they change colour); its undo shows the tiles drawn before, not redrawn.
    c = fresh_controller
    a, b = two_largest(c)
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        sup = c.supervisor
        sup.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        rasters = [t.raster for t in before.tiles]
        holds = [bool(np.isin(t.drawn.clusters, [a, b]).any()) for t in before.tiles]
        assert any(holds)
        up = sup.merge([a, b])
        m.on_cluster(sup, up)
        m.set_selection(sup.selected)
        merged = m.compute()
        assert [t.raster is r for t, r in zip(merged.tiles, rasters)] == [not h for h in holds]
        np.testing.assert_array_equal(merged.raster.image,
                                      _one_raster(m, merged.raster.extent, merged.raster.image.shape[1]))
        drawn: list[int] = []
        draw = m.painter.draw
        m.painter.draw = lambda k, *args: drawn.append(k) or draw(k, *args)  # type: ignore[method-assign]
        up = sup.undo()
        m.on_cluster(sup, up)
        m.set_selection(sup.selected)
        undone = m.compute()
        assert not drawn and [t.raster for t in undone.tiles] == rasters
        np.testing.assert_array_equal(undone.raster.image, before.raster.image)
    finally:
        m.painter.close()


def test_tiles_drawn_across_a_merge_are_checked(fresh_controller: Any) -> None:
    # Tiles asked of the drawing threads before a merge may be drawn before or after it:
    # whichever, the picture shown is the merged clustering's.
    c = fresh_controller
    a, b = two_largest(c)
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        sup = c.supervisor
        sup.select([a, b])
        m.set_selection([a, b])
        assert m.compute(wait=False) is None  # drawn in the background
        up = sup.merge([a, b])
        m.on_cluster(sup, up)
        m.set_selection(sup.selected)
        f = None
        for _ in range(20):
            job = m.painter._overlay_job  # the overlays, drawn once the tiles are there
            for fut in list(m.painter._pending.values()) + ([] if job is None else [job[1]]):
                fut.exception(timeout=120)  # a join
            f = m.compute(wait=False)
            if f is not None:
                break
        assert f is not None
        np.testing.assert_array_equal(f.raster.image, _one_raster(m, f.raster.extent, f.raster.image.shape[1]))
        assert set(f.raster.image.reshape(-1, 4)[:, 3].tolist()) != {0.0}
    finally:
        m.painter.close()
