"""GUI scenarios of data safety: bad GUI state files, read-only sessions. Each is run in its own
process by a ``subprocess``-marked test of ``test_gui_safety.py``; any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_safety bad_state /path/to/data
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from tests.gui.helpers import grab
from tests.gui.strict import controller_scenarios, scenario_main

#: Valid JSON, wrong types: each of these made a view fail on every frame.
BAD_STATE = {
    "WaveformView": {"n_spikes_waveforms": "many", "box_scaling": "x", "waveform_alpha": 0.25},
    "FeatureView": {"channel_ids": "x", "marker_size": {"a": 1}, "n_spikes_features": [1, 2]},
    "AmplitudeView": [1, 2],
    "CorrelogramView": {"bin_size": {"x": 1}, "window_size": "big"},
    "ISIView": {"n_bins": "x"},
    "TraceView": {"interval": "x", "scaling": [1, 2]},
    "TemplateView": {"scaling": None},
    "ClusterScatterView": {"x_axis": 3},
    "GUI": {"viewport": [1], "open_views": "x", "layout_ini": 3},
    "ClusterView": {"current_sort": "x"},
    "MyPluginView": {"kept": "as is"},
}
BAD_LOCAL = {"ClusterView": {"selected": {"a": 1}}, "WaveformView": {"probe_scaling": "x"}}


def write_bad_state(dataset: Path) -> None:
    """The global (``$PHY_USER_DIR/TemplateGUI``) and local state files, before the app starts."""
    glob = Path(os.environ["PHY_USER_DIR"]) / "TemplateGUI" / "state.json"
    glob.parent.mkdir(parents=True, exist_ok=True)
    glob.write_text(json.dumps(BAD_STATE))
    (dataset / ".phy").mkdir(exist_ok=True)
    (dataset / ".phy" / "state.json").write_text(json.dumps(BAD_LOCAL))


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def scenario_bad_state(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui
    from phygui.views._plot import PlotView

    glob = Path(os.environ["PHY_USER_DIR"]) / "TemplateGUI" / "state.json"
    log = _Warnings()
    logging.getLogger("phycore.state").addHandler(log)
    try:
        gui = create_gui(controller)
    finally:
        logging.getLogger("phycore.state").removeHandler(log)
    try:
        state_warnings = [m for m in log.messages if "wrong type" in m]
        assert len(state_warnings) == 2, log.messages
        g = next(m for m in state_warnings if str(glob) in m)
        assert "WaveformView.n_spikes_waveforms = 'many'" in g and "AmplitudeView = [1, 2]" in g
        assert str(dataset / ".phy" / "state.json") in next(m for m in state_warnings if str(glob) not in m)
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        gui.render(6)
        plots = [v for v in gui.views if isinstance(v, PlotView)]
        assert {"WaveformView", "FeatureView", "AmplitudeView", "CorrelogramView", "TraceView"} <= \
            {v.name for v in plots}
        for view in plots:  # drawn: every view made its picture (no_logged_errors: none failed)
            assert view.n_rasterised > 0 or not view.model.is_dirty, view.name
        waveform = gui.get_view("WaveformView").model.options
        assert waveform.n_spikes_waveforms == 100 and waveform.box_scaling == (1.0, 1.0)  # defaults
        assert waveform.waveform_alpha == 0.25  # a good value of the same file is kept
        grab(gui, "bad_state_views")
        assert gui.request_close() is True
        saved = json.loads(glob.read_text())
        assert saved["WaveformView"]["n_spikes_waveforms"] == 100 and saved["MyPluginView"] == {"kept": "as is"}
    finally:
        gui.destroy()


def _tree(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(d.rglob("*"))}


def scenario_read_only_close_prompt(controller: Any, dataset: Path) -> None:
    """A second, read-only session: its close prompt offers no Save, and quitting writes nothing
    in the folder (``controller`` is the first session, holding the lock)."""
    import dearpygui.dearpygui as dpg

    from phycore.controller import TemplateController
    from phygui.app import create_gui

    assert controller.lock is not None and controller.lock.held
    before = _tree(dataset)
    second = TemplateController(dataset / "params.py")
    assert second.read_only
    gui = create_gui(second)
    try:
        gui.render(3)
        sup = gui.supervisor
        ids = sup.cluster_table.visible_ids
        sup.select(ids[0], ids[1])
        sup.merge(ids[0], ids[1])
        gui.render(3)
        assert gui.request_close() is False
        gui.render(2)
        prompt = gui.close_prompt
        assert prompt.shown and prompt.answers == ("discard", "cancel")
        buttons = [dpg.get_item_label(b) for group in dpg.get_item_children(prompt.window, 1)
                   for b in (dpg.get_item_children(group, 1) or [])]
        assert buttons == ["Quit without saving", "Cancel"], buttons
        text = dpg.get_value(prompt.text)
        assert "cannot save" in text and f"{dataset} is open in another session" in text, text
        grab(gui, "read_only_close_prompt")
        prompt.answer("save")  # e.g. from a plugin: refused, the window stays open
        assert gui.is_open and "cannot save" in gui.status.error and sup.is_dirty()
        prompt.answer("cancel")
        assert gui.is_open and sup.is_dirty()
        assert gui.request_close() is False
        prompt.answer("discard")
        assert not gui.is_open
    finally:
        gui.destroy()
        second.close()
    assert _tree(dataset) == before  # no cache, no state.json, no journal: nothing new or changed
    assert (Path(os.environ["PHY_USER_DIR"]) / "TemplateGUI" / "state.json").exists()  # the GUI state still saved


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
