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

``--actions`` opens the default layout (every default view, metrics in the background and
finished first) and times, for ``--pairs`` pairs of big clusters, a selection, the merge of
the pair and its undo, each from the action to the end of the frame where every view shows
its new data (views whose data is computed on a worker keep drawing meanwhile: the number
of frames and the longest one are reported, with each view's GUI-thread redraw time).

``--idle-floor`` measures idle frames (``--frames``, default 200): the floor, an empty
Dear PyGui window of the same size, then the two tables alone, then the default layout
(every default view, two big clusters selected and drawn), and profiles the Python work
of the default layout's idle frames (cProfile: what runs outside the render call).

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
from _common import BENCH_DATA, add_json_arg, bench_dataset, hardlink_copy, write_json  # noqa: E402

FRAME_LOG_STEPS = ("select", "merge", "undo", "split", "split_undo")


def write_frame_log(actions: dict[str, Any], path: Path, budget_ms: float) -> dict[str, Any]:
    """Write every frame of the timed GUI steps as CSV (step, frame index within the step's
    runs, ms, longer than one frame budget, longer than two: the display then missed a
    refresh, a visible freeze); return per step the longest frame and those counts."""
    summary: dict[str, Any] = {"budget_ms": budget_ms, "path": str(path)}
    lines = ["step,frame,ms,over_budget,over_two_budgets"]
    for step in FRAME_LOG_STEPS:
        log = actions.get(f"{step}_frame_log") or []
        for i, ms in enumerate(log):
            lines.append(f"{step},{i},{ms:.1f},{int(ms > budget_ms)},{int(ms > 2 * budget_ms)}")
        if log:
            summary[step] = {"frames": len(log), "longest_ms": max(log),
                             "over_budget": sum(ms > budget_ms for ms in log),
                             "over_two_budgets": sum(ms > 2 * budget_ms for ms in log)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return summary



def _work_folder(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """A hard-linked copy of the benchmark folder (sessions write into ``.phy``) and the
    result dict's header; subscriber errors are logged, not raised, as in the app."""
    from phycore import signals

    src = bench_dataset(args)
    work = BENCH_DATA / f"gui_{src.parent.name}"
    hardlink_copy(src, work)
    signals.set_raise_errors(False)
    return work, {"folder": str(src), "n_spikes": args.n_spikes, "n_channels": args.n_channels}


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
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    work, res = _work_folder(args)
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
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    work, res = _work_folder(args)
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


def _settled(views: list[Any]) -> bool:
    """Every data view shows the current selection's data (nothing dirty or computing)."""
    return all(not getattr(v, "data_pending", False) and not getattr(getattr(v, "model", None), "is_dirty", False)
               and not getattr(v, "dirty", False) for v in views)


def _until_settled(gui: Any, views: list[Any], action: Callable[[], Any], frames: list[float],
                   max_frames: int = 200) -> tuple[float, int]:
    """Run ``action`` then frames until every view is redrawn: (ms, frames); frame times go
    to ``frames`` (the first includes the action)."""
    t0 = time.perf_counter()
    action()
    n = 0
    while n < max_frames:
        t = time.perf_counter()
        gui.render(1)
        n += 1
        frames.append((time.perf_counter() - (t0 if n == 1 else t)) * 1000)
        if _settled(views):
            break
    return (time.perf_counter() - t0) * 1000, n


def _start_profile() -> Any:
    """A running cProfile of the GUI thread (worker threads are not profiled)."""
    import cProfile

    prof = cProfile.Profile()
    prof.enable()
    return prof


def _stop_profile(prof: Any, n_frames: int) -> dict[str, Any]:
    """Stop ``prof``: the GUI thread's total, its top functions by cumulative and by own
    time (ms over the whole step) and where the stats were dumped (for ``pstats``)."""
    import pstats

    prof.disable()
    st = pstats.Stats(prof)
    stats = st.stats  # type: ignore[attr-defined]
    path = BENCH_DATA / f"bench_gui_profile_{len(list(BENCH_DATA.glob('bench_gui_profile_*.prof'))) % 8}.prof"
    st.dump_stats(path)

    def name(k: tuple[str, int, str]) -> str:
        return f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[1]}({k[2]})"

    cum = sorted(((name(k), v[3] * 1000, v[1]) for k, v in stats.items()), key=lambda r: -r[1])[:45]
    own = sorted(((name(k), v[2] * 1000, v[1]) for k, v in stats.items()), key=lambda r: -r[1])[:30]
    total = sum(v[2] for v in stats.values()) * 1000
    return {"frames": n_frames, "total_ms": total, "cumulative": cum, "own": own, "path": str(path)}


class _GcPauses:
    """The garbage collector's runs on any thread while it is on: (generation, ms)."""

    def __init__(self) -> None:
        import gc

        self.runs: list[tuple[int, float]] = []
        self._t0 = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.runs.append((int(info["generation"]), (time.perf_counter() - self._t0) * 1000))

    def take(self) -> dict[str, float]:
        """Full collections (generation 2) and their time since the last call."""
        full = [ms for g, ms in self.runs if g == 2]
        self.runs = []
        return {"full": len(full), "full_ms": round(sum(full), 1)}


def run_actions(args: argparse.Namespace) -> dict[str, Any]:
    """The default layout: select a pair of big clusters, merge them, undo; each timed from
    the action to the end of the frame where every view shows its new data."""
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    work, res = _work_folder(args)
    res["load"] = os.getloadavg()[0]
    controller = TemplateController(work / "params.py", metrics="background")
    gui = create_gui(controller)
    gui.render(5)
    sup = controller.supervisor
    for _ in range(2000):  # the quality metrics (another helper's area) finish first
        gui.render(1)
        if controller.busy is None:
            break
    views = [v for v in gui.views if hasattr(v, "model") and hasattr(v, "redraw")]
    res["views"] = [v.name for v in views]
    redraw_ms: dict[str, list[float]] = {v.name: [] for v in views}
    # The GUI thread's CPU time in each redraw: the wall time also counts the waits for the
    # GIL while the data jobs and the trace tiles run Python on other threads.
    redraw_cpu: dict[str, list[float]] = {v.name: [] for v in views}
    for v in views:  # each view's redraw on the GUI thread (its data loads too, when synchronous)
        def timed_redraw(v: Any = v, f: Any = v.redraw) -> None:
            t, c = time.perf_counter(), time.thread_time()
            f()
            redraw_ms[v.name].append((time.perf_counter() - t) * 1000)
            redraw_cpu[v.name].append((time.thread_time() - c) * 1000)
        v.redraw = timed_redraw
    worker_ms: dict[str, list[float]] = {v.name: [] for v in views}
    for v in views:  # each view's data job on its worker (or trace tiles on the drawing threads)
        def timed_job(fn: Any, name: str = v.name) -> Any:
            def job() -> Any:
                t = time.perf_counter()
                try:
                    return fn()
                finally:
                    worker_ms[name].append((time.perf_counter() - t) * 1000)
            return job
        if hasattr(v, "async_data"):
            from phygui.viewmodels.async_data import view_data_pool
            v.async_data._submit = lambda fn, timed_job=timed_job: view_data_pool().submit(timed_job(fn))
        painter = getattr(getattr(v, "model", None), "painter", None)
        # The trace tiles and (when the painter has them) a new selection's overlays.
        for method in ("draw", "overlays"):
            if painter is not None and hasattr(painter, method):
                def timed_draw(*a: Any, f: Any = getattr(painter, method), name: str = v.name, **k: Any) -> Any:
                    t = time.perf_counter()
                    try:
                        return f(*a, **k)
                    finally:
                        worker_ms[name].append((time.perf_counter() - t) * 1000)
                setattr(painter, method, timed_draw)
    counts = sup.clustering.spike_counts
    big = sorted(counts, key=lambda c: -counts[c])[: 2 * args.pairs + 2]
    pairs = [(big[i], big[i + 1]) for i in range(2, len(big) - 1, 2)][: args.pairs]
    gui.view_context.async_data = not args.sync  # as GUI.run() does (--sync: the synchronous loads)
    sup.select(big[0], big[1])
    _until_settled(gui, views, lambda: None, [])
    out: dict[str, list[float]] = {"select": [], "merge": [], "undo": [], "split": [], "split_undo": []}
    n_frames: dict[str, list[int]] = {k: [] for k in out}
    frames: dict[str, list[float]] = {k: [] for k in out}
    for k in redraw_ms:
        redraw_ms[k].clear()
    per_view: dict[str, dict[str, list[float]]] = {k: {v.name: [] for v in views} for k in out}
    per_worker: dict[str, dict[str, list[float]]] = {k: {v.name: [] for v in views} for k in out}
    modes = ["async", "sync"] if args.compare else ["sync" if args.sync else "async"]
    pauses = _GcPauses()  # the collector's full runs during each kind of step
    gcs: dict[str, dict[str, float]] = {}
    for i, (a, b) in enumerate(pairs):
        mode = modes[i % len(modes)]  # interleaved: both modes see the same machine load
        gui.view_context.async_data = mode == "async"
        for kind, act in (("select", lambda: sup.select(a, b)), ("merge", sup.merge), ("undo", sup.undo)):
            for k in redraw_ms:
                redraw_ms[k].clear()
            for k in worker_ms:
                worker_ms[k].clear()
            pauses.take()
            ms, n = _until_settled(gui, views, act, frames[kind] if mode == "async" else [])
            g = gcs.setdefault(kind, {"full": 0, "full_ms": 0.0})
            for k, x in pauses.take().items():
                g[k] += x
            key = kind if mode == "async" else f"{kind}_sync"
            out.setdefault(key, []).append(ms)
            if mode == "async":
                n_frames[kind].append(n)
                for name, v in redraw_ms.items():
                    per_view[kind][name].append(sum(v))
                for name, v in worker_ms.items():
                    per_worker[kind][name].append(sum(v))
            gui.render(2)
    for kind, g in gcs.items():
        res[f"{kind}_gc"] = {"full": g["full"], "full_ms": round(g["full_ms"], 1)}
    gui.view_context.async_data = True
    if args.split:  # a split of 1% of the spikes drawn over all clusters, then its undo
        import gc

        import numpy as np

        if args.switch_interval:  # how long a thread keeps the GIL when another one waits for it
            sys.setswitchinterval(args.switch_interval)
        if args.gc_freeze:  # besides the app's own freeze (phygui.heap): a full collection first
            gc.collect()
            gc.freeze()
        pauses.take()

        n = sup.clustering.n_spikes
        rnd = np.sort(np.random.default_rng(3).choice(n, n // 100, replace=False))
        for kind, act in (("split", lambda: sup.split(rnd)), ("split_undo", sup.undo)):
            for k in redraw_ms:
                redraw_ms[k].clear()
                redraw_cpu[k].clear()
            for k in worker_ms:
                worker_ms[k].clear()
            prof = _start_profile() if args.profile else None
            cpu0 = time.thread_time()
            ms, nf = _until_settled(gui, views, act, frames[kind])
            res[f"{kind}_gui_cpu_ms"] = (time.thread_time() - cpu0) * 1000  # the GUI thread's CPU, action to settled
            res[f"{kind}_redraw_cpu"] = {k: [round(x, 1) for x in v] for k, v in redraw_cpu.items() if v}
            res[f"{kind}_gc"] = pauses.take()
            if prof is not None:
                res[f"{kind}_profile"] = _stop_profile(prof, nf)
            out[kind].append(ms)
            n_frames[kind].append(nf)
            for name, v in redraw_ms.items():
                per_view[kind][name].append(sum(v))
            for name, v in worker_ms.items():
                per_worker[kind][name].append(sum(v))
            gui.render(2)
    for kind in [k for k in out if k.endswith("_sync")]:
        res[kind] = _stats(out[kind])
    for kind in ("select", "merge", "undo", "split", "split_undo"):
        if not out[kind]:
            continue
        res[kind] = _stats(out[kind])
        res[f"{kind}_frames"] = statistics.median(n_frames[kind])
        res[f"{kind}_frame_max"] = max(frames[kind]) if frames[kind] else 0.0
        res[f"{kind}_frame_log"] = [round(f, 1) for f in frames[kind]]
        res[f"{kind}_per_view"] = {k: statistics.median(v) for k, v in per_view[kind].items() if v}
        res[f"{kind}_per_worker"] = {k: statistics.median(v) for k, v in per_worker[kind].items() if v}
    res["idle"] = _stats(_frames(gui, min(60, args.frames)))
    shot = BENCH_DATA / "bench_gui_actions.png"
    gui.screenshot(shot)
    res["screenshot"] = str(shot)
    gui.destroy()
    controller.close()
    return res


def _cpu_frames(gui: Any, n: int) -> list[float]:
    """CPU time of the process per frame (ms, every thread: Mesa's llvmpipe renders on
    its own threads): less sensitive than wall time to other processes on the machine."""
    out = []
    for _ in range(n):
        t0 = time.process_time()
        gui.render(1)
        out.append((time.process_time() - t0) * 1000)
    return out


def _empty_window_frames(n: int, cpu: list[float] | None = None, fills: bool = True) -> list[float]:
    """The floor: an empty Dear PyGui window of the GUI's size (1600x1000), same set-up
    (docking, manual callbacks), nothing in it. ``fills=False``: the dock space's
    background left undrawn, as phygui does (``phygui.window_backgrounds``)."""
    import dearpygui.dearpygui as dpg

    from phygui.window_backgrounds import WindowBackgrounds

    dpg.create_context()
    dpg.configure_app(docking=True, docking_space=True, manual_callback_management=True)
    dpg.create_viewport(title="floor", width=1600, height=1000)
    dpg.setup_dearpygui()
    with dpg.window(label="empty", width=400, height=300):
        dpg.add_text("idle floor")
    dpg.show_viewport()
    backgrounds = WindowBackgrounds(enabled=not fills)
    for _ in range(10):
        backgrounds.before_frame([])
        dpg.render_dearpygui_frame()
    out = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        backgrounds.before_frame([])
        dpg.render_dearpygui_frame()
        dpg.run_callbacks(dpg.get_callback_queue())
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    dpg.destroy_context()
    return out


def _profile_frames(gui: Any, n: int) -> tuple[list[float], float, list[tuple[str, float, int]]]:
    """``n`` idle frames under cProfile: (frame ms, Python ms per frame outside the
    Dear PyGui render call, the top functions by own time per frame)."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    frames = _frames(gui, n)
    prof.disable()
    st = pstats.Stats(prof)
    total = sum(v[2] for v in st.stats.values())  # type: ignore[attr-defined]
    render = sum(v[2] for k, v in st.stats.items() if "render_dearpygui_frame" in k[2])  # type: ignore[attr-defined]
    top = sorted(((f"{Path(k[0]).name}:{k[1]}({k[2]})", v[2] * 1000 / n, v[0] // n)
                  for k, v in st.stats.items()), key=lambda r: -r[1])[:25]  # type: ignore[attr-defined]
    return frames, (total - render) * 1000 / n, top


def run_idle(args: argparse.Namespace) -> dict[str, Any]:
    """Idle frames of one of: ``empty`` (the floor: an empty window of the same size),
    ``tables`` (the two tables alone), ``default`` (every default view, two big clusters
    selected and drawn; its frames also profiled). One per process: Dear PyGui does not
    survive a second context in the same process."""
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    n = args.frames
    res: dict[str, Any] = {"n_spikes": args.n_spikes, "load": os.getloadavg()[0]}
    if args.part in ("empty", "emptyfree"):
        cpu: list[float] = []
        res["frames"] = _stats(_empty_window_frames(n, cpu, fills=args.part == "empty"))
        res["cpu"] = _stats(cpu)
        return res
    work, _ = _work_folder(args)
    controller = TemplateController(work / "params.py", metrics="background")
    controller.wait()
    gui = create_gui(controller, views=[] if args.part == "tables" else None)
    gui.view_context.async_data = True  # as GUI.run()
    gui.render(5)
    sup = controller.supervisor
    counts = sup.clustering.spike_counts
    big = sorted(counts, key=lambda c: -counts[c])[:2]
    views = [v for v in gui.views if hasattr(v, "model") and hasattr(v, "redraw")]
    sup.select(*big)
    _until_settled(gui, views, lambda: None, [])
    gui.render(20)
    res["frames"] = _stats(_frames(gui, n))
    res["cpu"] = _stats(_cpu_frames(gui, n))
    import dearpygui.dearpygui as dpg
    res["n_items"] = len(dpg.get_all_items())
    if args.part == "default":
        prof_frames, py_ms, top = _profile_frames(gui, n)
        res.update(profiled=_stats(prof_frames), python_ms_per_frame=py_ms, top=top)
        shot = BENCH_DATA / "bench_gui_idle.png"
        gui.screenshot(shot)
        res["screenshot"] = str(shot)
    gui.destroy()
    controller.close()
    return res


def _print_idle(r: dict[str, Any]) -> None:
    d = r["idle_default"]
    where = "Xvfb, Mesa software OpenGL" if os.environ.get("PHYGUI_BENCH_XVFB") else f"DISPLAY={os.environ.get('DISPLAY')}"
    print(f"idle frames, 1600x1000 viewport, {where}; {d['n_spikes']:,} spikes; load average at start {d['load']:.2f}")
    for label, part in (("floor: empty Dear PyGui window", r["idle_empty"]),
                        ("floor: the same, dock space background not drawn", r["idle_emptyfree"]),
                        (f"floor: the two tables alone ({r['idle_tables']['n_items']} items)", r["idle_tables"]),
                        (f"default layout, 2 big clusters selected ({d['n_items']} items)", d)):
        print(_line(label, part["frames"]))
        print(_line("  CPU time of the process per frame", part["cpu"]))
    print(_line("  the same under cProfile", d["profiled"]))
    print(f"  Python work per frame outside render_dearpygui_frame (cProfile): {d['python_ms_per_frame']:.2f} ms; "
          f"{d['n_items']} Dear PyGui items")
    for name, ms, calls in d["top"][:15]:
        print(f"    {ms:7.3f} ms/frame  {calls:5d} calls/frame  {name}")
    print(f"screenshot: {d['screenshot']}")


def _print_actions(d: dict[str, Any]) -> None:
    where = "Xvfb, Mesa software OpenGL" if os.environ.get("PHYGUI_BENCH_XVFB") else f"DISPLAY={os.environ.get('DISPLAY')}"
    print(f"phygui select / merge / undo, default layout, 1600x1000 viewport, {where}; load {d['load']:.2f}")
    print(f"folder: {d['n_spikes']:,} spikes, {d['n_channels']} channels; views: {', '.join(d['views'])}")
    print(_line("idle", d["idle"]))
    for kind, target in (("select", 80), ("merge", 50), ("undo", 50), ("split", 50), ("split_undo", 50)):
        if kind + "_sync" in d:
            ss = d[kind + "_sync"]
            print(f"{kind + ' (views loading synchronously)':<40} median {ss['median']:6.1f}   p90 {ss['p90']:6.1f}   "
                  f"max {ss['max']:7.1f} ms ({int(ss['n'])} runs, interleaved with the next line's)")
        if not d.get(kind):
            continue
        st = d[kind]
        print(f"{kind + ' -> every view redrawn':<40} median {st['median']:6.1f}   p90 {st['p90']:6.1f}   "
              f"max {st['max']:7.1f} ms ({int(st['n'])} runs, {d[kind + '_frames']:.0f} frames; longest frame "
              f"{d[kind + '_frame_max']:.1f} ms; target {target} ms)")
        parts = sorted(d[f"{kind}_per_view"].items(), key=lambda kv: -kv[1])
        print("    GUI-thread redraw: " + ", ".join(f"{k} {v:.1f}" for k, v in parts if v >= 0.05) + " ms")
        parts = sorted(d.get(f"{kind}_per_worker", {}).items(), key=lambda kv: -kv[1])
        print("    worker threads (data jobs; trace tiles): " + ", ".join(f"{k} {v:.1f}" for k, v in parts if v >= 0.05)
              + " ms")
        print(f"    frame log (ms): {d[kind + '_frame_log'][:40]}")
        if f"{kind}_gui_cpu_ms" in d:  # the split steps: CPU time of the GUI thread (no GIL waits)
            cpu = sorted(d[f"{kind}_redraw_cpu"].items(), key=lambda kv: -sum(kv[1]))
            print(f"    GUI thread CPU, action to settled: {d[kind + '_gui_cpu_ms']:.1f} ms; redraw CPU per view "
                  "(each redraw): " + ", ".join(f"{k} {v}" for k, v in cpu if sum(v) >= 0.5) + " ms")
        if f"{kind}_gc" in d:
            gcs = d[f"{kind}_gc"]
            print(f"    full garbage collections meanwhile: {gcs.get('full', 0)} ({gcs.get('full_ms', 0.0):.1f} ms)")
        prof = d.get(f"{kind}_profile")
        if prof:  # --profile: the GUI thread under cProfile, from the action to settled
            print(f"    cProfile of the GUI thread ({prof['frames']} frames, {prof['total_ms']:.0f} ms profiled; "
                  f"stats in {prof['path']}); cumulative ms, calls:")
            for row_name, ms, calls in prof["cumulative"]:
                print(f"      {ms:8.1f} {calls:8d}  {row_name}")
            print("      own time ms, calls:")
            for row_name, ms, calls in prof["own"]:
                print(f"      {ms:8.1f} {calls:8d}  {row_name}")
    print(f"screenshot: {d['screenshot']}")


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
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    work, res = _work_folder(args)
    res["load"] = os.getloadavg()[0]
    controller = TemplateController(work / "params.py", metrics=False)
    gui = create_gui(controller, views=["TraceView"])
    gui.render(5)
    view = gui.get_view("TraceView")
    model_ms: list[float] = []

    def timed_compute(*a: Any, f: Any = view.model.compute, **k: Any) -> Any:
        t = time.perf_counter()
        out = f(*a, **k)  # the view passes ``wait``
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
    runs = {"table": run_big_table, "views": run_views, "trace": run_trace, "trace_ref": run_trace_reference,
            "actions": run_actions, "idle": run_idle}
    if args.scenario.startswith("idle_"):
        args.scenario, args.part = "idle", args.scenario[5:]
    out = runs.get(args.scenario, run_dataset)(args)
    print(json.dumps(out))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", action="store_true", help="200k spikes, 64 channels (quick)")
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--views", action="store_true", help="benchmark the six data views instead")
    p.add_argument("--mid", action="store_true", help="1M spikes, 128 channels")
    p.add_argument("--small2m", action="store_true", help="the 2M-spike, 64-channel folder (summary.py --small)")
    p.add_argument("--trace", action="store_true", help="benchmark the trace view (scrolling) instead")
    p.add_argument("--actions", action="store_true",
                   help="default layout: select / merge / undo until every view is redrawn")
    p.add_argument("--pairs", type=int, default=6, help="cluster pairs of --actions")
    p.add_argument("--idle-floor", action="store_true",
                   help="idle frames: an empty window, the tables alone, the default layout (profiled)")
    p.add_argument("--sync", action="store_true", help="--actions with the views loading on the GUI thread")
    p.add_argument("--compare", action="store_true", help="--actions: alternate async and --sync pairs")
    p.add_argument("--split", action="store_true",
                   help="--actions: also a split of 1%% of the spikes drawn over all clusters, and its undo")
    p.add_argument("--gc-freeze", action="store_true",
                   help="--actions --split: gc.collect() and gc.freeze() before the split (the app "
                        "itself freezes the heap after start-up: phygui.heap)")
    p.add_argument("--switch-interval", type=float, default=0.0,
                   help="--actions --split: sys.setswitchinterval(s) before the split (Python's default 0.005)")
    p.add_argument("--profile", action="store_true",
                   help="--actions --split: cProfile the GUI thread from the split (and its undo) to settled")
    p.add_argument("--frame-budget", type=float, default=1000 / 60,
                   help="--actions: frames longer than this (ms) are counted in the frame log")
    add_json_arg(p)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--scenario", default="dataset", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.small:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 200_000, 64, 50, 20.0
    elif args.mid:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 1_000_000, 128, 100, 60.0
    elif args.small2m:
        args.n_spikes, args.n_channels, args.n_templates, args.duration = 2_000_000, 64, 100, 30.0
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
    scenarios = (("idle_empty", "idle_emptyfree", "idle_tables", "idle_default") if args.idle_floor else ("views",) if args.views else ("trace_ref", "trace") if args.trace else ("actions",) if args.actions
                 else ("dataset", "table"))
    for scenario in scenarios:
        cmd = [sys.executable, __file__, "--worker", "--scenario", scenario, "--frames", str(args.frames),
               "--pairs", str(args.pairs)] + (["--sync"] if args.sync else []) + (["--compare"] if args.compare else [])
        cmd += ["--split"] if args.split else []
        cmd += ["--profile"] if args.profile else []
        cmd += ["--gc-freeze"] if args.gc_freeze else []
        cmd += ["--switch-interval", str(args.switch_interval)] if args.switch_interval else []
        if args.small:
            cmd.append("--small")
        if args.mid:
            cmd.append("--mid")
        if args.small2m:
            cmd.append("--small2m")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-4000:])
            return 1
        results[scenario] = json.loads([ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1])
    write_json(args.json, results)
    if args.idle_floor:
        _print_idle(results)
        (BENCH_DATA / "bench_gui_idle_last.json").write_text(json.dumps(results, indent=1))
        return 0
    if args.trace:
        _print_trace(results["trace"], results["trace_ref"])
        (BENCH_DATA / "bench_gui_trace_last.json").write_text(json.dumps(results, indent=1))
        return 0
    if args.actions:
        log = (args.json.parent if args.json else BENCH_DATA) / "gui_frame_log.csv"
        results["actions"]["frame_log"] = write_frame_log(results["actions"], log, args.frame_budget)
        write_json(args.json, results)
        _print_actions(results["actions"])
        print(f"frame log: {log} (budget {args.frame_budget:.1f} ms)")
        (BENCH_DATA / "bench_gui_actions_last.json").write_text(json.dumps(results, indent=1))
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
