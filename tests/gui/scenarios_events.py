"""GUI scenarios of phy's events: every built-in event is subscribed to while the real app runs, and
each one phycore emits is checked for its sender and arguments (phy 2.1's, see docs/events.md).
Each scenario runs in its own process from ``test_gui_events.py``; any logged error fails it, so a
subscriber that raised fails the scenario too.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_events phy_events /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.strict import controller_scenarios, scenario_main

VIEWS = ["WaveformView", "FeatureView", "AmplitudeView", "TraceView", "TemplateView", "RasterView",
         "ClusterScatterView"]

Record = tuple[str, Any, tuple[Any, ...], dict[str, Any]]


class Events:
    """Subscribes to every event of :data:`phycore.signals.EVENTS`; records ``(event, sender, args, kwargs)``."""

    def __init__(self) -> None:
        from phycore.signals import EVENTS, connect

        self.all: list[Record] = []
        for name in EVENTS:
            connect(self._recorder(name), event=name)

    def _recorder(self, name: str) -> Any:
        def on_event(sender: Any, *args: Any, **kwargs: Any) -> None:
            self.all.append((name, sender, args, kwargs))

        return on_event

    def of(self, name: str) -> list[Record]:
        """The records of one event, oldest first."""
        return [r for r in self.all if r[0] == name]

    def last(self, name: str) -> Record:
        """The newest record of one event (fails if it never fired)."""
        found = self.of(name)
        assert found, f"{name} was never emitted; emitted: {sorted({r[0] for r in self.all})}"
        return found[-1]

    def since(self, n: int) -> list[str]:
        """Names of the events emitted after the first ``n`` records, is_busy left out."""
        return [r[0] for r in self.all[n:] if r[0] != "is_busy"]


def scenario_phy_events(controller: Any, dataset: Path) -> None:
    """Session, table, supervisor, view and GUI events, each with phy's sender kind and arguments."""
    import numpy as np

    from phycore.controller import TemplateController
    from phygui.app import create_gui
    from phygui.views._plot import PlotView

    ev = Events()
    # controller_ready: a second (read-only) session of the same folder, made while subscribed.
    second = TemplateController(dataset / "params.py")
    try:
        assert ev.last("controller_ready")[1:] == (second, (), {})
    finally:
        second.close()

    gui = create_gui(controller, views=VIEWS)
    try:
        gui.render(3)
        sup = gui.supervisor
        # Session and GUI start: phy's senders and arguments.
        assert ev.last("gui_ready")[1:] == (controller, (gui,), {})
        assert ev.last("attach_gui")[1:] == (sup, (), {})
        assert ev.last("show")[1:] == (gui, (), {})
        attached = {r[1].name: r[2] for r in ev.of("view_attached")}
        assert set(VIEWS) | {"ClusterView", "SimilarityView"} <= set(attached)
        assert all(args == (gui,) for args in attached.values())
        assert {r[2][0].name for r in ev.of("add_view") if r[1] is gui} >= set(VIEWS)
        # The tables: <name>_init then pre_build when built, ready once drawn; sender = the table model.
        names = [(r[0], r[1]) for r in ev.all if r[0] in ("cluster_view_init", "similarity_view_init",
                                                            "pre_build", "ready")]
        assert names == [("cluster_view_init", sup.cluster_view), ("pre_build", sup.cluster_view),
                         ("similarity_view_init", sup.similarity_view), ("pre_build", sup.similarity_view),
                         ("ready", sup.cluster_view), ("ready", sup.similarity_view)], names

        # Selection: the similarity view asks for its rows, the supervisor announces the selection,
        # every data view draws between is_busy True and False.
        ids = list(sup.cluster_table.visible_ids)
        n = len(ev.all)
        sup.select(ids[0], ids[1])
        gui.render(6)
        assert ev.since(n)[:2] == ["request_similar_clusters", "select"], ev.since(n)
        assert ev.last("request_similar_clusters")[1:] == (sup.similarity_view, (ids[1],), {})
        assert ev.last("select")[1:] == (sup, ([ids[0], ids[1]],), {})
        busy = [(r[1], r[2]) for r in ev.all[n:] if r[0] == "is_busy"]
        plots = [v for v in gui.views if isinstance(v, PlotView)]
        for view in plots:
            mine = [args for sender, args in busy if sender is view]
            assert mine and mine[0] == (True,) and mine[-1] == (False,) and len(mine) % 2 == 0, (view.name, mine)

        # Supervisor actions from the GUI: action(supervisor, name, *args) before they run.
        gui.run_snippet(":next_best")
        assert ev.last("action")[1:] == (sup, ("next_best",), {})
        (result,) = ev.last("wizard_done")[2]
        assert ev.last("wizard_done")[1] is sup and result["selected"] == sup.selected_clusters, result
        gui.run_snippet(":sort n_spikes asc")
        assert ev.last("action")[2] == ("sort", "n_spikes", "asc")
        assert ev.last("table_sort")[1:] == (sup.cluster_view, (sup.cluster_table.visible_ids,), {})
        gui.cluster_view.apply_filter("n_spikes > 0")
        assert ev.last("table_filter")[1:] == (sup.cluster_view, (sup.cluster_table.visible_ids,), {})
        gui.cluster_view.apply_filter(None)
        assert sup.split() is None  # no lasso: the lasso views have nothing to give
        assert ev.last("request_split")[1:] == (sup, (), {})

        # Template and raster views: a ctrl+click requests the selection, ctrl+shift+click adds.
        ids = list(sup.cluster_table.visible_ids)
        template, raster = gui.get_view("TemplateView"), gui.get_view("RasterView")
        assert template.click(*template.model.cluster_position(ids[2]), "left", ctrl=True) == ids[2]
        assert ev.last("cluster_click")[1:3] == (template, (ids[2],))
        assert ev.last("request_select")[1:] == (template, ([ids[2]],), {}) and sup.selected == [ids[2]]
        raster.click(*raster.model.row_position(ids[3]), "left", ctrl=True, shift=True)
        assert ev.last("select_more")[1:] == (raster, ([ids[3]],), {}) and sup.selected == [ids[2], ids[3]]
        gui.render(3)

        # Cluster scatter lasso: lasso_updated(view, polygon) per vertex, then request_select.
        scatter = gui.get_view("ClusterScatterView")
        x0, y0, x1, y1 = scatter.model.compute().home
        for k, (x, y) in enumerate([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], start=1):
            scatter.click(x, y, "left", ctrl=True)
            sender, (polygon,) = ev.last("lasso_updated")[1:3]
            assert sender is scatter and np.asarray(polygon).shape == (k, 2)
        inside = ev.last("request_select")
        assert inside[1] is scatter and inside[2][0] == sup.selected and len(sup.selected) > 2
        scatter.click(x0, y0, "right", ctrl=True)
        sup.select(ids[0], ids[1])
        gui.render(4)

        # Waveform view: select_channel (then its alias channel_click, and selected_channel_changed).
        waveform = gui.get_view("WaveformView")
        f = waveform.model.compute()
        k = 1
        n = len(ev.all)
        ch = waveform.click((f.boxes[k, 0] + f.boxes[k, 2]) / 2, (f.boxes[k, 1] + f.boxes[k, 3]) / 2, "left",
                            ctrl=True)
        assert ch == int(f.channel_ids[k])
        assert ev.since(n) == ["select_channel", "channel_click", "selected_channel_changed"], ev.since(n)
        kw = {"channel_id": ch, "key": None, "button": "left"}
        assert ev.last("select_channel")[1:] == (waveform, (), kw)
        assert ev.last("channel_click")[1:] == (waveform, (), kw)
        assert ev.last("selected_channel_changed")[1:] == (waveform, (), {})

        # Feature view: alt+click picks a dimension, then selected_feature_changed.
        feature = gui.get_view("FeatureView")
        gui.render(2)
        feature.click(1.5, 3.5, "left", alt=True)  # cell (0, 1) = '1A,0A': x dimension 1A
        assert ev.last("select_feature")[1:] == (feature, (), {"dim": "1A", "channel_id": feature.model.channel_ids[1],
                                                                "pc": 0})
        assert ev.last("selected_feature_changed")[1:] == (feature, (), {})

        # Amplitude view alt+click -> select_time; the trace view goes there -> time_range_selected.
        amplitude, trace = gui.get_view("AmplitudeView"), gui.get_view("TraceView")
        amplitude.click(5.0, 0.0, "left", alt=True)
        assert ev.last("select_time")[1:] == (amplitude, (5.0,), {})
        sender, (interval,), _ = ev.last("time_range_selected")[1:]
        assert sender is trace and interval == trace.model.interval and interval[0] < 5.0 < interval[1]

        # Trace view: ctrl+click on a drawn spike -> select_spike (then spike_click), and its
        # cluster is selected; shift+click on a channel -> select_channel without key (phy's).
        trace.model.toggle_show_all_spikes(True)
        gui.render(4)
        s = trace.model.drawn_spikes[0]
        x, y = trace.model.spike_position(int(s["spike"]))
        sid, cid, ch = trace.click(x, y, "left", ctrl=True)
        kw = {"channel_id": ch, "spike_id": sid, "cluster_id": cid}
        assert ev.last("select_spike")[1:] == (trace, (), kw) and ev.last("spike_click")[1:] == (trace, (), kw)
        assert sup.selected == [cid]
        ch = trace.click(x, y, "left", shift=True)
        assert ev.last("select_channel")[1:] == (trace, (), {"channel_id": ch, "button": "left"})

        # toggle_auto_update(view, checked): off, the view no longer follows the selection.
        toggle = amplitude.actions.get("toggle_auto_update")
        toggle()
        assert ev.last("toggle_auto_update")[1:] == (amplitude, (False,), {})
        shown = list(amplitude.model.cluster_ids)
        sup.select(ids[2])
        gui.render(2)
        assert list(amplitude.model.cluster_ids) == shown
        toggle()
        assert ev.last("toggle_auto_update")[1:] == (amplitude, (True,), {})
        assert list(amplitude.model.cluster_ids) == [ids[2]]

        # alt+r's action: the controller announces its new raw-data filter (the views redraw).
        gui.run_snippet(":switch_raw_data_filter")
        assert ev.last("raw_data_filter_changed")[1:] == (controller, ("raw",), {})

        # An action, a save, a closed view, the close.
        sup.select(ids[0], ids[1])
        gui.run_snippet(":merge")
        up = ev.last("cluster")[2][0]
        assert ev.last("action")[2] == ("merge",) and ev.last("cluster")[1] is sup and up.description == "merge"
        n = len(ev.all)
        gui.save()
        assert ev.since(n)[0] == "request_save" and ev.last("request_save")[1:] == (gui, (), {})
        assert ev.last("save_clustering")[1] is sup
        gui.close_view(raster)
        assert ev.since(n)[-2:] == ["close_dock_widget", "close_view"]
        assert ev.last("close_dock_widget")[1:] == (raster, (), {})
        assert ev.last("close_view")[1:] == (raster, (gui,), {})
        assert gui.request_close() is True
        assert ev.last("close")[1:] == (gui, (), {})
    finally:
        gui.destroy()
    # What was never emitted is what EVENTS says is not emitted (or needs what this scenario skips).
    from phycore.signals import EVENTS

    # live sessions, colour menu, undo, ctrl+r (tests/gui/scenarios_state.py)
    not_here = {"spikes_added", "color_mapping_changed", "request_undo_state", "toggle_spike_reorder"}
    # right clicks on a table row and on a correlogram (tests/gui/scenarios_mouse.py)
    not_here |= {"row_right_click", "request_promote_similar"}
    # a merge candidate rejected (tests/controller/test_merge_review.py)
    not_here |= {"merge_review"}
    # controller.set_events (tests/model/test_events.py, tests/gui/scenarios_psth.py)
    not_here |= {"events_changed"}
    silent = sorted(n for n in EVENTS if not ev.of(n) and not EVENTS[n].phy.startswith("Not emitted"))
    assert set(silent) <= not_here, silent


def scenario_raising_subscriber(controller: Any, dataset: Path) -> None:
    """A phy plugin's subscriber raises in ``request_select``: the app logs it and goes on (the
    click still selects), so this scenario fails on the logged error (``test_gui_events``)."""
    from phycore.signals import connect
    from phygui.app import create_gui

    def on_request_select(sender: Any, cluster_ids: Any) -> None:
        raise RuntimeError("broken plugin subscriber")

    connect(on_request_select)
    gui = create_gui(controller, views=["TemplateView"])
    try:
        gui.render(3)
        ids = list(gui.supervisor.cluster_table.visible_ids)
        view = gui.get_view("TemplateView")
        assert view.click(*view.model.cluster_position(ids[1]), "left", ctrl=True) == ids[1]
        assert gui.supervisor.selected == [ids[1]]  # the GUI's own subscriber still ran
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
