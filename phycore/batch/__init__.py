"""Batch work over many sorted folders: quality control, reports, auto-labels, exports.

:func:`run_batch` (and the ``phycore batch`` command) runs per-session work over many
folders, locally on a joblib process pool or on dask.distributed, skipping sessions
whose inputs did not change; see ``docs/batch.md``.
"""

from phycore.batch.rules import LabelRule, parse_rule, propose_labels
from phycore.batch.run import BatchResult, find_sessions, run_batch
from phycore.batch.session import SessionConfig, SessionResult, run_session, session_fingerprint

__all__ = ["BatchResult", "LabelRule", "SessionConfig", "SessionResult", "find_sessions", "parse_rule",
           "propose_labels", "run_batch", "run_session", "session_fingerprint"]
