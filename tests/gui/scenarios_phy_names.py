"""GUI scenarios of phy's GUI and view names (``list_views``, ``view_count``,
``create_and_add_view``, the views' phy attributes, ``controller.create_*_view``). Each is run
in its own process by a ``subprocess``-marked test of ``test_gui_phy_names.py``; any logged
error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_phy_names view_listing /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.strict import controller_scenarios, scenario_main


def scenario_view_listing(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui
    from phygui.views.waveform import WaveformView

    gui = create_gui(controller)
    try:
        gui.render(2)
        count = gui.view_count
        assert count["ClusterView"] == count["SimilarityView"] == count["WaveformView"] == 1, count
        assert sum(count.values()) == len(gui.views)
        wv = gui.get_view("WaveformView")
        assert gui.list_views("WaveformView") == [wv] == gui.list_views(WaveformView)
        assert gui.list_views("WaveformView", "TraceView") == [wv, gui.get_view("TraceView")]
        gui.close_view(wv)  # phy drops a closed view: it is no longer listed nor counted
        assert "WaveformView" not in gui.view_count and gui.list_views(WaveformView) == []
        new = gui.create_and_add_view("WaveformView")
        assert isinstance(new, WaveformView) and new is not wv and gui.view_count["WaveformView"] == 1
        assert gui.list_views(WaveformView) == [new]
        assert gui.create_and_add_view("NoSuchView") is None
        # controller.create_*_view: a view of the GUI, docked by add_view as in phy.
        view = controller.create_correlogram_view()
        assert type(view).__name__ == "CorrelogramView" and view not in gui.views
        gui.add_view(view)
        assert gui.view_count["CorrelogramView"] == 2
        gui.render(2)
    finally:
        gui.destroy()


def scenario_view_attributes(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui
    from phygui.views._plot import PlotView

    gui = create_gui(controller)
    try:
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        gui.render(3)
        for view in gui.views:
            if not isinstance(view, PlotView):
                continue
            for name in type(view).phy_names:  # each served name is on the class and reads
                assert hasattr(type(view), name), (view.name, name)
                getattr(view, name)
        tv = gui.get_view("TraceView")
        tv.interval = (0.25, 0.75)
        assert tv.interval == (0.25, 0.75) and tv.model.interval == (0.25, 0.75)
        assert tv.time == 0.5 and tv.half_duration == 0.25
        tv.go_to(1.0)
        assert tv.time == 1.0 and tv.half_duration == 0.25
        tv.shift(0.5)
        assert tv.time == 1.5
        assert tv.n_channels == controller.model.n_channels
        y = controller.model.channel_positions[:, 1]
        ranks = tv.channel_y_ranks
        assert sorted(ranks.tolist()) == list(range(len(y))) and np.all(np.diff(y[np.argsort(ranks)]) >= 0)
        tv.scaling = 2.0
        assert tv.model.options.scaling == 2.0 and tv.model.is_dirty
        cs = gui.get_view("ClusterScatterView")
        cs.x_axis = "fr"
        cs.set_size("n_spikes")
        assert (cs.x_axis, cs.size, cs.model.options.x_axis) == ("fr", "n_spikes", "fr")
        gui.render(3)
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
