"""GUI scenarios of real raw data: a folder whose raw file is truncated (the status bar says
so, the trace view is not created, the other views work), and a folder whose raw
data is an mtscomp ``.cbin`` (the trace view draws and scrolls by real key presses), and
SpikeGLX / Open Ephys folders described by their real metadata files.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_real_raw truncated /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, keyboard, region
from tests.gui.strict import controller_scenarios, scenario_main

BLUE = (8, 146, 252)  # the first selected cluster (phy's #0892FC)


def _settle(gui: Any, max_frames: int = 600) -> None:
    """Render until every view computed on worker threads shows its data (and the trace
    view's tiles are drawn), at least 3 frames."""
    gui.render(3)
    views = [v for v in gui.views if hasattr(v, "data_pending")]
    for _ in range(max_frames):
        if all(not v.data_pending and not v.model.is_dirty and not v.dirty for v in views):
            break
        gui.render(1)
    gui.render(2)


def scenario_truncated(controller: Any, dataset: Path) -> None:
    """raw.dat ends before the last spike: clear message, no trace view, the template,
    amplitude and waveform views draw and real keys still select clusters."""
    from phygui.app import create_gui

    assert not controller.model.has_raw_data
    gui = create_gui(controller, views=["WaveformView", "TraceView", "TemplateView", "AmplitudeView"])
    try:
        _settle(gui)
        msg = gui.status_message
        assert msg.startswith("no trace view") and "raw.dat" in msg and "truncated" in msg, msg
        assert "bytes" in msg, msg
        # As in phy, the views that need raw data are not created.
        assert gui.get_view("TraceView") is None
        keys, sup = keyboard(gui), gui.supervisor
        first = list(sup.selected)
        keys("Down")  # phy: next cluster
        _settle(gui)
        assert sup.selected and sup.selected != first, (first, sup.selected)
        frame = grab(gui, "real_raw_truncated")
        for name in ("TemplateView", "AmplitudeView", "WaveformView"):
            pixels = region(gui, gui.get_view(name), frame)
            assert has_color(pixels, BLUE, tol=40, min_count=20), f"{name} does not draw the selection"
    finally:
        gui.destroy()


def scenario_cbin(controller: Any, dataset: Path) -> None:
    """Raw data in raw.cbin (mtscomp): the trace view draws the selected cluster's spikes and
    scrolls with alt+Left, reading through the bounded chunk cache."""
    from phygui.app import create_gui

    m = controller.model
    assert m.has_raw_data and m.traces is not None and m.dat_path[0].suffix == ".cbin", m.raw_data_error
    part = m.traces.parts[0]
    gui = create_gui(controller, views=["TraceView", "WaveformView"])
    try:
        _settle(gui)
        trace = gui.get_view("TraceView")
        assert not trace.model.error, trace.model.error
        before = region(gui, trace, grab(gui))
        keys, sup = keyboard(gui), gui.supervisor
        keys("Down")  # phy: select the next (here the first) cluster
        _settle(gui)
        assert sup.selected, "no cluster selected"
        t0 = trace.model.interval[0]
        keys("alt+Left", "alt+Left", "alt+Left")
        _settle(gui)
        assert trace.model.interval[0] < t0, trace.model.interval
        frame = grab(gui, "real_raw_cbin")
        pixels = region(gui, trace, frame)
        assert pixels[..., :3].std() > 10 and not np.array_equal(pixels, before)
        assert has_color(pixels, BLUE, tol=40, min_count=5), "the selected cluster's spikes are not drawn"
        # Read through the bounded chunk cache (the waveform view reads spikes everywhere).
        assert part.n_decompressed > 0 and part.n_cached <= part.max_chunks
    finally:
        gui.destroy()


def scenario_acquisition(controller: Any, dataset: Path) -> None:
    """A SpikeGLX or Open Ephys folder whose params.py gives only dat_path: the sample rate and
    channel count come from the real .meta / structure.oebin; the trace view draws."""
    from phygui.app import create_gui

    m = controller.model
    assert m.has_raw_data and m.acquisition, m.raw_data_error
    system = m.acquisition[0].system
    gui = create_gui(controller, views=["TraceView", "WaveformView"])
    try:
        _settle(gui)
        keys, sup = keyboard(gui), gui.supervisor
        keys("Down")
        _settle(gui)
        assert sup.selected, "no cluster selected"
        trace = gui.get_view("TraceView")
        assert not trace.model.error, trace.model.error
        pixels = region(gui, trace, grab(gui, f"real_raw_{system}"))
        assert pixels[..., :3].std() > 10
        assert has_color(pixels, BLUE, tol=40, min_count=5), "the selected cluster's spikes are not drawn"
    finally:
        gui.destroy()


def scenario_sync_gains(controller: Any, dataset: Path) -> None:
    """A SpikeGLX folder whose channel map includes the sync column (model channel 15): the
    trace view has no row for it and the waveform view no box; both status lines give the
    scale in µV from the real .meta's gains (phy shows no scale)."""
    import dearpygui.dearpygui as dpg

    from phygui.app import create_gui

    m = controller.model
    assert m.has_raw_data and m.sync_channel_id == 15 and m.uv_per_bit is not None, m.raw_data_error
    gui = create_gui(controller, views=["TraceView", "WaveformView"])
    try:
        _settle(gui)
        keys, sup = keyboard(gui), gui.supervisor
        keys("Down")
        _settle(gui)
        assert sup.selected, "no cluster selected"
        trace, wave = gui.get_view("TraceView"), gui.get_view("WaveformView")
        assert trace.model.n_channels == 15 and 15 not in trace.model.depth_order.tolist()
        assert len(wave.model.channel_ids) and 15 not in wave.model.channel_ids.tolist()
        frame = grab(gui, "real_raw_sync_gains")
        t_text, w_text = str(dpg.get_value(trace._text)), str(dpg.get_value(wave._text))
        assert "row: " in t_text and " µV" in t_text, t_text
        assert "box: ±" in w_text and " µV" in w_text, w_text
        assert has_color(region(gui, trace, frame), BLUE, tol=40, min_count=5)
        assert has_color(region(gui, wave, frame), BLUE, tol=40, min_count=20)
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
