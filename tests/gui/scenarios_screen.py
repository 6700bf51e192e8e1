"""GUI scenarios of the window fitting the screen (run under Xvfb screens of different
sizes by ``test_gui_screen.py``, one process each; any logged error fails them).

Run one by hand:  xvfb-run -a -s "-screen 0 1280x800x24" python -m tests.gui.scenarios_screen fits /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.helpers import grab
from tests.gui.strict import controller_scenarios, scenario_main


def _check_fits(gui: Any, shot: str) -> None:
    import dearpygui.dearpygui as dpg

    from phygui.screen import screen_size

    sw, sh = screen_size()
    gui.render(4)
    vw, vh = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    x, y = dpg.get_viewport_pos()[:2]
    assert 0 < vw <= sw and 0 < vh <= sh, (vw, vh, sw, sh)
    assert 0 <= x and x + vw <= sw and 0 <= y and y + vh <= sh, (x, y, vw, vh, sw, sh)
    shown = [v for v in gui.views if v.window is not None and dpg.is_item_shown(v.window)]
    rightmost = max(shown, key=lambda v: dpg.get_item_pos(v.window)[0] + dpg.get_item_rect_size(v.window)[0])
    for view in shown:  # every docked view lies inside the viewport, the rightmost one included
        px, py = dpg.get_item_pos(view.window)
        w, h = dpg.get_item_rect_size(view.window)
        assert px >= 0 and py >= 0 and px + w <= vw + 1 and py + h <= vh + 1, (view.name, px, py, w, h, vw, vh)
    assert dpg.get_item_rect_size(rightmost.window)[0] > 50, rightmost.name
    frame = grab(gui, shot)
    assert frame.shape[:2] == (vh, vw)


def scenario_fits(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui
    from phygui.screen import screen_size

    gui = create_gui(controller)
    try:
        sw, sh = screen_size()
        _check_fits(gui, f"screen_fit_{sw}x{sh}")
    finally:
        gui.destroy()


def scenario_saved_geometry_clamped(controller: Any, dataset: Path) -> None:
    """A geometry saved on a bigger screen (off to the right, too large) is brought back."""
    from phycore.state import GUIState

    from phygui.app import create_gui

    state = GUIState(load=False)
    state["GUI"] = {"viewport": {"width": 3000, "height": 2000, "x": 2500, "y": 1500}}
    gui = create_gui(controller, state=state)
    try:
        _check_fits(gui, "")
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
