"""One table of issue #18's targets: runs the benchmarks, reads their JSON, prints where we stand.

    python benchmarks/summary.py [--small] [--out DIR] [--reuse] [--only NAME ...]
    python benchmarks/summary.py --from-json DIR      # no run: the table of JSON files in DIR

Each benchmark script runs in its own process with ``--json OUT/<name>.json`` (see
``JOBS``); a script that is missing or fails leaves its rows "not measured" (its output
is kept in ``OUT/<name>.log``). The reference column holds phylib's or phy 2.1's figure
measured in the same run where one exists (phylib's ``load_model`` and correlograms,
phy 2.1's ``Clustering`` for the Clustering-level rows); phy's Qt GUI cannot run here,
so GUI rows show "—" there, and the figure recorded in issue #18 (another run) is in its
own column. The GUI frame-time log (every frame of the select / merge / undo / split
steps) is ``OUT/gui_frame_log.csv``; its summary (longest frame, frames over the
budget) follows the table. The table is also written to ``OUT/summary.md`` and
``OUT/summary.json``.

``--small`` uses the 2M-spike, 64-channel folder (``.bench-data/model_2000000_64_100_30``)
to try it quickly; ``make bench`` runs everything on the 10M-spike, 384-channel folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_DATA = ROOT / ".bench-data"
BIG = "model_10000000_384_600_120"
SMALL = "model_2000000_64_100_30"

#: Benchmark jobs: name -> (script, arguments for the 10M folder, arguments for --small).
JOBS: dict[str, tuple[str, list[str], list[str]]] = {
    "model": ("bench_model.py", [],
              ["--n-spikes", "2000000", "--n-channels", "64", "--n-templates", "100", "--duration", "30"]),
    "clustering": ("bench_clustering.py", [], ["--n-spikes", "2000000", "--n-clusters", "100"]),
    "analysis": ("bench_analysis.py", ["--skip-table", "--folder", str(BENCH_DATA / BIG / "data")],
                 ["--skip-table", "--folder", str(BENCH_DATA / SMALL / "data")]),
    "start": ("bench_start.py", ["--mode", "app"], ["--mode", "app", "--small"]),
    "gui_actions": ("bench_gui.py", ["--actions", "--split"], ["--actions", "--split", "--small2m"]),
    "gui_idle": ("bench_gui.py", ["--idle-floor"], ["--idle-floor", "--small2m"]),
    "first_select": ("bench_first_select.py", ["--runs", "3"],
                     ["--runs", "3", "--n-spikes", "2000000", "--n-channels", "64", "--n-templates", "100",
                      "--duration", "30"]),
    "metrics_memory": ("bench_metrics_memory.py", ["--params", str(BENCH_DATA / BIG / "data" / "params.py")],
               ["--params", str(BENCH_DATA / SMALL / "data" / "params.py")]),
}

NOT_MEASURED = "not measured"


@dataclass
class Row:
    """One line of the table: values in ``unit`` (s, ms or GB); None = not measured."""

    step: str
    ref: float | None  # phy's or phylib's figure from the same run
    issue: str  # phy's figure recorded in issue #18 (another run), or ""
    ours: float | None
    unit: str
    target: str
    max_value: float | None = None  # ours must be <= this (in `unit`)
    min_ratio: float | None = None  # ref / ours must be >= this

    @property
    def ratio(self) -> float | None:
        if self.ref is None or self.ours is None or self.ours <= 0:
            return None
        return self.ref / self.ours

    @property
    def met(self) -> str:
        if self.max_value is None and self.min_ratio is None:
            return "—"
        if self.ours is None or (self.min_ratio is not None and self.ratio is None):
            return NOT_MEASURED
        ok = (self.max_value is None or self.ours <= self.max_value) and (
            self.min_ratio is None or (self.ratio is not None and self.ratio >= self.min_ratio))
        return "met" if ok else "NOT met"


def fmt(value: float | None, unit: str) -> str:
    """A value with its unit, 3 significant digits; "—" for None."""
    if value is None:
        return "—"
    if unit == "s" and value < 1:
        return f"{value * 1000:.3g} ms"
    return f"{value:.3g} {unit}"


def _get(data: dict[str, Any], *path: Any) -> Any:
    """``data[path[0]][path[1]]...``, or None when any step is missing."""
    cur: Any = data
    for key in path:
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and isinstance(key, int) and -len(cur) <= key < len(cur):
            cur = cur[key]
        else:
            return None
    return cur


def _median(values: Any) -> float | None:
    return float(statistics.median(values)) if isinstance(values, list) and values else None


def _ms_to_s(value: Any) -> float | None:
    return None if value is None else float(value) / 1000.0


def build_rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    """The rows of issue #18's table from the benchmarks' JSON (``results[job]``)."""
    r = {k: results.get(k) or {} for k in JOBS}
    act = _get(r["gui_actions"], "actions") or {}
    start = _get(r["start"], "runs_s") or {}
    first = _median(start.get("first_frame_app")) or _median(start.get("first_frame_driver"))
    cl_ours, cl_phy = r["clustering"].get("ours") or {}, r["clustering"].get("phy") or {}
    ccg = r["analysis"].get("ccg_largest") or {}
    mod_ours, mod_ref = r["model"].get("ours") or {}, r["model"].get("phylib") or {}

    def cl(key: str) -> tuple[float | None, float | None]:
        return cl_phy.get(key), cl_ours.get(key)

    def gui(kind: str) -> float | None:
        return _ms_to_s(_get(act, kind, "median"))

    return [
        Row("process start → first frame with the tables", None, "11.5 s cold, 9.0 s warm", first, "s",
            "≤ 1.0 s", max_value=1.0),
        Row("select a pair of big clusters → every view redrawn", None, "1.1–1.7 s warm", gui("select"), "s",
            "≤ 80 ms", max_value=0.080),
        Row("first selection of a session (table rows 1–2, 4 s after the start) → every view redrawn", None, "",
            _ms_to_s(_median([run["first"]["ms"] for run in r["first_select"].get("this tree") or []])), "s", "—"),
        Row("merge → every view redrawn", None, "2.05 s", gui("merge"), "s", "≤ 50 ms", max_value=0.050),
        Row("undo → every view redrawn", None, "1.9–2.0 s", gui("undo"), "s", "≤ 50 ms", max_value=0.050),
        Row("merge of the two largest clusters (Clustering)", cl("merge of the two largest")[0], "",
            cl("merge of the two largest")[1], "s", "—"),
        Row("undo of that merge (Clustering)", cl("undo of that merge")[0], "", cl("undo of that merge")[1], "s", "—"),
        Row("idle frame, default layout", None, "(Qt, not comparable)",
            _ms_to_s(_get(r["gui_idle"], "idle_default", "frames", "median")), "s", "≤ 16.7 ms", max_value=0.0167),
        Row("peak memory: anonymous", None, "", _get(r["metrics_memory"], "peak_anon_gb"), "GB", "≤ 1 GB", max_value=1.0),
        Row("peak memory: total RSS incl. mapped files", None, "2.6 GB total", _get(r["metrics_memory"], "peak_rss_gb"),
            "GB", "≤ 2 GB", max_value=2.0),
        Row("split of 1% of spikes over all clusters (Clustering)", cl("split 1% random (every cluster)")[0], "10.3 s",
            cl("split 1% random (every cluster)")[1], "s", "≤ 50 ms", max_value=0.050),
        Row("its undo (Clustering)", cl("undo of that split")[0], "5.9 s", cl("undo of that split")[1], "s",
            "≤ 50 ms", max_value=0.050),
        Row("split of 1% over all clusters → every view redrawn", None, "10.3 s", gui("split"), "s", "≤ 50 ms",
            max_value=0.050),
        Row("its undo → every view redrawn", None, "5.9 s", gui("split_undo"), "s", "≤ 50 ms", max_value=0.050),
        Row(f"correlograms, 10 largest clusters ({ccg.get('n_spikes', 0):,} spikes)", ccg.get("phylib"), "",
            ccg.get("ours"), "s", "≥ 20× phylib", min_ratio=20.0),
        Row("load_model (first call of a fresh process)", mod_ref.get("load"), "3.5 s (phylib)",
            mod_ours.get("load"), "s", "≥ 40× (≤ 0.1 s)", max_value=0.1, min_ratio=40.0),
        Row("load_model, warm (best of 2 more calls)", mod_ref.get("load_warm"), "", mod_ours.get("load_warm"), "s",
            "≥ 40× (≤ 0.1 s)", max_value=0.1, min_ratio=40.0),
    ]


