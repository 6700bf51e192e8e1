"""The joblib engine survives a worker that dies: only the session that killed it fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from phycore.batch.engines import run_sessions
from phycore.batch.session import SessionConfig, SessionResult, run_session

KILLER = "killer"


def _work(folder: str, config: SessionConfig) -> SessionResult:
    """run_session, except that the session named KILLER kills its worker process (as a
    segfault or the OOM killer would)."""
    if Path(folder).name == KILLER:
        os._exit(9)
    return run_session(folder, config)


def test_a_dying_worker_fails_only_its_session(batch_template: Path, tmp_path: Path) -> None:
    names = ["s0", KILLER, "s1", "s2"]
    for name in names:
        shutil.copytree(batch_template / (name if name != KILLER else "s3"), tmp_path / name)
    folders = [str(tmp_path / n) for n in names]
    results = list(run_sessions(folders, SessionConfig(export=False), engine="joblib", n_jobs=2, work=_work))
    status = {Path(r.folder).name: r.status for r in results}
    assert len(results) == len(names) and status == {"s0": "done", KILLER: "failed", "s1": "done", "s2": "done"}
    [killed] = [r for r in results if r.status == "failed"]
    assert killed.error.startswith("worker failure: TerminatedWorkerError")
