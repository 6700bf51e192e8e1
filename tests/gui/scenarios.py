"""GUI scenarios, each run by a test of ``test_gui_app.py`` marked ``subprocess``, so in its own
process (one Dear PyGui context per process: a second context in the same process can
segfault in dearpygui 2.3.1). A scenario fails on any error the app logs (a subscriber,
view or action that raised) unless it declares it with ``@expect_errors``.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios startup /path/to/data
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import ARTIFACTS, grab, has_color, keyboard, region, window_id, xdotool_while_rendering
from tests.gui.strict import expect_errors, expected_errors, no_logged_errors, scenario_main

BLUE, RED = (0x08, 0x92, 0xFC), (0xFF, 0x02, 0x02)
GOOD, MUA, NOISE = (0x86, 0xD1, 0x6D), (0xAF, 0xAF, 0xAF), (0x77, 0x77, 0x77)
DOWN, SPACE, G, Z, S, SEMICOLON = 516, 524, 552, 571, 564, 601


def scenario_startup_tables_and_pixels(gui: Any, dataset: Path) -> None:
    sup = gui.supervisor
    ids = sup.cluster_table.visible_ids
    sup.select(ids[0], ids[1])
    gui.render(3)
    frame = grab(gui, "startup_two_selected")
    assert frame.shape[0] >= 900 and frame.shape[1] >= 1500
    assert frame[..., :3].std() > 10  # not blank
    table = region(gui, gui.cluster_view, frame)
    assert has_color(table, BLUE, min_count=200), "first selected row is not blue"
    assert has_color(table, RED, min_count=200), "second selected row is not red"
    groups = {sup.cluster_table.get(c, "group") for c in ids[2:20]}
    if "good" in groups:
        assert has_color(table, GOOD, tol=8)
    if "noise" in groups:
        assert has_color(table, NOISE, tol=8)
    # rows are drawn: many distinct text lines in the table region
    rows_with_text = (table[..., :3].max(axis=-1) > 150).any(axis=1).sum()
    assert rows_with_text > 100
    # only visible rows exist as widgets (virtualised table)
    assert gui.cluster_view._n_pool < 80
    sim = region(gui, gui.similarity_view, frame)
    assert (sim[..., :3].max(axis=-1) > 150).any(axis=1).sum() > 60  # 8 rows in phy's default layout


def scenario_keyboard_dispatch_merge_undo_save(gui: Any, dataset: Path) -> None:
    sup = gui.supervisor
    n0 = len(sup.clustering.cluster_ids)
    gui.handle_key(DOWN)
    gui.render(1)
    assert len(sup.selected_clusters) == 1
    gui.handle_key(SPACE)
    gui.render(1)
    assert len(sup.selected) == 2
    pair = sup.selected
    gui.handle_key(G)
    gui.render(2)
    assert len(sup.clustering.cluster_ids) == n0 - 1
    assert not set(pair) & set(sup.clustering.cluster_ids)
    assert "merge" in gui.status.text()
    gui.handle_key(Z, ctrl=True)
    gui.render(1)
    assert len(sup.clustering.cluster_ids) == n0
    gui.handle_key(Z, ctrl=True, shift=True)
    gui.render(1)
    assert len(sup.clustering.cluster_ids) == n0 - 1
    assert sup.is_dirty()
    gui.handle_key(S, ctrl=True)
    gui.render(1)
    assert not sup.is_dirty()
    saved = np.load(dataset / "spike_clusters.npy")
    assert not set(pair) & set(np.unique(saved).tolist())
    assert "saved" in gui.status.text()
    grab(gui, "after_merge_save")


def scenario_clicks_select_and_similarity_updates(gui: Any, dataset: Path) -> None:
    sup, cv, sv = gui.supervisor, gui.cluster_view, gui.similarity_view
    ids = sup.cluster_table.visible_ids
    cv.click_row(ids[3])
    assert sup.selected_clusters == [ids[3]]
    assert ids[3] not in sup.similarity_table.visible_ids and len(sup.similarity_table) > 0
    cv.click_row(ids[5], ctrl=True)
    assert sup.selected_clusters == [ids[3], ids[5]]
    cv.click_row(ids[3], ctrl=True)
    assert sup.selected_clusters == [ids[5]]
    cv.click_row(ids[8], shift=True)
    assert sup.selected_clusters == ids[3:9]  # shift: range from the last clicked row
    sim_ids = sup.similarity_table.visible_ids
    sv.click_row(sim_ids[0])
    assert sup.selected_similar == [sim_ids[0]]
    gui.render(2)
    frame = grab(gui, "clicks")
    # the similarity row takes the colour after the 6 cluster-table selections (phy's palette, index 6)
    assert sv.color_offset() == 6
    assert has_color(region(gui, sv, frame), (0xFF, 0x8F, 0xC8), min_count=100)


def scenario_snippet_mode_and_errors(gui: Any, dataset: Path) -> None:
    sup = gui.supervisor
    gui.handle_key(SEMICOLON, shift=True)  # ':'
    gui.render(2)
    assert gui.snippets.active
    ids = sup.cluster_table.visible_ids
    r = gui.run_snippet(f":merge {ids[0]} {ids[1]}")
    assert r.ok and ids[0] not in sup.clustering.cluster_ids
    r = gui.run_snippet(f":c {ids[2]} {ids[3]}")
    assert r.ok and sup.selected_clusters == [ids[2], ids[3]]
    r = gui.run_snippet(":label quality good")
    assert r.ok and sup.cluster_meta.get("quality", ids[2]) == "good"
    r = gui.run_snippet(":nope 1")
    assert not r.ok and "Unknown snippet" in gui.status.error
    gui.render(2)
    grab(gui, "snippet_error")
    # prompt actions open the command line with their snippet
    gui.handle_key(557)  # 'l'
    gui.render(2)
    assert gui.snippets.text.startswith(":l")


def scenario_filter_and_sort_emit_events(gui: Any, dataset: Path) -> None:
    from phycore.signals import connect

    seen: list[tuple[str, int]] = []
    connect(lambda s, ids: seen.append(("filter", len(ids))), event="table_filter")
    connect(lambda s, ids: seen.append(("sort", len(ids))), event="table_sort")
    cv = gui.cluster_view
    cv.apply_filter("n_spikes > 500")
    gui.render(2)
    n = cv.model.n_rows
    assert 0 < n < len(gui.supervisor.cluster_table)
    assert ("filter", n) in seen
    cv.apply_filter("this is not valid ((")
    assert gui.status.error and cv.model.n_rows == n
    cv.model.header_click("fr")
    assert gui.supervisor.cluster_table.current_sort == ("fr", "desc")
    assert ("sort", n) in seen
    cv.clear_filter()
    gui.render(2)
    assert cv.model.n_rows == len(gui.supervisor.cluster_table)


def scenario_state_save(gui: Any, dataset: Path) -> None:
    ids = gui.supervisor.cluster_table.visible_ids
    gui.cluster_view.model.header_click("fr")
    gui.supervisor.select(ids[4])
    gui.close_view(gui.get_view("FeatureView"))
    gui.render(3)
    assert gui.request_close() is True
    local = json.loads((dataset / ".phy" / "state.json").read_text())
    assert local["ClusterView"]["selected"] == [ids[4]]
    (dataset / "expected.json").write_text(json.dumps({"selected": [ids[4]]}))


def scenario_state_restore(gui: Any, dataset: Path) -> None:
    expected = json.loads((dataset / "expected.json").read_text())
    assert gui.supervisor.cluster_table.current_sort == ("fr", "desc")
    assert gui.supervisor.selected_clusters == expected["selected"]
    assert gui.get_view("FeatureView") is None
    assert "FeatureView" in gui.view_classes  # can be re-added from View > Add view
    assert "[Docking]" in gui.state["GUI"]["layout_ini"]
    assert gui.state["GUI"]["viewport"]["width"] >= 800 and "open_views" in gui.state["GUI"]
    grab(gui, "state_restored")


def scenario_close_with_unsaved_changes_prompts(gui: Any, dataset: Path) -> None:
    sup = gui.supervisor
    ids = sup.cluster_table.visible_ids
    sup.merge(ids[0], ids[1])
    assert gui.request_close() is False
    gui.render(2)
    assert gui.close_prompt.shown
    grab(gui, "close_prompt")
    gui.close_prompt.answer("cancel")
    gui.render(2)
    assert not gui.close_prompt.shown and sup.is_dirty()
    assert gui.request_close() is False
    gui.close_prompt.answer("save")
    assert not sup.is_dirty()
    assert not (set(ids[:2]) & set(np.unique(np.load(dataset / "spike_clusters.npy")).tolist()))


@expect_errors(r"View Broken failed in update(.|\n)*boom in draw", r"Action explode failed",
               r"Error in subscriber .*on_select of event 'select'(.|\n)*plugin bug")
def scenario_failing_view_and_plugin_action_do_not_crash(gui: Any, dataset: Path) -> None:
    from phygui.views.base import View

    class Broken(View):
        def update(self) -> None:
            raise RuntimeError("boom in draw")

    gui.register_view("Broken", Broken, show=True)
    group = gui.add_action_group("Plugin", menu="Plugin")
    group.add(lambda: 1 / 0, name="explode", shortcut="alt+x")
    gui.render(5)
    assert "boom in draw" in gui.status.error
    gui.handle_key(569, alt=True)
    gui.render(2)
    assert "explode" in gui.status.error
    gui.supervisor.select(gui.supervisor.cluster_table.visible_ids[0])
    gui.render(3)  # still running
    # a plugin's event handler that raises is logged and shown; the others still run
    from phycore.signals import connect

    def on_select(sender: Any, cluster_ids: Any, **kwargs: Any) -> None:
        raise KeyError("plugin bug")

    connect(on_select, event="select")
    gui.supervisor.select(gui.supervisor.cluster_table.visible_ids[1])
    gui.render(3)
    assert "plugin bug" in gui.status.error, gui.status.error
    assert gui.supervisor.selected_clusters == [gui.supervisor.cluster_table.visible_ids[1]]
    grab(gui, "errors_shown")


def scenario_plugin_view_and_events(controller: Any, dataset: Path) -> None:
    from phycore.signals import connect
    from phygui.app import create_gui
    from phygui.views.base import View

    events: list[str] = []

    class MyView(View):
        pass

    def on_gui_ready(sender: Any, gui: Any) -> None:
        events.append("gui_ready")
        gui.register_view("MyView", MyView)

    connect(on_gui_ready, event="gui_ready")
    connect(lambda gui, view: events.append(f"add_view:{view.name}"), event="add_view")
    connect(lambda view, gui: events.append(f"close_view:{view.name}"), event="close_view")  # phy's order
    connect(lambda gui: events.append("show"), event="show")
    connect(lambda gui: events.append("close"), event="close")
    controller.view_creator = {"CreatorView": lambda gui: MyView(gui, "CreatorView")}  # phy's API
    gui = create_gui(controller)
    try:
        gui.render(2)
        assert "gui_ready" in events and "show" in events
        from phygui.menus import menu_entries

        assert "MyView" in gui.view_classes
        view = gui.add_view(gui.view_classes["MyView"](gui))
        gui.render(2)
        assert "add_view:MyView" in events
        gui.close_view(view)
        assert "close_view:MyView" in events
        assert "CreatorView" in gui.view_classes
        gui.add_view(gui.view_classes["CreatorView"](gui))
        assert gui.get_view("CreatorView") is not None
        gui.close_view(gui.get_view("WaveformView"))
        gui.reset_layout()  # re-opens closed views; default docking from the next start
        assert not gui.docks.closed
        gui.render(2)
        assert {"File", "Edit", "Select", "View", "Help"} <= set(menu_entries(gui))
        # a plugin action added to the Supervisor's Edit group after start: menu, key and snippet
        hits: list[int] = []

        def split_by_amplitude() -> None:
            """Plugin action."""
            hits.append(1)

        gui.supervisor.actions.add(split_by_amplitude, shortcut="ctrl+alt+a", alias="sa")
        gui.render(2)
        assert any(a.name == "split_by_amplitude" for _, a in menu_entries(gui)["Edit"])
        gui.handle_key(546, ctrl=True, alt=True)
        assert gui.run_snippet(":sa").ok
        assert hits == [1, 1]
        rows = gui.show_help()
        assert any(r[1] == "split_by_amplitude" and r[2] == "ctrl+alt+a" and r[3] == ":sa" for r in rows)
        assert any(r[1] == "merge" and r[2] == "g" for r in rows)
        gui.render(2)
        grab(gui, "help_window")
        assert gui.request_close()
        assert "close" in events
        assert gui.state["GUI"]["layout_ini"] is None
    finally:
        gui.destroy()


def scenario_xdotool_keys(gui: Any, dataset: Path) -> None:
    """Real X key events (xdotool) reach the keymap: select, merge, undo, snippet line."""
    import shutil

    assert shutil.which("xdotool"), "xdotool is not installed"
    sup = gui.supervisor
    n0 = len(sup.clustering.cluster_ids)
    wid, keys = window_id(), keyboard(gui)

    keys("Down", "Down")
    assert len(sup.selected_clusters) == 1
    keys("space")
    assert len(sup.selected) == 2
    pair = sup.selected
    keys("g")
    assert len(sup.clustering.cluster_ids) == n0 - 1 and not set(pair) & set(sup.clustering.cluster_ids)
    keys("ctrl+z")
    assert len(sup.clustering.cluster_ids) == n0
    # typing in the filter box does not trigger shortcuts
    import dearpygui.dearpygui as dpg

    dpg.focus_item(gui.cluster_view.filter_input)
    gui.render(3)
    keys("g")
    assert len(sup.clustering.cluster_ids) == n0
    keys("Escape")
    # snippet mode: ':' opens the command line, typed text runs on Enter
    ids = sup.cluster_table.visible_ids[:2]
    keys("colon")
    assert gui.snippets.active
    keys(f"c {ids[0]} {ids[1]}", command="type")
    keys("Return")
    assert sup.selected_clusters == list(ids), gui.status.error
    # history: ':' then Up recalls the last snippet, Enter runs it again
    sup.select(sup.cluster_table.visible_ids[5])
    keys("colon")
    keys("Up")
    keys("Return")
    assert sup.selected_clusters == list(ids), (gui.status.text(), gui.status.error)
    # mouse: the wheel over the table scrolls it; a click on a row selects that row's cluster
    cv = gui.cluster_view
    bx, by = (int(v) + 5 for v in dpg.get_item_state(cv._rows[3][1][0])["rect_min"])  # over the table's rows
    xdotool_while_rendering(gui, "mousemove", "--window", wid, str(bx), str(by), "click", "--repeat", "3", "--delay",
                            "60", "5")
    assert dpg.get_y_scroll(cv._body) > 0 and cv._first > 0
    x, y = dpg.get_item_state(cv._rows[2][1][0])["rect_min"]
    target = cv._shown[2].cluster_id
    xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(x) + 5), str(int(y) + 6), "click", "1")
    assert sup.selected_clusters == [target], (sup.selected_clusters, target)
    # Escape leaves snippet mode without running anything
    keys("colon")
    keys("g", command="type")
    keys("Escape")
    assert not gui.snippets.active
    grab(gui, "xdotool_keys")


def scenario_template_gui_script(controller: Any, dataset: Path) -> None:
    """`phygui.template_gui(params)` runs the event loop; a `show` subscriber closes it."""
    import phygui
    from phycore.signals import connect

    seen: list[Any] = []

    def on_gui_ready(sender: Any, gui: Any) -> None:
        seen.append(("gui_ready", type(sender).__name__))

    def on_show(gui: Any) -> None:
        seen.append("show")
        gui.supervisor.select(gui.supervisor.cluster_table.visible_ids[0])
        gui.request_close()

    connect(on_gui_ready, event="gui_ready")
    connect(on_show, event="show")
    # The harness's session holds the folder: release it so the script's session writes.
    controller.close()
    phygui.template_gui(dataset / "params.py")
    assert seen == [("gui_ready", "TemplateController"), "show"], seen
    assert (dataset / ".phy" / "state.json").exists()


def scenario_big_table(controller: Any, dataset: Path) -> None:
    """5,000 clusters: only the rows in view are widgets; scrolling shows the right rows."""
    import dearpygui.dearpygui as dpg

    from phycore.supervisor import Supervisor
    from phygui.gui import GUI

    rng = np.random.default_rng(0)
    n = 5000
    sup = Supervisor(rng.integers(0, n, 500_000), cluster_groups={c: "good" for c in range(0, n, 7)},
                     similarity=lambda c: [((c + k) % n, 1.0 / k) for k in range(1, 50)])
    gui = GUI(supervisor=sup, views=["WaveformView"])
    try:
        gui.render(5)
        cv = gui.cluster_view
        assert cv.model.n_rows == n and cv._n_pool < 80
        last = sup.cluster_table.visible_ids[-1]
        sup.select(last)  # the table scrolls to show it
        gui.render(4)
        shown = [r.cluster_id for r in cv._shown]
        assert last in shown, (cv._first, shown[:3])
        assert dpg.get_y_scroll(cv._body) > 1000
        gui.handle_key(519)  # home: first navigable cluster, scrolls back up
        gui.render(4)
        assert sup.selected_clusters[0] in [r.cluster_id for r in cv._shown]
        assert cv._first < 5
        grab(gui, "big_table")
    finally:
        gui.destroy()


DATA_VIEWS = ("WaveformView", "FeatureView", "AmplitudeView", "CorrelogramView", "ISIView", "FiringRateView")


def _data_views_gui(controller: Any) -> Any:
    from phygui.app import create_gui

    return create_gui(controller, views=list(DATA_VIEWS))


def scenario_data_views_pixels(controller: Any, dataset: Path) -> None:
    """Every data view draws the two selected clusters in their colours inside its window."""
    from phygui.views._plot import PlotView

    gui = _data_views_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        gui.render(6)
        frame = grab(gui, "data_views")
        for name in DATA_VIEWS:
            view = gui.get_view(name)
            assert isinstance(view, PlotView), (name, view)
            assert view.model.cluster_ids == [ids[0], ids[1]]
            assert view.n_rasterised >= 1 or name in ("CorrelogramView", "ISIView", "FiringRateView"), \
                (name, gui.status.error)
            pix = region(gui, view, frame)
            grab_name = name.replace("View", "").lower()
            from PIL import Image

            Image.fromarray(pix).save(ARTIFACTS / f"{grab_name}.png")
            assert has_color(pix, BLUE, tol=40, min_count=20), f"{name}: no first-cluster (blue) pixels"
            assert has_color(pix, RED, tol=40, min_count=20), f"{name}: no second-cluster (red) pixels"
        # zoom: the plot's new limits go to the model, which rasterises just that rectangle
        av = gui.get_view("AmplitudeView")
        n = av.n_rasterised
        x0, y0, x1, y1 = av._home
        av._set_limits((0.0, y0, 5.0, y1))
        gui.render(4)
        assert av.model.extent is not None and abs(av.model.extent[2] - 5.0) < 1e-6, av.model.extent
        assert av.n_rasterised == n + 1 and not av.model.is_dirty
        gui.render(3)  # limits released: they stay, and nothing is re-rasterised
        assert av.n_rasterised == n + 1 and abs(av.model.extent[2] - 5.0) < 1e-6
        grab(gui, "amplitude_zoomed")
        av.reset_view()
        gui.render(4)
        assert av.model.extent is None
        # a view's command through its action group: shortcut 'w' cycles the waveform type
        wv = gui.get_view("WaveformView")
        assert not gui.dispatcher.keymap.conflicts, gui.dispatcher.keymap.conflicts
        assert gui.dispatcher.keymap.lookup("w") is wv.actions.get("next_waveforms_type")
        assert gui.dispatcher.keymap.lookup("n") is gui.get_view("CorrelogramView").actions.get("toggle_normalization")
        gui.handle_key(568)  # 'w'
        gui.render(3)
        assert wv.model.options.waveforms_type == "mean_waveforms"
        # selection switch: every view follows, textures replaced (old ones deleted)
        n0 = {v.name: v.n_rasterised for v in gui.views if isinstance(v, PlotView)}
        sup.select(ids[2], ids[3])
        gui.render(3)
        import dearpygui.dearpygui as dpg

        for name in ("FeatureView", "AmplitudeView"):
            view = gui.get_view(name)
            assert view.n_rasterised > n0[name]
            assert len(dpg.get_item_children(view._registry, 1)) == 1  # old static textures deleted
        # options are saved with the GUI state
        wv.model.toggle_waveform_overlap()
        assert gui.request_close()
        assert gui.state.get_view_state("WaveformView")["overlap"] is True
    finally:
        gui.destroy()


def scenario_template_view(controller: Any, dataset: Path) -> None:
    """The template view draws every cluster, the selection in its colours, follows the
    table filter, and ctrl+click selects the clicked template's cluster."""
    from phygui.app import create_gui

    gui = create_gui(controller, views=["TemplateView"])
    try:
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        gui.render(6)
        view = gui.get_view("TemplateView")
        assert view.n_rasterised >= 1, gui.status.error
        pix = region(gui, view, grab(gui, "template_view"))
        assert has_color(pix, BLUE, tol=40, min_count=20), "no first-cluster (blue) template"
        assert has_color(pix, RED, tol=40, min_count=20), "no second-cluster (red) template"
        # ctrl+click on the place of another cluster's template selects that cluster
        target = ids[2]
        x, y = view.model.cluster_position(target)
        assert view.click(x, y, "left", ctrl=True) == target
        assert sup.selected == [target]
        view.click(*view.model.cluster_position(ids[3]), "left", ctrl=True, shift=True)
        assert sup.selected == [target, ids[3]]
        # the table filter restricts the templates drawn
        sup.filter(f"id == {ids[0]}")
        gui.render(3)
        assert view.model.clusters == [ids[0]]
    finally:
        gui.destroy()


