"""GUI scenarios of phy's window chrome: the toolbar, each dock's menu (auto update,
screenshot, close, the view's actions), the "View settings" dialog, and a menu bar that
fits narrow windows. Driven by real X mouse clicks and keys (xdotool); each runs in its
own process (``test_gui_chrome.py``); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_chrome toolbar /path/to/data
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import ARTIFACTS, grab, has_color, keyboard, region, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main

_BLUE = (8, 146, 252)  # the first selected cluster (phy's #0892FC)


class _Mouse:
    """Real X clicks and keys into the phygui window (the GUI keeps rendering meanwhile)."""

    def __init__(self, gui: Any) -> None:
        self.gui, self.wid = gui, window_id()
        xdotool_while_rendering(gui, "windowfocus", "--sync", self.wid)
        #: ``keys(*xdotool_keys)`` / ``keys(text, command="type")`` into the window.
        self.keys = keyboard(gui, delay_ms=60)

    def click_at(self, x: float, y: float) -> None:
        # Hover first (ImGui sees the mouse on a frame), then click, as a user does.
        xdotool_while_rendering(self.gui, "mousemove", "--window", self.wid, str(int(x)), str(int(y)))
        xdotool_while_rendering(self.gui, "click", "1")

    def click(self, item: Any) -> None:
        """Click the middle of an item (a button, a checkbox), or into a text field (its
        rectangle includes the label on its right)."""
        import dearpygui.dearpygui as dpg

        state = dpg.get_item_state(item)
        (x0, y0), (x1, y1) = state["rect_min"], state["rect_max"]
        x = x0 + 30 if dpg.get_item_type(item).endswith("mvInputText") else (x0 + x1) / 2
        self.click_at(x, (y0 + y1) / 2)

    def type_into(self, field: Any, text: str) -> None:
        """Click into a text field, erase its text (End, then BackSpace: a modifier such as
        ctrl+a can be lost under load) and type ``text``."""
        import dearpygui.dearpygui as dpg

        self.click(field)
        assert dpg.is_item_active(field), dpg.get_item_state(field)
        self.keys("End", *["BackSpace"] * (len(str(dpg.get_value(field))) + 1))
        self.keys(text, command="type")
        assert dpg.get_value(field) == text, (dpg.get_value(field), text)


def _open_dock_menu(mouse: _Mouse, menu: Any) -> tuple[float, float]:
    """Click a dock's "Menu"; returns where its popup starts (x of the label, bottom of the bar)."""
    import dearpygui.dearpygui as dpg

    wx, wy = dpg.get_item_pos(menu.view.window)
    mx, my = dpg.get_item_state(menu.menu)["pos"]  # in the window
    bar_bottom = dpg.get_item_state(menu.screenshot_button)["rect_max"][1] + 3
    mouse.click_at(wx + mx + 12, wy + my + 9)
    return wx + mx, bar_bottom


def _click_menu_entry(mouse: _Mouse, menu: Any, label: str) -> None:
    """Open a dock's menu and click one of its entries (by label)."""
    import dearpygui.dearpygui as dpg

    x0, y0 = _open_dock_menu(mouse, menu)
    entry = next(c for c in dpg.get_item_children(menu.menu, 1) if dpg.get_item_label(c) == label)
    ex, ey = dpg.get_item_state(entry)["pos"]  # in the popup, known once it was drawn
    mouse.click_at(x0 + ex + 20, y0 + ey + 6)


def _two_clusters(gui: Any) -> list[int]:
    sup = gui.supervisor
    ids = [int(c) for c in sup.cluster_table.visible_ids[:2]]
    sup.select(ids)
    gui.render(5)
    return ids