def format_table(rows: list[Row], status: dict[str, str] | None = None) -> str:
    """A Markdown table of ``rows`` (``status[job]``: why a job has no results, if any)."""
    head = ["step", "phy/phylib (same run)", "phy (issue, other run)", "phycore", "ratio", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        ours = NOT_MEASURED if row.ours is None else fmt(row.ours, row.unit)
        ratio = "—" if row.ratio is None else f"{row.ratio:.1f}×"
        cells = [row.step, fmt(row.ref, row.unit), row.issue or "—", ours, ratio, row.target, row.met]
        lines.append("| " + " | ".join(cells) + " |")
    if status:
        lines.append("")
        lines += [f"- {job}: {why}" for job, why in sorted(status.items())]
    return "\n".join(lines)


def format_frame_log(actions: dict[str, Any]) -> str:
    """The GUI steps' frame-time summary (longest frame, frames over the budget)."""
    log = actions.get("frame_log") if actions else None
    if not log:
        return "GUI frame-time log: not measured"
    budget = float(log.get("budget_ms", 0.0))
    lines = [f"GUI frame-time log ({log.get('path', '')}; budget {budget:.1f} ms per frame):", "",
             f"| step | frames | longest frame | frames > {budget:.1f} ms | frames > {2 * budget:.1f} ms |",
             "|---|---|---|---|---|"]
    for step in ("select", "merge", "undo", "split", "split_undo"):
        s = log.get(step)
        if s:
            lines.append(f"| {step} | {s['frames']} | {s['longest_ms']:.1f} ms | {s['over_budget']} | "
                         f"{s.get('over_two_budgets', '—')} |")
    return "\n".join(lines)


def run_job(name: str, small: bool, out: Path, reuse: bool, timeout: float) -> str | None:
    """Run one benchmark with ``--json``; return why it has no results, or None."""
    script, big_args, small_args = JOBS[name]
    path = HERE / script
    target = out / f"{name}.json"
    if reuse and target.exists():
        return None
    target.unlink(missing_ok=True)
    if not path.exists():
        return f"{script} is not there yet"
    source = path.read_text()
    if "--json" not in source and "add_json_arg" not in source:
        return f"{script} has no --json option yet"
    cmd = [sys.executable, str(path), *(small_args if small else big_args), "--json", str(target)]
    print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                           env=dict(os.environ, PYTHONWARNINGS="ignore"))
    except subprocess.TimeoutExpired:
        return f"{script} timed out after {timeout:.0f} s"
    (out / f"{name}.log").write_text(r.stdout + "\n--- stderr ---\n" + r.stderr)
    print(r.stdout[-3000:], flush=True)
    print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    if r.returncode != 0:
        return f"{script} failed (exit {r.returncode}; see {out / (name + '.log')})"
    if not target.exists():
        return f"{script} wrote no JSON"
    return None