def scenario_lasso_split_undo(controller: Any, dataset: Path) -> None:
    """A lasso drawn in the amplitude view through its commands; split (k) moves exactly the
    lassoed spikes; undo restores them."""
    gui = _data_views_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0])
        gui.render(4)
        view = gui.get_view("AmplitudeView")
        x0, y0, x1, y1 = view.model.compute().data_bounds
        xm = (x0 + x1) / 2
        for px, py in ((x0 - 1, y0 - 1), (xm, y0 - 1), (xm, y1 + 1), (x0 - 1, y1 + 1)):
            assert view.click(px, py, "left", ctrl=True)
        gui.render(2)
        expected = view.model.spikes_in_lasso()
        before = np.asarray(sup.clustering.spike_clusters).copy()
        assert 0 < expected.size < sup.clustering.spike_counts[ids[0]]
        grab(gui, "amplitude_lasso")
        gui.handle_key(556)  # 'k': the Supervisor's split asks the lasso views (request_split)
        gui.render(3)
        after = np.asarray(sup.clustering.spike_clusters)
        # phy's split: the lassoed spikes form one new cluster (the rest of the cluster gets a new id too)
        new_id = np.unique(after[expected])
        assert new_id.size == 1 and new_id[0] not in before, new_id
        assert np.array_equal(np.flatnonzero(after == new_id[0]), expected)
        assert np.array_equal(np.flatnonzero(after != before), np.flatnonzero(before == ids[0]))
        assert sup.selected_clusters and new_id[0] in sup.selected_clusters
        assert view.model.lasso.count == 0
        gui.handle_key(571, ctrl=True)  # ctrl+z
        gui.render(2)
        assert np.array_equal(np.asarray(sup.clustering.spike_clusters), before)
    finally:
        gui.destroy()