def scenario_toolbar(controller: Any, dataset: Path) -> None:
    """Toolbar buttons run the Edit/Select/File actions; undo/redo grey out when unavailable."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui
    from phygui.toolbar import TOOLBAR

    gui = create_gui(controller)
    try:
        gui.render(3)
        toolbar, sup = gui.menu_bar.toolbar, gui.supervisor
        assert list(toolbar.buttons) == [e[1] for e in TOOLBAR if e is not None]  # phy's order
        enabled = {n: dpg.get_item_configuration(b)["enabled"] for n, b in toolbar.buttons.items()}
        assert not enabled["undo"] and not enabled["redo"] and enabled["next_best"] and enabled["save"], enabled
        mouse = _Mouse(gui)
        n0 = len(sup.clustering.cluster_ids)
        mouse.click(toolbar.buttons["undo"])  # greyed out: nothing happens
        assert len(sup.clustering.cluster_ids) == n0 and not sup.can_undo
        mouse.click(toolbar.buttons["next_best"])
        first = sup.selected_clusters
        assert len(first) == 1, sup.selected
        mouse.click(toolbar.buttons["next_best"])
        assert sup.selected_clusters != first and len(sup.selected_clusters) == 1
        mouse.click(toolbar.buttons["previous_best"])
        assert sup.selected_clusters == first
        ids = _two_clusters(gui)
        mouse.keys("g")  # phy's merge key
        assert len(sup.clustering.cluster_ids) == n0 - 1, gui.status.error
        merged = sup.selected_clusters
        assert dpg.get_item_configuration(toolbar.buttons["undo"])["enabled"]
        assert not dpg.get_item_configuration(toolbar.buttons["redo"])["enabled"]
        mouse.click(toolbar.buttons["undo"])
        assert len(sup.clustering.cluster_ids) == n0 and set(ids) <= set(sup.clustering.cluster_ids)
        assert dpg.get_item_configuration(toolbar.buttons["redo"])["enabled"]
        assert "undo" in gui.status.text(), gui.status.text()  # reported like a menu click
        mouse.click(toolbar.buttons["redo"])
        assert len(sup.clustering.cluster_ids) == n0 - 1 and merged[0] in sup.clustering.cluster_ids
        mouse.click(toolbar.buttons["save"])
        assert not sup.is_dirty(), gui.status.text()
        # Snippet mode disables every action: the toolbar greys out with them.
        mouse.keys("colon")
        assert gui.snippets.active
        assert not any(dpg.get_item_configuration(b)["enabled"] for b in toolbar.buttons.values())
        mouse.keys("Escape")
        assert not gui.snippets.active and dpg.get_item_configuration(toolbar.buttons["undo"])["enabled"]
        # Tooltips name the action and its keys.
        tips = toolbar.tooltips
        assert tips["undo"].startswith("undo (ctrl+z") and "down" in tips["next_best"], tips
        frame = grab(gui, "chrome_toolbar")
        x1 = int(dpg.get_item_state(toolbar.buttons["save"])["rect_max"][0])
        _save_crop(frame[:22, :x1 + 8], "chrome_toolbar_crop")
    finally:
        gui.destroy()


def _save_crop(pixels: np.ndarray, name: str) -> None:
    from PIL import Image  # matplotlib's dependency, in the test environment

    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(np.ascontiguousarray(pixels)).save(ARTIFACTS / f"{name}.png")


def scenario_dock_menu(controller: Any, dataset: Path) -> None:
    """A dock's screenshot button writes a PNG of that view; auto update off freezes the view
    (kept in the GUI state); the menu holds the view's actions; x closes the view."""
    import dearpygui.dearpygui as dpg
    from PIL import Image

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        _two_clusters(gui)
        mouse = _Mouse(gui)
        wv = gui.get_view("WaveformView")
        menu = gui.docks.dock_menu(wv)
        # Screenshot: phy's file name, in the config dir's screenshots folder, the view's pixels.
        folder = Path(controller.config_dir) / "screenshots"
        mouse.click(menu.screenshot_button)
        gui.render(3)
        files = sorted(folder.glob("phy_screenshot_*_WaveformView.png"))
        assert len(files) == 1, list(folder.glob("*"))
        shot = np.asarray(Image.open(files[0]).convert("RGBA"))
        w, h = (int(v) for v in dpg.get_item_rect_size(wv.window))
        assert shot.shape == (h, w, 4), (shot.shape, w, h)
        assert has_color(shot, _BLUE, min_count=100)  # the first selected cluster's waveforms
        frame = grab(gui)
        assert np.abs(region(gui, wv, frame)[..., :3].astype(int) - shot[..., :3]).mean() < 2.0
        # The view's own actions are in its dock menu, not in the menu bar.
        from phygui.menus import menu_entries

        assert "WaveformView" not in menu_entries(gui)
        labels = [dpg.get_item_label(c) for c in dpg.get_item_children(menu.menu, 1)]
        assert {"toggle waveform overlap", "toggle auto update", "screenshot", "close", "view settings"} <= \
            set(labels), labels
        _open_dock_menu(mouse, menu)
        grab(gui, "chrome_dock_menu")
        _open_dock_menu(mouse, menu)  # a second click on "Menu" closes it
        # A menu entry runs the view's action: overlap on.
        overlap = wv.model.options.overlap
        _click_menu_entry(mouse, menu, "toggle waveform overlap")
        assert wv.model.options.overlap != overlap, gui.status.text()
        # Auto update off: a new selection does not reach the view, nor redraw it.
        av = gui.get_view("AmplitudeView")
        amenu = gui.docks.dock_menu(av)
        mouse.click(amenu.auto_checkbox)
        assert av.auto_update is False and amenu.toggle_action.checked is False
        shown, drawn = list(av.model.cluster_ids), av.n_rasterised
        mouse.keys("Down")  # next best cluster
        gui.render(5)
        assert gui.supervisor.selected_clusters != shown
        assert av.model.cluster_ids == shown and av.n_rasterised == drawn
        assert gui.docks.collect_state(gui.supervisor.selected_clusters)["AmplitudeView"]["auto_update"] is False
        # ... and back on: it catches up with the selection.
        mouse.click(amenu.auto_checkbox)
        gui.render(5)
        assert av.auto_update and av.model.cluster_ids == gui.supervisor.selected_clusters
        assert av.n_rasterised > drawn
        # The action (menu entry, snippet) and the checkbox agree.
        gui.run_action(amenu.toggle_action, False)
        gui.render(2)
        assert av.auto_update is False and dpg.get_value(amenu.auto_checkbox) is False
        # Close button: the view is hidden, View menu shows it unchecked.
        pv = gui.get_view("ProbeView")
        pmenu = gui.docks.dock_menu(pv)
        if dpg.get_item_state(pmenu.close_button).get("visible"):
            mouse.click(pmenu.close_button)
        else:  # a narrow dock: its Menu holds close too
            _click_menu_entry(mouse, pmenu, "close")
        assert not gui.docks.is_shown(pv)
        # auto_update is saved in the global state (phy's view state key) and restored.
        gui.save_state()
    finally:
        gui.destroy()
    saved = json.loads((Path(controller.config_dir) / "TemplateGUI" / "state.json").read_text())
    assert saved["AmplitudeView"]["auto_update"] is False and saved["WaveformView"]["auto_update"] is True


