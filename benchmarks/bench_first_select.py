"""The first selection of a session: start as the app does, look at the tables, select.

Each run is a fresh process (the first call of every numba kernel in a process loads it:
that is what this measures): ``TemplateController(params, metrics="deferred")``,
``create_gui``, :func:`phygui.app.first_frame` (which loads numba and, in trees that have
it, warms the views up), then frames for ``--wait`` seconds (the user reading the
cluster table; the quality metrics run meanwhile), then a selection of the table's first
two rows, timed from the action to the end of the frame where every data view shows it,
with the views' data jobs on their workers as in ``GUI.run()``. The next selection (rows
3 and 4) is timed too, for comparison.

``--versus DIR`` alternates this tree and DIR (e.g. ``git archive`` of an earlier commit
into DIR, with ``.bench-data`` linked) run by run, so that both see the same machine load.

    flock /tmp/bench.lock .venv/bin/python benchmarks/bench_first_select.py [--runs 3] [--versus /tmp/base]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import ROOT, add_dataset_args, add_json_arg, write_json  # noqa: E402


def _child(args: argparse.Namespace) -> dict[str, Any]:
    """One session (this process): the first and the second selection."""
    import bench_gui as bg

    from phycore.controller import TemplateController
    from phygui import app

    work, res = bg._work_folder(args)
    controller = TemplateController(work / "params.py", metrics="deferred")
    gui = app.create_gui(controller)
    try:
        app.first_frame(gui)
        gui.view_context.async_data = True  # as GUI.run()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < args.wait:
            gui.render(1)
        sup = controller.supervisor
        views = [v for v in gui.views if hasattr(v, "model") and hasattr(v, "redraw")]
        ids = [int(c) for c in sup.cluster_table.visible_ids[:4]]
        for key, pair in (("first", ids[:2]), ("second", ids[2:4])):
            frames: list[float] = []
            ms, n = bg._until_settled(gui, views, lambda pair=pair: sup.select(pair), frames)
            res[key] = {"ms": ms, "frames": n, "longest_frame_ms": max(frames), "clusters": pair}
    finally:
        gui.destroy()
        controller.close()
    return res


def _run(code: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(code))
    cmd = [sys.executable, __file__, "--child", "--wait", str(args.wait), "--n-spikes", str(args.n_spikes),
           "--n-channels", str(args.n_channels), "--n-templates", str(args.n_templates),
           "--duration", str(args.duration)]
    if os.environ.get("DISPLAY") is None:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *cmd]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(f"{code}: the session failed\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(lines[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataset_args(p)
    add_json_arg(p)
    p.add_argument("--runs", type=int, default=3, help="sessions per tree")
    p.add_argument("--wait", type=float, default=4.0, help="seconds of frames between the start and the selection")
    p.add_argument("--versus", type=Path, default=None, help="another tree, timed alternately")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(_child(args)), flush=True)
        return
    trees = [("this tree", ROOT)] + ([("versus", args.versus)] if args.versus else [])
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    for _ in range(args.runs):
        for name, code in trees:
            results[name].append(_run(code, args))
    print(f"first selection of a session (rows 1-2 of the table, after {args.wait:g} s of frames), then the "
          f"next one (rows 3-4); {args.runs} sessions each, load average {os.getloadavg()[0]:.2f}")
    for name, runs in results.items():
        for key in ("first", "second"):
            ms = [r[key]["ms"] for r in runs]
            longest = [r[key]["longest_frame_ms"] for r in runs]
            print(f"  {name:10s} {key:6s} select -> every view redrawn: median {statistics.median(ms):6.0f} ms "
                  f"(all {', '.join(f'{x:.0f}' for x in ms)}); longest frame {', '.join(f'{x:.0f}' for x in longest)} ms")
    write_json(args.json, results)


if __name__ == "__main__":
    main()
