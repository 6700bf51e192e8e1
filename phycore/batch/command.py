"""``phycore batch``: quality control of many sorted folders (see :func:`phycore.batch.run_batch`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from phycore.errors import FilterExpressionError

__all__ = ["main"]

_EPILOG = """\
examples:
  phycore batch /data/lab --label "noise: isi_violation_ratio > 0.5 and n_spikes < 100"
  phycore batch /data/m1 /data/m2 --workers 4            # a dask LocalCluster of 4 workers
  phycore batch /data/lab --scheduler tcp://head:8786    # a running dask scheduler

Each session's results go to its .phy/ folder; proposed labels are applied (one undoable
action) when the session is next opened. Unchanged sessions are skipped; --force redoes them.
Exit code: 0 when every session is done or skipped, 1 when a session failed, 2 on bad arguments.
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="phycore batch", description="Quality metrics, metric reports, "
                                "auto-labels and curation export over many sorted folders.",
                                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="session folders (or params.py files), or folders to search for them")
    p.add_argument("--label", "-l", action="append", default=[], metavar="RULE",
                   help="auto-label rule 'LABEL: EXPRESSION' or 'FIELD=VALUE: EXPRESSION' (repeatable; "
                        "the expression is a cluster-table filter)")
    p.add_argument("--overwrite-labels", action="store_true", help="rules may change labels units already have")
    p.add_argument("--no-export", action="store_true", help="do not export the curation (SpikeInterface format)")
    p.add_argument("--force", action="store_true", help="redo sessions whose inputs did not change")
    p.add_argument("--summary", default="batch_summary.csv", metavar="PATH",
                   help="summary table, a row per session and unit (default: %(default)s; "
                        "also .parquet when pyarrow is installed)")
    engine = p.add_mutually_exclusive_group()
    engine.add_argument("--jobs", "-j", type=int, metavar="N", help="local worker processes (joblib; default: CPUs)")
    engine.add_argument("--serial", action="store_true", help="run the sessions one by one in this process")
    engine.add_argument("--workers", type=int, metavar="N", help="run on a dask LocalCluster of N workers")
    engine.add_argument("--scheduler", metavar="ADDRESS", help="run on the dask scheduler at ADDRESS")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str]) -> int:
    """Run ``phycore batch``; returns the exit code."""
    args = _parser().parse_args(list(argv))
    from phycore.batch.run import run_batch  # after the arguments: `--help` stays fast

    engine = "serial" if args.serial else "joblib"
    try:
        result = run_batch(args.paths, engine=engine, labels=args.label, overwrite_labels=args.overwrite_labels,
                           export=not args.no_export, force=args.force, n_jobs=args.jobs, n_workers=args.workers,
                           scheduler=args.scheduler, summary=args.summary, progress=not args.no_progress)
    except FilterExpressionError as e:
        print(f"phycore batch: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:  # the dask extra is missing
        print(f"phycore batch: error: {e}", file=sys.stderr)
        return 2
    if not result.sessions:
        print("phycore batch: error: no session (no params.py) found.", file=sys.stderr)
        return 2
    print(f"{len(result.done)} done, {len(result.skipped)} skipped, {len(result.failed)} failed; "
          f"summary: {result.summary_csv}" + (f" and {result.summary_parquet}" if result.summary_parquet else ""))
    for s in result.failed:
        print(f"FAILED {s.folder}: {s.error}", file=sys.stderr)
    return 0 if result.ok else 1
