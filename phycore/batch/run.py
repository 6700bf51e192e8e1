"""``run_batch``: quality control of many sessions, with a progress bar and a summary table."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from phycore.batch.engines import run_sessions
from phycore.batch.rules import LabelRule, parse_rule
from phycore.batch.session import SessionConfig, SessionResult
from phycore.batch.summary import summary_rows, write_summary

__all__ = ["BatchResult", "find_sessions", "run_batch"]


@attrs.frozen
class BatchResult:
    """The outcome of :func:`run_batch`.

    Attributes
    ----------
    sessions : tuple of SessionResult
        In the order the folders were given.
    engine : str
    summary_csv, summary_parquet : Path or None
        The summary table's files (None: not written).
    """

    sessions: tuple[SessionResult, ...]
    engine: str
    summary_csv: Path | None = None
    summary_parquet: Path | None = None

    def _with(self, status: str) -> list[SessionResult]:
        return [s for s in self.sessions if s.status == status]

    @property
    def done(self) -> list[SessionResult]:
        """Sessions computed in this run."""
        return self._with("done")

    @property
    def skipped(self) -> list[SessionResult]:
        """Sessions whose fingerprint had not changed (results of an earlier run)."""
        return self._with("skipped")

    @property
    def failed(self) -> list[SessionResult]:
        """Sessions that failed (``folder``, ``error``, ``traceback``)."""
        return self._with("failed")

    @property
    def ok(self) -> bool:
        """Whether no session failed."""
        return not self.failed

    def rows(self) -> list[dict[str, Any]]:
        """The summary table: a row per session and unit (a failed session: one row with its error)."""
        return summary_rows(self.sessions)


def find_sessions(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Session folders from paths: a folder holding ``params.py``, a ``params.py`` file, or
    a folder searched recursively for ``params.py`` files (``.phy`` folders skipped).

    Returns absolute folder paths, in the order given (a searched folder's sessions
    sorted), without duplicates.
    """
    out: dict[str, None] = {}
    for p in map(Path, paths):
        if p.is_file() and p.name == "params.py":
            found = [p.parent]
        elif (p / "params.py").is_file() or not p.is_dir():
            found = [p]  # a folder that is not one is reported by its session
        else:
            found = sorted(q.parent for q in p.rglob("params.py") if ".phy" not in q.parts)
        out.update(dict.fromkeys(str(f.absolute()) for f in found))
    return list(out)


def _bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="session", file=sys.stderr, dynamic_ncols=True)


def run_batch(
    folders: Iterable[str | os.PathLike[str]],
    *,
    engine: str = "joblib",
    labels: Sequence[str | LabelRule] = (),
    overwrite_labels: bool = False,
    export: bool = True,
    force: bool = False,
    n_jobs: int | None = None,
    n_workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    summary: str | os.PathLike[str] | None = None,
    progress: bool = False,
    on_result: Callable[[SessionResult], None] | None = None,
) -> BatchResult:
    """Run quality control on many sessions: metrics, metric report, auto-labels, curation export.

    Each session's results go to its folder's ``.phy/`` (see :mod:`phycore.batch.session`),
    a session whose fingerprint did not change since its last run is skipped (its
    results are reused), and one session's failure does not stop the others.

    Parameters
    ----------
    folders : iterable of path
        Session folders (or their ``params.py``), or folders to search for them
        (:func:`find_sessions`).
    engine : {"joblib", "serial", "dask"}
        Where the sessions run (:mod:`phycore.batch.engines`); ``client``,
        ``scheduler`` or ``n_workers`` imply ``"dask"``.
    labels : sequence of str or LabelRule
        Auto-label rules, ``"noise: isi_violation_ratio > 0.5 and n_spikes < 100"``
        (:mod:`phycore.batch.rules`). Checked now: a bad rule raises before any work.
    overwrite_labels : bool
        Rules may change labels units already have.
    export : bool
        Export each session's curation in SpikeInterface's format.
    force : bool
        Redo every session, changed or not.
    n_jobs : int, optional
        joblib: worker processes (default: the number of CPUs).
    n_workers : int, optional
        dask: workers of a ``LocalCluster`` made for the batch.
    scheduler : str, optional
        dask: address of a running scheduler.
    client : dask.distributed.Client, optional
        dask: an existing client.
    summary : path, optional
        Write the summary table there (CSV; plus ``.parquet`` with pyarrow).
    progress : bool
        Show a progress bar on stderr (tqdm) and each failure as it happens.
    on_result : callable, optional
        ``on_result(session_result)`` as each session finishes.

    Returns
    -------
    BatchResult

    Raises
    ------
    FilterExpressionError
        A label rule does not parse.

    Examples
    --------
    >>> r = run_batch(["/data/mouse1", "/data/mouse2"], labels=["noise: n_spikes < 100"],
    ...               summary="qc.csv")  # doctest: +SKIP
    >>> [(s.folder, s.error) for s in r.failed]  # doctest: +SKIP
    """
    rules = tuple(r if isinstance(r, LabelRule) else parse_rule(r) for r in labels)
    config = SessionConfig(rules=rules, overwrite_labels=overwrite_labels, export=export, force=force)
    if client is not None or scheduler or n_workers:
        engine = "dask"
    paths = find_sessions(folders)
    results: dict[str, SessionResult] = {}
    bar = _bar(len(paths), progress)
    try:
        for result in run_sessions(paths, config, engine=engine, n_jobs=n_jobs, client=client,
                                   scheduler=scheduler, n_workers=n_workers):
            results[result.folder] = result
            if on_result is not None:
                on_result(result)
            if bar is not None:
                if result.status == "failed":
                    bar.write(f"failed: {result.folder}: {result.error}", file=sys.stderr)
                bar.update(1)
                bar.set_postfix_str(_counts(results.values()), refresh=False)
    finally:
        if bar is not None:
            bar.close()
    sessions = tuple(results[p] for p in paths)
    csv_path = parquet_path = None
    if summary is not None:
        csv_path, parquet_path = write_summary(sessions, summary)
    return BatchResult(sessions=sessions, engine=engine, summary_csv=csv_path, summary_parquet=parquet_path)


def _counts(results: Iterable[SessionResult]) -> str:
    n: dict[str, int] = {}
    for r in results:
        n[r.status] = n.get(r.status, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(n.items()))
