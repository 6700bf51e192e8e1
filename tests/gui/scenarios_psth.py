"""GUI scenarios of the events and PSTHs (issue #19): the PSTH view added from the View menu
and driven by typed snippets (xdotool), and the event markers of the trace view. Each runs in
its own process (``test_gui_psth.py``); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_psth psth_view /path/to/data
(the folder needs an ``events.tsv``, see tests/_events.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests._events import LATENCY
from tests.gui.helpers import ARTIFACTS, grab, has_color, keyboard
from tests.gui.scenarios_new_views import _add_from_menu
from tests.gui.scenarios_state import _snippet as _typed_snippet
from tests.gui.scenarios_views2 import BLUE, RED, _click_menu, _plot_pixels
from tests.gui.strict import controller_scenarios, scenario_main


def _snippet(keys: Any, text: str) -> None:
    # ":" with shift held over frames (a slow frame may miss a plain chord), the text typed,
    # and Return once the command line shows it.
    _typed_snippet(keys.gui, keys, text)


def _keys(gui: Any) -> Any:
    keys = keyboard(gui)
    keys.gui = gui  # type: ignore[attr-defined]
    return keys


#: The views of the scenario: those that draw event markers (a small layout: fast frames).
_VIEWS = ("TraceView", "AmplitudeView", "FiringRateView")


def _responsive(dataset: Path) -> int:
    return int((dataset / "responsive_cluster.txt").read_text())


def _save_plot(gui: Any, view: Any, name: str) -> Any:
    from PIL import Image

    pix = _plot_pixels(view, grab(gui, f"{name}_full"))
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pix).save(ARTIFACTS / f"{name}.png")
    return pix


def scenario_psth_view(controller: Any, dataset: Path) -> None:
    """View > Add view > PSTHView aligns the selected clusters on the folder's stimuli; the
    responsive cluster's histogram peaks at its latency; the typed snippet :psthw
    changes the window, :psthe the event type; a new type from set_events does not
    replace the shown one; the view's menu steps through them. Then the trace view's event
    markers (one GUI for both: each GUI start costs seconds)."""
    from phygui.app import create_gui
    from phygui.views.psth import PSTHView

    cid = _responsive(dataset)
    gui = create_gui(controller, views=list(_VIEWS))
    try:
        gui.render(3)
        assert gui.get_view("PSTHView") is None  # not in the default layout
        sup = gui.supervisor
        other = next(int(c) for c in sup.cluster_table.visible_ids if int(c) != cid)
        sup.select(cid, other)
        gui.render(4)
        view = _add_from_menu(gui, "PSTHView")
        assert isinstance(view, PSTHView)
        for _ in range(60):  # the data job runs on a worker
            gui.render(1)
            if view.n_rasterised and not view.data_pending and not view.model.is_dirty:
                break
        m = view.model
        assert m.event_type == "stimulus" and m.cluster_ids == [cid, other], (m.event_type, m.cluster_ids)
        p = m.psths[0]
        k = int(np.argmax(p.rates))
        assert p.bin_edges[k] <= LATENCY < p.bin_edges[k + 1], (p.bin_edges[k], p.rates.max())
        pix = _save_plot(gui, view, "psth_view")
        assert has_color(pix, BLUE, tol=40, min_count=30), "no first-cluster (blue) raster or histogram"
        assert has_color(pix, RED, tol=40, min_count=30), "no second-cluster (red) raster or histogram"
        # Real keys: the phy-style snippets of the view.
        keys = _keys(gui)
        _snippet(keys, "psthw 100 300")
        assert np.allclose((m.options.pre, m.options.post), (0.1, 0.3)), (m.options, gui.status.text())
        m.set_bin(5)  # :psthb runs the same way (the view-model tests check the command)
        gui.render(6)
        assert m.psths[0].bin_edges.size == 81 and view._home is not None
        assert abs(view._home[0] - (-100.0 - 4.0)) < 1.0 and abs(view._home[2] - (300.0 + 4.0)) < 1.0, view._home
        assert "stimulus: [-100, 300] ms, bin 5 ms" in m.status
        # A second event type from the SDK; the view's menu steps to it.
        stim = controller.events["stimulus"]
        controller.set_events("reward", stim[::2] + 0.2)
        gui.render(2)
        assert m.event_types == ["reward", "stimulus"] and m.event_type == "stimulus"
        _click_menu(view.name, "previous event type")  # the view's menu: reward comes first
        assert m.event_type == "reward", (m.event_type, gui.status.error)
        m.set_event_type("stimulus")
        gui.render(2)
        gui.run_snippet(":psthe reward")  # the snippet's routing (typed keys: :psthw above)
        assert m.options.event_type == "reward", gui.status.error
        for _ in range(60):
            gui.render(1)
            if not view.data_pending and not m.is_dirty:
                break
        assert m.psths[0].n_trials == len(stim[::2]), m.psths[0].n_trials
        assert not gui.status.error, gui.status.error
        _trace_markers(gui, controller, dataset)
    finally:
        gui.destroy()


def _trace_markers(gui: Any, controller: Any, dataset: Path) -> None:
    """The trace view draws each visible event as a vertical line in its type's colour; the
    window moved away from the events shows none; set_events draws a new type at once."""
    from phygui.viewmodels.event_markers import event_color

    controller.set_events("reward", None)
    sup = gui.supervisor
    sup.select(_responsive(dataset))
    view = gui.get_view("TraceView")
    stim = controller.events["stimulus"]
    t = float(stim[len(stim) // 2])
    view.model.set_interval((t - 0.1, t + 0.15))
    for _ in range(60):
        gui.render(1)
        if not view.model.is_dirty and not view.data_pending:
            break
    gui.render(4)
    assert view._marker_items, "no event marker drawn"
    pix = _save_plot(gui, view, "trace_view_event_markers")
    magenta = tuple(int(round(255 * c)) for c in event_color(["stimulus"], "stimulus")[:3])
    assert has_color(pix, magenta, tol=70, min_count=20), "no event marker (magenta) pixels"
    # The amplitude and firing-rate views mark the events too (one line series per type).
    for name in ("AmplitudeView", "FiringRateView"):
        frame = gui.get_view(name).model.compute()
        assert [line.box for line in frame.lines if line.kind == "event"] == ["stimulus"], name
    # Far from every event: no marker.
    gap = np.diff(np.r_[0.0, stim, controller.model.duration])
    k = int(np.argmax(gap))
    mid = (np.r_[0.0, stim][k] + np.r_[stim, controller.model.duration][k]) / 2
    view.model.set_interval((mid - 0.01, mid + 0.01))
    for _ in range(30):
        gui.render(1)
        if not view.model.is_dirty and not view.data_pending:
            break
    assert not view._marker_items
    controller.set_events("laser", [mid])
    gui.render(6)
    assert len(view._marker_items) == 1
    assert not gui.status.error, gui.status.error


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
