"""Event times (stimuli, trials, behaviour) aligned with the recording: files and checks.

A folder may hold its events next to ``params.py``, in one of these files (docs/formats.md):

- ``events.tsv`` (tab-separated) or ``events.csv`` (comma-separated), with a header row:
  a column ``time`` (seconds, required) and an optional column ``name`` (the event type;
  an empty cell or no such column gives the type ``"events"``); other columns are ignored;
- ``events.npy``: a 1-D array of times in seconds, all of type ``"events"``.

When several of these files exist, their event types are merged (times of one type found in
two files are pooled). A bad file raises :class:`~phycore.errors.DataFormatError` naming the
file, the line (or array index) and the problem; event times outside the recording
(``0..duration``) are kept, with a warning, since a user may have cut the recording.

.. versionadded:: 0.2
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError

__all__ = ["EVENT_FILES", "DEFAULT_EVENT_TYPE", "read_events", "load_events", "check_event_times"]

#: The file names looked for in the folder, in this order.
EVENT_FILES = ("events.tsv", "events.csv", "events.npy")
#: Event type of the rows without a ``name`` and of ``events.npy``.
DEFAULT_EVENT_TYPE = "events"
#: Files over this size are refused unread (an event file is small; a wrong file may not be).
MAX_TEXT_BYTES = 200 * 1024 * 1024


def check_event_times(times: npt.ArrayLike, *, name: str = DEFAULT_EVENT_TYPE, duration: float | None = None,
                      source: str | os.PathLike[str] | None = None) -> npt.NDArray[np.float64]:
    """Validate event times: a 1-D array of finite seconds, returned sorted as float64.

    Parameters
    ----------
    times : array-like
        Event times in seconds.
    name : str
        The event type (for the messages).
    duration : float, optional
        Recording duration in seconds: times outside ``[0, duration]`` give a warning.
    source : path, optional
        The file the times come from (for the messages; default: the argument ``times``).

    Raises
    ------
    DataFormatError
        Not 1-D, not numbers, NaN or infinite values (the message gives the first index).
    """
    where = f"{os.fspath(source)}" if source is not None else f"event times of {name!r}"
    try:
        arr = np.asarray(times)
        if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.number) or arr.size == 0):
            raise TypeError(f"dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    except (TypeError, ValueError) as e:
        raise DataFormatError(f"{where}: event times must be numbers in seconds ({e}).",
                              path=source, argument=None if source else "times") from e
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)  # a column or a row vector
    if arr.ndim != 1:
        raise DataFormatError(f"{where}: event times must be a 1-D array, got shape {arr.shape}.",
                              path=source, argument=None if source else "times")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise DataFormatError(f"{where}: event time at index {int(bad[0])} is {arr[bad[0]]} "
                              f"({bad.size} non-finite value(s)).", path=source,
                              argument=None if source else "times")
    arr = np.sort(arr, kind="stable")
    if duration is not None and arr.size:
        outside = int(np.count_nonzero((arr < 0) | (arr > duration)))
        if outside:
            warnings.warn(f"{where}: {outside} of {arr.size} time(s) of event type {name!r} are outside the "
                          f"recording (0 to {duration:g} s); they are kept but fall outside every view.",
                          UserWarning, stacklevel=3)
    return arr


def _read_table(path: Path, delimiter: str) -> dict[str, list[float]]:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise DataFormatError(f"{path}: over {MAX_TEXT_BYTES // 2**20} MB, not an event table.", path=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataFormatError(f"{path}: not a UTF-8 text file ({e}).", path=path) from e
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    out: dict[str, list[float]] = {}
    for line_no, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank lines
        if header is None:
            header = [cell.strip().lower() for cell in row]
            if "time" not in header:
                sep = "tab" if delimiter == "\t" else repr(delimiter)
                raise DataFormatError(f"{path}, line {line_no}: the header {row!r} has no 'time' column "
                                      f"(columns separated by {sep}; optional 'name' column).", path=path)
            i_time = header.index("time")
            i_name = header.index("name") if "name" in header else None
            continue
        if len(row) <= i_time:
            raise DataFormatError(f"{path}, line {line_no}: no value in the 'time' column.", path=path)
        cell = row[i_time].strip()
        try:
            t = float(cell)
        except ValueError:
            raise DataFormatError(f"{path}, line {line_no}: time {cell!r} is not a number (seconds).",
                                  path=path) from None
        if not np.isfinite(t):
            raise DataFormatError(f"{path}, line {line_no}: time is {cell!r}; times must be finite.", path=path)
        name = row[i_name].strip() if i_name is not None and len(row) > i_name else ""
        out.setdefault(name or DEFAULT_EVENT_TYPE, []).append(t)
    if header is None:
        raise DataFormatError(f"{path}: empty file; expected a header row with a 'time' column.", path=path)
    return out


def read_events(path: str | os.PathLike[str], duration: float | None = None) -> dict[str, npt.NDArray[np.float64]]:
    """Read one event file (``.tsv``, ``.csv`` or ``.npy``, see the module docstring).

    Returns
    -------
    dict
        ``{event type: sorted float64 times in seconds}``.

    Raises
    ------
    DataFormatError
        The file cannot be read as events (the message names the file, line and problem).
    """
    p = Path(path)
    if p.suffix == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise DataFormatError(f"{p}: not a readable .npy array of event times ({e}).", path=p) from e
        raw: Mapping[str, npt.ArrayLike] = {DEFAULT_EVENT_TYPE: arr}
    elif p.suffix in (".tsv", ".csv"):
        raw = _read_table(p, "\t" if p.suffix == ".tsv" else ",")
    else:
        raise DataFormatError(f"{p}: unknown event file type (use .tsv, .csv or .npy).", path=p)
    return {name: check_event_times(t, name=name, duration=duration, source=p) for name, t in raw.items()}


def load_events(folder: str | os.PathLike[str], duration: float | None = None,
                on_error: Callable[[DataFormatError], None] | None = None) -> dict[str, npt.NDArray[np.float64]]:
    """The events of a folder: every file of :data:`EVENT_FILES` found there, merged.

    Parameters
    ----------
    folder : path
        The folder of ``params.py``.
    duration : float, optional
        Recording duration (times outside it give a warning).
    on_error : callable, optional
        Called with the :class:`~phycore.errors.DataFormatError` of a bad file, whose events
        are then skipped (the other files still load); None (default): the error is raised.

    Returns
    -------
    dict
        ``{event type: sorted float64 times in seconds}`` (empty when there is no file).
    """
    out: dict[str, npt.NDArray[np.float64]] = {}
    for fname in EVENT_FILES:
        p = Path(folder) / fname
        if not p.is_file():
            continue
        try:
            found = read_events(p, duration)
        except DataFormatError as e:
            if on_error is None:
                raise
            on_error(e)
            continue
        for name, times in found.items():
            out[name] = np.sort(np.concatenate([out[name], times])) if name in out else times
    return out
