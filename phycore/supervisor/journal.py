"""Crash journal: every curation action since the last save, appended as it happens.

The journal lives in ``<data>/.phy/journal.jsonl``. Its first line is a header
describing the assignment the actions apply to (a hash of ``spike_clusters`` and the
next cluster id at that point); each following line is one action, written, flushed
and fsynced before the action returns. After a crash, replaying the entries on the
same starting assignment reaches the exact pre-crash state. A torn last line (the
process died while writing it) is ignored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import zlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import numpy.typing as npt

from phycore.errors import StateFileError

__all__ = ["Journal", "hash_array", "encode", "decode"]

logger = logging.getLogger(__name__)

JOURNAL_VERSION = 1


def hash_array(arr: npt.ArrayLike) -> str:
    """Content hash of an array (dtype-normalised to int64), for journal headers."""
    a = np.ascontiguousarray(arr, dtype=np.int64)
    return hashlib.blake2b(a.data, digest_size=16).hexdigest()


def encode(value: Any) -> Any:
    """JSON-friendly form of action arguments (int arrays compressed, numpy scalars cast)."""
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value, dtype=np.int64)
        return {"__int64__": base64.b64encode(zlib.compress(a.tobytes(), 1)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, dict):
        if set(value) == {"__int64__"}:
            raw = zlib.decompress(base64.b64decode(value["__int64__"]))
            return np.frombuffer(raw, dtype=np.int64).copy()
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class Journal:
    """Append-only, fsynced action log.

    Parameters
    ----------
    path : path-like
        The journal file (``<data>/.phy/journal.jsonl``).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file: Any = None

    def start(self, header: dict[str, Any]) -> None:
        """Begin a new journal (after load or save): replaces any previous one."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps({"journal": JOURNAL_VERSION, **encode(header)}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._file = open(self.path, "a", encoding="utf-8")

    def resume(self) -> None:
        """Keep appending to an existing journal (after its entries were replayed)."""
        self.close()
        Journal.read(self.path)  # validates the header
        self._file = open(self.path, "a", encoding="utf-8")

    def append(self, entry: dict[str, Any]) -> None:
        """Append one action and make it durable before returning."""
        if self._file is None:
            raise StateFileError(f"The journal {self.path} was not started.", path=self.path)
        self._file.write(json.dumps(encode(entry)) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (the journal stays on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """Close and delete the journal (after a save, or when the user declines recovery)."""
        self.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    @staticmethod
    def read(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Read ``(header, entries)``; a torn last line is dropped with a warning.

        Raises
        ------
        StateFileError
            If the header is missing or unreadable.
        """
        path = Path(path)
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines:
            raise StateFileError(f"The journal {path} is empty.", path=path)
        try:
            header = json.loads(lines[0])
        except json.JSONDecodeError:
            raise StateFileError(f"The journal {path} has a corrupt header line.", path=path) from None
        if not isinstance(header, dict) or header.get("journal") != JOURNAL_VERSION:
            raise StateFileError(f"The journal {path} has an unknown format.", path=path)
        entries = list(_entries(lines[1:], path))
        return decode(header), entries

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _entries(lines: list[str], path: Path) -> Iterator[dict[str, Any]]:
    for k, line in enumerate(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            if k == len(lines) - 1:
                logger.warning("Ignoring the torn last line of %s (the process stopped while writing it).", path)
                return
            raise StateFileError(f"The journal {path} is corrupt at line {k + 2}.", path=path) from None
        yield decode(entry)
