"""Python console view model: phy's IPythonView as an in-window console (pure, no display).

phy's IPythonView is a Qt console on an in-process IPython kernel, with the session
injected: ``controller``/``c``, ``model``/``m``, ``supervisor``/``s``, ``emit``,
``connect``. phygui has no Qt, so :class:`ConsoleModel` runs lines with the standard
library's :class:`code.InteractiveConsole` (the interactive prompt's semantics: an
expression's value is printed, a block needs an empty line to end) in the same
namespace, plus ``gui`` and ``np``. What a statement prints and its traceback go to the
console's log, never to the terminal; an exception, even ``SystemExit``, stays in the
console (the app never goes down from it). Up/down recall earlier lines. A line runs on
the GUI's thread, so a long computation holds the window until it ends, as a statement in
phy's in-process kernel does.
"""

from __future__ import annotations

import code
import contextlib
import io
import sys
import traceback
from typing import Any

import attrs

__all__ = ["ConsoleModel", "LogEntry", "PROMPT", "MORE"]

PROMPT = ">>> "
MORE = "... "
#: Entries kept in the log (older ones are dropped).
MAX_ENTRIES = 500
#: Characters kept of one entry's output (a huge repr is cut).
MAX_OUTPUT = 20_000


@attrs.define(frozen=True)
class LogEntry:
    """One block of the log: ``kind`` is ``'input'`` (the echoed line), ``'output'`` or ``'error'``."""

    kind: str
    text: str


class _Console(code.InteractiveConsole):
    # Tracebacks and syntax errors go through write(): keep them apart from the output.
    def __init__(self, namespace: dict[str, Any], errors: io.StringIO) -> None:
        super().__init__(locals=namespace, filename="<console>")
        self.errors = errors

    def write(self, data: str) -> None:
        self.errors.write(data)

    # The stdlib hands tracebacks to a custom sys.excepthook when one is set (pytest, a
    # host app): the console's log must get them whatever the hook.
    def showtraceback(self) -> None:
        typ, value, tb = sys.exc_info()
        self.write("".join(traceback.format_exception(typ, value, tb.tb_next if tb is not None else None)))

    def showsyntaxerror(self, filename: str | None = None, **kwargs: Any) -> None:
        typ, value, _ = sys.exc_info()
        self.write("".join(traceback.format_exception_only(typ, value)))


class _NoExit:
    # ``exit()`` / ``quit()`` of the site module close stdin and raise SystemExit: here they
    # only say how to leave the console.
    def __repr__(self) -> str:
        return "Close the console's window to leave it (the app stays open)."

    def __call__(self, *args: Any) -> None:
        print(repr(self))


class ConsoleModel:
    """Lines in, log entries out.

    Parameters
    ----------
    namespace : dict
        The variables lines run with (updated by the statements).

    Attributes
    ----------
    log : list of LogEntry
    history : list of str
        Lines entered, oldest first (empty lines are not kept).
    more : bool
        Whether the last line opened a block that needs more lines.
    version : int
        Bumped at every change of the log (the drawer redraws then).
    """

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        namespace.setdefault("exit", _NoExit())
        namespace.setdefault("quit", namespace["exit"])
        self._errors = io.StringIO()
        self._console = _Console(namespace, self._errors)
        self.log: list[LogEntry] = []
        self.history: list[str] = []
        self.more = False
        self.version = 0
        self._pos: int | None = None

    @property
    def prompt(self) -> str:
        """``>>> `` or, inside a block, ``... ``."""
        return MORE if self.more else PROMPT

    def _append(self, kind: str, text: str) -> None:
        if not text:
            return
        if len(text) > MAX_OUTPUT:
            text = text[:MAX_OUTPUT] + f"\n[... {len(text) - MAX_OUTPUT} more characters]"
        self.log.append(LogEntry(kind, text.rstrip("\n")))
        del self.log[:-MAX_ENTRIES]
        self.version += 1

    def push(self, line: str) -> bool:
        """Run one line (or add it to the open block); returns :attr:`more`.

        The output and any traceback are added to :attr:`log`.
        """
        line = str(line).rstrip("\r\n")
        self._append("input", self.prompt + line)
        if line.strip():
            if not self.history or self.history[-1] != line:
                self.history.append(line)
        self._pos = None
        out = io.StringIO()
        self._errors.seek(0)
        self._errors.truncate()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(self._errors):
                self.more = bool(self._console.push(line))
        except (SystemExit, KeyboardInterrupt) as exc:  # code re-raises these: the app stays up
            self._console.resetbuffer()
            self.more = False
            self._errors.write(f"{type(exc).__name__} ignored: the console cannot close the app.\n")
        self._append("output", out.getvalue())
        self._append("error", self._errors.getvalue())
        return self.more

    def run(self, source: str) -> None:
        """Run several lines as if typed one by one (a trailing empty line closes a block)."""
        lines = str(source).splitlines()
        for line in lines:
            self.push(line)
        if self.more:
            self.push("")

    def clear(self) -> None:
        """Empty the log."""
        self.log.clear()
        self.version += 1

    # History ------------------------------------------------------------------------------

    def history_up(self, current: str = "") -> str:
        """The previous line of the history (the oldest stays), or ``current`` if none."""
        if not self.history:
            return current
        self._pos = len(self.history) - 1 if self._pos is None else max(0, self._pos - 1)
        return self.history[self._pos]

    def history_down(self, current: str = "") -> str:
        """The next line of the history; past the newest, an empty line."""
        if self._pos is None:
            return current
        if self._pos >= len(self.history) - 1:
            self._pos = None
            return ""
        self._pos += 1
        return self.history[self._pos]
