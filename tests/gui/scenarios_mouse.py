"""GUI scenarios of phy's mouse habits (issue #17, "Mouse"), driven by real X input (xdotool):
right clicks on table rows promote/demote, a stationary right click on a cross-correlogram
promotes, ctrl/digit+click on a waveform box picks the feature view's channels, the raster
and template views' wheel and keys, and phy's pan/zoom in every plot (right-drag zoom,
``+``/``-``/``r``, double-click, left-drag pan). Each runs in its own process
(``test_gui_mouse.py``); any logged error fails them.

Run one by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_mouse pan_zoom /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main


class Mouse:
    """Real X input into the phygui window (every call keeps the GUI rendering meanwhile)."""

    def __init__(self, gui: Any) -> None:
        self.gui, self.wid = gui, window_id()
        self.run("windowfocus", "--sync", self.wid)

    def run(self, *args: str) -> None:
        xdotool_while_rendering(self.gui, *args)

    def move(self, x: float, y: float) -> None:
        """Move to window pixel ``(x, y)`` (hover first, as a user does)."""
        self.run("mousemove", "--window", self.wid, str(int(round(x))), str(int(round(y))))

    def click(self, button: int = 1, *mods: str) -> None:
        """Click ``button`` (1 left, 3 right, 4/5 wheel) with modifier keys held."""
        # Separate runs: the GUI renders frames between the key and the button, as when a
        # user holds the modifier (a view pins its axes while a wheel modifier is held).
        if mods:
            self.run(*[a for m in mods for a in ("keydown", m)])
        self.run("click", str(button))
        if mods:
            self.run(*[a for m in mods for a in ("keyup", m)])

    def key(self, *keys: str) -> None:
        self.run("key", "--delay", "80", *keys)

    def drag(self, button: int, x0: float, y0: float, x1: float, y1: float, steps: int = 6) -> None:
        """Press ``button`` at ``(x0, y0)``, move in steps to ``(x1, y1)``, release."""
        self.move(x0, y0)
        self.run("mousedown", str(button))
        for t in np.linspace(0, 1, steps + 1)[1:]:
            self.move(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        self.run("mouseup", str(button))


def _rect(item: Any) -> tuple[float, float, float, float]:
    import dearpygui.dearpygui as dpg

    state = dpg.get_item_state(item)
    (x0, y0), (x1, y1) = state["rect_min"], state["rect_max"]
    return float(x0), float(y0), float(x1), float(y1)


def plot_to_window(mouse: Mouse, view: Any) -> Callable[[float, float], tuple[float, float]]:
    """Data (plot units) -> window pixels of a plot, measured by hovering two points and
    reading where the plot says the mouse is (so no guess about ImPlot's paddings)."""
    import dearpygui.dearpygui as dpg

    x0, y0, x1, y1 = _rect(view.plot)
    pts = [(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0)), (x0 + 0.7 * (x1 - x0), y0 + 0.7 * (y1 - y0))]
    data = []
    for px, py in pts:
        mouse.move(px, py)
        data.append(tuple(dpg.get_plot_mouse_pos()))
    (pa, qa), (pb, qb) = pts
    (da, ea), (db, eb) = data
    sx, sy = (pb - pa) / (db - da), (qb - qa) / (eb - ea)
    return lambda x, y: (pa + (x - da) * sx, qa + (y - ea) * sy)


def _limits(view: Any) -> tuple[float, float, float, float]:
    import dearpygui.dearpygui as dpg

    (x0, x1), (y0, y1) = dpg.get_axis_limits(view._axes[0]), dpg.get_axis_limits(view._axes[1])
    return float(x0), float(y0), float(x1), float(y1)


def _span(b: tuple[float, float, float, float]) -> tuple[float, float]:
    return b[2] - b[0], b[3] - b[1]


def _row_centre(gui: Any, view: Any, cluster_id: int) -> tuple[float, float]:
    """Window pixel of the middle of a table row (scrolled into view first, as a user would)."""
    if cluster_id not in [r.cluster_id for r in view._shown]:
        view._want_scroll_to = view.model.table.visible_ids.index(cluster_id)
        gui.render(3)
    k = [r.cluster_id for r in view._shown].index(cluster_id)
    x0, y0, x1, y1 = _rect(view._rows[k][1][0])
    return min(x0 + 40, (x0 + x1) / 2), (y0 + y1) / 2


