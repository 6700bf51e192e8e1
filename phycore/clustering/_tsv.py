"""Read and write the content of ``cluster_<field>.tsv`` files the way phylib does.

Writing: tab separated, header ``cluster_id<TAB><field>``, rows sorted by id, clusters
whose value is None omitted, ``\\r\\n`` line endings (Python's ``csv`` default, which
phylib uses), so the bytes match phy's. Reading: comma or tab (tab when the first line
has one), numbers coerced to int then float, empty cells skipped, every column but
``cluster_id`` becomes a field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from phycore.errors import DataFormatError

__all__ = ["read_cluster_tsv", "write_cluster_tsv", "coerce_number"]


def coerce_number(value: str) -> Any:
    """``int`` if possible, else ``float`` if possible, else the string unchanged."""
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def write_cluster_tsv(field: str, values: Mapping[int, Any]) -> str:
    """Content of ``cluster_<field>.tsv`` for ``{cluster_id: value}`` (None values omitted).

    .. versionadded:: 0.1.0
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t")
    writer.writerow(["cluster_id", field])
    writer.writerows([(int(c), values[c]) for c in sorted(values, key=int) if values[c] is not None])
    return out.getvalue()


def read_cluster_tsv(text: str, *, path: str | None = None) -> dict[str, dict[int, Any]]:
    """Parse a cluster metadata table into ``{field: {cluster_id: value}}``.

    .. versionadded:: 0.1.0

    Raises
    ------
    DataFormatError
        No ``cluster_id`` column, or a cluster id that is not an integer.
    """
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return {}
    delimiter = "\t" if "\t" in lines[0] else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    where = f" {path}" if path else ""
    if "cluster_id" not in header:
        raise DataFormatError(f"Cluster table{where} has no 'cluster_id' column (header: {header}).", path=path)
    out: dict[str, dict[int, Any]] = {h: {} for h in header if h != "cluster_id"}
    for lineno, row in enumerate(rows[1:], start=2):
        cells = {k: v for k, v in zip(header, row) if v != ""}
        if "cluster_id" not in cells:
            continue
        cid = coerce_number(cells.pop("cluster_id"))
        if isinstance(cid, float) and cid.is_integer():
            cid = int(cid)
        if not isinstance(cid, int) or cid < 0:
            raise DataFormatError(f"Line {lineno} of cluster table{where}: cluster id "
                                  f"{cid!r} is not a non-negative integer.", path=path)
        for field, value in cells.items():
            out[field][cid] = coerce_number(value)
    return out
