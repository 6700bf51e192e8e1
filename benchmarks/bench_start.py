"""Process start -> first frame showing the cluster table's rows, as a user sees it.

Each run is a fresh process, timed from just before it is spawned to the end of the first
frame in which the cluster table draws its rows (the table's ``ready`` event; the app
prints the time of that frame when ``PHYGUI_PRINT_FIRST_FRAME=1``). Two ways to start:

- ``app``: the real command, ``python -m phygui.app params.py`` (default layout); the
  process is killed once it printed its first-frame time;
- ``driver``: the same steps as the app (``TemplateController(params,
  metrics="deferred")`` -- ``"background"`` in trees without it --, ``create_gui``,
  frames until the table's ``ready``) in a small
  script, so that an older tree without the print (``--code DIR``, e.g. a ``git
  archive`` of an earlier commit) can be timed the same way. It also reports when
  numba's kernels are loaded after the first frame (new trees only).

Also timed, in fresh processes: ``python -c "import phycore"``, ``import phygui``, and
the imports the app needs before its first frame. Best and median of ``--repeat`` runs
after one warm-up run (which also writes the ``.pyc`` files and numba's cache: the
environment's ``PYTHONDONTWRITEBYTECODE`` is dropped, as a user's install has them).

The data folder is a hard-linked copy of the 10M-spike bench folder (``--n-spikes``...
as the other benchmarks), so that the runs' ``.phy`` state, journal and lock stay
there. Without a display the script reruns itself under ``xvfb-run``.

``--versus DIR`` times this tree and DIR (e.g. a ``git archive`` of the previous commit)
alternately, run by run, so that both see the same machine load (``--mode app`` needs a DIR
whose app prints its first frame: from Step 13's first round on).

    .venv/bin/python benchmarks/bench_start.py [--repeat 3] [--code /tmp/old-tree] [--small]
    .venv/bin/python benchmarks/bench_start.py --versus /tmp/old-tree --repeat 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import BENCH_DATA, ROOT, add_json_arg, hardlink_copy, write_json  # noqa: E402

DRIVER = r"""
import os, sys, time
params = sys.argv[1]
from phycore.controller import TemplateController
import phygui.app as app
deferred = hasattr(TemplateController, "start_background")  # else an older tree
c = TemplateController(params, metrics="deferred" if deferred else "background")
gui = app.create_gui(c)
if hasattr(app, "first_frame"):
    app.first_frame(gui)
    from phycore.analysis.jit import warm_up
    fut = warm_up()
    while not fut.done():
        gui.render(1)
    print(f"kernels at {time.time():.6f}", flush=True)
    os._exit(0)
else:
    from phycore.signals import connect
    shown = []
    connect(lambda sender: shown.append(sender is gui.supervisor.cluster_table), event="ready")
    n = 0
    while not any(shown) and n < 30:
        gui.render(1)
        n += 1
    t = time.time()
    print(f"phygui: first frame at {t:.6f} ({n} frames; cpu s: main thread {time.thread_time():.3f}, "
          f"process {time.process_time():.3f})", flush=True)
    os._exit(0)