def scenario_table_right_click(controller: Any, dataset: Path) -> None:
    """Right click (plain or ctrl) on a similarity row promotes it into the cluster-table
    selection; on a cluster row it demotes it; both tables show it."""
    from phycore import connect, unconnect
    from phygui.app import create_gui

    gui = create_gui(controller, views=["CorrelogramView"])
    events: list[tuple[Any, int]] = []

    def on_row_right_click(sender: Any, cluster_id: int) -> None:
        events.append((sender, cluster_id))

    connect(on_row_right_click)
    try:
        gui.render(3)
        sup, mouse = gui.supervisor, Mouse(gui)
        best = sup.cluster_table.visible_ids[0]
        sup.select(best)
        gui.render(3)
        sim = sup.similarity_table.visible_ids[:3]
        sup.select_similar(*sim)
        gui.render(4)
        cv, sv = gui.get_view("ClusterView"), gui.get_view("SimilarityView")
        mouse.move(*_row_centre(gui, sv, sim[1]))
        mouse.click(3)  # plain right click on a similar row: promote
        assert sup.selected_clusters == [best, sim[1]], (sup.selected_clusters, sup.selected_similar)
        assert events and events[-1] == (sup.similarity_table, sim[1]), events
        grab(gui, "mouse_table_promote")
        mouse.move(*_row_centre(gui, cv, best))
        mouse.click(3, "ctrl")  # ctrl+right click on a cluster row: demote (first among the similar)
        assert sup.selected_clusters == [sim[1]] and sup.selected_similar[:1] == [best], \
            (sup.selected_clusters, sup.selected_similar)
        assert events[-1] == (sup.cluster_table, best)
        gui.render(3)
        mouse.move(*_row_centre(gui, sv, best))
        mouse.click(3, "ctrl")  # ctrl+right click on a similar row: promote
        assert sup.selected_clusters == [sim[1], best], (sup.selected_clusters, sup.selected_similar)
        mouse.move(*_row_centre(gui, cv, sim[1]))
        mouse.click(3)  # plain right click on a cluster row: demote
        assert sup.selected_clusters == [best], (sup.selected_clusters, sup.selected_similar)
        mouse.move(*_row_centre(gui, cv, best))
        mouse.click(3)  # the only cluster-table row stays
        assert sup.selected_clusters == [best], sup.selected
        gui.render(3)
        grab(gui, "mouse_table_demote")
    finally:
        unconnect(on_row_right_click)
        gui.destroy()


def scenario_correlogram_right_click(controller: Any, dataset: Path) -> None:
    """A right-drag on the correlograms zooms; a stationary right click on a cross-correlogram
    between the cluster-table and a similar cluster promotes the similar one."""
    from phycore import connect, unconnect
    from phygui.app import create_gui

    gui = create_gui(controller, views=["CorrelogramView"])
    requests: list[tuple[int, int]] = []

    def on_request_promote_similar(sender: Any, a: int, b: int) -> None:
        requests.append((a, b))

    connect(on_request_promote_similar)
    try:
        gui.render(3)
        sup, mouse = gui.supervisor, Mouse(gui)
        best = sup.cluster_table.visible_ids[0]
        sup.select(best)
        gui.render(2)
        similar = sup.similarity_table.visible_ids[0]
        sup.select_similar(similar)
        gui.render(6)
        view = gui.get_view("CorrelogramView")
        to_px = plot_to_window(mouse, view)
        # 2x2 grid: row 0 (top, y in [1, 2]) is `best`, column 1 (x in [1, 2]) is `similar`
        px, py = to_px(1.5, 1.5)
        home = _limits(view)
        x0, y0, x1, y1 = _rect(view.plot)
        mouse.drag(3, px, py, px + 0.3 * (x1 - x0), py - 0.3 * (y1 - y0))  # a right-drag zooms about the press point
        assert requests == [] and sup.selected_clusters == [best], (requests, sup.selected)
        zoomed = _limits(view)
        assert _span(zoomed)[0] < 0.8 * _span(home)[0] and _span(zoomed)[1] < 0.8 * _span(home)[1], (home, zoomed)
        assert zoomed[0] < 1.5 < zoomed[2] and zoomed[1] < 1.5 < zoomed[3], zoomed  # the press point stays in view
        mouse.key("r")  # phy's R: back home
        assert np.allclose(_limits(view), home), (_limits(view), home)
        mouse.move(*to_px(0.5, 1.5))  # the auto-correlogram of `best`: nothing
        mouse.click(3)
        assert requests == [] and sup.selected_similar == [similar]
        mouse.move(px, py)
        mouse.click(3)
        assert requests == [(best, similar)], requests
        assert sup.selected_clusters == [best, similar], sup.selected
        gui.render(4)
        assert view.model.cluster_ids[:2] == [best, similar]
        grab(gui, "mouse_correlogram_promote")
    finally:
        unconnect(on_request_promote_similar)
        gui.destroy()


