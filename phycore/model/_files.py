"""Finding and reading the files of a Kilosort/phy folder (private helpers).

Every reader opens files read-only and never writes into the data folder. Errors
name the file and what is wrong with it.
"""

from __future__ import annotations

import codecs
import logging
import tokenize
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError, MissingFileError
from phycore.model.tables import cluster_table_header, read_cluster_tsv

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
    if p.exists():
        # Treating it as absent would let a save try to replace a folder the user made.
        raise DataFormatError(f"{p} is a folder (or not a regular file), not the data file {name}; "
                              "rename or remove it.", path=p)
    for pattern in alternatives:
        found = sorted(f for f in dir_path.glob(pattern) if f.is_file())
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
    except (ValueError, OSError, EOFError, SyntaxError, tokenize.TokenError, MemoryError) as e:
        # numpy parses the header with ``ast``/``tokenize``: a garbled header raises those.
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


def as_int64(arr: np.ndarray, name: str, what: str, **where: Any) -> np.ndarray:
    """An id or index array as int64; floats must all be finite integers (never truncated).

    Booleans are refused: no sorter writes ids as booleans, so a bool file is a mistake
    that would silently map every id to 0 or 1.
    """
    if arr.dtype == np.int64:
        return arr
    a = np.asarray(arr)
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a)
        bad[~bad] = a[~bad] != np.round(a[~bad])
        if bad.any():
            i = np.unravel_index(int(np.argmax(bad)), a.shape)
            raise DataFormatError(f"{name} must contain {what}; it has non-integer value {float(a[i])!r} at "
                                  f"index {tuple(int(j) for j in i)} ({int(bad.sum())} such values).",
                                  **where)
        logger.debug("%s holds integers stored as %s; converting to int64.", name, a.dtype)
    elif a.dtype.kind not in _INT_KINDS:
        raise DataFormatError(f"{name} must contain {what}, it has dtype {a.dtype}.", **where)
    elif a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        raise DataFormatError(f"{name} has values too large for int64 (max {int(a.max())}).", **where)
    return a.astype(np.int64)


def read_int_vector(
    path: Path, *, n: int | None = None, what: str = "integers", keep_mapped: bool = False
) -> npt.NDArray[np.int64]:
    """Read an id vector as int64 (see :func:`as_int64` for the dtypes accepted).

    The file is memory-mapped and converted (or copied) into memory in one pass: reading
    it into a buffer first would touch twice as much fresh memory, and a fresh page (a
    page fault, the kernel zeroing it) costs more than copying it. With ``keep_mapped``,
    an int64 file, or a uint64 one whose values fit in int64 (Kilosort's spike times),
    is not copied at all: the result is a read-only view of the mapped file (for arrays
    that are never written).
    """
    arr = as_vector(load_npy(path), path, n=n)
    if keep_mapped:
        if arr.dtype == np.uint64 and arr.size and int(arr.max()) <= np.iinfo(np.int64).max:
            arr = arr.view(np.int64)
        if arr.dtype == np.int64:
            return np.asarray(arr)
    out = as_int64(arr, path.name, what, path=path)
    return np.array(out) if out is arr else np.asarray(out)


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


#: Byte-order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

#: Columns the cluster table computes itself (``id`` and ``n_spikes`` in the supervisor,
#: the others in ``phycore.controller._columns``; ``is_masked`` from the group, and the
#: similarity table's score). A file column of that name would hide the computed value
#: and the next save would write it back as ``cluster_<name>.tsv``: it is ignored.
COMPUTED_COLUMNS = frozenset({"id", "n_spikes", "ch", "sh", "depth", "fr", "amp", "is_masked", "similarity"})