def scenario_xdotool_lasso(controller: Any, dataset: Path) -> None:
    """Real ctrl+clicks (xdotool) in the amplitude plot add lasso vertices; ctrl+right clears."""
    import shutil

    import dearpygui.dearpygui as dpg

    assert shutil.which("xdotool"), "xdotool is not installed"
    gui = _data_views_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(5)
        wid = window_id()
        view = gui.get_view("AmplitudeView")
        (x0, y0), (x1, y1) = dpg.get_item_state(view.plot)["rect_min"], dpg.get_item_state(view.plot)["rect_max"]

        def run(*args: str) -> None:
            xdotool_while_rendering(gui, *args)

        pts = [(0.3, 0.3), (0.6, 0.3), (0.6, 0.7), (0.3, 0.7)]
        run("windowfocus", "--sync", wid)
        hovered = []
        for fx, fy in pts:
            px, py = int(x0 + fx * (x1 - x0)), int(y0 + fy * (y1 - y0))
            run("mousemove", "--window", wid, str(px), str(py))  # hover first, as a user does
            hovered.append(tuple(dpg.get_plot_mouse_pos()))  # where the plot says the mouse is
            run("keydown", "ctrl", "click", "1", "keyup", "ctrl")
        assert view.model.lasso.count == 4, view.model.lasso.count
        # Each vertex is where the click was, in data units (to 1 % of the view's span).
        hx0, hy0, hx1, hy1 = view._home
        for (u, v), (hx, hy) in zip(view.model.lasso.polygon, hovered):
            assert abs(u - hx / view.x_scale) < 0.01 * (hx1 - hx0) and abs(v - hy) < 0.01 * (hy1 - hy0), \
                (view.model.lasso.polygon, hovered)
        # ... and the clicks went round the plot: left/right and top/bottom in that order.
        (a, b), (c, d) = view.model.lasso.polygon[0], view.model.lasso.polygon[2]
        assert a < c and b > d, view.model.lasso.polygon
        assert view.model.spikes_in_lasso().size > 0
        grab(gui, "xdotool_lasso")
        run("keydown", "ctrl", "click", "3", "keyup", "ctrl")
        assert view.model.lasso.count == 0
    finally:
        gui.destroy()


