"""GUI scenarios of the curation views II (trace, probe, raster, cluster scatter), each
run in its own process by ``test_gui_views2.py`` (one Dear PyGui context per process).

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_views2 trace_view /path/to/data
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.gui.helpers import ARTIFACTS, grab, has_color, region

BLUE, RED = (0x08, 0x92, 0xFC), (0xFF, 0x02, 0x02)


def _open(controller: Any, name: str) -> tuple[Any, Any, list[int]]:
    from phygui.app import create_gui

    gui = create_gui(controller, views=[name])
    gui.render(3)
    sup = gui.supervisor
    ids = list(sup.cluster_table.visible_ids)
    sup.select(ids[0], ids[1])
    gui.render(6)
    return gui, gui.get_view(name), ids


def _check_colors(gui: Any, view: Any, artifact: str) -> None:
    from PIL import Image

    pix = region(gui, view, grab(gui))
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pix).save(ARTIFACTS / f"{artifact}.png")
    assert has_color(pix, BLUE, tol=40, min_count=10), f"{view.name}: no first-cluster (blue) pixels"
    assert has_color(pix, RED, tol=40, min_count=10), f"{view.name}: no second-cluster (red) pixels"


def scenario_trace_view(controller: Any, dataset: Path) -> None:
    """Traces drawn with the selection's spikes in colour; keys move the window; a
    ctrl+click on a drawn spike selects its cluster."""
    from phycore.signals import connect
    from phygui.views.trace import TraceView

    gui, view, ids = _open(controller, "TraceView")
    try:
        assert isinstance(view, TraceView), view
        assert view.n_rasterised >= 1, gui.status.error
        # go to a spike of the second cluster so both colours are in the window
        view.model.go_to_next_spike()
        gui.render(4)
        _check_colors(gui, view, "trace")
        seen: list[Any] = []
        connect(lambda sender, interval: seen.append(interval), event="time_range_selected")
        assert gui.dispatcher.keymap.lookup("alt+right") is view.actions.get("go_right")
        t0 = view.model.interval[0]
        view.actions.get("go_right")()
        gui.render(3)
        assert view.model.interval[0] > t0 and seen and view.n_rasterised >= 2
        # spike_click end to end: the view's click command on a drawn spike of another cluster
        clicks: list[Any] = []
        connect(lambda sender, **kw: clicks.append(kw), event="spike_click")
        view.model.toggle_show_all_spikes(True)
        gui.render(3)
        sid, cid, ch, t, _layer = next(s for s in view.model._spikes if s[1] not in ids[:2])
        x, y = view.model.spike_position(sid)
        assert view.click(x, y, "left", ctrl=True) == (sid, cid, ch)
        gui.render(3)
        assert gui.supervisor.selected == [cid], (gui.supervisor.selected, cid)
        assert clicks and clicks[-1]["cluster_id"] == cid
        grab(gui, "trace_view_full")
    finally:
        gui.destroy()


def scenario_probe_view(controller: Any, dataset: Path) -> None:
    """Sites in grey, the two selected clusters' best channels in their colours."""
    from phygui.views.probe import ProbeView

    gui, view, ids = _open(controller, "ProbeView")
    try:
        assert isinstance(view, ProbeView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "probe")
        view.actions.get("toggle_show_labels")()
        gui.render(3)
        assert view.model.options.do_show_labels
        grab(gui, "probe_view_full")
    finally:
        gui.destroy()


def scenario_raster_view(controller: Any, dataset: Path) -> None:
    """Every cluster's spikes, the selection in its colours; ctrl+click selects a row;
    the rows follow the table's sort."""
    from phygui.views.raster_view import RasterView

    gui, view, ids = _open(controller, "RasterView")
    try:
        assert isinstance(view, RasterView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "raster")
        sup = gui.supervisor
        target = ids[2]
        assert view.click(*view.model.row_position(target), "left", ctrl=True) == target
        assert sup.selected == [target]
        view.click(*view.model.row_position(ids[3]), "left", ctrl=True, shift=True)
        assert sup.selected == [target, ids[3]]
        n = view.n_rasterised
        sup.sort("id", "asc")
        gui.render(3)
        assert view.model.rows == sorted(ids) and view.n_rasterised > n
        grab(gui, "raster_view_full")
    finally:
        gui.destroy()


def scenario_cluster_scatter_view(controller: Any, dataset: Path) -> None:
    """One marker per cluster, the selection in its colours; click / shift+click select;
    the :csx snippet rebinds x."""
    from phygui.views.scatter import ClusterScatterView

    gui, view, ids = _open(controller, "ClusterScatterView")
    try:
        assert isinstance(view, ClusterScatterView), view
        assert view.n_rasterised >= 1, gui.status.error
        _check_colors(gui, view, "cluster_scatter")
        sup = gui.supervisor
        target = ids[2]
        assert view.click(*view.model.cluster_position(target), "left") == target
        assert sup.selected == [target]
        other = view.click(*view.model.cluster_position(ids[3]), "left", shift=True)
        assert sup.selected == [target, other]
        view.actions.get("set_x_axis")("n_spikes")
        gui.render(3)
        assert view.model.options.x_axis == "n_spikes"
        grab(gui, "cluster_scatter_view_full")
    finally:
        gui.destroy()


def main(name: str, data_dir: str) -> None:
    """Build the controller and run the scenario with it."""
    from phycore import signals
    from phycore.controller import TemplateController

    signals.set_raise_errors(False)
    func = globals()[f"scenario_{name}"]
    dataset = Path(data_dir)
    controller = TemplateController(dataset / "params.py")
    try:
        func(controller, dataset)
    finally:
        controller.close()
    print(f"scenario {name}: OK")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
