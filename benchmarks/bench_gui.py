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


def worker(args: argparse.Namespace) -> None:
    os.environ["PHY_USER_DIR"] = tempfile.mkdtemp(prefix="phygui-bench-")
    runs = {"table": run_big_table, "views": run_views}
    out = runs.get(args.scenario, run_dataset)(args)
    print(json.dumps(out))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", action="store_true", help="200k spikes, 64 channels (quick)")
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--views", action="store_true", help="benchmark the six data views instead")
    p.add_argument("--mid", action="store_true", help="1M spikes, 128 channels")
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
    for scenario in (("views",) if args.views else ("dataset", "table")):
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
