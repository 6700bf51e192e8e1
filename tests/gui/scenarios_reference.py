"""phygui next to phy 2.1 on the folder of ``../shared/spec/phy_reference_select.png``.

The reference is phy's window on a 32-channel SpikeInterface-exported folder with its two
largest clusters selected. The scenario opens phygui on the same kind of folder (made by
SpikeInterface's ``export_to_phy``, tests/_si_export.py), selects its two largest clusters by
real clicks on the cluster table, and writes ``side_by_side_phy_reference.png`` (phygui left,
phy right) to tests/gui/artifacts/ to be looked at. It checks what must be the same: the
views, the table columns in phy's order, the selection colours and the filtered waveforms.

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_reference side_by_side /path/to/copy
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, hold, region, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main

ARTIFACTS = Path(__file__).parent / "artifacts"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "phy_reference_select.png"

#: The docks phy shows in the reference (no TemplateFeatureView: the folder has no
#: template_features.npy).
PHY_VIEWS = {"ClusterScatterView", "ClusterView", "SimilarityView", "WaveformView", "FeatureView",
             "AmplitudeView", "CorrelogramView", "ISIView", "FiringRateView", "TraceView", "ProbeView"}
#: The first columns of phy's cluster table, in its order.
PHY_COLUMNS = ["id", "ch", "sh", "depth", "fr", "amp", "n_spikes"]
BLUE, RED = (0x08, 0x92, 0xFC), (0xFF, 0x02, 0x02)


def _side_by_side(ours: Path, out: Path) -> None:
    from PIL import Image

    left, right = Image.open(ours).convert("RGB"), Image.open(REFERENCE).convert("RGB")
    height = max(left.height, right.height)
    canvas = Image.new("RGB", (left.width + right.width + 8, height), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width + 8, 0))
    canvas.save(out)


def scenario_side_by_side(controller: Any, dataset: Path) -> None:
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        sup = gui.supervisor
        shown = {v.name for v in gui.views}
        assert PHY_VIEWS <= shown, sorted(PHY_VIEWS - shown)
        assert "TemplateFeatureView" not in shown, "no template_features.npy: phy does not show it"
        assert sup.cluster_table.columns[:7] == PHY_COLUMNS, sup.cluster_table.columns
        # phy's default order is n_spikes descending: the two largest clusters are the first rows.
        counts = np.bincount(controller.model.spike_clusters)
        first, second = sup.cluster_table.visible_ids[:2]
        assert {first, second} == {int(c) for c in np.argsort(-counts, kind="stable")[:2]}
        wid = window_id()
        cv = gui.cluster_view
        for k, ctrl in ((0, False), (1, True)):
            x, y = (int(v) for v in dpg.get_item_state(cv._rows[k][1][0])["rect_min"])
            clicks = ["keydown", "ctrl", "click", "1", "keyup", "ctrl"] if ctrl else ["click", "1"]
            # Move, let a frame see the mouse over the row, then click (ImGui hovers per frame).
            xdotool_while_rendering(gui, "windowfocus", "--sync", wid, "mousemove", "--window", wid, str(x + 5),
                                    str(y + 6))
            gui.render(3)
            xdotool_while_rendering(gui, *clicks)
            gui.render(3)
        gui.render(10)
        assert sup.selected_clusters == [first, second], sup.selected_clusters
        # SpikeInterface marks its export ``hp_filtered = True`` (the data is filtered): phygui
        # honours it and starts on `raw` (phy ignores it and filters again); alt+r gives phy's
        # high_pass, as in the reference.
        wv = gui.get_view("WaveformView")
        assert controller.model.hp_filtered and str(wv.model.status) == "waveforms raw", wv.model.status
        hold(gui, "alt", "r", delay_ms=None)
        gui.render(5)
        assert str(wv.model.status) == "waveforms high_pass", wv.model.status
        frame = grab(gui)
        for name in ("WaveformView", "AmplitudeView", "FeatureView", "CorrelogramView"):
            pixels = region(gui, gui.get_view(name), frame)
            assert has_color(pixels, BLUE) and has_color(pixels, RED), name
        ARTIFACTS.mkdir(exist_ok=True)
        ours = gui.screenshot(ARTIFACTS / "phygui_reference_select.png")
        _side_by_side(ours, ARTIFACTS / "side_by_side_phy_reference.png")
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