def scenario_auto_update_restored(controller: Any, dataset: Path) -> None:
    """After ``dock_menu`` (in another process: one GUI per process), AmplitudeView starts with
    auto update off, as saved."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        av = gui.get_view("AmplitudeView")
        amenu = gui.docks.dock_menu(av)
        assert av.auto_update is False and amenu.toggle_action.checked is False
        assert dpg.get_value(amenu.auto_checkbox) is False
        assert gui.get_view("WaveformView").auto_update is True
    finally:
        gui.destroy()


def scenario_settings_dialog(controller: Any, dataset: Path) -> None:
    """The dock menu's "view settings" dialog: a bad value is refused with a message and
    changes nothing; a good one sets the view model's option."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        _two_clusters(gui)
        mouse = _Mouse(gui)
        cv = gui.get_view("CorrelogramView")
        menu = gui.docks.dock_menu(cv)
        dialog = gui.docks.settings_dialog
        _click_menu_entry(mouse, menu, "view settings")
        assert dialog.shown and dialog.view is cv, gui.status.text()
        n0 = len(gui.supervisor.clustering.cluster_ids)
        # A bad value: a clear message in the dialog; nothing changes; keys typed there
        # (g) never reach the shortcuts.
        mouse.type_into(dialog.fields["bin_size"], "2g")
        mouse.click(dialog.ok_button)
        assert dialog.shown and "bin size" in dialog.error and "'2g' is not a number" in dialog.error, dialog.error
        assert cv.model.options.bin_size == 1e-3
        assert len(gui.supervisor.clustering.cluster_ids) == n0  # g did not merge
        gui.screenshot(ARTIFACTS / "chrome_settings_error.png")
        # A good value: the option the :cb snippet sets.
        mouse.type_into(dialog.fields["bin_size"], "2")
        mouse.type_into(dialog.fields["window_size"], "80")
        gui.screenshot(ARTIFACTS / "chrome_settings_dialog.png")
        mouse.click(dialog.ok_button)
        assert not dialog.shown, dialog.error
        assert abs(cv.model.options.bin_size - 2e-3) < 1e-12 and abs(cv.model.options.window_size - 0.08) < 1e-12
        assert "bin_size=2" in gui.status.text(), gui.status.text()
        gui.render(3)
        assert cv.model.compute().counts.shape[2] == 2 * int(80 / 2 / 2) + 1
        # Waveform budget, through the action (the same as the menu entry), and Cancel.
        wv = gui.get_view("WaveformView")
        gui.run_action(wv.actions.get("view_settings"))
        gui.render(2)
        assert dialog.view is wv and dpg.get_value(dialog.fields["n_spikes_waveforms"]) == "100"
        mouse.type_into(dialog.fields["n_spikes_waveforms"], "37")
        mouse.click(dialog.cancel_button)
        assert not dialog.shown and wv.model.options.n_spikes_waveforms == 100
        gui.run_action(wv.actions.get("view_settings"))
        gui.render(2)
        mouse.type_into(dialog.fields["n_spikes_waveforms"], "37")
        mouse.keys("Return")
        assert not dialog.shown and wv.model.options.n_spikes_waveforms == 37
    finally:
        gui.destroy()


