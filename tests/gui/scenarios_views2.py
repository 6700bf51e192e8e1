"""GUI scenarios of the curation views II (trace, probe, raster, cluster scatter, template
features, colour menu), each run in its own process by a ``subprocess``-marked test of
``test_gui_views2.py`` (one Dear PyGui context per process); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_views2 trace_view /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.helpers import ARTIFACTS, grab, has_color, region, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main

BLUE, RED = (0x08, 0x92, 0xFC), (0xFF, 0x02, 0x02)


def _open(controller: Any, name: str) -> tuple[Any, Any, list[int]]:
    from phygui.app import create_gui

    gui = create_gui(controller, views=[name])
    gui.render(3)
    sup = gui.supervisor
    ids = list(sup.cluster_table.visible_ids)
    sup.select(ids[0], ids[1])
    gui.render(6)
    return gui, gui.get_view(name), ids


def _check_colors(gui: Any, view: Any, artifact: str) -> None:
    from PIL import Image

    pix = region(gui, view, grab(gui))
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pix).save(ARTIFACTS / f"{artifact}.png")
    assert has_color(pix, BLUE, tol=40, min_count=10), f"{view.name}: no first-cluster (blue) pixels"
    assert has_color(pix, RED, tol=40, min_count=10), f"{view.name}: no second-cluster (red) pixels"


def _plot_mapping(gui: Any, view: Any, wid: str) -> Any:
    """``to_px(x, y)``: model coordinates -> viewport pixel, measured by hovering two points
    of the plot with real mouse moves (xdotool) and reading the plot's mouse position."""
    import dearpygui.dearpygui as dpg

    (x0, y0), (x1, y1) = dpg.get_item_state(view.plot)["rect_min"], dpg.get_item_state(view.plot)["rect_max"]
    px = [(int(x0 + f * (x1 - x0)), int(y0 + f * (y1 - y0))) for f in (0.3, 0.7)]
    data = []
    for p in px:
        xdotool_while_rendering(gui, "mousemove", "--window", wid, str(p[0]), str(p[1]))
        x, y = dpg.get_plot_mouse_pos()
        data.append((float(x) / view.x_scale, float(y)))
    (ax, ay), (bx, by) = data
    sx, sy = (px[1][0] - px[0][0]) / (bx - ax), (px[1][1] - px[0][1]) / (by - ay)
    return lambda x, y: (px[0][0] + (x - ax) * sx, px[0][1] + (y - ay) * sy)


def _spikes_at_their_place(frame: Any, to_px: Any, spikes: Any, rows: Any, rgb: tuple[int, ...],
                           row_px: float) -> float:
    """Fraction of drawn spikes whose colour is in the screenshot at their time, on their channel."""
    import numpy as np

    found = 0
    for s in spikes:
        x, y = to_px(float(s["time"]), float(rows[s["channel"]]))
        box = frame[int(y - row_px):int(y + row_px) + 1, int(x) - 3:int(x) + 4, :3].astype(int)
        found += bool((np.abs(box - np.array(rgb)).max(axis=-1) <= 40).any())
    return found / max(1, len(spikes))


