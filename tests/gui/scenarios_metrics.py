"""GUI scenario: the quality-metric columns never make the GUI thread wait. The session
opens with ``metrics="background"`` (the app's choice); real keys select a pair (``Down``,
``space``), merge it (``g``) and undo (ctrl+z). After the merge, the merged cluster's metric
cells are filled by a worker and appear in the cluster table a few frames later, equal to a
synchronous computation; after the undo the pair's cells are back at once, computed by
nobody (rows of deleted clusters are kept for undo).

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_metrics merge_undo /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, hold, keyboard
from tests.gui.strict import expected_errors, no_logged_errors, scenario_main

MAX_FRAMES = 600
COLUMN = "isolation_distance"


def _cells(gui: Any, cluster_id: int) -> dict[str, str]:
    """The texts the cluster table shows in the row of ``cluster_id`` (scrolled into view)."""
    import dearpygui.dearpygui as dpg

    cv = gui.get_view("ClusterView")
    first = cv.model.scroll_to_show(cluster_id, cv._first, cv._n_pool - 1)
    if first != cv._first:
        cv._want_scroll_to = first
        gui.render(3)
    for data, (_, cells) in zip(cv._shown, cv._rows):
        if data.cells[0] == str(cluster_id):
            return {c: dpg.get_value(cell) for c, cell in zip(cv._columns[1:], cells[1:])}
    raise AssertionError(f"cluster {cluster_id} is not in the rows on screen")


def _show_metric_columns(gui: Any) -> None:
    """Scroll the cluster table sideways to its last columns (the metrics), for the screenshot."""
    import dearpygui.dearpygui as dpg

    table = gui.get_view("ClusterView")._table
    gui.render(1)
    dpg.set_x_scroll(table, dpg.get_x_scroll_max(table))
    gui.render(2)


def _render_until(gui: Any, done: Callable[[], bool], what: str) -> int:
    for n in range(MAX_FRAMES):
        if done():
            return n
        gui.render(1)
    raise AssertionError(f"{what}: not after {MAX_FRAMES} frames")


def scenario_merge_undo(controller: Any, dataset: Path) -> None:
    from phycore.controller._metrics import METRIC_COLUMNS
    from phygui.app import create_gui
    from phygui.viewmodels.cluster_table import format_cell

    gui = create_gui(controller)
    q, sup = controller.quality, controller.supervisor
    try:
        gui.render(3)
        _render_until(gui, lambda: q.ready, "initial metrics installed")
        keys = keyboard(gui)
        keys("Down", "space")  # the best cluster and its most similar one
        gui.render(3)
        pair = [int(c) for c in sup.selected]
        assert len(pair) == 2, pair
        before = {c: _cells(gui, c) for c in pair}
        assert all(before[c][COLUMN] for c in pair), before
        n0 = q.n_computed

        keys("g")  # merge: the merged cluster's row is computed on the worker
        merged = int(sup.selected[0])
        assert merged not in pair
        frames = _render_until(gui, lambda: bool(_cells(gui, merged)[COLUMN]), "merged cluster's cells filled")
        assert q.n_computed == n0 + 1 and q.n_pending == 0
        spikes = np.array(sup.clustering.spikes_in_clusters([merged]))
        sync = q.metrics.compute_rows({merged: spikes})[merged]  # the same row, computed here
        shown = _cells(gui, merged)
        for name in METRIC_COLUMNS:
            if name in shown:
                value = float(sync[q.metrics.columns.index(name)])
                assert shown[name] == format_cell(name, None if np.isnan(value) else value), (name, shown)
        _show_metric_columns(gui)
        grab(gui, "metrics_after_merge")
        print(f"merge: metric cells filled {frames} frame(s) after the key; {shown}")

        hold(gui, "ctrl", "z")  # undo: the pair's rows come back from the store
        gui.render(2)
        assert sorted(int(c) for c in sup.selected) == sorted(pair), (sup.selected, pair)
        assert q.n_computed == n0 + 1 and q.n_pending == 0  # nothing computed again
        assert {c: _cells(gui, c) for c in pair} == before
        _show_metric_columns(gui)
        grab(gui, "metrics_after_undo")
    finally:
        gui.destroy()


def scenario_rows_wait_for_views(controller: Any, dataset: Path) -> None:
    """With the views' data computed on workers (the app's mode), the merged cluster's
    metric row does not start while a shown view still waits for its data: it starts on
    the first frame that finds them all drawn. Its cells then show with no other event
    (the poll that installs the row redraws the table's rows: nothing else did, so the
    cells of a row landing after the views stayed empty until the next click)."""
    from phycore.controller import _metrics
    from phygui.app import create_gui

    gui = create_gui(controller)
    q, sup = controller.quality, controller.supervisor
    gui.view_context.async_data = True
    max_hold, _metrics._MAX_HOLD = _metrics._MAX_HOLD, 3600.0  # (a loaded machine: not this test's limit)
    frames: list[tuple[list[str], dict[int, bool]]] = []  # views waiting, {job: started} per frame
    release = gui._release_metrics

    def recorded() -> None:
        release()
        waiting = [v.name for v in gui.docks.views if getattr(v, "data_pending", False) is True]
        frames.append((waiting, {c: job.future is not None for c, job in q._jobs.items()}))

    gui._release_metrics = recorded
    try:
        gui.render(3)
        _render_until(gui, lambda: q.ready and controller.busy is None, "initial metrics installed")
        keys = keyboard(gui)
        keys("Down", "space")
        _render_until(gui, lambda: not any(getattr(v, "data_pending", False) for v in gui.docks.views), "pair drawn")
        pair = [int(c) for c in sup.selected]
        assert len(pair) == 2, pair
        del frames[:]
        keys("g")
        merged = [int(sup.selected[0])]
        assert merged[0] not in pair
        _render_until(gui, lambda: bool(_cells(gui, merged[0])[COLUMN]), "merged cluster's cells filled")
        row = [(views, jobs[merged[0]]) for views, jobs in frames if merged[0] in jobs]
        waited = [f for f in row if f[0]]
        assert waited, frames  # the merged cluster's views computed on workers for a frame or more
        assert not any(started for _, started in waited), frames  # the row waited for them
        assert any(started for views, started in row if not views), frames  # then started
        _show_metric_columns(gui)
        grab(gui, "metrics_row_after_views")
        print(f"merge: the row waited {len(waited)} frame(s) for {sorted({v for f in waited for v in f[0]})}")
    finally:
        _metrics._MAX_HOLD = max_hold
        gui.destroy()


def scenario_filter_new_columns(controller: Any, dataset: Path) -> None:
    """The SNR and firing-range columns (SpikeInterface's definitions) are real table
    columns: typed into the filter box with real keys (``snr > k``, ``k`` the median SNR
    rounded down), the table keeps exactly the clusters whose SNR is above ``k``, and
    their cells show the values."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui
    from phygui.viewmodels.cluster_table import format_cell
    from tests.gui.scenarios_state import _click

    gui = create_gui(controller)
    q, sup = controller.quality, controller.supervisor
    try:
        gui.render(3)
        _render_until(gui, lambda: q.ready, "initial metrics installed")
        gui.render(2)
        names = controller.supervisor.columns
        assert {"snr", "firing_range", "drift_ptp"} <= set(names), names
        snr = {c: q.metrics.get(c, "snr") for c in sup.clustering.cluster_ids.tolist()}
        assert all(np.isfinite(v) and v > 0 for v in snr.values()), snr
        k = int(np.median(list(snr.values())))
        expected = sorted(c for c, v in snr.items() if v > k)
        assert 0 < len(expected) < len(snr), snr  # the filter keeps some clusters, not all
        cv = gui.cluster_view
        x, y = dpg.get_item_rect_min(cv.filter_input)
        _click(gui, x + 20, y + 5)
        keys = keyboard(gui)
        keys("s", "n", "r", "space", "greater", "space", *str(k))  # xdotool's "type" loses ">"
        _render_until(gui, lambda: sup.cluster_table.filter_text == f"snr > {k}", "filter applied")
        gui.render(3)
        assert sorted(sup.cluster_table.visible_ids) == expected, (sup.cluster_table.visible_ids, expected)
        first = int(sup.cluster_table.visible_ids[0])
        cells = _cells(gui, first)
        assert cells["snr"] == format_cell("snr", snr[first]), cells
        assert cells["firing_range"] == format_cell("firing_range", q.metrics.get(first, "firing_range")), cells
        from tests.gui.helpers import window_id, xdotool_while_rendering

        # The pointer off the filter box: its tooltip would hide the column headers.
        xdotool_while_rendering(gui, "mousemove", "--window", window_id(), "700", "700")
        _show_metric_columns(gui)
        grab(gui, "metrics_filter_snr")
        print(f"filter 'snr > {k}': {len(expected)} of {len(snr)} clusters; cells of {first}: {cells}")
    finally:
        gui.destroy()


def run(name: str, dataset: Path) -> None:
    """Run ``scenario_<name>`` on a session with background metrics (as the app opens one),
    failing on any error logged meanwhile."""
    from phycore import signals
    from phycore.controller import TemplateController

    func = globals()[f"scenario_{name}"]
    signals.set_raise_errors(False)  # logged, as in the app; no_logged_errors fails on the log
    with no_logged_errors(expected_errors(func)):
        controller = TemplateController(dataset / "params.py", metrics="background")
        try:
            func(controller, dataset)
        finally:
            controller.close()


if __name__ == "__main__":
    scenario_main(run)
