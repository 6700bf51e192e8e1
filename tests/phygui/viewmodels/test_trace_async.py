"""The trace view on a new selection: tiles drawn on the drawing threads while the previous
ones stay shown (``compute(wait=False)``), and the traces' counts reused under the new spikes."""

from __future__ import annotations

from typing import Any

import numpy as np

from phygui.viewmodels.trace import TraceModel

from .conftest import two_largest


def _wait_tiles(m: TraceModel) -> None:
    for fut in list(m.painter._pending.values()):
        fut.exception(timeout=120)  # a join: the drawing threads finish their tiles


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
        m.set_selection([b])  # a new selection: the same tiles, new overlays, at once
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