def scenario_trace_view(controller: Any, dataset: Path) -> None:
    """Grey traces stacked by depth, the selection's spikes in colour at their time on their
    channels; keys move the window; a real ctrl+click (xdotool) on a drawn spike of another
    cluster emits spike_click and selects that cluster."""
    import shutil

    import dearpygui.dearpygui as dpg
    import numpy as np

    from phycore.signals import connect
    from phygui.views.trace import TraceView

    assert shutil.which("xdotool"), "xdotool is not installed"
    gui, view, ids = _open(controller, "TraceView")
    try:
        assert isinstance(view, TraceView), view
        assert view.n_rasterised >= 1, gui.status.error
        # go to a spike of the first cluster so that both colours are in the window
        view.model.go_to_next_spike()
        gui.render(4)
        _check_colors(gui, view, "trace")
        wid = window_id()
        to_px = _plot_mapping(gui, view, wid)
        m = view.model
        frame = grab(gui)
        pix = region(gui, view, frame)
        assert has_color(pix, (196, 196, 196), tol=12, min_count=2000), "no grey traces"  # 0.85 grey, 90 % opaque
        # the tiles are where the model put them: each selected cluster's spikes show in its
        # colour at their time, on their best channel's row (the second cluster is drawn on top)
        row_px = abs(to_px(0.0, 1.0)[1] - to_px(0.0, 0.0)[1])
        assert row_px > 5, row_px
        rows = m.row_of
        for i, rgb in enumerate((BLUE, RED)):
            sp = m.drawn_spikes[m.drawn_spikes["cluster"] == ids[i]]
            assert len(sp) >= 3, (i, len(sp))
            assert _spikes_at_their_place(frame, to_px, sp, rows, rgb, row_px / 2) >= 0.6, i
        # keys move the window and only new tiles are drawn
        seen: list[Any] = []
        connect(lambda sender, interval: seen.append(interval), event="time_range_selected")
        assert gui.dispatcher.keymap.lookup("alt+right") is view.actions.get("go_right")
        t0, made = m.interval[0], view.n_tiles_made
        view.actions.get("go_right")()
        gui.render(3)
        assert m.interval[0] > t0 and seen and view.n_rasterised >= 2
        assert view.n_tiles_made - made <= 3, view.n_tiles_made - made
        # spike_click end to end: a real ctrl+click on the most isolated drawn spike of another cluster
        clicks: list[Any] = []
        connect(lambda sender, **kw: clicks.append(kw), event="spike_click")
        m.toggle_show_all_spikes(True)
        gui.render(3)
        sp = m.drawn_spikes
        w = m.interval[1] - m.interval[0]
        d = ((sp["time"][:, None] - sp["time"][None, :]) / w) ** 2 + \
            ((rows[sp["channel"]][:, None] - rows[sp["channel"]][None, :]) / m.n_channels) ** 2
        np.fill_diagonal(d, np.inf)
        others = np.flatnonzero(~np.isin(sp["cluster"], ids[:2]))
        assert others.size, "no spike of another cluster in the window"
        s = sp[others[np.argmax(d[others].min(axis=1))]]
        sid, cid, ch = int(s["spike"]), int(s["cluster"]), int(s["channel"])
        to_px = _plot_mapping(gui, view, wid)  # the plot follows the window
        x, y = to_px(float(s["time"]), float(rows[ch]))
        (x0, y0), (x1, y1) = dpg.get_item_state(view.plot)["rect_min"], dpg.get_item_state(view.plot)["rect_max"]
        assert x0 < x < x1 and y0 < y < y1, (x, y)
        xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(round(x))), str(int(round(y))))
        xdotool_while_rendering(gui, "keydown", "ctrl", "click", "1", "keyup", "ctrl")
        assert clicks and clicks[-1] == {"channel_id": ch, "spike_id": sid, "cluster_id": cid}, (clicks, sid, cid)
        gui.render(3)
        assert gui.supervisor.selected == [cid], (gui.supervisor.selected, cid)
        grab(gui, "trace_view_full")
        # the time box shows the window's centre; Enter in it goes to the time typed
        assert abs(dpg.get_value(view.time_box) - sum(m.interval) / 2) < 1e-3
        dpg.get_item_callback(view.time_box)(view.time_box, 3.25)
        gui.render(2)
        assert abs(sum(m.interval) / 2 - 3.25) < 1e-9 and abs(dpg.get_value(view.time_box) - 3.25) < 1e-9
        # whitening from the view's menu: the picture changes, the status says so
        before = region(gui, view, grab(gui))
        view.actions.get("toggle_whitening")()
        gui.render(3)
        assert "(whitened)" in dpg.get_value(view._text), dpg.get_value(view._text)
        after = region(gui, view, grab(gui))
        assert np.abs(after.astype(int) - before.astype(int)).sum() > 1000
    finally:
        gui.destroy()


def scenario_probe_view(controller: Any, dataset: Path) -> None:
    """Sites in grey, the two selected clusters' best channels in their colours."""
    from phygui.views.probe import ProbeView

    gui, view, ids = _open(controller, "ProbeView")
    try:
        assert isinstance(view, ProbeView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "probe")
        view.actions.get("toggle_show_labels")()
        gui.render(3)
        assert view.model.options.do_show_labels
        grab(gui, "probe_view_full")
    finally:
        gui.destroy()


def scenario_raster_view(controller: Any, dataset: Path) -> None:
    """Every cluster's spikes, the selection in its colours; ctrl+click selects a row;
    the rows follow the table's sort."""
    from phygui.views.raster import RasterView

    gui, view, ids = _open(controller, "RasterView")
    try:
        assert isinstance(view, RasterView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "raster")
        sup = gui.supervisor
        target = ids[2]
        assert view.click(*view.model.row_position(target), "left", ctrl=True) == target
        assert sup.selected == [target]
        view.click(*view.model.row_position(ids[3]), "left", ctrl=True, shift=True)
        assert sup.selected == [target, ids[3]]
        n = view.n_rasterised
        sup.sort("id", "asc")
        gui.render(3)
        assert view.model.rows == sorted(ids) and view.n_rasterised > n
        grab(gui, "raster_view_full")
    finally:
        gui.destroy()


