"""GUI scenarios of issue #17's state and timing habits, driven by real X input (xdotool):
the trace window is saved per dataset (``<data>/.phy/state.json``), the cluster filter box
applies 50 ms after the last keystroke, row clicks are debounced 50 ms, and ``ctrl+r``
switches the feature/amplitude time axes to ``spike_times_reordered.npy``.

Each scenario runs in its own process (``test_gui_state_local.py``); any logged error fails
it. The debounce scenarios give the tables a clock the scenario advances (no sleeping).

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_state trace_moved /path/to/data
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tests._clock import FakeClock
from tests.gui.helpers import grab, hold, keyboard, window_id, xdotool_while_rendering
from tests.gui.strict import controller_scenarios, scenario_main


def _ctrl_r(gui: Any) -> None:
    hold(gui, "ctrl", "r")


def _click(gui: Any, x: float, y: float) -> None:
    xdotool_while_rendering(gui, "mousemove", "--window", window_id(), str(int(x)), str(int(y)), "click", "1")


def _local_interval(dataset: Path) -> list[float]:
    return json.loads((dataset / ".phy" / "state.json").read_text())["TraceView"]["interval"]


def _global_state() -> dict[str, Any]:
    return json.loads((Path(os.environ["PHY_USER_DIR"]) / "TemplateGUI" / "state.json").read_text())


def _centred(controller: Any, interval: Any) -> bool:
    return abs(sum(interval) / 2 - float(controller.model.duration) / 2) < 1e-6


# The trace window belongs to its dataset -------------------------------------------------------


def _render_until(gui: Any, done: Callable[[], bool], max_frames: int = 400) -> None:
    """Render frames until ``done()``: ImGui takes typed characters from its input queue a
    few per frame, so on a slow frame rate the field lags behind xdotool."""
    for _ in range(max_frames):
        if done():
            return
        gui.render(1)
    assert done(), "the GUI did not catch up with the input"


def _snippet(gui: Any, keys: Callable[..., None], text: str) -> None:
    import dearpygui.dearpygui as dpg

    hold(gui, "shift", "semicolon")  # ":" opens the command line
    keys(text, command="type")
    _render_until(gui, lambda: dpg.get_value(gui.status_bar.snippet) == text)
    keys("Return")


def scenario_trace_moved(controller: Any, dataset: Path) -> None:
    """alt+right moves the trace window; the table is sorted by fr, a cluster selected, the
    skip of noise and mua turned off; ctrl+q closes: the window and the selection go to the
    local file only, the sort and the Supervisor's settings to the global one."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, tv, sup = keyboard(gui), gui.get_view("TraceView"), gui.supervisor
        before = tuple(tv.model.interval)
        assert _centred(controller, before), before
        hold(gui, "alt", "Right", "Right")
        after = tuple(tv.model.interval)
        assert after[0] > before[0] + 0.01, (before, after)
        assert controller.raw_data_filter.current == "high_pass"
        hold(gui, "alt", "r")  # the raw-data filter: this dataset's, like the trace window
        assert controller.raw_data_filter.current == "raw", gui.status.text()
        _snippet(gui, keys, "sfr")
        _snippet(gui, keys, "skip_noise_and_mua")
        assert sup.cluster_table.current_sort == ("fr", "desc") and sup.skip_masked is False, gui.status.text()
        sup.n_similar_clusters_to_select = 7  # phy sets it with its select_n_similar prompt
        chosen = sup.cluster_table.visible_ids[2]
        _snippet(gui, keys, f"c {chosen}")
        assert sup.selected_clusters == [chosen]
        grab(gui, "state_trace_moved")
        hold(gui, "ctrl", "q")  # closes (nothing to save) and writes the state files
        assert not gui.is_open
    finally:
        gui.destroy()
    local = json.loads((dataset / ".phy" / "state.json").read_text())
    assert local["TraceView"]["interval"] == list(after) and local["ClusterView"] == {"selected": [chosen]}
    assert local["raw_data_filter_name"] == "raw"
    glob = _global_state()
    assert "interval" not in glob.get("TraceView", {}) and "selected" not in glob["ClusterView"], glob
    assert "raw_data_filter_name" not in glob, glob
    assert glob["ClusterView"]["current_sort"] == ["fr", "desc"]
    assert glob["n_similar_clusters_to_select"] == 7 and glob["skip_masked_clusters"] is False


