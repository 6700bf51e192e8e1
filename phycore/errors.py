"""Exceptions raised for problems a user can cause.

Every class derives from :class:`PhyCoreError` *and* from the builtin exception a
caller would naturally catch (``ValueError``, ``FileNotFoundError``...), so existing
``except ValueError`` code keeps working. Each error carries the offending ``path``
or ``argument`` and a message that names it.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "PhyCoreError",
    "ParamsError",
    "MissingFileError",
    "DataFormatError",
    "RawDataError",
    "ClusterIdError",
    "SpikeIdError",
    "ChannelIdError",
    "ActionError",
    "FilterExpressionError",
    "PluginError",
    "UnsupportedPhyAPIError",
    "StateFileError",
    "FolderLockedError",
    "SaveError",
]


class PhyCoreError(Exception):
    """Base class of phycore's user-facing errors.

    Parameters
    ----------
    message : str
        Full sentence describing the problem.
    path : str or os.PathLike, optional
        File the problem is about.
    argument : str, optional
        Name of the argument the problem is about.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        argument: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.argument = argument

    def __str__(self) -> str:
        # KeyError.__str__ would wrap the message in quotes; keep it a sentence.
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.path, self.argument))


def _rebuild(cls: type[PhyCoreError], message: str, path: str | None, argument: str | None) -> PhyCoreError:
    return cls(message, path=path, argument=argument)


class ParamsError(PhyCoreError, ValueError):
    """``params.py`` cannot be parsed as literal assignments or has bad values."""


class MissingFileError(PhyCoreError, FileNotFoundError):
    """A required file or folder does not exist."""


class DataFormatError(PhyCoreError, ValueError):
    """A data file has the wrong shape, dtype or content, or disagrees with another."""


class RawDataError(PhyCoreError, OSError):
    """The raw data file(s) are missing, truncated or unreadable."""


class ClusterIdError(PhyCoreError, KeyError):
    """A cluster id is not an integer or does not exist."""


class SpikeIdError(PhyCoreError, IndexError):
    """Spike ids are out of range, duplicated or of the wrong type."""


class ChannelIdError(PhyCoreError, IndexError):
    """Channel ids are out of range (model channels: ``0 .. n_channels - 1``)."""


class ActionError(PhyCoreError, ValueError):
    """A curation action or its arguments are invalid."""


class FilterExpressionError(PhyCoreError, ValueError):
    """A table filter or sort expression is invalid."""


class PluginError(PhyCoreError, RuntimeError):
    """A plugin could not be found, loaded or attached."""


class UnsupportedPhyAPIError(PluginError, ImportError):
    """A plugin uses a part of phy that phycore cannot provide (Qt, HTML, OpenGL).

    Also an ``ImportError``, so a plugin's ``try: from phy.plot.visuals import ...
    except ImportError`` fallback keeps working.
    """


class StateFileError(PhyCoreError, ValueError):
    """A GUI state or journal file is corrupt."""


class FolderLockedError(PhyCoreError, PermissionError):
    """The folder is open in another session, so this one may not write to it.

    Raised by ``TemplateController(..., read_only=False)`` when another live session
    holds the folder's lock, and by ``save()`` in a read-only session. ``path`` is the
    data folder; ``owner`` describes the other session (host, pid) when it is known.

    .. versionadded:: 0.2
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None,
                 argument: str | None = None, owner: str | None = None) -> None:
        super().__init__(message, path=path, argument=argument)
        self.owner = owner


class SaveError(PhyCoreError, OSError):
    """A save could not write its files: the folder is read-only, the disk is full...

    ``path`` is the data folder and ``errno`` the cause's (``errno.ENOSPC``,
    ``errno.EACCES``...); the ``OSError`` that caused it is chained (``__cause__``).
    The session keeps the unsaved work (and so does its crash journal): fix the cause
    and save again.

    .. versionadded:: 0.2
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None,
                 argument: str | None = None, errno: int | None = None) -> None:
        super().__init__(message, path=path, argument=argument)
        self.errno = errno

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_save_error, (self.message, self.path, self.argument, self.errno))


def _rebuild_save_error(message: str, path: str | None, argument: str | None, errno: int | None) -> SaveError:
    return SaveError(message, path=path, argument=argument, errno=errno)
