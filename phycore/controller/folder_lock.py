"""An exclusive lock on a data folder, so two sessions do not clobber each other.

The operating-system lock (``fcntl.flock`` / ``LockFileEx``, through the ``filelock``
library) is taken on ``<data>/.phy/session.lock.os``; the owner's host, pid, user and
start time are written next to it in ``<data>/.phy/session.lock`` (JSON) so that a
second session can say who holds the folder. The OS lock goes away with its process,
so a lock file left by a crashed session is stale: it is taken over, with a logged note.

.. versionadded:: 0.2
"""

from __future__ import annotations

import atexit
import datetime
import getpass
import json
import logging
import os
import socket
import sys
from pathlib import Path
from types import TracebackType

import attrs
import filelock

from phycore.errors import FolderLockedError

__all__ = ["FolderLock", "LockOwner", "LOCK_NAME"]

logger = logging.getLogger(__name__)

#: Name of the owner file in ``<data>/.phy``; the OS lock is on ``LOCK_NAME + ".os"``.
LOCK_NAME = "session.lock"


@attrs.frozen
class LockOwner:
    """Who holds a folder lock.

    Parameters
    ----------
    host, pid, user : str, int, str
        The owner process.
    started : str
        When it took the lock (ISO 8601, local time).
    """

    host: str
    pid: int
    user: str = ""
    started: str = ""

    @classmethod
    def current(cls) -> LockOwner:
        """This process."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name (containers)
            user = ""
        started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        return cls(socket.gethostname(), os.getpid(), user, started)

    def describe(self) -> str:
        """``"host, pid 1234"``."""
        return f"{self.host}, pid {self.pid}"

    def is_alive(self) -> bool:
        """False when the owner is known to be gone (same host, no such pid)."""
        if self.host != socket.gethostname() or sys.platform == "win32":
            return True  # cannot tell (and os.kill would terminate on Windows)
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's live process
            return True
        return True


def read_owner(path: Path) -> LockOwner | None:
    """The owner written in a ``session.lock`` file, None if absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockOwner(str(data["host"]), int(data["pid"]), str(data.get("user", "")),
                         str(data.get("started", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class FolderLock:
    """An exclusive, non-blocking lock on a data folder's ``.phy`` directory.

    Parameters
    ----------
    phy_dir : path
        The folder the lock files go to (``<data>/.phy``).
    folder : path, optional
        The data folder, named in error messages (default: ``phy_dir``'s parent).

    Attributes
    ----------
    path : Path
        The owner file, ``<phy_dir>/session.lock``.
    held : bool
        Whether this object holds the lock.
    owner : LockOwner or None
        After a failed :meth:`acquire`: the session that holds the lock (None if unknown).

    Examples
    --------
    >>> with FolderLock(phy_dir):          # doctest: +SKIP
    ...     save_things()
    """

    def __init__(self, phy_dir: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None) -> None:
        self.phy_dir = Path(phy_dir)
        self.folder = Path(folder) if folder is not None else self.phy_dir.parent
        self.path = self.phy_dir / LOCK_NAME
        self.held = False
        self.owner: LockOwner | None = None
        self._me: LockOwner | None = None
        self._os_lock = filelock.FileLock(self.phy_dir / f"{LOCK_NAME}.os", timeout=0, thread_local=False,
                                          fallback_to_soft=False, preserve_lock_file=True)

    def acquire(self) -> bool:
        """Take the lock if it is free or stale; return whether it is now held.

        When another live session holds it, return False and set :attr:`owner`.
        """
        if self.held:
            return True
        try:
            self._os_lock.acquire(timeout=0)
        except filelock.Timeout:
            self.owner = read_owner(self.path)
            return False
        except (OSError, NotImplementedError) as exc:  # no OS locks here (some network shares)
            return self._acquire_by_owner_file(exc)
        self._take(read_owner(self.path))
        return True

    def _acquire_by_owner_file(self, exc: BaseException) -> bool:
        previous = read_owner(self.path)
        if previous is not None and previous.is_alive() and previous.pid != os.getpid():
            self.owner = previous
            return False
        logger.warning("Cannot take an OS lock in %s (%s); relying on %s only.", self.phy_dir, exc, self.path)
        self._take(previous)
        return True

    def _take(self, previous: LockOwner | None) -> None:
        me = LockOwner.current()
        if previous is not None and (previous.host, previous.pid) != (me.host, me.pid):
            logger.info("Took over the stale lock of %s left by %s (started %s): that session is gone.",
                        self.folder, previous.describe(), previous.started or "at an unknown time")
        tmp = self.path.with_name(f"{LOCK_NAME}.{me.pid}.tmp")
        tmp.write_text(json.dumps(attrs.asdict(me), indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        self._me, self.owner, self.held = me, None, True
        atexit.register(self.release)

    def release(self) -> None:
        """Remove the owner file and free the lock (no-op if not held)."""
        if not self.held:
            return
        self.held = False
        atexit.unregister(self.release)
        if read_owner(self.path) == self._me:
            try:
                self.path.unlink()
            except OSError:
                logger.debug("Could not remove %s.", self.path, exc_info=True)
        if self._os_lock.is_locked:
            self._os_lock.release()

    def error(self) -> FolderLockedError:
        """The error that says the folder is open in another session."""
        who = self.owner.describe() if self.owner is not None else "unknown host and pid"
        return FolderLockedError(f"{self.folder} is open in another session ({who}).",
                                 path=self.folder, owner=who)

    def __enter__(self) -> FolderLock:
        if not self.acquire():
            raise self.error()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<FolderLock {self.folder} {'held' if self.held else 'free'}>"