"""


def _env(code: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    env["PHYGUI_PRINT_FIRST_FRAME"] = "1"
    return env


def _first_frame(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float | None, float, float]:
    """Seconds from spawning ``cmd`` to its first-frame line and to its kernels line (None
    without one), and the CPU seconds of its main thread and of the process at its first frame."""
    t0 = time.time()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    first = kernels = None
    cpu = (float("nan"), float("nan"))
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("kernels at "):
                kernels = float(line.split()[2]) - t0
                break
            if line.startswith("phygui: first frame at "):
                words = line.replace(",", " ").replace(")", " ").split()
                first = float(words[4]) - t0
                cpu = (float(words[words.index("thread") + 1]), float(words[words.index("process") + 1]))
                if "-m" in cmd:  # the app: no kernels line
                    break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if first is None:
        raise RuntimeError(f"{cmd} never printed its first frame")
    return first, kernels, cpu[0], cpu[1]


def _timed_python(code: str, env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True)
    return time.perf_counter() - t0


def _summary(values: list[float]) -> str:
    return f"best {min(values):.3f} s, median {statistics.median(values):.3f} s  ({', '.join(f'{v:.3f}' for v in values)})"


def _report(label: str, runs: list[tuple[float, float | None, float, float]]) -> dict[str, list[float]]:
    print(f"start -> first frame with the tables ({label}) {_summary([r[0] for r in runs])}")
    print(f"  main-thread cpu at the first frame        {_summary([r[2] for r in runs])}")
    print(f"  process cpu at the first frame            {_summary([r[3] for r in runs])}")
    kernels = [r[1] for r in runs if r[1] is not None]
    if kernels:
        print(f"start -> numba kernels loaded ({label})     {_summary(kernels)}")
    return {f"first_frame_{label}": [r[0] for r in runs], f"main_thread_cpu_{label}": [r[2] for r in runs],
            f"process_cpu_{label}": [r[3] for r in runs]}


def _versus(args: argparse.Namespace, params: str, src: Path) -> int:
    """This tree and ``args.versus``, run after run (each mode of ``--mode``)."""
    trees = {"this": (_env(None), ROOT), "versus": (_env(args.versus), Path("/tmp"))}
    print(f"versus: {args.versus}")
    cmds = {mode: ([sys.executable, "-m", "phygui.app", params] if mode == "app"
                   else [sys.executable, "-c", DRIVER, params])
            for mode in (["app", "driver"] if args.mode == "both" else [args.mode])}
    runs: dict[str, list[tuple[float, float | None, float, float]]] = {}
    for mode, cmd in cmds.items():
        for env, cwd in trees.values():
            _first_frame(cmd, env, cwd)  # warm-up runs
        for label in trees:
            runs[f"{label} {mode}"] = []
        for _ in range(args.repeat):
            for label, (env, cwd) in trees.items():
                runs[f"{label} {mode}"].append(_first_frame(cmd, env, cwd))
    results: dict[str, list[float]] = {}
    for label, r in runs.items():
        results.update(_report(label, r))
    write_json(args.json, {"data": str(src), "versus": str(args.versus), "runs_s": results})
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", type=Path, default=None, help="tree to time instead of this one (PYTHONPATH)")
    ap.add_argument("--versus", type=Path, default=None,
                    help="also time this tree, runs interleaved with this one's")
    ap.add_argument("--mode", choices=("app", "driver", "both"), default="both")
    ap.add_argument("--small", action="store_true", help="the 2M-spike, 64-channel folder")
    add_json_arg(ap)
    args = ap.parse_args()
    results: dict[str, list[float]] = {}
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run") and not os.environ.get("BENCH_UNDER_XVFB"):
        env = dict(os.environ, BENCH_UNDER_XVFB="1")
        return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv], env=env)
    name = "model_2000000_64_100_30" if args.small else "model_10000000_384_600_120"
    src = BENCH_DATA / name / "data"
    folder = BENCH_DATA / "bench_start" / name
    if not (folder / "params.py").exists():
        hardlink_copy(src, folder)
    params = str(folder / "params.py")
    env = _env(args.code)
    cwd = Path("/tmp") if args.code is not None else ROOT
    print(f"code: {args.code or ROOT}   data: {src}")
    if args.versus is not None:
        return _versus(args, params, src)

    imports = {
        "python -c pass": "pass",
        "import phycore": "import phycore",
        "import phygui": "import phygui",
        "imports before the first frame": "import phycore.controller, phygui.app, phygui.gui",
    }
    for label, code in imports.items():
        _timed_python(code, env, cwd)  # writes the .pyc files
        results[label] = [_timed_python(code, env, cwd) for _ in range(args.repeat)]
        print(f"{label:32s} {_summary(results[label])}")

    modes = ["app", "driver"] if args.mode == "both" else [args.mode]
    if args.code is not None:
        modes = ["driver"]
    for mode in modes:
        cmd = ([sys.executable, "-m", "phygui.app", params] if mode == "app"
               else [sys.executable, "-c", DRIVER, params])
        _first_frame(cmd, env, cwd)  # warm-up run: page cache, .pyc, numba cache, .phy cache
        runs = [_first_frame(cmd, env, cwd) for _ in range(args.repeat)]
        results[f"first_frame_{mode}"] = [r[0] for r in runs]
        results[f"main_thread_cpu_{mode}"] = [r[2] for r in runs]
        results[f"process_cpu_{mode}"] = [r[3] for r in runs]
        print(f"start -> first frame with the tables ({mode:6s}) {_summary([r[0] for r in runs])}")
        print(f"  main-thread cpu at the first frame        {_summary([r[2] for r in runs])}")
        print(f"  process cpu at the first frame            {_summary([r[3] for r in runs])}")
        kernels = [r[1] for r in runs if r[1] is not None]
        if kernels:
            print(f"start -> numba kernels loaded ({mode:6s})     {_summary(kernels)}")
    write_json(args.json, {"data": str(src), "runs_s": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
