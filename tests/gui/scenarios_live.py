"""GUI scenarios of live sessions (``phygui --live-demo``), each run in its own process by
``test_gui_live.py``: the simulated source streams spikes while frames are rendered.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_live live_demo
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, region

BLUE = (0x08, 0x92, 0xFC)


def _views(gui: Any) -> dict[str, Any]:
    return {v.name: v for v in gui.views}


def _count_redraws(view: Any, counts: dict[str, int]) -> None:
    redraw = view.redraw

    def counted() -> None:
        counts[view.name] += 1
        redraw()

    view.redraw = counted


def scenario_live_demo(rate: float = 20_000.0, n_channels: int = 384, seconds: float = 3.0) -> None:
    """The live demo at 20,000 spikes/s over 384 channels: tables, views and status follow."""
    from phycore import connect, emit, signals
    from phygui._live import LIVE_APPLY_INTERVAL
    from phygui.app import create_gui, create_live_demo

    controller, source = create_live_demo(n_channels, 64, rate, duration=2.0)
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
        shown_before = gui.cluster_view._shown[0].cells[1]

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
        idle_ms = []
        for _ in range(20):
            t = time.perf_counter()
            gui.render(1)
            idle_ms.append((time.perf_counter() - t) * 1e3)
        source.start()
        frame_ms: list[float] = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            t = time.perf_counter()
            gui.render(1)
            frame_ms.append((time.perf_counter() - t) * 1e3)
        source.stop()
        applied = model.n_spikes - model.n_spikes_loaded
        elapsed = time.monotonic() - t0
        time.sleep(gui.live_refresh_interval)
        gui.render(2)  # the last spikes reach the tables and views
        assert not source.running and source.error is None
        assert controller.n_pending_spikes == 0 and applied > 0.5 * rate * seconds * 0.5

        # Every cluster row follows the clustering; the clusters grew.
        counts = sup.clustering.spike_counts
        grown = [c for c in before if table.get(c, "n_spikes") > before[c]]
        assert len(grown) > 0.9 * len(before), (len(grown), len(before))
        assert all(table.get(c, "n_spikes") == counts[c] for c in table.ids)
        # The drawn table shows the new count of the selected (first) row.
        row = gui.cluster_view._shown[0]
        assert row.cluster_id == sup.selected[0]
        assert row.cells[1] == f"{counts[row.cluster_id]:,}" != shown_before, (row.cells, shown_before)
        assert "live:" in gui.status.text() and "spikes received" in gui.status.text()
        assert f"{counts[selected]:,} spikes" in gui.status.text()
        # Views of the selected cluster were redrawn with the new spikes, throttled.
        for name, n in redraws.items():
            assert 1 <= n <= int(seconds / gui.live_refresh_interval) + 3, (name, n)

        frame = grab(gui, "live_demo")
        assert frame[..., :3].std() > 10
        assert has_color(region(gui, gui.cluster_view, frame), BLUE, min_count=200), "no selected row"
        for name in ("AmplitudeView", "FiringRateView", "ISIView"):
            assert has_color(region(gui, views[name], frame), BLUE, min_count=100), f"{name}: no blue spikes"
        # The amplitude view now spans the grown recording: its blue points reach its right part.
        amp = region(gui, views["AmplitudeView"], frame)
        blue = np.abs(amp[..., :3].astype(int) - np.array(BLUE)).max(axis=-1) <= 12
        cols = np.flatnonzero(blue.any(axis=0))
        assert cols.max() - cols.min() > 0.6 * amp.shape[1], (cols.min(), cols.max(), amp.shape)
        print(f"live demo: {rate:,.0f} spikes/s over {n_channels} channels, {len(frame_ms)} frames: "
              f"median frame {np.median(frame_ms):.1f} ms (p90 {np.percentile(frame_ms, 90):.1f}, "
              f"max {max(frame_ms):.1f}; idle {np.median(idle_ms):.1f}); {applied:,} spikes applied in {elapsed:.2f} s "
              f"({applied / elapsed:,.0f}/s); views redrawn {redraws}")
    finally:
        source.stop()
        gui.destroy()
        controller.close()
    assert signals.owner_thread() is None  # the GUI gave the event bus back


def main(name: str) -> None:
    from phycore import signals

    signals.set_raise_errors(False)  # the GUI reports subscriber errors itself
    globals()[f"scenario_{name}"]()
    print(f"scenario {name}: OK")


if __name__ == "__main__":
    main(sys.argv[1])