def scenario_cluster_scatter_view(controller: Any, dataset: Path) -> None:
    """One marker per cluster, the selection in its colours; click / shift+click select;
    the :csx snippet rebinds x."""
    from phygui.views.scatter import ClusterScatterView

    gui, view, ids = _open(controller, "ClusterScatterView")
    try:
        assert isinstance(view, ClusterScatterView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "cluster_scatter")
        sup = gui.supervisor
        target = ids[2]
        assert view.click(*view.model.cluster_position(target), "left") == target
        assert sup.selected == [target]
        other = view.click(*view.model.cluster_position(ids[3]), "left", shift=True)
        assert sup.selected == [target, other]
        view.actions.get("set_x_axis")("n_spikes")
        gui.render(3)
        assert view.model.options.x_axis == "n_spikes"
        grab(gui, "cluster_scatter_view_full")
    finally:
        gui.destroy()


def _lasso_right_of(view: Any, x_cut: float) -> None:
    # ctrl+clicks of a rectangle over everything right of x = x_cut in the template feature view.
    x0, y0, x1, y1 = view.model.compute().home
    for x, y in ((x_cut, y0 - 1), (x1 + 1, y0 - 1), (x1 + 1, y1 + 1), (x_cut, y1 + 1)):
        assert view.click(x, y, "left", ctrl=True) is True


