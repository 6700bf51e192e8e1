"""A merge of selected clusters keeps the trace tiles its overlay covers: the merged
cluster is selected, its spikes are drawn by the overlay (opaque, on the tile's pixel
grid) over their old pixels, so the tile shows what a fresh one would without being
drawn again. Such a "covered" tile is drawn again in the background, and checked again
under a new selection's overlay (drawn again if that does not cover it)."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Iterator

import numpy as np
import pytest

from phygui.render import tile_painter
from phygui.viewmodels.trace import TraceFrame, TraceModel

from .conftest import two_largest
from .test_trace_overlay import _one_raster


@pytest.fixture(params=[False, True], ids=["all_spikes", "thinned"])
def halves(request: Any, fresh_controller: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[int]]]:
    """The largest cluster split into two halves (the same template, so the same best
    channels: a merge of them draws its spikes where the tiles drew them); ``thinned``:
    at most 6 spikes per tile and per overlay (``thin_spikes`` keeps some of each)."""
    if request.param:
        monkeypatch.setattr(tile_painter, "_MAX_TILE_SPIKES", 6)
    c = fresh_controller
    a = two_largest(c)[0]
    spikes = c.supervisor.clustering.spikes_per_cluster[a]
    up = c.supervisor.split(spikes[::2])
    yield c, sorted(int(x) for x in up.added)


def _fresh(c: Any, selection: list[int]) -> TraceFrame:
    # The same window drawn from scratch by a new view model.
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        m.set_selection(selection)
        f = m.compute()
        assert f is not None
        return f
    finally:
        m.painter.close()


def _same_picture(f: TraceFrame, c: Any, m: TraceModel) -> None:
    assert f.raster is not None
    g = _fresh(c, m.cluster_ids)
    assert g.raster is not None
    np.testing.assert_array_equal(f.raster.image, g.raster.image)
    if tile_painter._MAX_TILE_SPIKES >= 5000:  # (the one raster draws every spike: not thinned)
        np.testing.assert_array_equal(f.raster.image, _one_raster(m, f.raster.extent, f.raster.image.shape[1]))
    assert set(m.drawn_spikes["spike"].tolist()) == set(_drawn_spikes(c, m.cluster_ids).tolist())
    assert set(zip(m.drawn_spikes["spike"].tolist(), m.drawn_spikes["cluster"].tolist())) <= {
        (int(s), int(c.supervisor.clustering.spike_clusters[s])) for s in m.drawn_spikes["spike"]}


def _drawn_spikes(c: Any, selection: list[int]) -> np.ndarray:
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        m.set_selection(selection)
        m.compute()
        return np.asarray(m.drawn_spikes["spike"])
    finally:
        m.painter.close()


def _counting(m: TraceModel) -> list[int]:
    drawn: list[int] = []
    draw = m.painter.draw
    m.painter.draw = lambda k, *args: drawn.append(k) or draw(k, *args)  # type: ignore[method-assign]
    return drawn


def _merge(c: Any, m: TraceModel) -> None:
    sup = c.supervisor
    up = sup.merge(m.cluster_ids)
    m.on_cluster(sup, up)
    m.set_selection(sup.selected)


def _refresh(m: TraceModel) -> None:
    # Idle frames: the covered tiles drawn again on the drawing threads (joined here).
    m.prefetch()
    for fut in list(m.painter._refreshing.values()) + list(m.painter._pending.values()):
        fut.exception(timeout=120)  # a join
    m.painter._collect()


def test_a_merge_of_selected_clusters_redraws_no_tile(halves: tuple[Any, list[int]]) -> None:
    c, (a, b) = halves
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        assert before is not None and before.raster is not None
        rasters = [t.raster for t in before.tiles]
        holds = [bool(np.isin(t.drawn.clusters, [a, b]).any()) for t in before.tiles if t.drawn is not None]
        assert sum(holds) >= 3  # the merge changes most tiles' spikes
        if tile_painter._MAX_TILE_SPIKES < 5000:  # thinned: fewer spikes drawn than there are
            assert all(t.drawn is not None and len(t.drawn.ids) <= 6 for t in before.tiles)
            assert min(len(m.spikes_between(t.raster.extent[0], t.raster.extent[2])[0]) for t in before.tiles) > 12
        drawn = _counting(m)
        _merge(c, m)
        merged = m.compute()
        assert merged is not None
        assert drawn == [] and [t.raster for t in merged.tiles] == rasters  # 0 tiles redrawn
        assert [t.covered for t in merged.tiles] == holds
        assert set(m.drawn_spikes["cluster"][np.isin(m.drawn_spikes["cluster"], [a, b])].tolist()) == set()
        _same_picture(merged, c, m)
        # The undo puts the clustering back: the very tiles, right by themselves again.
        up = c.supervisor.undo()
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        undone = m.compute()
        assert undone is not None and undone.raster is not None
        assert drawn == [] and [t.raster for t in undone.tiles] == rasters
        assert not any(t.covered for t in undone.tiles)
        np.testing.assert_array_equal(undone.raster.image, before.raster.image)
    finally:
        m.painter.close()


def test_a_covered_tile_is_drawn_again_under_another_selection(halves: tuple[Any, list[int]]) -> None:
    c, (a, b) = halves
    others = [x for x in two_largest(c) if x not in (a, b)][:1]
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        m.compute()
        drawn = _counting(m)
        _merge(c, m)
        merged = m.compute()
        assert merged is not None and drawn == []
        n_covered = sum(t.covered for t in merged.tiles)
        assert n_covered
        # Another cluster selected: the merged cluster's spikes are no longer drawn over
        # the covered tiles, which are drawn again before being shown.
        m.set_selection(others)
        f = m.compute()
        assert f is not None and len(drawn) == n_covered and not any(t.covered for t in f.tiles)
        _same_picture(f, c, m)
    finally:
        m.painter.close()


def test_covered_tiles_are_drawn_again_in_the_background(halves: tuple[Any, list[int]]) -> None:
    c, (a, b) = halves
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        assert before is not None
        rasters = [t.raster for t in before.tiles]
        _merge(c, m)
        merged = m.compute()
        assert merged is not None
        covered = [t.key[1] for t in merged.tiles if t.covered]
        drawn = _counting(m)
        _refresh(m)
        assert sorted(set(drawn) & set(covered)) == sorted(covered)
        assert m.is_dirty  # the view uploads the fresh tiles
        f = m.compute()
        assert f is not None and not any(t.covered for t in f.tiles)
        assert [t.raster is r for t, r in zip(f.tiles, rasters)] == [t.key[1] not in covered for t in f.tiles]
        _same_picture(f, c, m)
        # Then another selection needs no tile, and the undo finds the tiles drawn before.
        drawn.clear()
        m.set_selection([])
        assert m.compute() is not None and drawn == []
        up = c.supervisor.undo()
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        undone = m.compute()
        assert undone is not None and drawn == [] and [t.raster for t in undone.tiles] == rasters
    finally:
        m.painter.close()


def test_a_merge_shows_its_covered_tiles_once_the_overlays_are_drawn(halves: tuple[Any, list[int]]) -> None:
    # The view's path (no wait): the overlays of the merged cluster are drawn on a drawing
    # thread; the covered tiles are shown with them, no tile drawn.
    c, (a, b) = halves
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        m.compute()
        drawn = _counting(m)
        _merge(c, m)
        assert m.compute(wait=False) is None  # the overlays, on a drawing thread
        job = m.painter._overlay_job
        assert job is not None
        job[1].exception(timeout=120)  # a join
        f = m.compute(wait=False)
        assert f is not None and drawn == [] and any(t.covered for t in f.tiles)
        _same_picture(f, c, m)
    finally:
        m.painter.close()


def test_a_merge_drawn_elsewhere_is_not_covered_and_its_undo_reuses_the_overlays(fresh_controller: Any) -> None:
    # The two largest clusters have different best channels: the merged cluster's spikes
    # are drawn on its own, so the tiles that drew one part elsewhere are drawn again. The
    # undo brings back the tiles drawn before, with their overlays (the same clusters with
    # the same spikes): nothing is drawn, the picture is a fresh one.
    c = fresh_controller
    a, b = two_largest(c)
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        assert set(m.best_channels(a).tolist()) != set(m.best_channels(b).tolist())
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        assert before is not None and before.raster is not None
        overlays = [t.overlay for t in before.tiles]
        assert sum(len(o.spikes) for o in overlays if o is not None) > 0
        drawn = _counting(m)
        made: list[list[int]] = []
        draw_overlays, draw_overlay = m.painter.overlays, m.painter.overlay
        m.painter.overlays = lambda ks, *a: made.append(list(ks)) or draw_overlays(ks, *a)  # type: ignore
        m.painter.overlay = lambda k, *a, **kw: made.append([k]) or draw_overlay(k, *a, **kw)  # type: ignore
        _merge(c, m)
        f = m.compute()
        assert f is not None and drawn and made and not any(t.covered for t in f.tiles)
        _same_picture(f, c, m)

        drawn.clear(), made.clear()
        up = c.supervisor.undo()
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        assert m.cluster_ids == [a, b]
        undone = m.compute()
        assert undone is not None and undone.raster is not None
        assert drawn == [] and made == []
        assert [t.overlay for t in undone.tiles] == overlays  # the very overlays
        np.testing.assert_array_equal(undone.raster.image, before.raster.image)
        _same_picture(undone, c, m)
        # The same clusters in another order have other colours: drawn again.
        m.set_selection([b, a])
        swapped = m.compute()
        assert swapped is not None and made and drawn == []
        _same_picture(swapped, c, m)
    finally:
        m.painter.close()


def test_a_failed_background_redraw_is_reported_even_when_no_longer_needed(
        fresh_controller: Any, caplog: pytest.LogCaptureFixture) -> None:
    # A covered tile's background redraw raises; an undo puts the old tile back before
    # the redraw is collected: the error is still logged (phygui's logger: the status bar).
    c = fresh_controller
    a = two_largest(c)[0]
    up = c.supervisor.split(c.supervisor.clustering.spikes_per_cluster[a][::2])
    x, y = sorted(int(v) for v in up.added)
    m = TraceModel(c)
    try:
        m.set_size(700, 400)
        c.supervisor.select([x, y])
        m.set_selection([x, y])
        assert m.compute() is not None
        up = c.supervisor.merge([x, y])
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        f = m.compute()
        assert f is not None and any(t.covered for t in f.tiles)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("bug in a background redraw")

        m.painter.draw = broken  # type: ignore[method-assign]
        m.prefetch()  # an idle frame: the covered tiles are submitted
        futures = list(m.painter._refreshing.values())
        assert futures
        for fut in futures:
            fut.exception(timeout=60)  # a join
        del m.painter.draw
        up = c.supervisor.undo()
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        with caplog.at_level(logging.ERROR, logger="phygui"):
            m.compute()
            m.prefetch()
            m.compute()
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
        assert errors and "bug in a background redraw" in str(errors[0].exc_info[1])
    finally:
        m.painter.close()



def test_a_tile_asked_for_before_a_merge_and_drawn_after_it_keeps_no_overlay_for_the_undo(
        fresh_controller: Any) -> None:
    # Selected spikes only (no other clusters' spikes: the tile itself stays right). A tile
    # asked for before the merge but drawn after it (on a drawing thread) has an overlay
    # labelled with the pair but drawn without it (merged away): after the undo it must
    # not be taken for the pair's overlay.
    c = fresh_controller
    a, b = two_largest(c)
    m = TraceModel(c)
    try:
        m.toggle_show_all_spikes(False)
        m.set_size(700, 400)
        c.supervisor.select([a, b])
        m.set_selection([a, b])
        before = m.compute()
        assert before is not None
        p = m.painter
        k = max(before.tiles, key=lambda t: len(t.overlay.spikes) if t.overlay is not None else 0).key[1]
        asked = (p.tiles.grid, p.tiles.params, p.tiles.generation, p.selection_key, p.clustering)
        _merge(c, m)
        assert m.compute() is not None
        late = p.draw(k, *asked)  # drawn after the merge, for what was asked before it
        assert late.overlay is not None and len(late.overlay.spikes) == 0
        p.tiles.drop(k)
        fut: Future[Any] = Future()
        fut.set_result(late)
        p._pending[(asked[2], k)] = fut
        p._collect()
        assert p.tiles.get(k) is late

        up = c.supervisor.undo()
        m.on_cluster(c.supervisor, up)
        m.set_selection(c.supervisor.selected)
        undone = m.compute()
        assert undone is not None and undone.raster is not None
        shown = next(t for t in undone.tiles if t.key[1] == k)
        assert shown is late and shown.overlay is not None and len(shown.overlay.spikes) > 0
        fresh = TraceModel(c)
        try:
            fresh.toggle_show_all_spikes(False)
            fresh.set_size(700, 400)
            fresh.set_selection([a, b])
            g = fresh.compute()
            assert g is not None and g.raster is not None
            np.testing.assert_array_equal(undone.raster.image, g.raster.image)
        finally:
            fresh.painter.close()
    finally:
        m.painter.close()
