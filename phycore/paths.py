"""Where phycore keeps its files, and how it writes them safely.

Public module of the bottom layer: it imports only the standard library and
:mod:`phycore.errors`, so every other phycore module may use it.

- :func:`user_dir` is ``~/.phy`` (or ``$PHY_USER_DIR``): ``phy_config.py``,
  ``plugins/``, ``<GUIName>/state.json`` and the fallback caches live there.
- :func:`phy_dir` is ``<data>/.phy``: cache, local GUI state, journal. A data folder
  that cannot be written falls back to ``user_dir()/cache/<name>-<hash>`` with a
  logged warning.
- :func:`atomic_open`, :func:`atomic_write_bytes` and :func:`atomic_write_text` write
  a temporary file in the destination folder, flush and fsync it, ``os.replace`` it
  over the destination and fsync the folder: a reader sees the old file or the new
  one, never a truncated mix, even after a crash or a power cut.
- :func:`fingerprint_files` summarises input files cheaply, to key caches.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "USER_DIR_ENV",
    "user_dir",
    "phy_dir",
    "fallback_phy_dir",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "fingerprint_files",
    "fsync_dir",
]

logger = logging.getLogger(__name__)

#: Environment variable that overrides the user directory ``~/.phy``.
USER_DIR_ENV = "PHY_USER_DIR"

_CHUNK = 1 << 20  # 1 MiB
_FULL_HASH_LIMIT = 16 << 20  # files up to 16 MiB are hashed entirely
_WARNED: set[Path] = set()  # data folders already reported as read-only (warn once)


def user_dir() -> Path:
    """Return the user directory: ``$PHY_USER_DIR`` if set and non-empty, else ``~/.phy``.

    The directory is not created; callers create what they write into.

    Returns
    -------
    Path
        Absolute path of the user directory (``~`` expanded).
    """
    env = os.environ.get(USER_DIR_ENV, "").strip()
    path = Path(env).expanduser() if env else Path.home() / ".phy"
    return path.absolute()


def _is_writable_dir(path: Path) -> bool:
    """Whether files can be created in the existing directory ``path``.

    ``os.access`` answers for permissions and read-only mounts; a probe file then
    catches what it cannot see (network filesystems, ACLs). Running as root,
    ``os.access`` says yes to a ``chmod 0o555`` folder, and so does the probe, since
    root can really write there.
    """
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        return False
    probe = path / f".phycore-write-probe-{secrets.token_hex(4)}"
    try:
        probe.touch(exist_ok=False)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        probe.unlink()
    return True


def fallback_phy_dir(data_dir: str | os.PathLike[str]) -> Path:
    """Return the cache folder used when ``<data>/.phy`` cannot be written.

    Parameters
    ----------
    data_dir : str or os.PathLike
        The dataset folder.

    Returns
    -------
    Path
        ``user_dir()/cache/<folder name>-<16 hex digits of sha1(absolute data path)>``,
        so two datasets never share a cache and the folder stays recognisable.
    """
    data = Path(data_dir).expanduser().absolute()
    digest = hashlib.sha1(os.fsencode(str(data))).hexdigest()[:16]
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in data.name) or "root"
    return user_dir() / "cache" / f"{name}-{digest}"


def phy_dir(data_dir: str | os.PathLike[str], *, create: bool = True) -> Path:
    """Return the folder for phycore's per-dataset files, normally ``<data>/.phy``.

    Parameters
    ----------
    data_dir : str or os.PathLike
        The dataset folder (the one holding ``params.py``).
    create : bool
        Create the folder if it does not exist (default). With ``create=False`` the
        writability check is still made, on the folder or on its parent.

    Returns
    -------
    Path
        ``<data>/.phy`` when it exists (or can be created) and is writable; otherwise
        :func:`fallback_phy_dir`, with a warning logged on the ``phycore`` logger
        (once per folder and process).
    """
    data = Path(data_dir).expanduser().absolute()
    local = data / ".phy"
    try:
        if local.is_dir():
            if _is_writable_dir(local):
                return local
        elif _is_writable_dir(data):
            if create:
                local.mkdir(exist_ok=True)
            return local
    except OSError as exc:
        logger.debug("Cannot create %s: %s", local, exc)
    fallback = fallback_phy_dir(data)
    log = logger.debug if data in _WARNED else logger.warning
    _WARNED.add(data)
    log(
        "The data folder %s is not writable: phycore keeps its cache and local state in %s instead.",
        data, fallback,
    )
    if create:
        fallback.mkdir(parents=True, exist_ok=True)
    return fallback


def fsync_dir(path: Path) -> None:
    """fsync a directory so a rename inside it is durable (no-op where unsupported)."""
    if os.name == "nt":  # pragma: no cover - directories cannot be opened on Windows
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def atomic_open(
    path: str | os.PathLike[str], mode: str = "wb", *, encoding: str | None = None
) -> contextlib.AbstractContextManager[IO[Any]]:
    """Open ``path`` for an atomic write, as a context manager.

    The file object writes into a temporary file next to ``path``. On a clean exit
    from the ``with`` block the data is flushed, fsynced and renamed over ``path``
    (``os.replace``), then the folder is fsynced. If the block raises, the temporary
    file is removed and ``path`` is untouched. The new file gets the permissions of
    the file it replaces, or the usual ``0o666 & ~umask`` for a new one.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Its folder must exist.
    mode : {'wb', 'w'}
        Binary or text mode.
    encoding : str, optional
        Text encoding (text mode only; default UTF-8).

    Examples
    --------
    >>> with atomic_open(folder / "spike_clusters.npy") as f:  # doctest: +SKIP
    ...     np.save(f, spike_clusters)
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open() mode must be 'wb' or 'w', not {mode!r}.")
    return _atomic_open(Path(path), mode, encoding)


