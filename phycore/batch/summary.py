"""The batch's summary table: a row per session and unit, as CSV (and Parquet with pyarrow)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from phycore.batch.session import SessionResult
from phycore.paths import atomic_open, atomic_write_bytes

__all__ = ["summary_rows", "write_summary"]

_LEAD = ("session", "status", "error", "cluster_id")


def summary_rows(sessions: Sequence[SessionResult]) -> list[dict[str, Any]]:
    """One row per unit of each session with results (``session``, ``status``, ``cluster_id``
    and the unit's columns), and one row with its ``error`` for each failed session."""
    rows: list[dict[str, Any]] = []
    for s in sessions:
        head = {"session": s.folder, "status": s.status, "error": s.error}
        if not s.units:
            rows.append(dict(head))
        for unit in s.units:
            cells = {k: v for k, v in unit.items() if k != "id"}
            rows.append({**head, "cluster_id": unit.get("id"), **cells})
    return rows


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    seen = dict.fromkeys(_LEAD)
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # every digit: a float read back is the same float
    return value


def write_summary(sessions: Sequence[SessionResult], path: str | os.PathLike[str]) -> tuple[Path, Path | None]:
    """Write the summary CSV at ``path`` (atomically) and, when pyarrow is installed, a
    Parquet file next to it (same name, ``.parquet``). Returns both paths (None: no Parquet)."""
    path = Path(path)
    rows = summary_rows(sessions)
    columns = _columns(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))
    return path, _write_parquet(rows, columns, path.with_suffix(".parquet"))


def _write_parquet(rows: Sequence[dict[str, Any]], columns: list[str], path: Path) -> Path | None:
    try:
        import pyarrow as pa  # type: ignore[import-not-found,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    # A column mixing types (a label that is a number in one session, text in another)
    # is stored as text: Parquet columns have one type.
    data: dict[str, list[Any]] = {c: [row.get(c) for row in rows] for c in columns}
    for c, values in data.items():
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) > 1 and not kinds <= {int, float}:
            data[c] = [None if v is None else str(v) for v in values]
    table = pa.table(data)
    with atomic_open(path, "wb") as f:
        pq.write_table(table, f)
    return path
