"""Finding and reading the files of a Kilosort/phy folder (private helpers).

Every reader opens files read-only and never writes into the data folder. Errors
name the file and what is wrong with it.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError, MissingFileError
from phycore.model.tables import read_cluster_tsv

__all__: list[str] = []

logger = logging.getLogger("phycore.model")

_INT_KINDS = "iu"
_FLOAT_KINDS = "f"


def find_file(dir_path: Path, name: str, alternatives: tuple[str, ...] = (), *,
              mandatory: bool = False) -> Path | None:
    """Return the path of ``name``, or of the first file matching one of the
    ``alternatives`` (ALF glob patterns), in ``dir_path``."""
    p = dir_path / name
    if p.is_file():
        return p
    for pattern in alternatives:
        found = sorted(dir_path.glob(pattern))
        if found:
            return found[0]
    if mandatory:
        alts = ", ".join((name,) + alternatives)
        raise MissingFileError(
            f"required file {name} is missing from {dir_path} (looked for: {alts}).",
            path=dir_path / name,
        )
    return None


def load_npy(path: Path, *, mmap: bool = True) -> np.ndarray:
    """Open a ``.npy`` file read-only (memory-mapped by default)."""
    try:
        arr = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise MissingFileError(f"file {path} does not exist.", path=path) from None
    except (ValueError, OSError, EOFError) as e:
        raise DataFormatError(f"cannot read {path.name} as a .npy array: {e}", path=path) from None
    if not isinstance(arr, np.ndarray):
        raise DataFormatError(f"{path.name} does not hold a single numpy array.", path=path)
    return arr


def as_vector(arr: np.ndarray, path: Path, *, n: int | None = None) -> np.ndarray:
    """Return a 1-D view of an ``(n,)``, ``(n, 1)`` or ``(1, n)`` array."""
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    elif arr.ndim != 1:
        raise DataFormatError(
            f"{path.name} must be a vector, shape (n,) or (n, 1); it has shape {arr.shape}.",
            path=path,
        )
    if n is not None and arr.shape[0] != n:
        raise DataFormatError(
            f"{path.name} has {arr.shape[0]} rows but spike_times.npy has {n} spikes.",
            path=path,
        )
    return arr


def check_kind(arr: np.ndarray, path: Path, kinds: str, what: str) -> None:
    """Raise :class:`DataFormatError` unless ``arr.dtype.kind`` is in ``kinds``."""
    if arr.dtype.kind not in kinds:
        raise DataFormatError(
            f"{path.name} must contain {what}, it has dtype {arr.dtype}.", path=path
        )


def read_int_vector(path: Path, *, n: int | None = None, what: str = "integers") -> npt.NDArray[np.int64]:
    """Read an id vector into memory as int64 (floats with integer values are accepted).

    The file is read with plain reads (faster than faulting in a memory map page by page).
    """
    arr = as_vector(load_npy(path, mmap=False), path, n=n)
    if arr.dtype.kind == "f":
        a = np.asarray(arr)
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise DataFormatError(f"{path.name} must contain {what}; it has non-integer floats.", path=path)
        return a.astype(np.int64)
    check_kind(arr, path, _INT_KINDS + "b", what)
    if arr.dtype == np.int64:
        return arr
    out = arr.astype(np.int64)
    if arr.dtype == np.uint64 and out.size and out.min() < 0:
        raise DataFormatError(f"{path.name} has values too large for int64.", path=path)
    return out


def read_small_array(path: Path, *, kinds: str = _INT_KINDS + _FLOAT_KINDS + "b") -> np.ndarray:
    """Read a small array into memory, replacing NaN/inf by 0 (logged) for floats."""
    arr = np.array(load_npy(path, mmap=False))
    check_kind(arr, path, kinds, "numbers")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            logger.warning("%d/%d values are NaN or inf in %s, replacing them by 0.",
                           int(bad.sum()), bad.size, path.name)
            arr[bad] = 0
    return arr


def read_metadata(dir_path: Path) -> tuple[dict[str, dict[int, Any]], list[str]]:
    """Read every ``*.csv`` and ``*.tsv`` (except ``cluster_info``) in ``dir_path``.

    Returns
    -------
    metadata : dict
        ``{field: {cluster_id: value}}``; a later file overrides an earlier one.
    files : list of str
        Names of the files read.
    """
    metadata: dict[str, dict[int, Any]] = {}
    files = []
    paths = sorted(dir_path.glob("*.csv")) + sorted(dir_path.glob("*.tsv"))
    for p in paths:
        if p.stem == "cluster_info" or not p.is_file():
            continue
        try:
            table = read_cluster_tsv(p.read_text(encoding="utf-8"), path=str(p))
        except (OSError, UnicodeDecodeError, csv.Error) as e:  # unreadable, not malformed
            logger.warning("Cannot read %s: %s.", p.name, e)
            continue
        if table:
            files.append(p.name)
        metadata.update(table)
    return metadata, files
