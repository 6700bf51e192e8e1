"""GUI scenarios of the views phy offers in View > Add view (issue #17): the trace image view,
the spike attribute views, the Python console, and phy's creation rules (no feature /
template-feature view without their files). Real X input (xdotool) drives them; each runs in
its own process (``test_gui_new_views.py``); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_new_views trace_image /path/to/data
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gui.helpers import (ARTIFACTS, grab, has_color, hold_chord, keyboard, region, window_id,
                               xdotool_while_rendering)
from tests.gui.scenarios_phy_habits import _snippet
from tests.gui.scenarios_views2 import BLUE, RED, _click_menu, _menu_item, _plot_mapping, _plot_pixels
from tests.gui.strict import controller_scenarios, scenario_main

#: The views phy creates only when their files exist.
_FEATURE_VIEWS = ("FeatureView", "TemplateFeatureView")


def _save_view(gui: Any, view: Any, name: str) -> Any:
    """The view's plot pixels of the current frame, saved as an artifact PNG."""
    from PIL import Image

    frame = grab(gui, f"{name}_full")
    pix = _plot_pixels(view, frame)
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pix).save(ARTIFACTS / f"{name}.png")
    return pix


def _add_from_menu(gui: Any, name: str) -> Any:
    """View > Add view > ``name`` (the menu item's callback, as a click runs it)."""
    _click_menu("View", "Add view", name)
    gui.render(6)
    view = gui.get_view(name)
    assert view is not None, (name, gui.status.error)
    return view


def _select_two(gui: Any) -> list[int]:
    sup = gui.supervisor
    ids = [int(c) for c in sup.cluster_table.visible_ids[:2]]
    sup.select(*ids)
    gui.render(4)
    return ids


# Trace image view ----------------------------------------------------------------------------


def scenario_trace_image(controller: Any, dataset: Path) -> None:
    """View > Add view > TraceImageView shows the window as a heat map (phy's diverging map);
    phy's ctrl+alt keys and the :tig / :tis snippets move its window, not the trace view's."""
    import numpy as np

    from phycore.supervisor.colors import colormaps
    from phygui.app import create_gui
    from phygui.views.trace_image import TraceImageView

    gui = create_gui(controller)
    try:
        gui.render(3)
        assert gui.get_view("TraceImageView") is None  # phy: View > Add view only
        _select_two(gui)
        view = _add_from_menu(gui, "TraceImageView")
        assert isinstance(view, TraceImageView) and view.n_rasterised >= 1
        for name in TraceImageView.phy_names:  # phy's attribute names read on the view
            getattr(view, name)
        view.interval = (1.0, 1.5)
        assert view.time == 1.25 and view.half_duration == 0.25
        view.go_to(10.0)
        tv = gui.get_view("TraceView").model
        trace_window = tv.interval
        m = view.model
        lut = (np.asarray(colormaps.diverging)[[0, -1]] * 255).round().astype(int)
        pix = _save_view(gui, view, "trace_image_view")
        # a heat map: both ends of the diverging map (negative and positive peaks) are drawn
        assert has_color(pix, tuple(lut[0]), tol=60, min_count=5), "no negative (blue) pixels"
        assert has_color(pix, tuple(lut[1]), tol=60, min_count=5), "no positive (yellow) pixels"
        assert len(np.unique(pix[..., :3].reshape(-1, 3), axis=0)) > 100
        keys = keyboard(gui)
        t0, t1 = m.interval
        w = t1 - t0
        hold_chord(gui, "ctrl+alt+Right")
        assert abs(m.interval[0] - (t0 + 0.1 * w)) < 1e-9, (m.interval, gui.status.text(), gui.status.error)
        after = _plot_pixels(view, grab(gui))
        assert after.shape == pix.shape and (after != pix).any(), "the picture did not follow the window"
        hold_chord(gui, "ctrl+alt+Left")
        assert abs(m.interval[0] - t0) < 1e-9
        hold_chord(gui, "ctrl+shift+alt+Right")
        assert abs(m.interval[0] - (t0 + 0.1 * m.duration)) < 1e-9, m.interval
        hold_chord(gui, "ctrl+alt+End")
        assert abs(m.interval[1] - m.duration) < 1e-9
        hold_chord(gui, "ctrl+alt+Home")
        assert m.interval[0] == 0
        vmax = m.vrange[1]
        hold_chord(gui, "ctrl+alt+Up")
        assert m.options.scaling > 1.05 and m.vrange[1] < vmax / 1.05, (m.options.scaling, m.vrange)
        hold_chord(gui, "ctrl+alt+Down")
        hold_chord(gui, "ctrl+alt+plus")  # phy's ctrl+alt+shift++: narrow
        assert abs(m.interval[1] - m.interval[0] - w / 1.25) < 1e-9, m.interval
        hold_chord(gui, "ctrl+alt+shift+minus")  # widen
        assert abs(m.interval[1] - m.interval[0] - w) < 1e-9, m.interval
        _snippet(keys, "tig 3")
        assert abs(sum(m.interval) / 2 - 3.0) < 1e-9, (m.interval, gui.status.error)
        _snippet(keys, "tis 1.5")
        assert abs(sum(m.interval) / 2 - 4.5) < 1e-9, (m.interval, gui.status.error)
        hold_chord(gui, "ctrl+alt+o")
        assert m.options.origin == "top"
        assert tv.interval == trace_window  # the trace view kept its own window
        _save_view(gui, view, "trace_image_view_moved")
        assert not gui.status.error, gui.status.error
    finally:
        gui.destroy()