def scenario_wheel_gestures(controller: Any, dataset: Path) -> None:
    """ctrl+wheel over the waveform view scales its boxes (phy's increase) without zooming
    the plot; the plain wheel runs no command (it zooms)."""
    from phygui.app import create_gui

    gui = create_gui(controller, views=["WaveformView", "ISIView", "CorrelogramView"])
    try:
        gui.render(3)
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        gui.render(6)
        wv = gui.get_view("WaveformView")
        n, (bx, by) = wv.n_rasterised, wv.model.options.box_scaling
        assert wv.wheel(1.0) is None and wv.model.options.box_scaling == (bx, by)  # plain: zoom only
        assert wv.wheel(1.0, ctrl=True) == "increase"
        assert wv.model.options.box_scaling[0] == bx and wv.model.options.box_scaling[1] > by
        gui.render(3)
        assert wv.n_rasterised == n + 1 and wv.model.extent is None  # redrawn, not zoomed
        assert wv.wheel(-1.0, ctrl=True) == "decrease"
        assert abs(wv.model.options.box_scaling[1] - by) < 1e-9
        # holding a bound modifier over the plot pins its axes (ImPlot's wheel zoom ignores
        # modifiers); releasing it frees them again
        import dearpygui.dearpygui as dpg

        gui.render(3)
        x, _ = wv._axes
        before = tuple(dpg.get_axis_limits(x))
        wv._hovered, wv._modifiers = True, lambda: (True, False, False)  # type: ignore[method-assign]
        wv.update()
        assert wv._pinned
        gui.render(2)
        assert np.allclose(dpg.get_axis_limits(x), before)
        wv._hovered, wv._modifiers = True, lambda: (False, False, True)  # type: ignore[method-assign]
        wv.update()  # shift+wheel is not bound in the waveform view: it zooms
        assert not wv._pinned
        isi = gui.get_view("ISIView")
        hi = isi.model.x_range[1]
        assert isi.wheel(1.0, ctrl=True) == "increase" and isi.model.x_range[1] > hi
        assert isi.wheel(1.0, alt=True) == "change_n_bins"
        gui.render(3)
        assert not gui.status.error, gui.status.error
        # the wheel callback: alt+wheel up grows the correlogram bin until it reaches the
        # window, which is refused with a message in the status bar (no crash, view alive)
        cv = gui.get_view("CorrelogramView")
        cv._hovered, cv._modifiers = True, lambda: (False, True, False)  # type: ignore[method-assign]
        for _ in range(60):
            cv._wheeled(1)
        assert "bin size" in gui.status.error, gui.status.error
        assert cv.model.options.bin_size < cv.model.options.window_size
        assert gui.docks.errors.get("CorrelogramView", 0) == 0
        gui.render(3)
    finally:
        gui.destroy()


