"""GUI scenario of the realistic synthetic data (issue #19, "A demo that looks like real data"):
the app opened on a ``make_dataset(realistic=True)`` folder, clusters walked with real
``Down`` key presses as a user does; the correlogram view shows the refractory dip of every
good unit (its centre bin is empty) and none for the noise and multi-unit clusters, the
stimulus events are loaded, and the screenshot is kept. Runs in its own process
(``test_gui_synthetic.py``); any logged error fails it.

Run by hand:  xvfb-run -a python -m tests.gui.scenarios_synthetic realistic_correlograms /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, keyboard, region
from tests.gui.strict import controller_scenarios, scenario_main

BLUE = (0x08, 0x92, 0xFC)


def scenario_realistic_correlograms(controller: Any, dataset: Path) -> None:
    from phycore.model.synthetic import read_truth
    from phygui.app import create_gui

    truth = read_truth(dataset)
    good = set(truth["good_clusters"])
    bad = set(truth["noise_clusters"]) | set(truth["mua_clusters"])
    assert "stimulus" in controller.events and len(controller.events["stimulus"]) == truth["n_events"]
    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        cv = gui.get_view("CorrelogramView")
        seen: dict[int, int] = {}  # cluster -> spike pairs less than 1 ms apart
        shot = False
        for _ in range(len(truth["firing_rates_hz"])):
            keys("Down")  # the next cluster of the table, as in phy
            gui.render(3)
            assert len(sup.selected_clusters) == 1, sup.selected_clusters
            cid = sup.selected_clusters[0]
            frame = cv.model.compute()
            assert frame.cluster_ids == [cid], (frame.cluster_ids, cid)
            acg = np.asarray(frame.counts)[0, 0]
            # phylib's bins: the centre one holds the lags in [0, 1 ms), inside every good
            # unit's refractory period (>= 1.6 ms); the next ones [1, 2 ms) only in part.
            seen[cid] = int(acg[acg.shape[0] // 2])
            if cid in good and acg.sum() > 200 and not shot:
                pix = region(gui, cv, grab(gui, "synthetic_realistic_correlogram"))
                assert has_color(pix, BLUE, tol=40, min_count=50), "no blue auto-correlogram drawn"
                shot = True
            if shot and {c for c in seen if c in bad} and len(seen) >= 6:
                break
        assert shot, f"no good unit with enough spikes among {sorted(seen)}"
        assert all(seen[c] == 0 for c in seen if c in good), seen  # the refractory dip
        assert any(seen[c] > 0 for c in seen if c in bad), seen  # pooled neurons / artefacts: no dip
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
