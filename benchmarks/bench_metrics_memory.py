"""Benchmark: memory and calling-thread time of the quality metrics on the 10M-spike folder.

    python benchmarks/bench_metrics_memory.py [--params PATH] [--no-metrics] [--sync]

One session ``TemplateController(params, metrics="background")`` (``--sync``:
``metrics=True``; ``--no-metrics``: ``metrics=False``, the baseline), then ``wait()``,
then a merge of the two largest clusters and its undo. Prints:

- the time the quality metrics' set-up spends on the calling thread (the
  ``QualityColumns`` constructor) and the whole constructor;
- the time until the metrics are installed (``wait()``);
- peak anonymous memory (``RssAnon`` sampled every 10 ms by a thread), peak total RSS
  (``VmHWM``) and the final ``RssAnon`` / ``RssFile``;
- merge and undo: the time of the action call on the calling thread (the table rows of
  the new clusters included), the part of it spent in the metric columns' cell
  functions, and the time until their metric cells are filled (``poll()`` until nothing
  is pending).

To compare with another version of phycore, run it with that version first on
``PYTHONPATH`` (e.g. ``git archive HEAD phycore | tar -x -C /tmp/old``).

The disk cache of the metric table is bypassed (``context=None``) so that the table is
computed. Run one at a time: it maps the 3.8 GB ``pc_features.npy``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DATA  # noqa: E402

PARAMS = BENCH_DATA / "model_10000000_384_600_120" / "data" / "params.py"


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0]) * 1024
    return out


class _Sampler(threading.Thread):
    """Peak RssAnon / RssFile seen every 10 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_anon = self.peak_file = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            s = _status()
            self.peak_anon = max(self.peak_anon, s.get("RssAnon", 0))
            self.peak_file = max(self.peak_file, s.get("RssFile", 0))
            self.stop.wait(0.01)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--params", default=str(PARAMS))
    p.add_argument("--no-metrics", action="store_true")
    p.add_argument("--sync", action="store_true")
    p.add_argument("--json", type=Path, default=None, metavar="PATH",
                   help="also write the results as JSON to PATH (benchmarks/summary.py reads it)")
    args = p.parse_args()

    from phycore import TemplateController
    from phycore.controller import _metrics

    calling: list[float] = []
    init = _metrics.QualityColumns.__init__

    def timed_init(self: Any, *a: Any, **kw: Any) -> None:
        kw["context"] = None  # compute the table, never load it from the disk cache
        t0 = time.perf_counter()
        init(self, *a, **kw)
        calling.append(time.perf_counter() - t0)

    _metrics.QualityColumns.__init__ = timed_init  # type: ignore[method-assign]
    in_cells = [0.0]  # seconds spent in the metric columns' cell functions (calling thread)
    as_metrics = _metrics.QualityColumns.as_metrics

    def timed_as_metrics(self: Any) -> Any:
        def timed(f: Any) -> Any:
            def cell(cid: int) -> Any:
                t0 = time.perf_counter()
                try:
                    return f(cid)
                finally:
                    in_cells[0] += time.perf_counter() - t0
            return cell
        return {k: timed(f) for k, f in as_metrics(self).items()}

    _metrics.QualityColumns.as_metrics = timed_as_metrics  # type: ignore[method-assign]
    sampler = _Sampler()
    sampler.start()
    mode: Any = False if args.no_metrics else (True if args.sync else "background")
    t0 = time.perf_counter()
    c = TemplateController(args.params, metrics=mode, read_only=True)
    t_ctor = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.wait()
    t_wait = time.perf_counter() - t0
    after = _status()
    rows = [("mode", str(mode)),
            ("controller constructor (s)", f"{t_ctor:.3f}"),
            ("metrics set-up on the calling thread (s)", f"{calling[0]:.3f}" if calling else "-"),
            ("wait() for the metrics (s)", f"{t_wait:.2f}")]

    def pending() -> bool:
        q = c.quality
        return q is not None and bool(getattr(q, "n_pending", 0))

    s = c.supervisor
    for name in ("merge", "undo"):
        in_cells[0] = 0.0
        if name == "merge":
            a, b = sorted(s.clustering.spike_counts, key=s.clustering.spike_counts.get)[-2:]
            t0 = time.perf_counter()
            up = s.merge(a, b)
        else:
            t0 = time.perf_counter()
            up = s.undo()
        t_call = time.perf_counter() - t0
        t_cells = in_cells[0]
        while pending():
            c.poll()
            time.sleep(0.002)
        c.poll()
        t_filled = time.perf_counter() - t0
        cells = [s.get_cluster_info(k).get("isolation_distance") for k in up.added] if c.quality else []
        rows.append((f"{name}: action call on the calling thread (ms)", f"{t_call * 1e3:.1f}"))
        rows.append((f"{name}: of which metric cells (ms)", f"{t_cells * 1e3:.1f}"))
        rows.append((f"{name}: metric cells filled (ms)", f"{t_filled * 1e3:.1f} {cells}"))
    sampler.stop.set()
    sampler.join()
    gb = 2.0**30
    rows += [("peak RssAnon (GB)", f"{sampler.peak_anon / gb:.2f}"),
             ("peak RSS, VmHWM (GB)", f"{_status()['VmHWM'] / gb:.2f}"),
             ("after wait(): RssAnon / RssFile (GB)", f"{after['RssAnon'] / gb:.2f} / {after['RssFile'] / gb:.2f}")]
    c.close()
    for k, v in rows:
        print(f"{k:45s} {v}")
    if args.json is not None:
        import json

        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"params": args.params, "rows": dict(rows),
                                         "peak_anon_gb": sampler.peak_anon / gb,
                                         "peak_rss_gb": _status()["VmHWM"] / gb}, indent=1))


if __name__ == "__main__":
    main()
