"""GUI scenario: the trace view draws the selected clusters' spikes as an overlay of its
tiles. Real keys select (``Down``, ``space``), deselect the similar cluster
(``backspace``), merge (``g``) and undo (ctrl+z), with the views' data on workers (as
``GUI.run`` does). After each step the trace view shows the selection colours of the
selected clusters, and not those of a cluster no longer selected, while its tiles (the
traces) were not redrawn: only the overlays were.

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_trace_overlay overlay /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, hold, keyboard, region
from tests.gui.scenarios_async_views import MAX_FRAMES, _data_views, _settled
from tests.gui.strict import controller_scenarios, scenario_main


def _settle(gui: Any) -> None:
    views = _data_views(gui)
    for _ in range(MAX_FRAMES):
        if _settled(views):
            break
        gui.render(1)
    assert _settled(views)


def _colours(gui: Any, label: str) -> list[bool]:
    """Which of the first two selection colours the trace view shows (screenshot saved)."""
    from phycore.supervisor.colors import selected_cluster_color

    tv = gui.get_view("TraceView")
    pix = region(gui, tv, grab(gui, f"trace_overlay_{label}"))
    return [has_color(pix, tuple(int(round(255 * c)) for c in selected_cluster_color(i)[:3]), tol=10, min_count=8)
            for i in range(2)]


def _overlay_matches(tv: Any, selected: list[int]) -> None:
    """The overlays shown are those of the selection; every selected spike of the window
    (those with a best channel) is drawn in them."""
    m = tv.model
    assert [int(c) for c in m.cluster_ids] == selected
    shown = list(tv._overlay_items.values())
    assert shown and all(o is not None and o.key[1] == tuple(selected) for o, _items in shown)
    ids, clusters = m.spikes_in_window()
    in_sel = ids[np.isin(clusters, selected)]
    drawn = m.drawn_spikes
    on_top = drawn[np.isin(drawn["spike"], in_sel)]
    assert set(on_top["cluster"].tolist()) <= set(selected)
    assert len(in_sel) == 0 or len(on_top) > 0


def scenario_overlay(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.view_context.async_data = True  # as GUI.run() does
        tv = gui.get_view("TraceView")
        tv.model.toggle_show_all_spikes(False)  # grey traces: the selection colours are the overlays'
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        keys("Down", "space")  # the best cluster and its most similar one
        _settle(gui)
        pair = [int(c) for c in sup.selected]
        assert len(pair) == 2
        # a window centred on a spike of the second cluster (set up), so both colours show
        spikes = sup.clustering.spikes_in_clusters([pair[1]])
        tv.model.go_to(float(controller.model.spike_times[spikes[len(spikes) // 2]]))
        _settle(gui)
        _overlay_matches(tv, pair)
        assert _colours(gui, "pair") == [True, True]
        tiles = tv.n_tiles_made
        overlays = tv.n_overlays_made

        keys("BackSpace")  # the similar cluster deselected: its colour is gone, the tiles stay
        _settle(gui)
        _overlay_matches(tv, pair[:1])
        assert _colours(gui, "one") == [True, False]
        assert tv.n_tiles_made == tiles and tv.n_overlays_made > overlays, (tiles, tv.n_tiles_made)
        keys("space")  # selected again: new overlays, the same tiles
        _settle(gui)
        assert [int(c) for c in sup.selected] == pair
        _overlay_matches(tv, pair)
        assert _colours(gui, "pair_again") == [True, True]
        assert tv.n_tiles_made == tiles

        keys("g")  # merge: the merged cluster's spikes in the first colour
        _settle(gui)
        merged = [int(c) for c in sup.selected]
        assert len(merged) == 1 and merged[0] not in pair
        _overlay_matches(tv, merged)
        assert _colours(gui, "merged") == [True, False]

        hold(gui, "ctrl", "z")  # undo: the pair again, in both colours
        _settle(gui)
        assert [int(c) for c in sup.selected] == pair
        _overlay_matches(tv, pair)
        assert _colours(gui, "undone") == [True, True]
        assert tv.n_tiles_made == tiles  # the traces were drawn once: only the overlays changed

        tv.model.toggle_show_all_spikes(True)  # every cluster's spikes: the tiles are drawn again
        _settle(gui)
        tiles = tv.n_tiles_made
        keys("BackSpace")
        _settle(gui)
        _overlay_matches(tv, pair[:1])
        assert tv.n_tiles_made == tiles  # a new selection still draws the overlays only
        grab(gui, "trace_overlay_all_spikes")
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
