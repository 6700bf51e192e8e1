"""The cluster tables phy reads and writes: ``cluster_<field>.tsv`` and ``cluster_info.tsv``.

Facts about the format (phylib 2.7): written with :mod:`csv`, so lines end with
``\\r\\n``; a header row; rows sorted by cluster id. ``cluster_<field>.tsv`` has two
columns and omits clusters whose value is None. ``cluster_info.tsv`` has every table
column (``cluster_id`` first, the others sorted by name), empty cells for missing values
and floats written with a fixed number of *decimals* (``'%.8f'``). Reading accepts comma
or tab (tab when the first line has one), coerces numbers (int, then float), skips empty
cells and makes every column but ``cluster_id`` a field.

A table is read one line per row: a quoted cell may hold the delimiter or a doubled quote
(as :mod:`csv` writes them) but must end on its line. :mod:`csv` alone would let a stray
quote swallow every following row into one cell; here it is an error naming the line.
The price is that a label holding a line break cannot be written (phy's tables are
line-oriented anyway, and its table view shows one line per cell).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any, Iterable, Sequence

import numpy as np

from phycore.errors import DataFormatError

__all__ = ["read_cluster_tsv", "write_cluster_tsv", "cluster_table_header", "cluster_info_bytes",
           "coerce_number"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not str.splitlines: it also splits on \x1c, \x85...


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

    Raises
    ------
    DataFormatError
        A value holds a line break (:func:`read_cluster_tsv` reads one row per line).
    """
    for c, v in values.items():
        if isinstance(v, str) and _LINE_BREAK.search(v):
            raise DataFormatError(f"Label {field!r} of cluster {c} contains a line break, which "
                                  f"cluster_{field}.tsv cannot hold: {v!r}. Set it without one.",
                                  argument=field)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t")
    writer.writerow(["cluster_id", field])
    writer.writerows([(int(c), values[c]) for c in sorted(values, key=int) if values[c] is not None])
    return out.getvalue()


def _records(text: str, path: str | None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of every line of a table, the header included."""
    if text.startswith("\ufeff"):  # a UTF-8 BOM decoded as plain UTF-8 (Excel writes one)
        text = text[1:]
    lines = _LINE_BREAK.split(text)
    delimiter = "\t" if "\t" in lines[0] else ","
    for lineno, line in enumerate(lines, start=1):
        try:
            # strict: an unclosed quote is an error, not the start of a multi-line cell.
            yield lineno, next(csv.reader([line], delimiter=delimiter, strict=True), [])
        except csv.Error as e:
            where = f" of {path}" if path else ""
            raise DataFormatError(f"Line {lineno}{where} has an unbalanced quote ({e}): a cell that "
                                  f"opens a quote must close it on the same line, right before the "
                                  f"next delimiter. Fix or remove the quote: {line[:80]!r}.",
                                  path=path) from None


def cluster_table_header(text: str, *, path: str | None = None) -> list[str]:
    """Column names of a cluster table (an empty list for an empty text).

    Parameters
    ----------
    text : str
        Content of the table.
    path : str, optional
        File name for error messages.

    Returns
    -------
    list of str
        The cells of the first line, stripped.
    """
    for _, header in _records(text, path):
        return [h.strip() for h in header]
    return []


def read_cluster_tsv(text: str, *, path: str | None = None) -> dict[str, dict[int, Any]]:
    """Parse a cluster metadata table into ``{field: {cluster_id: value}}``.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    text : str
        Content of the table (a leading byte-order mark is ignored).
    path : str, optional
        File name for error messages.

    Returns
    -------
    dict
        ``{field: {cluster_id: value}}``, empty for an empty text.

    Raises
    ------
    DataFormatError
        No ``cluster_id`` column, a cluster id that is not an integer, or a line with an
        unbalanced quote.
    """
    records = _records(text, path)
    header = [h.strip() for h in next(records)[1]]
    if not any(header):
        return {}
    where = f" {path}" if path else ""
    if "cluster_id" not in header:
        raise DataFormatError(f"Cluster table{where} has no 'cluster_id' column (header: {header}).", path=path)
    # A column without a name (a trailing tab, a header cut short) has no field to hold it.
    out: dict[str, dict[int, Any]] = {h: {} for h in header if h and h != "cluster_id"}
    for lineno, row in records:
        cells = {k: v for k, v in zip(header, row) if v != "" and k}
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


def _format_value(value: Any, decimals: int | None) -> Any:
    if value is None:
        return ""
    if decimals is not None and isinstance(value, (float, np.floating)) and not isinstance(value, np.float16):
        return f"{value:.{decimals}f}"
    if isinstance(value, np.generic):
        return value.item()
    return value


def _csv_bytes(rows: Iterable[Sequence[Any]], delimiter: str) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def cluster_info_bytes(
    rows: Sequence[Mapping[str, Any]],
    *,
    exclude: Sequence[str] = ("is_masked",),
    decimals: int = 8,
    delimiter: str = "\t",
) -> bytes:
    """Content of ``cluster_info.tsv`` from table rows (``id`` renamed ``cluster_id``, first).

    Other fields are sorted by name; floats get ``decimals`` decimals; missing cells are empty.
    """
    data = []
    for row in rows:
        d = {k: v for k, v in row.items() if k not in exclude}
        if "id" in d:
            d["cluster_id"] = d.pop("id")
        data.append(d)
    if not data:
        return b""
    fields = sorted(set().union(*data) - {"cluster_id"})
    fields = ["cluster_id"] + fields
    out: list[Sequence[Any]] = [fields]
    out += [[_format_value(d.get(f), decimals) for f in fields] for d in data]
    return _csv_bytes(out, delimiter)
