"""A save committed as a whole, like a database transaction.

A curation save replaces several files (``spike_clusters.npy``, every
``cluster_<field>.tsv``, ``cluster_info.tsv``, the appended spikes) and restarts the
crash journal. Renamed one by one, a process killed between two renames leaves new
clusters next to old tables, and a journal that matches neither. :class:`SaveTransaction`
makes the save one step:

1. every new file is written to a temporary next to its destination, and fsynced;
2. a *commit manifest*, ``<data>/.phy/save-commit.json``, lists the renames (with a
   checksum of each new file) and the journal header the save will start; it is
   written atomically and fsynced. Its existence is the commit point;
3. each old file is backed up (``.phy/backup/``) and each temporary renamed over it;
4. the crash journal is restarted from the manifest's header;
5. the manifest is deleted.

:meth:`SaveTransaction.recover`, run when a folder is opened and before anything reads
it, finishes a save whose manifest exists (roll forward) and deletes the temporaries of
one that never wrote it (roll back: the old files and the old journal are intact, so the
journal replays the unsaved work). Temporaries never outlive the next open.

.. versionadded:: 0.2
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from phycore.controller.folder_lock import FolderLock
from phycore.errors import PhyCoreError, SaveError
from phycore.model import get_template_params
from phycore.paths import fsync_dir
from phycore.paths import phy_dir as find_phy_dir
from phycore.supervisor import Journal
from phycore.supervisor.journal import encode

__all__ = ["SaveTransaction", "recover_interrupted_save", "Outcome", "MANIFEST_NAME", "TMP_SUFFIX"]

logger = logging.getLogger(__name__)

#: The commit manifest, in ``<data>/.phy``.
MANIFEST_NAME = "save-commit.json"
#: Every temporary a save writes ends with this, so an open can find the ones a killed save left.
TMP_SUFFIX = ".phycore-save.tmp"
_MANIFEST_VERSION = 1
_BACKUP_DIR = "backup"

#: What :meth:`SaveTransaction.recover` did.
Outcome = Literal["nothing", "rolled back", "rolled forward", "failed"]


@attrs.frozen
class _Rename:
    """One file of a save: its temporary, its destination and the new content's checksum."""

    tmp: Path
    final: Path
    checksum: str


def _checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _file_checksum(path: Path) -> str | None:
    try:
        return _checksum(path.read_bytes())
    except OSError:
        return None


