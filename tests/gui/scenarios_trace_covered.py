"""GUI scenario: a merge (real ``g`` key) of two selected clusters drawn on the same
channels keeps the trace view's tiles: the merged cluster's spikes are drawn by the
overlay over the tiles' stale ones, so no tile is drawn for the merge; the screen shows
the same pixels before and after the covered tiles are drawn again in the background
(but at the overlay's edges, see `_same_but_overlay_edges`); an undo (ctrl+z) shows the
picture from before the merge, no tile drawn.

The pair is the best cluster split in two halves (set up through the supervisor: one
template, so the same best channels), with the views' data on workers (as ``GUI.run``).

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_trace_covered merge /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, hold, keyboard, region
from tests.gui.scenarios_async_views import MAX_FRAMES
from tests.gui.scenarios_trace_overlay import _overlay_matches, _settle
from tests.gui.strict import controller_scenarios, scenario_main


def _trace_pixels(gui: Any, tv: Any, label: str) -> np.ndarray:
    return region(gui, tv, grab(gui, f"trace_covered_{label}"))


def _same_but_overlay_edges(covered: np.ndarray, fresh: np.ndarray) -> None:
    """The same picture on the screen, but for the GPU's texture filtering: the tiles'
    textures are sampled between texels (the window does not start on a pixel of the
    tile grid), so each pixel at an edge of the overlay's opaque spikes mixes in a
    neighbouring texel of the tile under it: the old colours of the merged clusters'
    spikes in a covered tile, the merged cluster's in a fresh one (the tile rasters
    are equal where the overlay does not cover them: tests/phygui/viewmodels/test_trace_covered.py)."""
    def bluish(px: np.ndarray) -> np.ndarray:  # the overlay's first selection colour, blended or not
        return (px[..., 2].astype(int) - np.maximum(px[..., 0], px[..., 1]).astype(int)) > 15

    on_top = bluish(covered) | bluish(fresh)
    near = on_top.copy()
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            near |= np.roll(np.roll(on_top, dy, axis=0), dx, axis=1)
    diff = np.abs(covered[..., :3].astype(int) - fresh[..., :3].astype(int)).max(axis=-1)
    assert on_top.sum() > 100
    assert not (diff[~near] > 0).any(), np.argwhere((diff > 0) & ~near)[:5]
    assert diff.max() <= 64  # a fraction of a neighbouring texel


def _open(controller: Any) -> tuple[Any, Any, Any]:
    # The app with the views' data on workers (as GUI.run() does): the GUI, its trace
    # view and the view's tile painter.
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.view_context.async_data = True
        tv = gui.get_view("TraceView")
        gui.render(3)
    except BaseException:
        gui.destroy()
        raise
    return gui, tv, tv.model.painter


def scenario_merge(controller: Any, dataset: Path) -> None:
    gui, tv, painter = _open(controller)
    try:
        keys, sup = keyboard(gui), gui.supervisor
        counts = sup.clustering.spike_counts
        best = max(counts, key=lambda c: counts[c])
        spikes = sup.clustering.spikes_in_clusters([best])
        pair = sorted(int(c) for c in sup.split(spikes[::2]).added)  # both selected
        tv.model.go_to(float(controller.model.spike_times[spikes[len(spikes) // 2]]))
        _settle(gui)
        assert sorted(int(c) for c in sup.selected) == pair
        before = _trace_pixels(gui, tv, "before")

        drawn: list[tuple[int, bool]] = []  # (tile, with its overlay): False for a refresh
        draw = painter.draw
        painter.draw = lambda k, *a: drawn.append((k, a[5] if len(a) > 5 else True)) or draw(k, *a)
        refresh = painter._refresh
        painter._refresh = lambda: None  # the background refresh held back: the covered tiles shown
        keys("g")  # merge
        _settle(gui)
        merged = [int(c) for c in sup.selected]
        assert len(merged) == 1 and merged[0] not in pair
        _overlay_matches(tv, merged)
        shown = [tile for tile, *_ in tv._tile_items.values()]
        assert any(t.covered for t in shown), "the merged clusters' tiles are kept, covered"
        assert [k for k, full in drawn if full] == []  # no tile drawn for the merge
        covered_px = _trace_pixels(gui, tv, "merged_covered")
        for tile in shown:  # what the view shows (tile + overlay) is a fresh drawing's, pixel for pixel
            np.testing.assert_array_equal(tile.composite().image, draw(tile.key[1]).composite().image)

        painter._refresh = refresh  # idle frames: the covered tiles drawn again
        for _ in range(MAX_FRAMES):
            gui.render(1)
            if not painter._refreshing and not any(t.covered for t, *_ in tv._tile_items.values()):
                break
        _settle(gui)
        assert not any(t.covered for t, *_ in tv._tile_items.values())
        refreshed = sorted({k for k, full in drawn if not full})
        covered = sorted({t.key[1] for t in shown if t.covered})
        assert refreshed == covered, (refreshed, covered, drawn)
        fresh_px = _trace_pixels(gui, tv, "merged_fresh")
        _same_but_overlay_edges(covered_px, fresh_px)

        drawn.clear()
        hold(gui, "ctrl", "z")  # undo: the tiles from before the merge put back
        _settle(gui)
        assert sorted(int(c) for c in sup.selected) == pair
        _overlay_matches(tv, pair)
        assert [k for k, full in drawn if full] == []
        np.testing.assert_array_equal(_trace_pixels(gui, tv, "undone"), before)
    finally:
        gui.destroy()


def scenario_undo_elsewhere(controller: Any, dataset: Path) -> None:
    """The two largest clusters (on different channels) merged then undone (real keys):
    the merge draws tiles and overlays again; the undo shows the tiles from before the
    merge again, with their overlays, from their kept (hidden) items: no tile or overlay
    drawn, no texture made, the same pixels as before the merge."""
    gui, tv, painter = _open(controller)
    try:
        keys, sup = keyboard(gui), gui.supervisor
        counts = sup.clustering.spike_counts
        pair = sorted(sorted(counts, key=lambda c: -counts[c])[:2])
        sup.select(pair)
        spikes = sup.clustering.spikes_in_clusters(pair[:1])
        tv.model.go_to(float(controller.model.spike_times[spikes[len(spikes) // 2]]))
        _settle(gui)
        _overlay_matches(tv, pair)
        before = _trace_pixels(gui, tv, "elsewhere_before")
        made, again, overlays = tv.n_tiles_made, tv.n_tiles_shown_again, tv.n_overlays_made

        keys("g")  # merge: the tiles holding the smaller part's spikes are drawn again
        _settle(gui)
        merged = [int(c) for c in sup.selected]
        _overlay_matches(tv, merged)
        assert tv.n_tiles_made > made
        made, overlays = tv.n_tiles_made, tv.n_overlays_made

        drawn: list[int] = []
        draw, draw_overlays = painter.draw, painter.overlays
        painter.draw = lambda k, *a: drawn.append(k) or draw(k, *a)
        painter.overlays = lambda ks, *a: drawn.extend(ks) or draw_overlays(ks, *a)
        hold(gui, "ctrl", "z")  # undo
        _settle(gui)
        assert sorted(int(c) for c in sup.selected) == pair
        _overlay_matches(tv, pair)
        assert drawn == [] and tv.n_tiles_made == made and tv.n_overlays_made == overlays
        assert tv.n_tiles_shown_again > again
        np.testing.assert_array_equal(_trace_pixels(gui, tv, "elsewhere_undone"), before)

        # Another filter: a new tile generation; the tiles kept hidden can never come back.
        hidden = [key for key, *_ in tv._hidden.values()]
        assert hidden
        tv.model.toggle_filter()
        _settle(gui)
        shown = {key[0] for key in tv._tile_items}
        assert shown and all(key[0] in shown for key, *_ in tv._hidden.values())
        assert not set(hidden) & {key for key, *_ in tv._hidden.values()}
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
