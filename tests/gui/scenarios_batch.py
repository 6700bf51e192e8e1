"""GUI scenario of `phycore batch --label` (issue #20): the labels a batch proposed are applied
when phygui next opens the folder, as one action that a real ctrl+z (xdotool) removes.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_batch labels_undo /path/to/data
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, keyboard, region
from tests.gui.strict import run_with_controller, scenario_main

# Every unit nobody labelled yet becomes "mua", so the change shows in the top rows whatever
# the synthetic clusters' metrics are.
RULE = "mua: n_spikes > 0"


def _shown_colors(gui: Any) -> dict[int, tuple[int, ...]]:
    """The text colour of each cluster-table row on screen (phy shows a unit's group by it:
    mua light grey, unlabelled white), as drawn."""
    return {int(row.cluster_id): tuple(row.color) for row in gui.cluster_view._shown}


def scenario_labels_undo(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui
    from phygui.viewmodels.cluster_table import group_color

    sup = controller.supervisor
    # Applied, and kept until a save includes them (a session closed unsaved loses nothing).
    applied = json.loads((dataset / ".phy" / "proposed_labels.json").read_text())
    mua = {int(c) for c, g in applied["labels"]["group"].items() if g == "mua"}
    assert mua and all(sup.get_labels("group")[c] == "mua" for c in mua)
    assert sup.can_undo and sup.is_dirty()  # applied at open: one action to undo
    gui = create_gui(controller)
    try:
        gui.render(4)
        shown = _shown_colors(gui)
        on_screen = [c for c in shown if c in mua]
        assert on_screen and all(shown[c] == group_color("mua") for c in on_screen), shown
        before = region(gui, gui.cluster_view, grab(gui, "batch_labels_applied"))

        keyboard(gui)("ctrl+z")
        gui.render(4)
        assert not sup.can_undo and not sup.is_dirty(), gui.status.error
        assert not any(sup.get_labels("group")[c] == "mua" for c in mua)
        shown = _shown_colors(gui)
        assert all(shown[c] == group_color(None) for c in on_screen), shown
        after = region(gui, gui.cluster_view, grab(gui, "batch_labels_undone"))
        # The rows were redrawn (group text and the row colour of mua units changed).
        changed = np.abs(after.astype(np.int32) - before.astype(np.int32)).max(axis=2) > 30
        assert changed.sum() > 200, changed.sum()
    finally:
        gui.destroy()


def run(name: str, dataset: Path) -> None:
    """Run the batch on the folder (as a lab would, overnight), then open it in phygui."""
    from phycore.batch import run_batch

    [session] = run_batch([dataset], engine="serial", labels=[RULE], export=False).sessions
    assert session.status == "done" and session.proposed.get("group"), session.error
    run_with_controller(globals()[f"scenario_{name}"], dataset)


if __name__ == "__main__":
    scenario_main(run)