def _check_fits(gui: Any, width: int) -> None:
    import dearpygui.dearpygui as dpg

    from phygui.toolbar import text_width

    assert dpg.get_viewport_client_width() == width, dpg.get_viewport_client_width()
    bar = gui.menu_bar._bar
    right = 0
    for item in dpg.get_item_children(bar, 1):
        state = dpg.get_item_state(item)
        if "rect_max" in state:  # buttons
            right = max(right, state["rect_max"][0])
        elif dpg.get_item_type(item) == "mvAppItemType::mvMenu":
            right = max(right, state["pos"][0] + text_width(dpg.get_item_label(item)) + 8)
    for button in gui.menu_bar.toolbar.buttons.values():
        state = dpg.get_item_state(button)
        assert state["visible"] and state["rect_max"][0] <= width, (state, width)
    assert 0 < right <= width, (right, width)


def _narrow(controller: Any, width: int) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller, size=(width, 800))
    try:
        gui.render(4)
        assert gui.menu_bar.layout == (6, False), gui.menu_bar.layout  # every menu and label fits
        _check_fits(gui, width)
        grab(gui, f"chrome_menu_bar_{width}")
        # Plugin menus that do not fit go into the >> menu, and everything still fits.
        for i in range(3):
            group = gui.add_action_group(f"My plugin menu number {i} long", menu=f"My plugin menu number {i} long")
            group.add(lambda: None, name=f"plugin_action_{i}")
        gui.render(3)
        kept, compact = gui.menu_bar.layout
        assert kept < 9 and not compact, gui.menu_bar.layout
        _check_fits(gui, width)
        import dearpygui.dearpygui as dpg

        labels = [dpg.get_item_label(c) for c in dpg.get_item_children(gui.menu_bar._bar, 1)]
        assert ">>" in labels and labels[:6] == ["File", "Edit", "Select", "View", "Color", "Help"], labels
        grab(gui, f"chrome_menu_bar_{width}_overflow")
    finally:
        gui.destroy()


def scenario_narrow_1232(controller: Any, dataset: Path) -> None:
    """At 1232 px the menus and the toolbar fit in the window."""
    _narrow(controller, 1232)


def scenario_narrow_1024(controller: Any, dataset: Path) -> None:
    """At 1024 px too."""
    _narrow(controller, 1024)


run: Callable[[str, Path], None] = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
