"""Benchmark: ``phycore batch`` throughput (sessions per minute per worker) on each engine.

    python benchmarks/bench_batch.py [--n-sessions 8] [--n-spikes 200000] [--n-channels 64]
        [--n-templates 50] [--duration 20] [--np-session] [--json out.json]

The sessions are hard-linked copies of one cached synthetic folder (benchmarks/_common.py
``bench_dataset``; the batch writes only into each copy's ``.phy/``), processed with
``force=True`` (no skipping) and the default work: quality metrics, metric report, one
auto-label rule, curation export. Each engine's wall time includes starting its worker
processes (imports, numba's cached kernels), as a real batch does. ``--np-session`` also
times one session of the Neuropixels-sized folder (10M spikes, 384 channels, 600
templates) in a fresh process, the input of the estimate in docs/batch.md.

The machine's load average is printed before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (BENCH_DATA, add_dataset_args, add_json_arg, bench_dataset, hardlink_copy,  # noqa: E402
                     peak_rss_mb, write_json)

RULE = "noise: isi_violation_ratio > 0.5 and n_spikes < 100"


def _sessions(src: Path, root: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        d = root / f"session{i:03d}"
        hardlink_copy(src, d)
        (d / ".complete").unlink(missing_ok=True)
        out.append(d)
    return out


def _run(folders: list[Path], **kwargs: Any) -> tuple[float, float, int]:
    """Wall time, CPU time of this process (all its threads; the serial engine's work) and sessions done."""
    from phycore.batch import run_batch

    t0, c0 = time.perf_counter(), time.process_time()
    r = run_batch(folders, labels=[RULE], force=True, **kwargs)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert r.ok, [s.error for s in r.failed]
    return dt, cpu, len(r.done)


def _np_session(root: Path) -> dict[str, Any]:
    """One Neuropixels-sized session, in this (fresh) process."""
    args = argparse.Namespace(n_spikes=10_000_000, n_channels=384, n_templates=600, duration=120.0)
    d = root / "np"
    hardlink_copy(bench_dataset(args), d)
    from phycore.batch import run_batch

    t0, c0 = time.perf_counter(), time.process_time()
    r = run_batch([d], engine="serial", labels=[RULE], force=True)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
            "peak_rss_mb": peak_rss_mb(), "status": r.sessions[0].status, "error": r.sessions[0].error,
            "n_units": len(r.sessions[0].units), "session_seconds": r.sessions[0].seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.set_defaults(n_spikes=200_000, n_channels=64, n_templates=50, duration=20.0)
    ap.add_argument("--n-sessions", type=int, default=8)
    ap.add_argument("--np-session", action="store_true", help="also time one 10M-spike, 384-channel session")
    add_json_arg(ap)
    args = ap.parse_args()
    src = bench_dataset(args)
    out: dict[str, Any] = {"size": {k: getattr(args, k) for k in ("n_spikes", "n_channels", "n_templates", "duration")},
                           "n_sessions": args.n_sessions, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(dir=BENCH_DATA, prefix="batch-") as tmp:
        folders = _sessions(src, Path(tmp), args.n_sessions)
        if args.np_session:  # first, in a process that has done nothing else yet
            out["np_session"] = _np_session(Path(tmp))
            print(f"Neuropixels-sized session (10M spikes, 384 ch, 600 templates): "
                  f"{out['np_session']['seconds']:.1f} s, {out['np_session']['cpu_seconds']:.1f} s CPU, "
                  f"peak RSS {out['np_session']['peak_rss_mb']:.0f} MB "
                  f"({out['np_session']['status']})", flush=True)
        runs = {"serial (1 worker, this process)": (1, dict(engine="serial")),
                "joblib, 2 processes": (2, dict(engine="joblib", n_jobs=2)),
                "dask LocalCluster, 2 workers": (2, dict(n_workers=2))}
        out["runs"] = {}
        for name, (workers, kwargs) in runs.items():
            dt, cpu, n = _run(folders, **kwargs)
            per_min = 60.0 * n / dt
            out["runs"][name] = {"seconds": dt, "cpu_seconds_here": cpu, "sessions": n, "sessions_per_min": per_min,
                                 "sessions_per_min_per_worker": per_min / workers, "load": os.getloadavg()}
            print(f"{name:<34} {dt:7.1f} s  {per_min:6.1f} sessions/min  {per_min / workers:6.1f} per worker  "
                  f"{cpu:6.1f} s CPU in this process  (load {os.getloadavg()[0]:.1f})", flush=True)
    out["load_after"] = os.getloadavg()
    print(f"load average before {out['load_before']}, after {out['load_after']} ({os.cpu_count()} CPUs)")
    print(json.dumps(out))
    write_json(args.json, out)


if __name__ == "__main__":
    main()