def scenario_template_feature_view(controller: Any, dataset: Path) -> None:
    """The two selected clusters projected on their templates, blue and red; a lasso and
    the k key split off exactly the spikes inside (all spikes, not only the drawn ones)."""
    import dearpygui.dearpygui as dpg
    import numpy as np

    from phygui.views.template_feature import TemplateFeatureView

    gui, view, ids = _open(controller, "TemplateFeatureView")
    try:
        assert isinstance(view, TemplateFeatureView), view
        assert view.n_rasterised >= 1, gui.status.error
        assert view.model.status == f"x: templates of {ids[0]}, y: templates of {ids[1]}"
        _check_colors(gui, view, "template_feature")
        pair = list(gui.supervisor.selected)
        everything = controller.get_template_features(pair, load_all=True)
        x = np.sort(everything[0].data[:, 0])
        x_cut = float(x[len(x) // 2 - 1:len(x) // 2 + 1].mean())  # between two spikes: none on the edge
        _lasso_right_of(view, x_cut)
        gui.render(3)
        grab(gui, "template_feature_lasso")
        inside = np.sort(np.concatenate([p.spike_ids[p.data[:, 0] > x_cut] for p in everything]))
        gui.handle_key(dpg.mvKey_K)  # phy's split: every lasso view answers request_split
        gui.render(3)
        new = gui.supervisor.selected
        assert len(new) >= 2 and not set(new) & set(pair), (new, pair)
        spikes = gui.supervisor.clustering.spikes_in_clusters([new[0]])
        assert np.array_equal(spikes, inside), (len(spikes), len(inside))
        touched = [p.spike_ids for p in everything if (p.data[:, 0] > x_cut).any()]
        rest = np.setdiff1d(np.concatenate(touched), inside)  # phy: the rest of each touched cluster
        assert np.array_equal(gui.supervisor.clustering.spikes_in_clusters(new[1:]), rest)
        assert not view.model.lasso.vertices
    finally:
        gui.destroy()


def _menu_item(*path: str) -> Any:
    """The menu item at ``path`` (menu labels, then the item's label)."""
    import dearpygui.dearpygui as dpg

    for item in dpg.get_all_items():
        if dpg.get_item_type(item) != "mvAppItemType::mvMenuItem" or dpg.get_item_label(item) != path[-1]:
            continue
        labels, parent = [], dpg.get_item_parent(item)
        while parent:
            labels.append(dpg.get_item_label(parent))
            parent = dpg.get_item_parent(parent)
        if list(path[:-1]) == [x for x in reversed(labels) if x in path[:-1]]:
            return item
    raise AssertionError(f"no menu item {' > '.join(path)}")


def _click_menu(*path: str) -> None:
    """Run a menu item's callback as Dear PyGui does on a click."""
    import dearpygui.dearpygui as dpg

    item = _menu_item(*path)
    dpg.get_item_callback(item)(item, True, dpg.get_item_user_data(item))


def _value(item: Any) -> Any:
    import dearpygui.dearpygui as dpg

    return dpg.get_value(item)


def _plot_pixels(view: Any, frame: Any) -> Any:
    # The pixels of a plot view's plot (not its tab, whose highlight is blue).
    import dearpygui.dearpygui as dpg

    x, y = (int(v) for v in dpg.get_item_rect_min(view.plot))
    w, h = (int(v) for v in dpg.get_item_rect_size(view.plot))
    return frame[y:y + h, x:x + w]


def _cool_pixels(pixels: Any) -> int:
    # Pixels clearly greener or bluer than red: the categorical palette has many (green,
    # purple, cyan...), the white-to-red linear map none.
    rgb = pixels[..., :3].astype(int)
    return int(((rgb[..., 1] > rgb[..., 0] + 40) | (rgb[..., 2] > rgb[..., 0] + 40)).sum())


def scenario_color_menu(controller: Any, dataset: Path) -> None:
    """Color > Scheme > depth recolours the cluster scatter, raster and template views;
    the snippets change field and map; the mapping is saved in the GUI state."""
    import json
    import os

    from PIL import Image

    from phygui.app import create_gui

    names = ["ClusterScatterView", "RasterView", "TemplateView"]
    gui = create_gui(controller, views=names)
    try:
        gui.render(6)
        sel = gui.supervisor.color_selector
        assert not gui.supervisor.selected and sel.color_scheme == "random"
        views = [gui.get_view(n) for n in names]
        before = [view.n_rasterised for view in views]
        frame = grab(gui, "color_menu_random")
        cool = [_cool_pixels(_plot_pixels(v, frame)) for v in views]
        assert all(c > 100 for c in cool), cool
        _click_menu("Color", "Scheme", "depth")
        gui.render(4)
        assert sel.color_scheme == "depth" and sel.color_field == "depth"
        assert all(v.n_rasterised > n for v, n in zip(views, before)), "a view did not redraw"
        frame = grab(gui, "color_menu_depth")
        for v in views:
            pix = _plot_pixels(v, frame)
            Image.fromarray(pix).save(ARTIFACTS / f"color_depth_{v.name}.png")
            assert _cool_pixels(pix) == 0, (v.name, _cool_pixels(pix))
        assert _value(_menu_item("Color", "Scheme", "depth")) is True  # menus rebuilt, checked
        assert _value(_menu_item("Color", "Scheme", "random")) is False
        assert gui.run_snippet(":cf amp").ok and sel.color_field == "amp"
        assert gui.run_snippet(":cm rainbow").ok and (sel.colormap, sel.categorical) == ("rainbow", False)
        bad = gui.run_snippet(":cf nope")
        assert not bad.ok and "choose one of" in gui.status.error, gui.status.error
        _click_menu("Color", "toggle log scale")
        assert sel.logarithmic
        gui.render(3)
        gui.save_state()
        saved = json.loads((Path(os.environ["PHY_USER_DIR"]) / "TemplateGUI" / "state.json").read_text())
        assert saved["ColorMapping"] == {"color_field": "amp", "colormap": "rainbow", "categorical": False,
                                         "logarithmic": True}, saved.get("ColorMapping")
    finally:
        gui.destroy()


def scenario_color_restored(controller: Any, dataset: Path) -> None:
    """The colour mapping saved by scenario_color_menu is back at the next start."""
    from phygui.app import create_gui

    gui = create_gui(controller, views=["ClusterScatterView"])
    try:
        gui.render(3)
        assert gui.supervisor.color_selector.get_state() == {
            "color_field": "amp", "colormap": "rainbow", "categorical": False, "logarithmic": True}
        assert gui.get_view("ClusterScatterView").model.status == "size: fr, colour: amp"
    finally:
        gui.destroy()


def scenario_cluster_scatter_lasso(controller: Any, dataset: Path) -> None:
    """ctrl+clicks draw a lasso in the cluster scatter view; from the third vertex on, the
    clusters inside are selected; ctrl+right click clears it."""
    import numpy as np

    gui, view, ids = _open(controller, "ClusterScatterView")
    try:
        shown, xy, _ = view.model.positions()
        order = np.argsort(xy[:, 0])
        inside = [shown[k] for k in order[:3]]
        x_cut = (xy[order[2], 0] + xy[order[3], 0]) / 2
        y0, y1 = np.nanmin(xy[:, 1]) - 1, np.nanmax(xy[:, 1]) + 1
        x0 = xy[order[0], 0] - 1
        assert view.click(x0, y0, "left", ctrl=True) == []
        assert view.click(x_cut, y0, "left", ctrl=True) == []
        assert gui.supervisor.selected == ids[:2]  # two vertices select nothing
        got = view.click(x_cut, y1, "left", ctrl=True)
        # the triangle holds some of the three; the fourth vertex closes the rectangle
        assert set(got) <= set(inside)
        got = view.click(x0, y1, "left", ctrl=True)
        assert sorted(got) == sorted(inside) and sorted(gui.supervisor.selected) == sorted(inside)
        gui.render(3)
        grab(gui, "cluster_scatter_lasso")
        view.click(0, 0, "right", ctrl=True)
        assert not view.model.lasso.vertices
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