def scenario_xdotool_wheel(controller: Any, dataset: Path) -> None:
    """Real wheel events (xdotool): ctrl+wheel over the waveform plot scales the boxes and
    does not zoom; the plain wheel zooms and does not scale."""
    import shutil

    import dearpygui.dearpygui as dpg

    assert shutil.which("xdotool"), "xdotool is not installed"
    from phygui.app import create_gui

    gui = create_gui(controller, views=["WaveformView", "AmplitudeView"])
    try:
        gui.render(3)
        sup = gui.supervisor
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(6)
        wid = window_id()
        view = gui.get_view("WaveformView")
        (x0, y0), (x1, y1) = dpg.get_item_state(view.plot)["rect_min"], dpg.get_item_state(view.plot)["rect_max"]

        def run(*args: str) -> None:
            xdotool_while_rendering(gui, *args)

        def limits() -> tuple[float, ...]:
            x, y = view._axes
            return (*dpg.get_axis_limits(x), *dpg.get_axis_limits(y))

        run("windowfocus", "--sync", wid)
        run("mousemove", "--window", wid, str(int((x0 + x1) / 2)), str(int((y0 + y1) / 2)))
        scaling = view.model.options.box_scaling
        run("keydown", "ctrl")
        run("click", "4")  # wheel up
        run("keyup", "ctrl")
        assert view.model.options.box_scaling[1] > scaling[1], view.model.options.box_scaling
        h = view._home  # taller boxes may move the home bounds; the plot shows them, unzoomed
        assert np.allclose(limits(), (h[0], h[2], h[1], h[3])) and view.model.extent is None, (limits(), h)
        before, scaling = limits(), view.model.options.box_scaling
        run("click", "4")
        assert view.model.options.box_scaling == scaling
        assert not np.allclose(limits(), before), "the plain wheel should zoom"
        # alt+wheel over the amplitude view: marker size, whose home bounds do not move, so
        # any zoom would show (ImPlot zooms whatever the modifiers unless the axes are pinned)
        view = gui.get_view("AmplitudeView")
        (x0, y0), (x1, y1) = dpg.get_item_state(view.plot)["rect_min"], dpg.get_item_state(view.plot)["rect_max"]
        run("mousemove", "--window", wid, str(int(x0 + 0.4 * (x1 - x0))), str(int((y0 + y1) / 2)))
        before, size = limits(), view.model.options.marker_size
        run("keydown", "alt")
        run("click", "4")
        run("keyup", "alt")
        assert view.model.options.marker_size > size, (view.model.options.marker_size, size)
        assert np.allclose(limits(), before) and view.model.extent is None, (limits(), before)
    finally:
        gui.destroy()


