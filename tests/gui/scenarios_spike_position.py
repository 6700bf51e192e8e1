"""GUI scenario of the spike position view (Kilosort 4's ``spike_positions.npy``): offered in
View > Add view only with spike positions, not in the default layout; the selected clusters
in their colours over the grey probe; a real ctrl+click lasso (xdotool) and ``k`` split off
exactly the spikes inside. It runs on the ks4 synthetic flavour (``make test``) and on the
real Kilosort 4 folder (``make test-realdata``), each in its own process.

Run by hand:  xvfb-run -a python -m tests.gui.scenarios_spike_position lasso_split /path/to/ks4
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.gui.helpers import grab, has_color, keyboard, window_id, xdotool_while_rendering
from tests.gui.scenarios_new_views import _add_from_menu, _save_view, _select_two
from tests.gui.scenarios_views2 import BLUE, RED, _plot_mapping
from tests.gui.strict import controller_scenarios, scenario_main

GREY = (128, 128, 128)


def scenario_lasso_split(controller: Any, dataset: Path) -> None:
    """Add the view from the menu, look at it, lasso half of the first cluster and split."""
    import numpy as np

    from phygui.app import create_gui
    from phygui.views.spike_position import SpikePositionView

    tag = os.environ.get("PHYCORE_ARTIFACT_TAG", "")
    gui = create_gui(controller)
    try:
        gui.render(3)
        assert gui.get_view("SpikePositionView") is None  # not in phy's default layout
        ids = _select_two(gui)
        view = _add_from_menu(gui, "SpikePositionView")
        assert isinstance(view, SpikePositionView)
        pix = _save_view(gui, view, f"spike_position_view{tag}")
        assert has_color(pix, GREY, tol=30, min_count=50), "no grey background spikes"
        assert has_color(pix, BLUE, tol=40, min_count=10), "no first-cluster (blue) pixels"
        assert has_color(pix, RED, tol=40, min_count=10), "no second-cluster (red) pixels"
        # A lasso around the lower-left part of the first cluster's spikes (real ctrl+clicks).
        pos = np.asarray(controller.model.spike_positions, dtype=np.float64)
        sc = gui.supervisor.clustering.spike_clusters
        own = np.flatnonzero(np.isin(sc, ids))
        first = pos[sc == ids[0]]
        cx, cy = np.median(first, axis=0)
        (x0, y0), (x1, y1) = pos.min(axis=0), pos.max(axis=0)  # inside the plot (home bounds: 5% more)
        w, h = x1 - x0, y1 - y0
        corners = [(cx - w, cy - h), (cx + 0.01 * w, cy - h), (cx + 0.01 * w, cy + 0.01 * h), (cx - w, cy + 0.01 * h)]
        corners = [(min(max(x, x0), x1), min(max(y, y0), y1)) for x, y in corners]
        wid = window_id()
        to_px = _plot_mapping(gui, view, wid)
        for x, y in corners:
            px, py = to_px(x, y)
            xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(round(px))), str(int(round(py))))
            xdotool_while_rendering(gui, "keydown", "ctrl", "click", "1", "keyup", "ctrl")
        assert len(view.model.lasso.polygon) == 4, view.model.lasso.polygon
        _save_view(gui, view, f"spike_position_lasso{tag}")
        inside = own[view.model.lasso.contains(pos[own])]
        assert 0 < len(inside) < len(own), (len(inside), len(own))
        keyboard(gui)("k")
        new = gui.supervisor.selected
        assert len(new) >= 2 and not set(new) & set(ids), (new, ids)
        assert np.array_equal(gui.supervisor.clustering.spikes_in_clusters([new[0]]), inside)
        gui.render(4)
        _save_view(gui, view, f"spike_position_split{tag}")
        assert gui.alive and not gui.status.error, gui.status.error
    finally:
        gui.destroy()


def scenario_overview(controller: Any, dataset: Path) -> None:
    """phy's default layout on the folder, two clusters selected, and the spike position view
    added: a screenshot of the whole window to look at."""
    from phygui.app import create_gui

    tag = os.environ.get("PHYCORE_ARTIFACT_TAG", "")
    gui = create_gui(controller)
    try:
        gui.render(3)
        _select_two(gui)
        gui.render(6)
        grab(gui, f"spike_position_default_layout{tag}")
        _add_from_menu(gui, "SpikePositionView")
        grab(gui, f"spike_position_overview{tag}")
        assert gui.alive and not gui.status.error, gui.status.error
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