def read_results(out: Path) -> dict[str, dict[str, Any]]:
    """Every ``<job>.json`` of ``out`` (unreadable ones are skipped)."""
    results: dict[str, dict[str, Any]] = {}
    for name in JOBS:
        p = out / f"{name}.json"
        try:
            results[name] = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
    return results


def report(results: dict[str, dict[str, Any]], status: dict[str, str], out: Path,
           header: str = "") -> str:
    """The summary text (table and frame log); also written to ``out/summary.md|json``."""
    rows = build_rows(results)
    text = "\n\n".join(p for p in (header, format_table(rows, status),
                                    format_frame_log(_get(results.get("gui_actions") or {}, "actions") or {})) if p)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(text + "\n")
    (out / "summary.json").write_text(json.dumps(
        [{"step": r.step, "ref": r.ref, "issue": r.issue, "ours": r.ours, "unit": r.unit, "ratio": r.ratio,
          "target": r.target, "met": r.met} for r in rows], indent=1))
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", action="store_true", help=f"the 2M-spike folder ({SMALL}), to try it quickly")
    ap.add_argument("--out", type=Path, default=None, help="results folder (default .bench-data/summary[-small])")
    ap.add_argument("--reuse", action="store_true", help="do not rerun a job whose JSON is in the results folder")
    ap.add_argument("--only", nargs="*", choices=sorted(JOBS), help="run only these jobs")
    ap.add_argument("--from-json", type=Path, default=None, metavar="DIR",
                    help="run nothing: the table of the JSON files in DIR")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per job, seconds")
    args = ap.parse_args(argv)
    if args.from_json is not None:
        out = args.out or args.from_json
        print(report(read_results(args.from_json), {}, out))
        return 0
    out = args.out or BENCH_DATA / ("summary-small" if args.small else "summary")
    out.mkdir(parents=True, exist_ok=True)
    status: dict[str, str] = {}
    for name in args.only or list(JOBS):
        why = run_job(name, args.small, out, args.reuse, args.timeout)
        if why:
            status[name] = why
            print(f"   {name}: {why}", flush=True)
    load = os.getloadavg()[0]
    header = (f"Issue #18 summary, {'2M-spike' if args.small else '10M-spike'} folder, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average at the end {load:.2f}")
    print()
    print(report(read_results(out), status, out, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