def scenario_trace_not_inherited(controller: Any, dataset: Path) -> None:
    """Another dataset opens on its own default window, not the one moved in the first."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        interval = gui.get_view("TraceView").model.interval
        assert _centred(controller, interval), interval
        assert controller.raw_data_filter.current == "high_pass"  # the other dataset's choice stays there
        sup = gui.supervisor
        assert sup.selected_clusters == []  # the selection is the other dataset's
        _assert_global_settings(gui)
    finally:
        gui.destroy()


def _assert_global_settings(gui: Any) -> None:
    sup = gui.supervisor
    assert sup.cluster_table.current_sort == ("fr", "desc")
    assert sup.n_similar_clusters_to_select == 7 and sup.skip_masked is False
    assert gui.select_actions.get("skip_noise_and_mua").checked is False


def scenario_trace_restored(controller: Any, dataset: Path) -> None:
    """The first dataset again: its moved window is back."""
    from phygui.app import create_gui

    saved = _local_interval(dataset)
    gui = create_gui(controller)
    try:
        gui.render(3)
        interval = gui.get_view("TraceView").model.interval
        assert list(interval) == saved and not _centred(controller, interval), (interval, saved)
        assert controller.raw_data_filter.current == "raw"
        assert str(gui.get_view("WaveformView").model.status).endswith(" raw")
        selected = json.loads((dataset / ".phy" / "state.json").read_text())["ClusterView"]["selected"]
        assert gui.supervisor.selected_clusters == selected
        _assert_global_settings(gui)
        grab(gui, "state_trace_restored")
    finally:
        gui.destroy()


# 50 ms debounces ------------------------------------------------------------------------------------


def scenario_filter_debounce(controller: Any, dataset: Path) -> None:
    """Typed quickly, a filter applies once, 50 ms after the last keystroke (not per key, no
    Enter needed); two quick row clicks select once, the last one (phy's 50 ms)."""
    import dearpygui.dearpygui as dpg

    from phycore.signals import connect
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        clock = FakeClock()
        cv, sup = gui.cluster_view, gui.supervisor
        cv.clock = clock  # frozen while xdotool types: every key falls within the 50 ms
        filtered: list[list[int]] = []
        connect(lambda sender, ids: filtered.append(list(ids)), event="table_filter", sender=sup.cluster_table)
        gui.render(3)
        x, y = dpg.get_item_rect_min(cv.filter_input)
        _click(gui, x + 20, y + 5)
        assert dpg.is_item_active(cv.filter_input)
        keys = keyboard(gui)
        text = "n_spikes > 600"
        # xdotool's "type" loses a ">" here (Xvfb's keymap lacks it): its key name does not.
        keys("n_spikes ", command="type")
        keys("greater", "space", "6", "0", "0")
        _render_until(gui, lambda: dpg.get_value(cv.filter_input) == text)
        assert filtered == [] and sup.cluster_table.filter_text is None  # not per key
        clock.advance(0.049)
        gui.render(2)
        assert filtered == []
        clock.advance(0.002)
        gui.render(2)
        assert len(filtered) == 1 and sup.cluster_table.filter_text == text, filtered
        counts = sup.clustering.spike_counts
        assert filtered[0] and all(counts[c] > 600 for c in filtered[0])
        gui.render(3)
        assert len(filtered) == 1  # once
        grab(gui, "state_filter_debounced")
        keys("Escape")
        assert sup.cluster_table.filter_text is None
        gui.render(3)

        # Two clicks within 50 ms: the first selects at once, the second when the clicks stop.
        clock.advance(1.0)
        first, second = cv._shown[1].cluster_id, cv._shown[3].cluster_id
        r1 = dpg.get_item_state(cv._rows[1][1][0])["rect_min"]
        r3 = dpg.get_item_state(cv._rows[3][1][0])["rect_min"]
        xdotool_while_rendering(gui, "mousemove", "--window", window_id(), str(int(r1[0]) + 5), str(int(r1[1]) + 6),
                                "click", "1", "mousemove", "--window", window_id(), str(int(r3[0]) + 5),
                                str(int(r3[1]) + 6), "click", "1")
        assert sup.selected_clusters == [first], (sup.selected_clusters, first, second)
        clock.advance(0.06)
        gui.render(2)
        assert sup.selected_clusters == [second], (sup.selected_clusters, second)
    finally:
        gui.destroy()


# ctrl+r ---------------------------------------------------------------------------------------------


def scenario_spike_reorder(controller: Any, dataset: Path) -> None:
    """ctrl+r: the amplitude and feature views' time axes use spike_times_reordered.npy (the
    test ranked the spikes by amplitude), the status bar says so; ctrl+r again turns it off."""
    from phygui.app import create_gui

    reordered = np.load(dataset / "spike_times_reordered.npy") / controller.model.sample_rate
    gui = create_gui(controller)
    try:
        sup = gui.supervisor
        sup.select(sup.cluster_table.visible_ids[0])
        gui.render(4)
        amp, feat = gui.get_view("AmplitudeView").model, gui.get_view("FeatureView").model
        spikes = amp._layers[0].spike_ids
        np.testing.assert_allclose(amp._layers[0].times, controller.model.spike_times[spikes])
        grab(gui, "spike_reorder_off")
        _ctrl_r(gui)
        assert controller.spike_reorder and gui.view_actions.get("toggle_spike_reorder").checked
        assert "spike_times_reordered.npy" in gui.status.message and "on" in gui.status.message, gui.status.message
        gui.render(3)
        spikes = amp._layers[0].spike_ids
        np.testing.assert_allclose(amp._layers[0].times, reordered[spikes])
        fspikes = feat._clusters[0].spike_ids
        np.testing.assert_allclose(feat._clusters[0].times, reordered[fspikes])
        grab(gui, "spike_reorder_on")
        _ctrl_r(gui)
        assert not controller.spike_reorder and "off" in gui.status.message, gui.status.message
        gui.render(3)
        np.testing.assert_allclose(amp._layers[0].times, controller.model.spike_times[amp._layers[0].spike_ids])
    finally:
        gui.destroy()


def scenario_spike_reorder_unavailable(controller: Any, dataset: Path) -> None:
    """Without spike_times_reordered.npy, ctrl+r says reordering is unavailable and stays off."""
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        _ctrl_r(gui)
        assert not controller.spike_reorder and not gui.view_actions.get("toggle_spike_reorder").checked
        assert "unavailable" in gui.status.message and "spike_times_reordered.npy" in gui.status.message, \
            gui.status.message
    finally:
        gui.destroy()


run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
