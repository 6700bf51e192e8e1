"""Frame time of phygui under Xvfb + Mesa software rendering (llvmpipe).

Scenarios (median / p90 / max ms per frame; the target is a median under 33 ms, 30 fps):

1. the 10M-spike, 384-channel synthetic folder, two clusters selected, cluster and
   similarity tables docked with two more views (placeholders in this step), idle frames;
2. the same while the selection changes every frame (``next_best``: similarity table
   recomputed and both tables refilled) — the time of the action plus its frame;
3. merge then undo, each followed by a frame;
4. a 5,000-cluster table scrolled by one page every frame (virtualised rows).

``--views`` measures the data views instead (waveform, feature, amplitude, correlogram,
ISI, firing rate, all docked with the tables): idle frames with two clusters selected,
and the time from a selection switch to the end of the frame that redrew every view
(with each view's own redraw time). ``--mid`` uses a 1M-spike, 128-channel folder.

``--trace`` measures the trace view (docked with the tables, two clusters selected, a
1 s window of all channels): idle frames; ``go_right`` (10 % of the window) before every
frame and before every third frame (about a held key's repeat rate), raw and high-pass
filtered; a jump to a far time (everything redrawn). Each scroll frame's time includes
the model on the main thread (levels, the tiles that are not ready: reported alone as
"model"), the texture upload and the rendering; the tiles ahead are drawn and the
filtered blocks computed on background threads, during the frames (their work per step
is reported too, and counted in "ours"). The reference is what phy computes for every scroll step:
phylib's raw reader for the same 1 s window, plus phy's ``high_pass`` (scipy lfilter
forward and backward) when filtered; measured in a separate process.

phy's Qt GUI cannot run here, so there is no reference ratio: numbers are absolute.
Without a display the script reruns itself under ``xvfb-run``. ``--small`` uses the
200k-spike folder for a quick run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))
from _common import BENCH_DATA, bench_dataset, hardlink_copy  # noqa: E402


def _stats(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"median": statistics.median(s), "p90": s[int(0.9 * (len(s) - 1))], "max": s[-1], "n": len(s)}


def _frames(gui: Any, n: int, before: Callable[[int], Any] | None = None) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        if before is not None:
            before(i)
        gui.render(1)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _line(label: str, st: dict[str, float]) -> str:
    ok = "OK" if st["median"] < 33 else "over 33 ms"
    return (f"{label:<58} median {st['median']:6.1f}   p90 {st['p90']:6.1f}   max {st['max']:7.1f} ms"
            f"   ({int(st['n'])} frames) {ok}")


def run_dataset(args: argparse.Namespace) -> dict[str, Any]:
    from phycore import signals
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    src = bench_dataset(args)
    work = BENCH_DATA / f"gui_{src.parent.name}"
    hardlink_copy(src, work)
    signals.set_raise_errors(False)
    res: dict[str, Any] = {"folder": str(src), "n_spikes": args.n_spikes, "n_channels": args.n_channels}
    t0 = time.perf_counter()
    controller = TemplateController(work / "params.py")
    res["controller_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gui = create_gui(controller, views=["WaveformView", "FeatureView"])
    gui.render(5)
    res["gui_s"] = time.perf_counter() - t0
    sup = controller.supervisor
    ids = sup.cluster_table.visible_ids
    sup.select(ids[0], ids[1])
    gui.render(10)
    res["idle"] = _stats(_frames(gui, args.frames))
    res["next_best"] = _stats(_frames(gui, min(60, args.frames), before=lambda i: sup.next_best()))
    sup.select(ids[0], ids[1])
    merge = _frames(gui, 1, before=lambda i: sup.merge())
    undo = _frames(gui, 1, before=lambda i: sup.undo())
    res["merge_ms"], res["undo_ms"] = merge[0], undo[0]
    sup.select(ids[0], ids[1])
    gui.render(5)
    shot = BENCH_DATA / "bench_gui.png"
    gui.screenshot(shot)
    res["screenshot"] = str(shot)
    gui.destroy()
    controller.close()
    return res


def run_big_table(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    import dearpygui.dearpygui as dpg
    from phycore import signals
    from phycore.supervisor import Supervisor
    from phygui.gui import GUI

    signals.set_raise_errors(False)
    rng = np.random.default_rng(0)
    n_clusters = 5000
    sc = rng.integers(0, n_clusters, 2_000_000)
    groups = {int(c): g for c, g in zip(range(n_clusters), rng.choice(["good", "mua", "noise", None], n_clusters))}
    sup = Supervisor(sc, cluster_groups=groups, cluster_metrics={"fr": lambda c: float(c % 97),
                                                                 "amp": lambda c: float(c % 13)},
                     similarity=lambda c: [((c + k) % n_clusters, 1.0 / k) for k in range(1, 101)])
    t0 = time.perf_counter()
    gui = GUI(supervisor=sup, views=["WaveformView", "FeatureView"])
    gui.render(5)
    res: dict[str, Any] = {"n_clusters": n_clusters, "gui_s": time.perf_counter() - t0}
    sup.select(sup.cluster_table.visible_ids[0], sup.cluster_table.visible_ids[1])
    gui.render(5)
    body = gui.cluster_view._body
    res["idle"] = _stats(_frames(gui, args.frames))
    res["scroll"] = _stats(_frames(gui, min(120, args.frames),
                                   before=lambda i: dpg.set_y_scroll(body, (i * 40 % 4000) * 21.0)))
    res["pool_rows"] = gui.cluster_view._n_pool
    gui.destroy()
    return res


DATA_VIEWS = ["WaveformView", "FeatureView", "AmplitudeView", "CorrelogramView", "ISIView", "FiringRateView"]


def run_views(args: argparse.Namespace) -> dict[str, Any]:
    from phycore import signals
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    src = bench_dataset(args)
    work = BENCH_DATA / f"gui_{src.parent.name}"
    hardlink_copy(src, work)
    signals.set_raise_errors(False)
    res: dict[str, Any] = {"folder": str(src), "n_spikes": args.n_spikes, "n_channels": args.n_channels}
    controller = TemplateController(work / "params.py")
    t0 = time.perf_counter()
    gui = create_gui(controller, views=DATA_VIEWS)
    gui.render(5)
    res["gui_s"] = time.perf_counter() - t0
    views = [gui.get_view(n) for n in DATA_VIEWS]
    redraw_ms: dict[str, list[float]] = {v.name: [] for v in views}
    for v in views:  # time each view's redraw (model compute + texture + items)
        def timed_redraw(v: Any = v, f: Any = v.redraw) -> None:
            t = time.perf_counter()
            f()
            redraw_ms[v.name].append((time.perf_counter() - t) * 1000)
        v.redraw = timed_redraw
    sup = controller.supervisor
    ids = sup.cluster_table.visible_ids
    t0 = time.perf_counter()
    sup.select(ids[0], ids[1])
    gui.render(1)
    res["first_select_ms"] = (time.perf_counter() - t0) * 1000
    gui.render(10)
    res["idle"] = _stats(_frames(gui, args.frames))
    for k in redraw_ms:
        redraw_ms[k].clear()
    pairs = [(ids[i], ids[i + 1]) for i in range(2, 2 + 2 * min(15, len(ids) // 2 - 2), 2)]
    switch, select_only = [], []
    for a, b in pairs:
        t0 = time.perf_counter()
        sup.select(a, b)
        select_only.append((time.perf_counter() - t0) * 1000)
        gui.render(1)
        switch.append((time.perf_counter() - t0) * 1000)
        assert all(not v.model.is_dirty for v in views)
        gui.render(2)
    res["switch"] = _stats(switch)
    res["select_only"] = _stats(select_only)
    res["redraw"] = {k: statistics.median(v) if v else None for k, v in redraw_ms.items()}
    shot = BENCH_DATA / "bench_gui_views.png"
    sup.select(ids[0], ids[1])
    gui.render(3)
    gui.screenshot(shot)
    res["screenshot"] = str(shot)
    gui.destroy()
    controller.close()
    return res


def _print_views(d: dict[str, Any]) -> None:
    where = "Xvfb, Mesa software OpenGL" if os.environ.get("PHYGUI_BENCH_XVFB") else f"DISPLAY={os.environ.get('DISPLAY')}"
    print(f"phygui data views, 1600x1000 viewport, {where}")
    print(f"folder: {d['n_spikes']:,} spikes, {d['n_channels']} channels; GUI {d['gui_s']:.2f} s; "
          f"first selection {d['first_select_ms']:.0f} ms")
    print(_line("idle, 2 clusters, 2 tables + 6 data views docked", d["idle"]))
    st = d["switch"]
    print(f"{'selection switch -> every view redrawn (select + 1 frame)':<58} median {st['median']:6.1f}   "
          f"p90 {st['p90']:6.1f}   max {st['max']:7.1f} ms   ({int(st['n'])} switches)")
    if "select_only" in d:
        print(f"    {'select() alone (tables, similarity; views only marked dirty)':<54} median "
              f"{d['select_only']['median']:6.1f} ms")
    for name, ms in d["redraw"].items():
        print(f"    {name:<20} redraw median {ms:7.1f} ms" if ms is not None else f"    {name:<20} (not redrawn)")
    print(f"screenshot: {d['screenshot']}")


TRACE_T0 = 10.0  # start of the 1 s window (s)


def _scroll(gui: Any, view: Any, n: int, every: int, model_ms: list[float],
            work_ms: dict[str, list[float]]) -> dict[str, float]:
    """``go_right`` before every ``every``-th frame; stats of those frames only."""
    out = []
    view.model.set_interval((TRACE_T0, TRACE_T0 + 1.0))
    gui.render(30)  # neighbouring tiles prefetched, filter blocks warm for the start
    model_ms.clear()
    for v in work_ms.values():
        v.clear()
    generation = view.model.painter.tiles.generation
    for i in range(n * every):
        t0 = time.perf_counter()
        if i % every == 0:
            view.model.go_right()
        gui.render(1)
        if i % every == 0:
            out.append((time.perf_counter() - t0) * 1000)
    st = _stats(out)
    st["model_median"] = statistics.median(model_ms) if model_ms else float("nan")
    st["generations"] = view.model.painter.tiles.generation - generation  # full redraws while scrolling
    st["tiles_per_step"] = len(work_ms["draw"]) / n  # drawn on any thread
    st["draw_per_step"] = sum(work_ms["draw"]) / n
    st["filter_per_step"] = sum(work_ms["filter"]) / n
    return st


def run_trace(args: argparse.Namespace) -> dict[str, Any]:
    from phycore import signals
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    src = bench_dataset(args)
    work = BENCH_DATA / f"gui_{src.parent.name}"
    hardlink_copy(src, work)
    signals.set_raise_errors(False)
    res: dict[str, Any] = {"folder": str(src), "n_spikes": args.n_spikes, "n_channels": args.n_channels,
                           "load": os.getloadavg()[0]}
    controller = TemplateController(work / "params.py", metrics=False)
    gui = create_gui(controller, views=["TraceView"])
    gui.render(5)
    view = gui.get_view("TraceView")
    model_ms: list[float] = []

    def timed_compute(f: Any = view.model.compute) -> Any:
        t = time.perf_counter()
        out = f()
        model_ms.append((time.perf_counter() - t) * 1000)
        return out

    view.model.compute = timed_compute
    work_ms: dict[str, list[float]] = {"draw": [], "filter": []}

    def timed(f: Any, key: str) -> Any:  # any thread (list.append is atomic)
        def g(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            out = f(*a, **k)
            work_ms[key].append((time.perf_counter() - t) * 1000)
            return out
        return g

    view.model.painter.draw = timed(view.model.painter.draw, "draw")
    filtered = controller.model.traces.filtered
    filtered._filter = timed(filtered._filter, "filter")
    sup = controller.supervisor
    ids = sup.cluster_table.visible_ids
    sup.select(ids[0], ids[1])
    view.model.toggle_filter(False)
    view.model.set_interval((TRACE_T0, TRACE_T0 + 1.0))
    gui.render(30)
    res["plot_px"] = list(view.model.size)
    res["idle"] = _stats(_frames(gui, args.frames))
    n = min(120, args.frames)
    for filtered in (False, True):
        key = "filtered" if filtered else "raw"
        view.model.toggle_filter(filtered)
        res[f"scroll_{key}"] = _scroll(gui, view, n, 1, model_ms, work_ms)
        res[f"repeat_{key}"] = _scroll(gui, view, n // 2, 3, model_ms, work_ms)
        jumps = _frames(gui, 10, before=lambda i: view.model.go_to(30.0 + 7.0 * i))
        res[f"jump_{key}"] = _stats(jumps)
    res["tiles_made"] = view.n_tiles_made
    view.model.toggle_filter(True)
    view.model.set_interval((TRACE_T0, TRACE_T0 + 1.0))
    gui.render(5)
    shot = BENCH_DATA / "bench_gui_trace.png"
    gui.screenshot(shot)
    res["screenshot"] = str(shot)
    gui.destroy()
    controller.close()
    return res


def run_trace_reference(args: argparse.Namespace) -> dict[str, Any]:
    """phy's work per scroll step (phylib reader + phy's high_pass) and ours, headless."""
    import numpy as np
    from phylib.io.traces import get_ephys_reader
    from scipy.signal import butter, lfilter

    from phycore.model import load_model

    src = bench_dataset(args)
    m = load_model(src / "params.py")
    sr = float(m.sample_rate)
    reader = get_ephys_reader(m.traces.paths, n_channels_dat=m.traces.n_channels_dat, dtype=m.traces.dtype,
                              sample_rate=sr)
    b, a = butter(3, 150.0 / sr * 2.0, "high")

    def phy_window(i0: int, filtered: bool) -> Any:
        x = reader[i0:i0 + int(sr)][:, m.traces.channel_map]
        if filtered:  # phy's RawDataFilter.high_pass
            x = np.flip(lfilter(b, a, np.flip(lfilter(b, a, x, axis=0), axis=0), axis=0), axis=0)
        return x

    res: dict[str, Any] = {}
    step = int(0.1 * sr)
    for filtered in (False, True):
        key = "filtered" if filtered else "raw"
        i0 = int(TRACE_T0 * sr)
        phy_window(i0, filtered)
        ts = []
        for k in range(10):
            t = time.perf_counter()
            phy_window(i0 + (k + 1) * step, filtered)
            ts.append((time.perf_counter() - t) * 1000)
        res[f"phy_{key}"] = statistics.median(ts)
        # Ours, the same full 1 s window from scratch (no cached block): a jump.
        ours = []
        for k in range(5):
            m.traces.filtered.clear()
            t = time.perf_counter()
            m.get_traces(40.0 + k, 41.0 + k, filtered=filtered)
            ours.append((time.perf_counter() - t) * 1000)
        res[f"ours_window_{key}"] = statistics.median(ours)
    m.traces.close()
    return res


def _print_trace(d: dict[str, Any], ref: dict[str, Any]) -> None:
    where = "Xvfb, Mesa software OpenGL" if os.environ.get("PHYGUI_BENCH_XVFB") else f"DISPLAY={os.environ.get('DISPLAY')}"
    print(f"phygui trace view, 1600x1000 viewport, {where}; load average at start {d['load']:.2f}")
    print(f"folder: {d['n_spikes']:,} spikes, {d['n_channels']} channels; window 1 s; plot {d['plot_px'][0]}x"
          f"{d['plot_px'][1]} px; 2 clusters selected, tables docked")
    print(_line("idle", d["idle"]))
    for key in ("raw", "filtered"):
        sc, rep, jump = d[f"scroll_{key}"], d[f"repeat_{key}"], d[f"jump_{key}"]
        for label, st in ((f"{key}: go_right every frame (action + frame)", sc),
                          (f"{key}: go_right every 3rd frame (scroll frames only)", rep)):
            print(_line(label, st) + f"   model {st['model_median']:.1f} ms, {st['generations']} full redraws")
            print(f"    per step, any thread: {st['tiles_per_step']:.2f} tiles drawn ({st['draw_per_step']:.1f} ms), "
                  f"filtering {st['filter_per_step']:.1f} ms")
        print(_line(f"{key}: jump to a far window (all redrawn)", jump))
        phy = ref.get(f"phy_{key}")
        ours = sc["model_median"] + sc["draw_per_step"] + sc["filter_per_step"]
        if phy:
            print(f"    phy's work per scroll step (phylib read{' + high_pass' if key == 'filtered' else ''} of the "
                  f"1 s window): {phy:.1f} ms; ours (model + tiles + filtering, per step): {ours:.1f} ms; "
                  f"ratio {phy / ours:.1f}x; our full 1 s window from scratch: {ref[f'ours_window_{key}']:.1f} ms")
    print(f"tile textures made: {d['tiles_made']}; screenshot: {d['screenshot']}")


def worker(args: argparse.Namespace) -> None:
    os.environ["PHY_USER_DIR"] = tempfile.mkdtemp(prefix="phygui-bench-")
    runs = {"table": run_big_table, "views": run_views, "trace": run_trace, "trace_ref": run_trace_reference}
    out = runs.get(args.scenario, run_dataset)(args)
    print(json.dumps(out))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", action="store_true", help="200k spikes, 64 channels (quick)")
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--views", action="store_true", help="benchmark the six data views instead")
    p.add_argument("--mid", action="store_true", help="1M spikes, 128 channels")
    p.add_argument("--trace", action="store_true", help="benchmark the trace view (scrolling) instead")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--scenario", default="dataset", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.small:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 200_000, 64, 50, 20.0
    elif args.mid:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 1_000_000, 128, 100, 60.0
    else:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 10_000_000, 384, 600, 120.0
    if args.worker:
        worker(args)
        return 0
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        if shutil.which("xvfb-run") is None:
            print("bench_gui: no display and no xvfb-run; install xvfb (apt-get install xvfb xauth).")
            return 1
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
        return subprocess.call(cmd, env=dict(os.environ, PHYGUI_BENCH_XVFB="1"))
    results = {}
    scenarios = ("views",) if args.views else ("trace_ref", "trace") if args.trace else ("dataset", "table")
    for scenario in scenarios:
        cmd = [sys.executable, __file__, "--worker", "--scenario", scenario, "--frames", str(args.frames)]
        if args.small:
            cmd.append("--small")
        if args.mid:
            cmd.append("--mid")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-4000:])
            return 1
        results[scenario] = json.loads([ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1])
    if args.trace:
        _print_trace(results["trace"], results["trace_ref"])
        (BENCH_DATA / "bench_gui_trace_last.json").write_text(json.dumps(results, indent=1))
        return 0
    if args.views:
        _print_views(results["views"])
        (BENCH_DATA / "bench_gui_views_last.json").write_text(json.dumps(results, indent=1))
        return 0
    d, t = results["dataset"], results["table"]
    where = ("Xvfb, Mesa software OpenGL" if os.environ.get("PHYGUI_BENCH_XVFB")
             else f"DISPLAY={os.environ.get('DISPLAY')} (run without DISPLAY to use Xvfb + Mesa)")
    print(f"phygui frame times, 1600x1000 viewport, {where}")
    print(f"folder: {d['n_spikes']:,} spikes, {d['n_channels']} channels; controller {d['controller_s']:.2f} s, "
          f"GUI {d['gui_s']:.2f} s")
    print(_line("idle, 2 clusters selected, 2 tables + 2 views docked", d["idle"]))
    print(_line("next_best every frame (action + frame)", d["next_best"]))
    print(f"{'merge + next frame':<58} {d['merge_ms']:6.1f} ms")
    print(f"{'undo + next frame':<58} {d['undo_ms']:6.1f} ms")
    print(_line(f"{t['n_clusters']:,}-cluster table, idle", t["idle"]))
    print(_line(f"{t['n_clusters']:,}-cluster table, scrolled every frame", t["scroll"]))
    print(f"table rows drawn as widgets: {t['pool_rows']} (of {t['n_clusters']:,})")
    print(f"screenshot: {d['screenshot']}")
    (BENCH_DATA / "bench_gui_last.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
