"""GUI scenario of the idle frame: child windows (the tables' bodies, console, plugin
views) draw no background of their own, and the picture is the same as with opaque
black ones, before and after real clicks (xdotool) on the tables.

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


run: Callable[[str, Path], None] = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