def scenario_read_only_title_and_status(controller: Any, dataset: Path) -> None:
    """A second session on a folder the first one (``controller``, holding the lock) has open:
    read-only, said in the window title and the status bar; its save is refused."""
    import dearpygui.dearpygui as dpg
    import pytest

    from phycore.controller import TemplateController
    from phycore.errors import FolderLockedError
    from phygui.app import create_gui

    assert not controller.read_only and controller.lock is not None
    second = TemplateController(dataset / "params.py")
    assert second.read_only
    expected = f"read-only: {dataset} is open in another session"
    gui = create_gui(second)
    try:
        gui.render(3)
        assert expected in dpg.get_viewport_title(), dpg.get_viewport_title()
        assert gui.status.text().startswith(expected), gui.status.text()
        sup = gui.supervisor
        sup.merge(*sup.cluster_table.visible_ids[:2])  # curation still works, in memory
        gui.render(2)
        assert gui.status.text().startswith(expected), gui.status.text()  # the notice stays
        before = (dataset / "spike_clusters.npy").read_bytes()
        with pytest.raises(FolderLockedError, match="read-only"):
            sup.save()
        assert (dataset / "spike_clusters.npy").read_bytes() == before
        grab(gui, "read_only_second_session")
    finally:
        gui.destroy()
        second.close()


def run(name: str, dataset: Path) -> None:
    """Build the controller (and the GUI unless the scenario takes a controller) and run
    ``scenario_<name>`` in this process; fail on any error logged meanwhile that the
    scenario does not declare (:mod:`tests.gui.strict`)."""
    from phycore import signals
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    # The app logs a raising subscriber and goes on, as in use; no_logged_errors fails on the log.
    signals.set_raise_errors(False)
    func = globals()[f"scenario_{name}"]
    with no_logged_errors(expected_errors(func)):
        controller = TemplateController(dataset / "params.py")
        try:
            if "controller" in inspect.signature(func).parameters:
                func(controller, dataset)
            else:
                gui = create_gui(controller)
                try:
                    gui.render(3)
                    func(gui, dataset)
                finally:
                    gui.destroy()
        finally:
            controller.close()


if __name__ == "__main__":
    scenario_main(run)
