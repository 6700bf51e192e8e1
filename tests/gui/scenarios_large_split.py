"""GUI scenarios of a split over many clusters and its undo (issue #18, session 26): what
the views and tables show afterwards is what a from-scratch load shows.

A lasso drawn with real ctrl+clicks (xdotool) in the amplitude view over 8 clusters
selected by a real shift+click in the cluster table, ``k`` and ``ctrl+z``; then a split of
5 % of the spikes over every cluster (as the benchmark) and a real ``ctrl+z``. After each:
the cluster table's rows and order equal rows computed from scratch, the correlogram view
(its bars and baselines joined into few series) looks the same as drawn one series per
item, and the selection is phy's (every new cluster after a split, the one before after
the undo).

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_large_split lasso_split /path/to/data
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, region
from tests.gui.scenarios_mouse import Mouse, _row_centre, plot_to_window
from tests.gui.strict import controller_scenarios, scenario_main


def _table_from_scratch(sup: Any) -> None:
    """Every cluster-table row and the visible order equal those of a table made now."""
    from phycore.supervisor.table_model import TableModel

    table = sup.cluster_table
    ids = sup.clustering.cluster_ids.tolist()
    rows = sup.tables.compute_rows(ids)
    assert sorted(table.ids) == sorted(ids)
    for c in ids:
        assert table.row(c) == {"id": c, **rows[c]}, (c, table.row(c), rows[c])
    fresh = TableModel("fresh", table.columns, sort=table.current_sort)
    fresh.set_rows(rows)
    assert table.visible_ids == fresh.visible_ids


def _tables_show_their_rows(gui: Any) -> None:
    """The widgets of both tables show what their view model says now (a refill only
    touches the cells that changed since the last one)."""
    import dearpygui.dearpygui as dpg

    for name in ("ClusterView", "SimilarityView"):
        view = gui.get_view(name)
        rows = view.model.rows(view._first, view._n_pool, view.selection(), view.color_offset())
        assert view._shown == rows
        for k, (row, cells) in enumerate(view._rows):
            shown = dpg.get_item_configuration(row)["show"]
            assert shown == (k < len(rows)), (name, k)
            if not shown:
                continue
            data = rows[k]
            assert dpg.get_item_configuration(cells[0])["label"] == data.cells[0]
            assert [dpg.get_value(c) for c in cells[1:]] == list(data.cells[1:]), (name, k)
            color = (255, 255, 255, 255) if data.selected_color is not None else data.color
            for c in cells[1:]:
                # Dear PyGui gives colours back as 0..1 floats.
                assert tuple(round(255 * v) for v in dpg.get_item_configuration(c)["color"]) == color, (name, k)
            assert (k + 1 in view._highlighted) == (data.selected_color is not None)


def _same_correlograms(gui: Any, name: str) -> None:
    """The correlogram view with its items joined into few series looks as with one
    series per bar and per baseline."""
    view = gui.get_view("CorrelogramView")
    n = len(view.model.cluster_ids)
    joined = region(gui, view, grab(gui, f"{name}_joined"))
    n_joined = len(view._items)
    view.join_series = False
    view.dirty = True
    gui.render(3)
    separate = region(gui, view, grab(gui, f"{name}_separate"))
    n_separate = len(view._items)
    view.join_series = True
    view.dirty = True
    gui.render(3)
    # One series per bar and per baseline, plus 2 labels per cluster; joined: at most 3 bar
    # series per row (the diagonal's colour differs), one for every baseline.
    assert n_separate == 2 * n * n + 2 * n and n_joined <= 3 * n + 1 + 2 * n, (n, n_joined, n_separate)
    differ = np.abs(joined[..., :3].astype(int) - separate[..., :3].astype(int)).max(axis=-1) > 2
    assert differ.mean() < 0.0005, f"{differ.mean():.4%} of the correlogram view's pixels differ"
    assert joined[..., :3].max() > 100  # bars were drawn


def _settle(gui: Any) -> None:
    gui.render(6)
    assert all(not getattr(getattr(v, "model", None), "is_dirty", False) for v in gui.views)


def _check_after(gui: Any, name: str, selected: list[int]) -> None:
    sup = gui.supervisor
    _settle(gui)
    assert sup.selected_clusters == selected, (sup.selected_clusters, selected)
    _table_from_scratch(sup)
    _tables_show_their_rows(gui)
    _same_correlograms(gui, name)


def scenario_lasso_split(controller: Any, dataset: Path) -> None:
    """8 clusters selected by a real shift+click, a real lasso and ``k``, then ``ctrl+z``."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(5)
        sup, mouse = gui.supervisor, Mouse(gui)
        table = gui.get_view("ClusterView")
        ids = sup.cluster_table.visible_ids
        mouse.move(*_row_centre(gui, table, ids[0]))
        mouse.click(1)
        mouse.move(*_row_centre(gui, table, ids[7]))
        mouse.click(1, "shift")
        gui.render(4)
        assert sup.selected_clusters == ids[:8], sup.selected_clusters
        _settle(gui)
        before = sup.selected_clusters

        amp = gui.get_view("AmplitudeView")
        to_px = plot_to_window(mouse, amp)
        (x0, x1), (y0, y1) = (amp.model.extent or amp._home)[0::2], (amp.model.extent or amp._home)[1::2]
        x0, x1, y0, y1 = x0 + 0.3 * (x1 - x0), x0 + 0.6 * (x1 - x0), y0 + 0.02 * (y1 - y0), y1 - 0.02 * (y1 - y0)
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):  # a band of time, every amplitude
            mouse.move(*to_px(x, y))
            mouse.click(1, "ctrl")
        mouse.key("k")
        gui.render(3)
        added = sup.selected_clusters
        assert len(added) == 9 and not set(added) & set(before), added  # the lassoed spikes + 8 rests
        _check_after(gui, "large_split_lasso", added)

        mouse.key("ctrl+z")
        _check_after(gui, "large_split_lasso_undone", before)
    finally:
        gui.destroy()


def scenario_split_every_cluster(controller: Any, dataset: Path) -> None:
    """5 % of the spikes split over every cluster (as ``bench_gui.py --split``), then a real
    ``ctrl+z``; the cluster scatter view draws the whole selection on top."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(5)
        sup, mouse = gui.supervisor, Mouse(gui)
        # The loaded session is frozen (phygui.heap): no full collection scans it mid-split.
        assert gui.heap.frozen >= 1 and gc.get_freeze_count() > 0
        assert not any(o is sup.clustering for o in gc.get_objects())
        before_ids = sup.clustering.cluster_ids.tolist()
        sup.select(*sup.cluster_table.visible_ids[:2])
        _settle(gui)
        before = sup.selected_clusters
        n = sup.clustering.n_spikes
        # 5 % (the benchmark's 1 % of 10M spikes; here 20k): every cluster loses some.
        spikes = np.sort(np.random.default_rng(3).choice(n, n // 20, replace=False))
        up = sup.split(spikes)
        assert up is not None and len(up.added) == len(before_ids) + 1
        _check_after(gui, "large_split_all", list(up.added))
        scatter = gui.get_view("ClusterScatterView")
        assert scatter.model.cluster_ids == list(up.added)
        mouse.move(*_row_centre(gui, gui.get_view("ClusterView"), sup.cluster_table.visible_ids[0]))
        mouse.key("ctrl+z")
        _check_after(gui, "large_split_all_undone", before)
        assert sup.clustering.cluster_ids.tolist() == before_ids
    finally:
        gui.destroy()
    assert gc.get_freeze_count() == 0  # given back with the window


run: Callable[[str, Path], None] = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