def _write_synced(path: Path, data: bytes, like: Path | None = None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        if like is not None:
            # The new file keeps the permissions of the one it replaces.
            with contextlib.suppress(OSError):
                os.chmod(path, like.stat().st_mode & 0o7777)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class SaveTransaction:
    """Write a set of files and restart the crash journal as one atomic step.

    Parameters
    ----------
    root : path
        The data folder; the manifest stores paths relative to it, so a moved folder
        still recovers.
    phy_dir : path
        Where the manifest and the backups (``backup/``) go, normally ``<root>/.phy``.
    journal : Journal, optional
        The crash journal a committed save restarts.
    keep_backups : int
        Previous versions kept per file name in ``backup/`` (oldest removed first).

    Examples
    --------
    >>> SaveTransaction(folder, folder / ".phy", journal=j).write(  # doctest: +SKIP
    ...     {folder / "cluster_group.tsv": data}, journal_header=header)
    """

    def __init__(self, root: str | os.PathLike[str], phy_dir: str | os.PathLike[str], *,
                 journal: Journal | None = None, keep_backups: int = 5) -> None:
        self.root = Path(root)
        self.phy_dir = Path(phy_dir)
        self.journal = journal
        self.keep_backups = keep_backups

    @property
    def manifest_path(self) -> Path:
        """``<phy_dir>/save-commit.json``."""
        return self.phy_dir / MANIFEST_NAME

    # Saving ----------------------------------------------------------------------------

    def write(self, files: Mapping[Path, bytes], journal_header: dict[str, Any] | None = None) -> list[Path]:
        """Replace every file of ``files`` (``{path: content}``) and restart the journal, all or nothing.

        Returns
        -------
        list of Path
            The files written, in the order given.

        Raises
        ------
        SaveError
            A file could not be written (read-only folder, full disk...), naming the folder,
            the cause and what to do. Before the commit point nothing changed; after it, the
            save is finished by the next save or open.
        """
        try:
            return self._write(files, journal_header)
        except OSError as e:
            if isinstance(e, PhyCoreError):
                raise
            raise _save_error(self.root, e, committed=self.manifest_path.exists()) from e

    def _write(self, files: Mapping[Path, bytes], journal_header: dict[str, Any] | None) -> list[Path]:
        # A save of this session that failed after its commit point is finished first, so
        # that its manifest is not overwritten with a smaller one.
        self.recover()
        staged: list[_Rename] = []
        try:
            for path, data in files.items():
                path = Path(path)
                tmp = path.with_name(f".{path.name}{TMP_SUFFIX}")
                # Staged before it is written, so that a half-written one (full disk) is removed too.
                staged.append(_Rename(tmp, path, _checksum(data)))
                _write_synced(tmp, data, like=path)
            for folder in {r.tmp.parent for r in staged}:
                fsync_dir(folder)
            self._write_manifest(staged, journal_header)
        except BaseException:
            # Before the commit point nothing visible changed: drop the temporaries. (A manifest
            # that made it to disk is the commit: its temporaries are the save, kept for recover.)
            if not self.manifest_path.exists():
                for r in staged:
                    with contextlib.suppress(OSError):
                        r.tmp.unlink()
            raise
        self._finish(staged, journal_header)
        return [r.final for r in staged]

    def _write_manifest(self, renames: list[_Rename], journal_header: dict[str, Any] | None) -> None:
        manifest = {
            "phycore_save": _MANIFEST_VERSION,
            "renames": [{"tmp": os.path.relpath(r.tmp, self.root), "final": os.path.relpath(r.final, self.root),
                         "blake2b": r.checksum} for r in renames],
            "journal_header": encode(journal_header) if journal_header is not None else None,
        }
        self.phy_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_name(f".{MANIFEST_NAME}{TMP_SUFFIX}")
        try:
            _write_synced(tmp, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
            os.replace(tmp, self.manifest_path)
        except BaseException:
            with contextlib.suppress(OSError):  # e.g. a disk that filled up while writing it
                tmp.unlink()
            raise
        fsync_dir(self.phy_dir)

    def _finish(self, renames: list[_Rename], journal_header: dict[str, Any] | None) -> None:
        # Every step here is idempotent: a roll forward runs it again from the start.
        for r in renames:
            if r.tmp.exists():
                if r.final.parent == self.root:  # phy's files; the appended spikes keep no history
                    self._backup(r.final)
                os.replace(r.tmp, r.final)
        for folder in {r.final.parent for r in renames}:
            fsync_dir(folder)
        if journal_header is not None and self.journal is not None:
            self.journal.start(journal_header)
        self.manifest_path.unlink()
        fsync_dir(self.phy_dir)
        self._prune_backups(r.final.name for r in renames if r.final.parent == self.root)

    def _backup(self, path: Path) -> None:
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            return
        folder = self.phy_dir / _BACKUP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{path.name}.{mtime}"
        if target.exists():
            return
        try:
            # A hard link keeps the old content for free: the rename gives the new file a new inode.
            os.link(path, target)
        except OSError:
            tmp = folder / f".{target.name}{TMP_SUFFIX}"
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)

    def _prune_backups(self, names: Iterable[str]) -> None:
        folder = self.phy_dir / _BACKUP_DIR
        for name in set(names):
            olds = sorted(folder.glob(f"{name}.*"), key=lambda p: p.name.rsplit(".", 1)[-1])
            for old in olds[: max(0, len(olds) - self.keep_backups)]:
                with contextlib.suppress(OSError):
                    old.unlink()

    # Recovery --------------------------------------------------------------------------

    def recover(self) -> Outcome:
        """Finish or undo a save that was interrupted; call before the folder is read.

        A complete manifest is rolled forward: the renames whose temporaries still exist
        (and match their checksums) are done, the journal is restarted from the
        manifest's header and the manifest removed. Temporaries without a manifest are
        deleted, leaving the previous save and its journal as they were.

        Returns
        -------
        {"nothing", "rolled back", "rolled forward", "failed"}
            "failed": the manifest or a file it names is damaged (a disk error, not a
            crash); it is kept as ``save-commit.json.failed-*`` and the journal is left.
        """
        outcome: Outcome = "nothing"
        if self.manifest_path.exists():
            outcome = self._roll_forward()
        leftovers = self._temporaries()
        for tmp in leftovers:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if leftovers and outcome == "nothing":
            outcome = "rolled back"
            logger.warning("A save of %s was interrupted before it was committed: its %d temporary file(s) "
                           "were deleted. The folder keeps the previously saved files; the unsaved actions "
                           "are in the crash journal (open with recover=True to replay them).",
                           self.root, len(leftovers))
        return outcome

    def _temporaries(self) -> list[Path]:
        # Temporaries sit next to their destinations: the data folder, .phy and its subfolders.
        folders = [self.root, self.phy_dir]
        if self.phy_dir.is_dir():
            folders += [p for p in self.phy_dir.iterdir() if p.is_dir()]
        return [p for folder in folders if folder.is_dir() for p in folder.iterdir()
                if p.name.endswith(TMP_SUFFIX) and p.is_file()]

    def _roll_forward(self) -> Outcome:
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            renames = [_Rename(self.root / r["tmp"], self.root / r["final"], str(r["blake2b"]))
                       for r in manifest["renames"]]
            header = manifest.get("journal_header")
        except (OSError, ValueError, KeyError, TypeError) as e:
            return self._fail(f"its manifest {self.manifest_path} cannot be read ({e})")
        bad = [str(r.final) for r in renames
               if (_file_checksum(r.tmp) if r.tmp.exists() else _file_checksum(r.final)) != r.checksum]
        if bad:
            return self._fail(f"these files do not match their checksums: {', '.join(bad)}")
        self._finish(renames, header)
        logger.warning("A save of %s was interrupted after it was committed; it was completed (%d file(s)).",
                       self.root, len(renames))
        return "rolled forward"

    def _fail(self, why: str) -> Outcome:
        aside = self.manifest_path.with_name(f"{MANIFEST_NAME}.failed-{time.time_ns()}")
        os.replace(self.manifest_path, aside)
        logger.error("A save of %s was interrupted and cannot be completed: %s. The manifest is kept as %s, "
                     "the previous versions of the files are in %s and the crash journal is left as it was.",
                     self.root, why, aside, self.phy_dir / _BACKUP_DIR)
        return "failed"


def _save_error(folder: Path, e: OSError, *, committed: bool = False) -> SaveError:
    """The :class:`~phycore.errors.SaveError` for ``e``: names ``folder``, the cause and what to do.

    Parameters
    ----------
    folder : Path
        The data folder being saved.
    e : OSError
        What the file operation raised.
    committed : bool
        Whether the save's commit manifest exists (the save completes on the next open or save).
    """
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        cause, todo = "no space left on the device", "Free some disk space, then save again."
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause = ("the file system is read-only" if e.errno == errno.EROFS
                 else "the folder is read-only (permission denied)")
        todo = ("Make the folder writable, then save again. If it cannot be, copy the folder somewhere "
                "writable and open the copy (the unsaved work of this session is not in the copy).")
    else:
        cause, todo = e.strerror or str(e), "Fix the cause, then save again."
    done = ("The save was committed but not finished; the next save, or the next session opening the folder, "
            "completes it." if committed else "Nothing in the folder was changed.")
    return SaveError(f"Could not save to {folder}: {cause}. {done} This session keeps "
                     f"your unsaved work, and so does its crash journal. {todo}",
                     path=folder, errno=e.errno)


def _data_folder(dir_path: Path) -> Path | None:
    if dir_path.is_dir():
        return dir_path
    try:
        return Path(get_template_params(dir_path)["dir_path"])
    except Exception:  # the model load that follows reports a bad params.py properly
        return None


def recover_interrupted_save(dir_path: str | os.PathLike[str] | None, journal_name: str) -> Outcome:
    """Finish or undo a save a killed session left in a folder, before the folder is loaded.

    Skipped when another live session holds the folder (see
    :class:`~phycore.controller.folder_lock.FolderLock`): that session may be saving, and
    finishes its own saves.

    Parameters
    ----------
    dir_path : path or None
        The folder or its ``params.py`` (None: nothing to do).
    journal_name : str
        The crash journal's file name in ``<data>/.phy``.
    """
    folder = _data_folder(Path(dir_path)) if dir_path is not None else None
    if folder is None or not folder.is_dir():
        return "nothing"
    state = find_phy_dir(folder, create=False)
    if not state.is_dir():
        return "nothing"
    lock = FolderLock(state, folder)
    if not lock.acquire():
        return "nothing"
    journal = Journal(state / journal_name)
    try:
        return SaveTransaction(folder, state, journal=journal).recover()
    except OSError as e:
        # A folder we cannot write to must still open; the next writable open recovers.
        logger.warning("Could not finish or undo an interrupted save in %s (%s).", folder, e)
        return "failed"
    finally:
        journal.close()
        lock.release()
