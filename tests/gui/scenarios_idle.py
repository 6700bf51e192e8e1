"""GUI scenarios of the idle frame: child windows (the tables' bodies, console, plugin
views) draw no background of their own, and the picture is the same as with opaque
black ones, before and after real clicks (xdotool) on the tables; the dock windows and
the dock space draw no background either (``phygui.window_backgrounds``) and the picture
is the one with every background drawn, also with a view floating over the docked ones.

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_idle child_backgrounds /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main


def _same_picture(gui: Any, name: str) -> None:
    """The frame with transparent child windows equals the one with opaque black ones."""
    from phygui.menus import apply_theme

    fast = grab(gui, f"{name}_transparent_children")
    opaque_theme = apply_theme(opaque_children=True)
    gui.render(3)
    opaque = grab(gui, f"{name}_opaque_children")
    differ = np.abs(fast[..., :3].astype(int) - opaque[..., :3].astype(int)).max(axis=-1) > 2
    assert differ.mean() < 0.001, f"{differ.mean():.4%} of the pixels differ"
    import dearpygui.dearpygui as dpg

    apply_theme()
    dpg.delete_item(opaque_theme)
    gui.render(3)


def scenario_child_backgrounds(controller: Any, dataset: Path) -> None:
    """Same picture with two clusters selected by real clicks in the cluster table."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(10)
        _same_picture(gui, "idle_layout")
        table = gui.get_view("ClusterView")
        assert table is not None
        wid = window_id()
        xdotool_while_rendering(gui, "windowfocus", "--sync", wid)
        rows = [table._rows[k][1][0] for k in (0, 1)]
        for k, cell in enumerate(rows):
            (x0, y0), (x1, y1) = dpg.get_item_state(cell)["rect_min"], dpg.get_item_state(cell)["rect_max"]
            xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(x0 + 10)), str(int((y0 + y1) / 2)))
            if k:
                xdotool_while_rendering(gui, "keydown", "ctrl")
            xdotool_while_rendering(gui, "click", "1")
            if k:
                xdotool_while_rendering(gui, "keyup", "ctrl")
        gui.render(10)
        selected = controller.supervisor.selected_clusters
        assert len(selected) == 2, selected
        _same_picture(gui, "idle_two_selected")
    finally:
        gui.destroy()


def _same_as_all_backgrounds(gui: Any, name: str) -> np.ndarray:
    """The frame with the backgrounds left out equals the one with every background drawn
    (Dear PyGui's dock space included); returns the first."""
    fast = grab(gui, f"{name}_no_backgrounds")
    gui.backgrounds.enabled = False
    gui.render(3)
    assert not gui.backgrounds.transparent
    drawn = grab(gui, f"{name}_all_backgrounds")
    gui.backgrounds.enabled = True
    gui.render(3)
    differ = np.abs(fast[..., :3].astype(int) - drawn[..., :3].astype(int)).max(axis=-1) > 0
    # The status line says which screenshot was saved last: a different file name each time.
    _, y0, _, y1 = _rect(gui.status_bar.window)
    differ[int(y0):int(y1) + 1] = False
    assert not differ.any(), f"{name}: {differ.sum()} pixels differ"
    return fast