def decode_table(data: bytes, path: Path) -> str:
    """Text of a table file: UTF-32/16 by byte-order mark, else UTF-8 (with or without a
    mark), else cp1252 or latin-1 (logged, naming the file), as Windows tools write them.

    Raises :class:`DataFormatError` for bytes that are no text (NUL bytes: binary, or
    UTF-16 without a byte-order mark) or that break the encoding their mark announces.
    """
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            raise DataFormatError(f"{path.name} starts with a {encoding} byte-order mark but is not valid "
                                  f"{encoding} ({e.reason} at byte {e.start}); save it again as UTF-8.",
                                  path=path) from None
    else:
        for encoding in ("utf-8", "cp1252", "latin-1"):  # latin-1 decodes any byte
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if encoding != "utf-8":
            logger.warning("%s is not UTF-8: read it as %s (a save writes it back as UTF-8).",
                           path.name, encoding)
    if "\x00" in text:
        raise DataFormatError(f"{path.name} contains NUL characters: it is not a text table (binary, or "
                              f"UTF-16 without a byte-order mark?). Save it as UTF-8 or move it out of "
                              f"the folder.", path=path)
    return text


def read_metadata(dir_path: Path) -> tuple[dict[str, dict[int, Any]], list[str]]:
    """Read the cluster tables: every ``*.csv`` and ``*.tsv`` in ``dir_path`` but ``cluster_info``.

    A file without a ``cluster_id`` column is no cluster table: it is ignored with a
    warning (phylib ignores it silently). Columns named like :data:`COMPUTED_COLUMNS` are
    ignored with a warning. When two files have the same column, ``cluster_<column>.tsv``
    wins (it is the file a save rewrites, so its values must be the ones kept), else the
    later file, as in phylib.

    Returns
    -------
    metadata : dict
        ``{field: {cluster_id: value}}``.
    files : list of str
        Names of the files read.

    Raises
    ------
    DataFormatError
        A table that cannot be read, decoded or parsed; or a folder, or a file without a
        ``cluster_id`` column, named like a file the next save writes
        (``cluster_info.tsv``, ``cluster_group.tsv``, ``cluster_<field>.tsv`` of a column
        read from another file): the save would fail on it or replace unread labels.
    """
    metadata: dict[str, dict[int, Any]] = {}
    source: dict[str, str] = {}  # field -> name of the file it was read from
    files, unread = [], []
    for p in sorted(dir_path.glob("*.csv")) + sorted(dir_path.glob("*.tsv")):
        if not p.is_file():  # a folder (or a FIFO, which would block a read)
            unread.append((p, "it is a folder" if p.is_dir() else "it is not a regular file"))
            continue
        if p.stem == "cluster_info":  # the table export, rewritten by every save
            continue
        if p.stem == "events":  # event times (phycore.model.events), not a cluster table
            continue
        try:
            text = decode_table(p.read_bytes(), p)
        except OSError as e:
            raise DataFormatError(f"Cannot read {p.name}: {e.strerror or e}. Fix its permissions or "
                                  f"move it out of the folder.", path=p) from None
        if "cluster_id" not in cluster_table_header(text, path=str(p)):
            if text.strip():
                unread.append((p, "it has no 'cluster_id' column"))
            continue
        table = read_cluster_tsv(text, path=str(p))
        files.append(p.name)
        for field, values in table.items():
            if field in COMPUTED_COLUMNS:
                logger.warning("Ignoring column %r of %s: the cluster table computes %r itself.",
                               field, p.name, field)
            elif source.get(field) == f"cluster_{field}.tsv":
                logger.warning("Ignoring column %r of %s: %s has it too and is the one a save writes.",
                               field, p.name, source[field])
            else:
                if field in source:
                    logger.warning("Column %r of %s replaces the one of %s.", field, p.name, source[field])
                metadata[field], source[field] = values, p.name
    # What a save writes: cluster_info.tsv and cluster_<field>.tsv for group and every field.
    saved = {"cluster_info.tsv", "cluster_group.tsv"} | {f"cluster_{f}.tsv" for f in metadata}
    for p, why in unread:
        if p.name in saved:
            # Refused now rather than at the save: nothing has been curated yet, and a save
            # would fail on a folder or replace a file whose labels were never read.
            raise DataFormatError(f"{p.name} cannot be read as a cluster table ({why}), and the next "
                                  f"save would overwrite it. Rename or remove it.", path=p)
        hint = (f" (a save would replace it if a label {p.stem[8:]!r} is set)"
                if p.suffix == ".tsv" and p.stem.startswith("cluster_") else "")
        logger.warning("Ignoring %s: %s, so it is no cluster table%s.", p.name, why, hint)
    return metadata, files