# Python console --------------------------------------------------------------------------------


def scenario_console(controller: Any, dataset: Path) -> None:
    """View > Add view > IPythonView: typed lines run in the session's namespace, their
    output and tracebacks show in the log, the app survives, shortcuts are off while typing,
    up recalls the last line."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui
    from phygui.views.console import IPythonView

    gui = create_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        sup.select(int(sup.cluster_table.visible_ids[3]))
        selected = list(sup.selected)
        view = _add_from_menu(gui, "IPythonView")
        assert isinstance(view, IPythonView)
        assert isinstance(controller.create_ipython_view(), IPythonView)  # phy's controller method
        keys, wid = keyboard(gui), window_id()
        (x0, y0), (x1, y1) = dpg.get_item_state(view.input)["rect_min"], dpg.get_item_state(view.input)["rect_max"]
        xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int((x0 + x1) / 2)), str(int((y0 + y1) / 2)),
                                "click", "1")
        gui.render(2)
        assert dpg.is_item_active(view.input), "a click on the input line gives it the keyboard"

        def settle(done: Any) -> None:
            # ImGui takes queued characters a few per frame: render until they are all in.
            for _ in range(400):
                if done():
                    return
                gui.render(1)
            raise AssertionError(f"the console did not get the keys: {dpg.get_value(view.input)!r}")

        def line(text: str) -> None:
            n = len(view.model.log)
            keys(text, command="type")
            settle(lambda: dpg.get_value(view.input) == text)
            keys("Return")
            settle(lambda: len(view.model.log) > n and dpg.get_value(view.input) == "")
            gui.render(3)

        line("len(model.spike_times)")
        assert str(len(controller.model.spike_times)) in view.log_text().splitlines(), \
            (view.log_text(), view.model.log, dpg.get_value(view.input), gui.status.text())
        line("1/0")
        assert "ZeroDivisionError: division by zero" in view.log_text()
        line("(c is controller, m is model, s is supervisor, gui is not None, callable(emit), callable(connect))")
        assert "(True, True, True, True, True, True)" in view.log_text(), view.log_text()
        line("for k in range(2):")
        line("    print('row', k * 7)")
        line("")
        assert "row 0\nrow 7" in view.log_text(), view.log_text()
        line("raise SystemExit")  # stays in the console
        assert "SystemExit ignored" in view.log_text()
        assert dpg.is_item_active(view.input), "the input line keeps the keyboard after Enter"
        # typing 'g', 'k', ':' and the arrows ran no shortcut (merge, split, snippet, wizard)
        keys("Up")
        settle(lambda: dpg.get_value(view.input) == "raise SystemExit")
        keys("Up")
        settle(lambda: dpg.get_value(view.input) == "    print('row', k * 7)")
        keys("Down")
        settle(lambda: dpg.get_value(view.input) == "raise SystemExit")
        keys("Escape")  # empties the line
        settle(lambda: dpg.get_value(view.input) == "")
        line("s.selected")
        assert sup.selected == selected and not gui.snippets.active, sup.selected
        assert f"{selected}" in view.log_text()
        from PIL import Image

        pix = region(gui, view, grab(gui, "console_view_full"))

        Image.fromarray(pix).save(ARTIFACTS / "console_view.png")
        assert has_color(pix, (255, 110, 110), tol=30, min_count=20), "no traceback (red) text in the log"
        assert has_color(pix, (235, 235, 235), tol=30, min_count=20), "no output (white) text in the log"
        assert gui.alive and not gui.status.error, gui.status.error
    finally:
        gui.destroy()


# A folder without PC / template features, with spike attributes ---------------------------------


def scenario_spike_attributes(controller: Any, dataset: Path) -> None:
    """No pc_features / template_features: no feature nor template-feature view, none offered;
    View > Add view offers one Spike<Name>View per spike_<name>.npy, drawn in the selection
    colours; a real ctrl+click lasso and k split off exactly the spikes inside. The views
    added are saved in the GUI state (restored by ``restored``)."""
    import numpy as np

    from phygui.app import create_gui
    from phygui.views.spike_attribute import SpikeAttributeView

    gui = create_gui(controller)
    try:
        gui.render(3)
        names = [v.name for v in gui.views]
        for name in _FEATURE_VIEWS:
            assert name not in names and name not in gui.view_classes, (name, names)
            assert f"[Window][{name}]" not in gui.docks.layout_text  # the default layout leaves no gap
            try:
                _menu_item("View", "Add view", name)
            except AssertionError:
                pass
            else:
                raise AssertionError(f"{name} is offered in View > Add view without its data")
        assert {"WaveformView", "AmplitudeView", "TraceView"} <= set(names), names
        assert controller.create_feature_view() is None and controller.create_template_feature_view() is None
        ids = _select_two(gui)
        views = []
        for name, artifact in (("SpikeDepthishView", "spike_depthish_view"),
                               ("SpikePositionsView", "spike_positions_view")):
            view = _add_from_menu(gui, name)  # the new window floats on top: its pixels are its own
            views.append(view)
            pix = _save_view(gui, view, artifact)
            assert has_color(pix, BLUE, tol=40, min_count=10), f"{view.name}: no first-cluster (blue) pixels"
            assert has_color(pix, RED, tol=40, min_count=10), f"{view.name}: no second-cluster (red) pixels"
        one_d, two_d = views
        assert isinstance(one_d, SpikeAttributeView) and one_d.model.is_1d and not two_d.model.is_1d
        for p in one_d.model.points():  # 1-D: (spike time, value)
            assert np.array_equal(p.xy[:, 0], controller.model.spike_times[p.spike_ids])
            assert np.array_equal(p.xy[:, 1], controller.model.spike_attributes["depthish"][p.spike_ids])
        # lasso: four real ctrl+clicks around the upper-right quadrant of the positions view
        wid = window_id()
        to_px = _plot_mapping(gui, two_d, wid)
        for x, y in ((0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)):
            px, py = to_px(x, y)
            xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(round(px))), str(int(round(py))))
            xdotool_while_rendering(gui, "keydown", "ctrl", "click", "1", "keyup", "ctrl")
        polygon = two_d.model.lasso.polygon
        assert len(polygon) == 4, polygon
        _save_view(gui, two_d, "spike_positions_lasso")
        arr = controller.model.spike_attributes["positions"]
        sc = gui.supervisor.clustering.spike_clusters
        candidates = np.flatnonzero(np.isin(sc, ids))
        inside = candidates[two_d.model.lasso.contains(arr[candidates, :2])]
        assert 0 < len(inside) < len(candidates)
        keyboard(gui)("k")
        new = gui.supervisor.selected
        assert len(new) >= 2 and not set(new) & set(ids), (new, ids)
        assert np.array_equal(gui.supervisor.clustering.spikes_in_clusters([new[0]]), inside)
        gui.save_state()
    finally:
        gui.destroy()
    # A saved state naming the feature views (an older session, another folder) opens none.
    for path in (Path(p) for p in _state_files(dataset)):
        state = json.loads(path.read_text())
        if "GUI" in state and "open_views" in state["GUI"]:
            state["GUI"]["open_views"] += list(_FEATURE_VIEWS)
            state.setdefault("FeatureView", {})["fixed_channels"] = True
            path.write_text(json.dumps(state))


def _state_files(dataset: Path) -> list[Path]:
    import os

    user = Path(os.environ.get("PHY_USER_DIR", Path.home() / ".phy"))
    return [p for p in (user / "TemplateGUI" / "state.json", dataset / ".phy" / "state.json") if p.exists()]


def scenario_restored(controller: Any, dataset: Path) -> None:
    """The next start: the spike attribute views added last time are open again, the feature
    views named by the state are not created."""
    from phygui.app import create_gui

    assert any("FeatureView" in p.read_text() for p in _state_files(dataset)), "the state names no FeatureView"
    gui = create_gui(controller)
    try:
        gui.render(4)
        names = [v.name for v in gui.views]
        assert "SpikeDepthishView" in names and "SpikePositionsView" in names, names
        assert not set(_FEATURE_VIEWS) & set(names), names
        grab(gui, "new_views_restored")
    finally:
        gui.destroy()


# Docked -------------------------------------------------------------------------------------------


def scenario_docked(controller: Any, dataset: Path) -> None:
    """The three new views in a docked layout (phy's columns, then extra columns): each has its
    own tile, none overlaps another, each draws."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    names = ["WaveformView", "TraceView", "TraceImageView", "SpikeDepthishView", "IPythonView"]
    gui = create_gui(controller, views=names)
    try:
        gui.render(3)
        _select_two(gui)
        gui.render(4)
        rects = {}
        for name in names:
            view = gui.get_view(name)
            assert view is not None, name
            assert f"[Window][{name}]" in gui.docks.layout_text
            (x, y), (w, h) = dpg.get_item_pos(view.window), dpg.get_item_rect_size(view.window)
            assert w > 150 and h > 150, (name, w, h)
            rects[name] = (x, y, x + w, y + h)
        for a in names:
            for b in names:
                if a < b:
                    ra, rb = rects[a], rects[b]
                    ox = min(ra[2], rb[2]) - max(ra[0], rb[0])
                    oy = min(ra[3], rb[3]) - max(ra[1], rb[1])
                    assert ox <= 4 or oy <= 4, (a, b, ra, rb)
        assert gui.get_view("TraceImageView").n_rasterised >= 1
        assert gui.get_view("SpikeDepthishView").n_rasterised >= 1
        grab(gui, "new_views_docked")
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