def _feature_labels(gui: Any) -> list[str]:
    fv = gui.get_view("FeatureView")
    return [label.text for label in fv.model.compute().labels]


def scenario_waveform_select_channel(controller: Any, dataset: Path) -> None:
    """ctrl+click on a waveform box puts its channel on the feature view's x (left) or y
    (right) axis; a click with a digit held picks that slot; the subplot labels follow."""
    from phycore import connect, unconnect
    from phygui.app import create_gui

    gui = create_gui(controller, views=["WaveformView", "FeatureView"])
    events: list[dict[str, Any]] = []

    def on_select_channel(sender: Any, **kwargs: Any) -> None:
        events.append(kwargs)

    connect(on_select_channel)
    try:
        gui.render(3)
        sup, mouse = gui.supervisor, Mouse(gui)
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(6)
        wv, fv = gui.get_view("WaveformView"), gui.get_view("FeatureView")
        cmap = np.asarray(controller.model.channel_map)
        before = list(fv.model.channel_ids)
        assert len(before) >= 3, before
        labels_before = _feature_labels(gui)
        to_px = plot_to_window(mouse, wv)
        centres = wv.model.layout.centres
        chans = [int(c) for c in wv.model.channel_ids]

        def box(ch: int) -> tuple[float, float]:
            x, y = centres[chans.index(ch)]
            return to_px(float(x) * wv.x_scale, float(y))

        x_ch = chans[-1]  # not the feature view's first channel
        assert x_ch != before[0]
        mouse.move(*box(x_ch))
        mouse.click(1, "ctrl")
        assert events[-1] == {"channel_id": x_ch, "key": None, "button": "left"}, events
        gui.render(4)
        assert fv.model.channel_ids[0] == x_ch, fv.model.channel_ids
        labels = _feature_labels(gui)
        assert f"{int(cmap[x_ch])}A" in labels and labels != labels_before, labels
        grab(gui, "mouse_feature_after_select_channel")
        y_ch = chans[-2]
        mouse.move(*box(y_ch))
        mouse.click(3, "ctrl")  # ctrl+right: the y channel
        gui.render(4)
        assert events[-1]["button"] == "right" and fv.model.channel_ids[:2] == [x_ch, y_ch], fv.model.channel_ids
        # a digit held while clicking (no ctrl): that slot (3 -> the third channel)
        third = next(c for c in chans if c not in fv.model.channel_ids[:3])
        mouse.move(*box(third))
        mouse.run("keydown", "3", "click", "1", "keyup", "3")
        gui.render(4)
        assert events[-1] == {"channel_id": third, "key": 3, "button": "left"}, events[-1]
        assert fv.model.channel_ids[:3] == [x_ch, y_ch, third], fv.model.channel_ids
        # the channels stay fixed for this selection's redraws (phy: plot(fixed_channels=True))
        fv.model.increase()
        gui.render(3)
        assert fv.model.channel_ids[:3] == [x_ch, y_ch, third]
        mouse.move(*box(chans[0]))
        mouse.click(1)  # a plain click does nothing
        assert events[-1]["channel_id"] == third
    finally:
        unconnect(on_select_channel)
        gui.destroy()


def scenario_raster_template_gestures(controller: Any, dataset: Path) -> None:
    """Raster: alt+wheel and ctrl+shift++/- change the marker size, shift+wheel the colour
    scheme; template: ctrl+wheel and ctrl+alt++/- the template size (``scaling``)."""
    from phygui.app import create_gui

    gui = create_gui(controller, views=["RasterView", "TemplateView"])
    try:
        gui.render(3)
        sup, mouse = gui.supervisor, Mouse(gui)
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(4)
        rv, tv = gui.get_view("RasterView"), gui.get_view("TemplateView")
        x0, y0, x1, y1 = _rect(rv.plot)
        mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
        limits, size = _limits(rv), rv.model.options.marker_size
        mouse.click(5, "alt")  # wheel down: smaller
        assert rv.model.options.marker_size < size, (rv.model.options.marker_size, size)
        size = rv.model.options.marker_size
        mouse.key("ctrl+shift+plus")
        assert rv.model.options.marker_size > size * 1.05, (rv.model.options.marker_size, size)
        size = rv.model.options.marker_size
        mouse.key("ctrl+shift+minus")
        assert rv.model.options.marker_size < size / 1.05
        selector = sup.color_selector
        scheme = selector.color_scheme
        n = rv.n_rasterised
        mouse.click(4, "shift")
        assert selector.color_scheme != scheme, (scheme, selector.color_scheme)
        gui.render(3)
        assert rv.n_rasterised > n  # redrawn in the new colours
        assert np.allclose(_limits(rv), limits), "a modified wheel must not zoom"
        grab(gui, "mouse_raster_scheme")
        x0, y0, x1, y1 = _rect(tv.plot)
        mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
        scaling = tv.model.options.scaling
        mouse.click(4, "ctrl")
        assert tv.model.options.scaling > scaling, (tv.model.options.scaling, scaling)
        scaling = tv.model.options.scaling
        mouse.key("ctrl+alt+minus")
        assert tv.model.options.scaling < scaling / 1.05, (tv.model.options.scaling, scaling)
        scaling = tv.model.options.scaling
        mouse.key("ctrl+alt+plus")
        assert tv.model.options.scaling > scaling * 1.05
        assert tv.get_state()["scaling"] == tv.model.options.scaling
    finally:
        gui.destroy()


