"""GUI scenarios of live sessions (``phygui --live-demo``), each run in its own process by a
``subprocess``-marked test of ``test_gui_live.py``: the simulated source streams spikes
while frames are rendered, following a FakeClock the scenario advances frame by frame.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_live live_demo
"""

from __future__ import annotations

import math
import sys
import threading
import time
from typing import Any

import numpy as np

from tests._clock import FakeClock
from tests.gui.helpers import grab, has_color, region
from tests.gui.strict import expected_errors, no_logged_errors

BLUE = (0x08, 0x92, 0xFC)


def _views(gui: Any) -> dict[str, Any]:
    return {v.name: v for v in gui.views}


def _count_redraws(view: Any, counts: dict[str, int]) -> None:
    redraw = view.redraw

    def counted() -> None:
        counts[view.name] += 1
        redraw()

    view.redraw = counted


class _Sink:
    """``controller.append_spikes`` on the source's thread; the scenario waits (with a
    timeout) until the source has drawn the spikes up to a recording time."""

    def __init__(self, controller: Any, stream: Any) -> None:
        self.controller, self.stream = controller, stream
        self.reached = stream.position  # recording time of the spikes queued so far
        self._cond = threading.Condition()

    def __call__(self, times: Any, templates: Any, amplitudes: Any) -> None:
        end = self.stream.position  # the end of this batch (the source's thread moved it)
        self.controller.append_spikes(times, templates, amplitudes)
        with self._cond:
            self.reached = end
            self._cond.notify_all()

    def wait_position(self, position: float, timeout: float = 30.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.reached >= position - 1e-9, timeout=timeout), \
                (self.reached, position)


