"""GUI scenario of File > "export curation to spikeinterface": real X input (xdotool) merges
two clusters, opens the File menu and clicks the item; the file it writes is validated and
applied by SpikeInterface to the sorting that was exported. Runs in its own process
(``test_gui_curation_export.py``); any logged error fails it.

Run by hand:  xvfb-run -a python -m tests.gui.scenarios_curation_export file_menu /path/to/phy-folder
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests.gui.helpers import grab, keyboard, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main

ITEM = "export curation to spikeinterface"


def _click(gui: Any, wid: str, x: float, y: float) -> None:
    # Hover first (ImGui sees the mouse on a frame), then click, as a user does.
    xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(x)), str(int(y)))
    xdotool_while_rendering(gui, "click", "1")


def _file_menu(gui: Any) -> Any:
    import dearpygui.dearpygui as dpg

    return next(m for m in dpg.get_item_children(gui.menu_bar._bar, 1) if dpg.get_item_label(m) == "File")


def scenario_file_menu(controller: Any, dataset: Path) -> None:
    """Merge with the keyboard, then File > export curation: curation.json is written next
    to params.py and SpikeInterface applies it to the exported sorting."""
    import dearpygui.dearpygui as dpg
    from spikeinterface.curation import apply_curation, validate_curation_dict

    from phygui.app import create_gui
    from tests._si_sorters import load_sorting, sorted_folder

    gui = create_gui(controller)
    try:
        gui.render(4)
        wid = window_id()
        xdotool_while_rendering(gui, "windowfocus", "--sync", wid)
        keys = keyboard(gui, delay_ms=60)
        sup = gui.supervisor
        ids = [int(c) for c in sup.cluster_table.visible_ids[:2]]
        sup.select(ids)
        gui.render(5)
        keys("g")  # phy's merge key
        merged = sup.selected_clusters
        assert len(merged) == 1 and merged[0] not in ids, (merged, gui.status.error)
        menu = _file_menu(gui)
        mx, my = dpg.get_item_state(menu)["pos"]
        _click(gui, wid, mx + 12, my + 9)
        item = next(i for i in dpg.get_item_children(menu, 1) if dpg.get_item_label(i) == ITEM)
        gui.render(3)
        state = dpg.get_item_state(item)
        grab(gui, "curation_export_file_menu")
        # Menu items know their place in the popup only; the popup opens under the menu bar.
        bar_bottom = dpg.get_item_state(gui.menu_bar.toolbar.buttons["save"])["rect_max"][1]
        ix, iy = state["pos"]
        out = dataset / "curation.json"
        assert not out.exists()
        _click(gui, wid, ix + 40, bar_bottom + iy + 8)
        assert out.exists(), gui.status.text()
        assert str(out) in gui.status.text(), gui.status.text()
        grab(gui, "curation_export_done")
        content = json.loads(out.read_text())
        validate_curation_dict(content)
        (merge,) = content["merges"]
        assert sorted(merge["unit_ids"]) == sorted(ids) and merge["new_unit_id"] == merged[0], content
        curated = apply_curation(load_sorting(sorted_folder("ground_truth")), content)
        train = np.sort(curated.get_unit_spike_train(merged[0]))
        ours = np.sort(controller.model.spike_samples[sup.clustering.spikes_in_clusters(merged)])
        assert np.array_equal(train, ours), (len(train), len(ours))
    finally:
        gui.destroy()


run: Callable[[str, Path], None] = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
