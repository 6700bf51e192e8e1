"""Snippet mode: phy's ``:`` command line, as a pure state machine (no dearpygui).

Typing ``:`` opens the command line in the status bar; ``enter`` runs the snippet
through :func:`phycore.supervisor.run_snippet` (``:merge 3 7``, ``:c 12 15``,
``:label quality good``, every action alias), ``escape`` cancels, ``up``/``down`` walk
the history. The GUI only mirrors :attr:`SnippetLine.text` in a text field.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

from phycore.errors import PhyCoreError
from phycore.supervisor import Actions, run_snippet

__all__ = ["SnippetLine", "SnippetResult", "snippet_table"]

logger = logging.getLogger(__name__)


class SnippetResult:
    """Outcome of one snippet: ``ok``, the text run, its return value or error message.

    Parameters
    ----------
    text : str
        The snippet as typed (with its leading ``:``).
    ok : bool
        Whether the action ran without error.
    value : object
        What the action returned.
    message : str
        One line for the status bar.
    """

    def __init__(self, text: str, ok: bool, value: Any = None, message: str = "") -> None:
        self.text = text
        self.ok = ok
        self.value = value
        self.message = message

    def __repr__(self) -> str:
        return f"<SnippetResult {self.text!r} ok={self.ok} {self.message!r}>"


class SnippetLine:
    """The command line: open/close, text, history, run.

    Parameters
    ----------
    groups : callable
        Returns the action groups in snippet-resolution order (Edit, Select, File, View,
        Help, plugin groups).
    max_history : int
        History length kept.
    """

    def __init__(self, groups: Callable[[], Sequence[Actions]], max_history: int = 100) -> None:
        self._groups = groups
        self.max_history = max_history
        self.active = False
        self.text = ""
        self.history: list[str] = []
        self._cursor: int | None = None

    def open(self, text: str = ":") -> None:
        """Enter snippet mode with ``text`` (default ``':'``)."""
        self.active = True
        self.text = text if text.startswith(":") else ":" + text
        self._cursor = None

    def close(self) -> None:
        """Leave snippet mode without running anything."""
        self.active = False
        self.text = ""
        self._cursor = None

    def set_text(self, text: str) -> None:
        """Mirror what the user typed (the GUI's text field calls this)."""
        self.text = text

    def history_up(self) -> str:
        """Show the previous snippet of the history; returns the new text."""
        if not self.history:
            return self.text
        self._cursor = len(self.history) - 1 if self._cursor is None else max(0, self._cursor - 1)
        self.text = self.history[self._cursor]
        return self.text

    def history_down(self) -> str:
        """Show the next snippet of the history (past the end: an empty ``':'``)."""
        if self._cursor is None:
            return self.text
        self._cursor += 1
        if self._cursor >= len(self.history):
            self._cursor = None
            self.text = ":"
        else:
            self.text = self.history[self._cursor]
        return self.text

    def submit(self, text: str | None = None) -> SnippetResult:
        """Run the current (or given) snippet, record it in the history and close the line.

        Never raises: errors (unknown snippet, wrong arguments, bad cluster ids, a
        failing plugin action) come back as a result with ``ok=False`` and a message.
        """
        text = (self.text if text is None else text).strip()
        if not text.startswith(":"):
            text = ":" + text
        self.close()
        if text.strip(": ") == "":
            return SnippetResult(text, False, message="Empty snippet.")
        if not self.history or self.history[-1] != text:
            self.history.append(text)
            del self.history[: -self.max_history]
        try:
            value = run_snippet(text, self._groups())
        except PhyCoreError as exc:
            return SnippetResult(text, False, message=str(exc))
        except Exception as exc:  # a plugin action failed: report, keep running
            logger.exception("Snippet %s failed.", text)
            return SnippetResult(text, False, message=f"{text} failed: {type(exc).__name__}: {exc}")
        return SnippetResult(text, True, value, message=f"{text} done.")


def snippet_table(groups: Sequence[Actions]) -> list[tuple[str, str, str, str]]:
    """Every action with its group, shortcuts and snippet, for the Help window.

    Returns
    -------
    list of (group, action, shortcuts, snippet)
        ``shortcuts`` joined with ``', '``; ``snippet`` like ``':g'`` (or the action name
        as phy accepts it too).
    """
    rows = []
    for group in groups:
        for action in group:
            snippet = f":{action.alias}" if action.alias else f":{action.name}"
            rows.append((group.name, action.name, ", ".join(action.shortcuts), snippet))
    return rows