def _render_until(gui: Any, done: Any, what: str, timeout: float = 30.0) -> None:
    """Render frames until ``done()`` (a synchronisation wait: phygui hands spikes to the views
    at most every ``gui.live_refresh_interval`` seconds of its own, real, clock)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        gui.render(1)


def scenario_live_demo(rate: float = 20_000.0, n_channels: int = 384, seconds: float = 3.0,
                       frame: float = 1 / 32) -> None:
    """The live demo at 20,000 spikes/s over 384 channels: tables, views and status follow.

    The source and the controller follow a :class:`FakeClock` advanced by ``frame`` seconds
    per rendered frame (1/32: exact in binary), so the spikes streamed and the table
    updates do not depend on how fast this machine renders."""
    from phycore import connect, emit, signals
    from phycore.model.stream import StreamSource
    from phygui.live_link import LIVE_APPLY_INTERVAL
    from phygui.app import create_gui, create_live_demo

    controller, demo_source = create_live_demo(n_channels, 64, rate, duration=2.0)
    clock = FakeClock()
    controller.clock = clock
    stream = demo_source.stream
    sink = _Sink(controller, stream)
    source = StreamSource(stream, sink, interval=0.001, clock=clock)
    controller.wait()
    model, sup = controller.model, controller.supervisor
    gui = create_gui(controller)
    try:
        sup.next_best()
        gui.render(5)
        table = sup.cluster_table
        before = {c: table.get(c, "n_spikes") for c in table.ids}
        selected = sup.selected[0]
        views = _views(gui)
        redraws = {name: 0 for name in ("AmplitudeView", "FiringRateView", "WaveformView")}
        for name in redraws:
            _count_redraws(views[name], redraws)
        n_spikes_cell = gui.cluster_view.model.columns.index("n_spikes")
        shown_before = gui.cluster_view._shown[0].cells[n_spikes_cell]

        # The GUI thread owns the event bus: another thread's emission waits for the next frame.
        got: list[int] = []
        connect(lambda sender, n: got.append(threading.get_ident()), event="acquired")
        t = threading.Thread(target=lambda: emit("acquired", None, 1))
        t.start()
        t.join()
        assert signals.owner_thread() == threading.get_ident() and got == []
        assert controller.live_apply_interval == LIVE_APPLY_INTERVAL > 0  # tables updated 10x a second
        gui.render(1)
        assert got == [threading.get_ident()]
        source.start()
        assert clock.wait_read()  # the source took its start time
        start = stream.position
        n_frames, n_applied = round(seconds / frame), 0
        for k in range(1, n_frames + 1):
            clock.advance(frame)
            sink.wait_position(start + k * frame)
            n_before = model.n_spikes
            gui.render(1)  # controller.poll(): applies the queue every LIVE_APPLY_INTERVAL of the clock
            n_applied += model.n_spikes > n_before
        source.stop()
        assert not source.running and source.error is None
        # The queue is applied once per LIVE_APPLY_INTERVAL of the clock, not once per frame:
        # every 4th frame of 1/32 s (3 frames make 0.094 s), from the first one.
        every = math.ceil(LIVE_APPLY_INTERVAL / frame)
        assert n_applied == math.ceil(n_frames / every) < n_frames, (n_applied, n_frames, every)
        clock.advance(LIVE_APPLY_INTERVAL)
        gui.render(1)  # the last queued spikes reach the tables
        assert controller.n_pending_spikes == 0
        applied = model.n_spikes - model.n_spikes_loaded
        assert applied == source.n_spikes and abs(applied - rate * seconds) < 5 * np.sqrt(rate * seconds)

        # Every cluster row follows the clustering; the clusters grew.
        counts = sup.clustering.spike_counts
        grown = [c for c in before if table.get(c, "n_spikes") > before[c]]
        assert len(grown) > 0.9 * len(before), (len(grown), len(before))
        assert all(table.get(c, "n_spikes") == counts[c] for c in table.ids)
        # The views and the status bar get the last spikes at their next refresh.
        _render_until(gui, lambda: f"{counts[selected]:,} spikes" in gui.status.text(), "the status bar")
        gui.render(2)
        # The drawn table shows the new count of the selected (first) row.
        row = gui.cluster_view._shown[0]
        assert row.cluster_id == sup.selected[0]
        assert row.cells[n_spikes_cell] == f"{counts[row.cluster_id]:,}" != shown_before, (row.cells, shown_before)
        assert "live:" in gui.status.text() and "spikes received" in gui.status.text()
        # Views of the selected cluster were redrawn with the new spikes (phygui throttles
        # these redraws on its own real-time clock: not asserted here).
        for name, n in redraws.items():
            assert n >= 1, (name, n)

        frame_px = grab(gui, "live_demo")
        assert frame_px[..., :3].std() > 10
        assert has_color(region(gui, gui.cluster_view, frame_px), BLUE, min_count=200), "no selected row"
        for name in ("AmplitudeView", "FiringRateView", "ISIView"):
            assert has_color(region(gui, views[name], frame_px), BLUE, min_count=100), f"{name}: no blue spikes"
        # The amplitude view now spans the grown recording: its blue points reach its right part.
        amp = region(gui, views["AmplitudeView"], frame_px)
        blue = np.abs(amp[..., :3].astype(int) - np.array(BLUE)).max(axis=-1) <= 12
        cols = np.flatnonzero(blue.any(axis=0))
        assert cols.max() - cols.min() > 0.6 * amp.shape[1], (cols.min(), cols.max(), amp.shape)
        print(f"live demo: {rate:,.0f} spikes/s over {n_channels} channels, {n_frames} frames of {frame:.3f} s: "
              f"{applied:,} spikes applied in {n_applied} batches; views redrawn {redraws}")
    finally:
        source.stop()
        demo_source.stop()
        gui.destroy()
        controller.close()
    assert signals.owner_thread() is None  # the GUI gave the event bus back


def run(name: str) -> None:
    """Run ``scenario_<name>`` in this process; fail on any error logged meanwhile that it
    does not declare (:mod:`tests.gui.strict`)."""
    from phycore import signals

    signals.set_raise_errors(False)  # logged, as in the app; no_logged_errors fails on the log
    func = globals()[f"scenario_{name}"]
    with no_logged_errors(expected_errors(func)):
        func()


def main(name: str) -> None:
    run(name)
    print(f"scenario {name}: OK")


if __name__ == "__main__":
    main(sys.argv[1])