def scenario_window_backgrounds(controller: Any, dataset: Path) -> None:
    """Docked windows skip their fill and look the same; a floating view does not skip it."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        controller.supervisor.select(*controller.supervisor.clustering.cluster_ids[:2])
        gui.render(10)
        assert gui.backgrounds.available, "this Dear PyGui build should expose ImGui's style"
        docked = {v.window for v in gui.views} | {gui.status_bar.window}
        assert gui.backgrounds.transparent == docked, "every docked window skips its background"
        _same_as_all_backgrounds(gui, "backgrounds_docked")

        # A view that is not in the layout floats over the docked ones: it keeps its fill
        # (else the views under it would show through), the docked ones keep skipping theirs.
        floating = gui.add_view(gui.view_classes["RasterView"](gui))
        gui.render(10)
        assert floating.window not in gui.backgrounds.transparent
        under = {w for w in docked if _overlaps(floating.window, w)}
        assert under, "the floating view should cover some docked views"
        assert docked - under <= gui.backgrounds.transparent
        _same_as_all_backgrounds(gui, "backgrounds_floating")

        # Moved (as by a drag of its title bar): the windows it now covers keep their
        # fills only where needed, and the picture stays the same.
        dpg.set_item_pos(floating.window, (20, 40))
        gui.render(5)
        assert floating.window not in gui.backgrounds.transparent
        assert {w for w in docked if _overlaps(floating.window, w)} != under
        _same_as_all_backgrounds(gui, "backgrounds_floating_moved")
    finally:
        gui.destroy()


def scenario_drag_a_view_out_of_its_dock(controller: Any, dataset: Path) -> None:
    """A view's tab dragged out of its dock with the real mouse: in no frame is a window
    drawn without its background while it overlaps another (the view moves in the very
    frame drawn, before its rectangle is known)."""
    import subprocess

    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        controller.supervisor.select(*controller.supervisor.clustering.cluster_ids[:2])
        gui.render(20)
        wide = [v for v in gui.views if v.window in gui.backgrounds.transparent and _width(v.window) > 200]
        assert wide, "some docked view should skip its background"
        x0, y0, _, _ = _rect(wide[0].window)
        wid = window_id()

        def xdo(*args: str) -> None:
            subprocess.run(["xdotool", *args], check=True)

        xdo("mousemove", "--window", wid, str(int(x0 + 30)), str(int(y0 + 8)))  # its tab
        gui.render(3)
        xdo("mousedown", "1")
        gui.render(3)
        assert not gui.backgrounds.transparent, "nothing skips its background while the button is held"
        for k in range(1, 16):
            xdo("mousemove", "--window", wid, str(int(x0 + 30 + 25 * k)), str(int(y0 + 8 + 20 * k)))
            gui.render(1)
            shown = [w for w in _windows() if _shown(w)]
            bad = [(dpg.get_item_label(w), dpg.get_item_label(o)) for w in gui.backgrounds.transparent
                   for o in shown if o != w and _shown(w) and _overlaps(w, o)]
            assert not bad, f"frame {k}: drawn without a background over another window: {bad}"
        xdo("mouseup", "1")
        gui.render(5)
        grab(gui, "backgrounds_dragged_out")
        assert _overlaps_any(wide[0].window, [w for w in _windows() if _shown(w)])
        assert wide[0].window not in gui.backgrounds.transparent  # now floating over the others
    finally:
        gui.destroy()


def _windows() -> list[Any]:
    import dearpygui.dearpygui as dpg

    return [w for w in dpg.get_windows() if dpg.get_item_info(w)["type"] == "mvAppItemType::mvWindowAppItem"]


def _shown(window: Any) -> bool:
    import dearpygui.dearpygui as dpg

    state = dpg.get_item_state(window)
    return bool(state.get("visible")) and "rect_size" in state


def _width(window: Any) -> float:
    x0, _, x1, _ = _rect(window)
    return x1 - x0


def _overlaps_any(window: Any, others: list[Any]) -> bool:
    return any(_overlaps(window, o) for o in others if o != window)


def _rect(window: Any) -> tuple[float, float, float, float]:
    import dearpygui.dearpygui as dpg

    (x, y), (w, h) = dpg.get_item_state(window)["pos"], dpg.get_item_state(window)["rect_size"]
    return x, y, x + w, y + h


def _overlaps(a: Any, b: Any) -> bool:
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _rect(a), _rect(b)
    return min(ax1, bx1) - max(ax0, bx0) > 1 and min(ay1, by1) - max(ay0, by0) > 1


run: Callable[[str, Path], None] = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