def scenario_pan_zoom(controller: Any, dataset: Path) -> None:
    """phy's PanZoom in the plots: right-drag zooms about the press point, ``+``/``-`` zoom,
    ``r`` and double-click reset, left-drag pans; the keys act on the plot under the mouse."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller, views=["WaveformView", "AmplitudeView"])
    try:
        gui.render(3)
        sup, mouse = gui.supervisor, Mouse(gui)
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(6)
        av, wv = gui.get_view("AmplitudeView"), gui.get_view("WaveformView")
        keymap = gui.key_router.dispatcher.keymap
        assert [keymap.bindings[k].split(".")[1] for k in ("+", "-", "r")] == ["zoom_in", "zoom_out", "reset_view"]
        assert not [c for c in keymap.conflicts if c[0] in ("+", "-", "r")], keymap.conflicts
        home, w_home = _limits(av), _limits(wv)
        to_px = plot_to_window(mouse, av)
        cx, cy = home[0] + 0.3 * (home[2] - home[0]), home[1] + 0.6 * (home[3] - home[1])
        px, py = to_px(cx, cy)
        mouse.drag(3, px, py, px + 200, py - 60)  # right/up: zoom in on both axes
        zoomed = _limits(av)
        assert _span(zoomed)[0] < 0.8 * _span(home)[0] and _span(zoomed)[1] < 0.8 * _span(home)[1], (home, zoomed)
        mouse.move(px, py)  # the press point is still under the press pixel
        u, v = dpg.get_plot_mouse_pos()
        assert abs(u - cx) < 0.02 * _span(home)[0] and abs(v - cy) < 0.02 * _span(home)[1], ((u, v), (cx, cy))
        assert av.model.extent is not None  # the model re-rasterises the zoomed extent
        grab(gui, "mouse_amplitude_zoomed")
        mouse.key("r")
        assert np.allclose(_limits(av), home), (_limits(av), home)
        assert _limits(wv) == w_home  # only the plot under the mouse
        mouse.key("plus")
        a = _limits(av)
        assert np.allclose(_span(a), np.array(_span(home)) / 1.1), (a, home)
        mouse.key("minus", "minus")
        b = _limits(av)
        assert np.allclose(_span(b), np.array(_span(home)) * 1.1), (b, home)
        mouse.run("click", "--repeat", "2", "--delay", "60", "1")  # double-click: reset
        assert np.allclose(_limits(av), home), (_limits(av), home)
        mouse.drag(1, px, py, px + 100, py)  # left-drag pans
        panned = _limits(av)
        assert np.allclose(_span(panned), _span(home)) and panned[0] < home[0], (panned, home)
        # the same keys in the waveform view, under the mouse there
        x0, y0, x1, y1 = _rect(wv.plot)
        mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
        mouse.key("plus")
        assert _span(_limits(wv))[0] < _span(w_home)[0] / 1.05
        mouse.key("r")
        assert np.allclose(_limits(wv), w_home)
        # an r typed in a table's filter box does not reach the plots
        mouse.key("plus")
        zoomed = _limits(wv)
        x0, y0, x1, y1 = _rect(gui.get_view("ClusterView").filter_input)
        mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
        mouse.click(1)
        mouse.key("r")
        assert _limits(wv) == zoomed and dpg.get_value(gui.get_view("ClusterView").filter_input) == "r"
        mouse.key("Escape")
        assert not gui.status.error, gui.status.error
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
