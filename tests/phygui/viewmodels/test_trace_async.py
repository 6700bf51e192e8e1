"""The trace view on a new selection: tiles drawn on the drawing threads while the previous
ones stay shown (``compute(wait=False)``), and the traces' counts reused under the new spikes."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from phygui.viewmodels.trace import TraceModel

from .conftest import two_largest


def _wait_tiles(m: TraceModel) -> None:
    for fut in list(m.painter._pending.values()):
        fut.exception(timeout=120)  # a join: the drawing threads finish their tiles


def _wait_overlays(m: TraceModel) -> None:
    job = m.painter._overlay_job
    assert job is not None  # asked for, on a drawing thread
    job[1].exception(timeout=120)  # a join


def test_new_selection_reuses_the_traces_and_equals_a_fresh_drawing(controller: Any) -> None:
    a, b = two_largest(controller)
    m, fresh = TraceModel(controller), TraceModel(controller)
    try:
        for x in (m, fresh):
            x.set_size(600, 500)
        m.set_selection([a])
        m.compute()
        _wait_tiles(m)  # the tiles ahead too
        before = set(m.painter._traces)
        assert before
        m.set_selection([b])
        f = m.compute()
        _wait_tiles(m)
        assert set(m.painter._traces) == before  # the same traces, new spikes over them
        fresh.set_selection([b])
        g = fresh.compute()
        np.testing.assert_array_equal(f.raster.image, g.raster.image)
    finally:
        m.painter.close()
        fresh.painter.close()


def test_no_wait_keeps_the_old_tiles_until_the_new_ones_are_drawn(controller: Any) -> None:
    a, b = two_largest(controller)
    m, ref = TraceModel(controller), TraceModel(controller)
    try:
        for x in (m, ref):
            x.set_size(600, 500)
        m.set_selection([a])
        assert m.compute(wait=False) is None  # the first picture too is drawn in the background
        _wait_tiles(m)
        f = m.compute(wait=False)
        assert f is not None
        keys = [t.key for t in f.tiles]
        m.set_selection([b])  # a new selection: the same tiles, new overlays drawn on a drawing thread
        assert m.compute(wait=False) is None and m.is_dirty
        _wait_overlays(m)
        f = m.compute(wait=False)
        assert f is not None and not m.is_dirty and [t.key for t in f.tiles] == keys
        ref.set_selection([b])
        np.testing.assert_array_equal(f.raster.image, ref.compute().raster.image)
        m.invalidate()  # a clustering change (other clusters' spikes shown): new tiles
        assert m.compute(wait=False) is None and m.is_dirty  # drawn on the drawing threads meanwhile
        _wait_tiles(m)
        f = m.compute(wait=False)
        assert f is not None and not m.is_dirty and [t.key for t in f.tiles] != keys
        np.testing.assert_array_equal(f.raster.image, ref.compute().raster.image)
    finally:
        m.painter.close()
        ref.painter.close()


def test_overlays_drawn_on_a_drawing_thread_equal_the_calling_threads(controller: Any) -> None:
    """A new selection's overlays, drawn in one job on a drawing thread (one read for the
    window), are pixel for pixel those drawn tile by tile on the calling thread; a job
    asked for a selection that changed meanwhile is dropped, never shown."""
    a, b = two_largest(controller)
    m = TraceModel(controller)
    try:
        m.set_size(700, 400)
        m.set_selection([a])
        f = m.compute()
        assert f is not None
        m.set_selection([a, b])
        assert m.compute(wait=False) is None
        job = m.painter._overlay_job
        assert job is not None
        m.set_selection([b])  # the job above is now for a stale selection
        assert m.compute(wait=False) is None
        assert m.painter._overlay_job is not None and m.painter._overlay_job is not job
        _wait_overlays(m)
        f = m.compute(wait=False)
        assert f is not None and not m.is_dirty
        p, key = m.painter, m.painter.selection_key
        assert key[1] == (b,) and all(t.overlay is not None and t.overlay.key == key for t in f.tiles)
        assert any(t.overlay is not None and t.overlay.bands for t in f.tiles)
        for t in f.tiles:  # the previous drawing: each tile's overlay on its own, on this thread
            assert t.overlay is not None
            one = p.overlay(t.key[1], selection=key)
            assert len(one.bands) == len(t.overlay.bands)
            np.testing.assert_array_equal(one.spikes, t.overlay.spikes)
            for x, y in zip(one.bands, t.overlay.bands):
                assert x.extent == y.extent
                np.testing.assert_array_equal(x.image, y.image)
    finally:
        m.painter.close()


def test_a_scroll_during_the_overlay_job_keeps_it(controller: Any) -> None:
    """Scrolling while a new selection's overlays are drawn keeps that job (a held key
    would otherwise restart it every frame); the tiles it did not cover are drawn after."""
    a, b = two_largest(controller)
    m = TraceModel(controller)
    release = threading.Event()
    try:
        m.set_size(700, 100)  # (levels that stay on this scroll: the same tile generation)
        m.set_selection([a])
        assert m.compute() is not None
        overlays = m.painter.overlays
        jobs: list[list[int]] = []

        def held(ks: list[int], *args: Any) -> Any:
            jobs.append(list(ks))
            release.wait(120)  # the job runs until the scroll below was asked for
            return overlays(ks, *args)

        m.painter.overlays = held  # type: ignore[method-assign]
        m.set_selection([b])
        gen = m.painter.tiles.generation
        assert m.compute(wait=False) is None
        job = m.painter._overlay_job
        m.go_right()
        assert m.compute(wait=False) is None and m.painter._overlay_job is job  # kept, still running
        assert m.painter.tiles.generation == gen
        release.set()
        _wait_overlays(m)
        m.painter.overlays = overlays  # type: ignore[method-assign]
        f = m.compute(wait=False)
        assert f is not None and not m.is_dirty and len(jobs) == 1
        key = m.painter.selection_key
        for t in f.tiles:  # every shown tile's overlay is this selection's, as drawn tile by tile
            assert t.overlay is not None and t.overlay.key == key
            one = m.painter.overlay(t.key[1], selection=key)
            assert [x.extent for x in one.bands] == [x.extent for x in t.overlay.bands]
            for x, y in zip(one.bands, t.overlay.bands):
                np.testing.assert_array_equal(x.image, y.image)
    finally:
        release.set()
        m.painter.close()