@contextlib.contextmanager
def _atomic_open(path: Path, mode: str, encoding: str | None) -> Iterator[IO[Any]]:
    parent = path.parent
    tmp = parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # os.open with 0o666 lets the umask decide, like open(); mkstemp would force 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        f: IO[Any] = (
            os.fdopen(fd, "wb") if mode == "wb"
            else os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
        )
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Its folder must exist.
    data : bytes
        The whole new content.
    """
    with atomic_open(path, "wb") as f:
        f.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`).

    Newlines are written as given (no platform translation), so the bytes on disk are
    the same on every OS.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Its folder must exist.
    text : str
        The whole new content.
    encoding : str
        Text encoding, UTF-8 by default.
    """
    atomic_write_bytes(path, text.encode(encoding))


def fingerprint_files(paths: Iterable[str | os.PathLike[str]], *, content: bool = True) -> str:
    """Return a fingerprint that changes when any of the files changes.

    Fast on multi-GB files: for each file, in the order given, the hash covers its
    *name* (not its folder, so a moved dataset keeps its cache), its size in bytes and
    its modification time in nanoseconds, then its content: the whole file when it
    is at most 16 MiB, otherwise its first MiB and its last MiB. A missing path
    contributes its name and the word ``missing``; a folder contributes its name and
    ``dir``.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        The input files, e.g. every ``.npy`` of a dataset plus ``params.py``.
    content : bool
        Also hash the content as above (default); False reads names, sizes and
        modification times only (for raw data, where even a MiB per file adds up).

    Returns
    -------
    str
        32 hexadecimal digits (BLAKE2b, 16-byte digest).
    """
    h = hashlib.blake2b(digest_size=16)
    for p in paths:
        path = Path(p)
        h.update(b"\x00name:" + os.fsencode(path.name))
        try:
            st = path.stat()
        except OSError:
            h.update(b"\x00missing")
            continue
        if path.is_dir():
            h.update(b"\x00dir")
            continue
        h.update(f"\x00{st.st_size}\x00{st.st_mtime_ns}".encode())
        if not content:
            continue
        with open(path, "rb") as f:
            if st.st_size <= _FULL_HASH_LIMIT:
                for block in iter(functools.partial(f.read, _CHUNK), b""):
                    h.update(block)
            else:
                h.update(f.read(_CHUNK))
                f.seek(-_CHUNK, os.SEEK_END)
                h.update(f.read(_CHUNK))
    return h.hexdigest()
