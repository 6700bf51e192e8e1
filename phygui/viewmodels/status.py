"""Pure model of the status bar: selection, progress, last action, errors.

The status bar shows, left to right: the selected clusters with their spike counts,
in a live session the spikes received and their rate, the progress of long work, the
last action and its result (or the last error, in red).
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Sequence

__all__ = ["StatusModel", "describe_result", "read_only_text", "selection_text"]


def selection_text(selected: Sequence[int], counts: Mapping[int, int], max_shown: int = 6) -> str:
    """``'clusters: 12 (1,204 spikes), 7 (310 spikes)'``; ``'no selection'`` when empty."""
    if not selected:
        return "no selection"
    parts = [f"{c} ({int(counts.get(c, 0)):,} spikes)" for c in selected[:max_shown]]
    more = f" +{len(selected) - max_shown} more" if len(selected) > max_shown else ""
    return "clusters: " + ", ".join(parts) + more


def read_only_text(controller: Any) -> str:
    """``'read-only: <folder> is open in another session (host, pid 12)'`` for a read-only
    controller (see ``TemplateController.read_only``), ``''`` otherwise."""
    if not getattr(controller, "read_only", False):
        return ""
    reason = getattr(controller, "read_only_reason", "") or "this session cannot save"
    return f"read-only: {reason}"


def describe_result(name: str, result: Any) -> str:
    """One line about what an action did (``'merge: 3, 7 -> 42'``)."""
    added = getattr(result, "added", None)
    deleted = getattr(result, "deleted", None)
    if added is not None and deleted is not None:
        # Label changes are 'metadata_<label>' (phy's); the status bar shows the label name.
        desc = (getattr(result, "description", "") or name).removeprefix("metadata_")
        if getattr(result, "history", None):
            desc = f"{result.history} {desc}"
        if getattr(result, "metadata_changed", None) and not list(added):
            value = getattr(result, "metadata_value", None)
            ids = ", ".join(map(str, result.metadata_changed))
            return f"{desc}: {ids} -> {value}"
        return f"{desc}: {', '.join(map(str, deleted))} -> {', '.join(map(str, added))}"
    if result is None and name in ("undo", "redo"):
        return f"nothing to {name}"
    if name in ("save",) and isinstance(result, list):
        return f"saved {len(result)} file(s)"
    if isinstance(result, list) and all(isinstance(x, int) for x in result):
        return f"{name}: {', '.join(map(str, result[:8]))}" + (" ..." if len(result) > 8 else "")
    return f"{name} done"


class StatusModel:
    """Everything the status bar shows; the drawer reads :meth:`text` each change."""

    def __init__(self) -> None:
        self.selection = "no selection"
        self.message = ""
        self.error = ""
        self.progress: tuple[str, float] | None = None
        self.live = ""
        self.read_only = ""
        self.dirty = False
        self.version = 0
        self._t_error = 0.0

    def _touch(self) -> None:
        self.version += 1

    def set_selection(self, selected: Sequence[int], counts: Mapping[int, int]) -> None:
        """Update the selection part."""
        self.selection = selection_text(selected, counts)
        self._touch()

    def set_message(self, text: str) -> None:
        """Last action and its result (clears the error)."""
        self.message = text
        self.error = ""
        self._touch()

    def set_error(self, text: str) -> None:
        """Show an error (kept until the next message)."""
        self.error = text
        self._t_error = time.monotonic()
        self._touch()

    def set_progress(self, label: str | None, fraction: float = 0.0) -> None:
        """Progress of long work; ``label=None`` hides it."""
        self.progress = None if label is None else (label, max(0.0, min(1.0, float(fraction))))
        self._touch()

    def set_live(self, text: str) -> None:
        """Live sessions: spikes received and their rate (``''`` hides it)."""
        if text != self.live:
            self.live = text
            self._touch()

    def set_read_only(self, text: str) -> None:
        """A lasting notice that the session cannot save (``''`` hides it), shown first."""
        self.read_only = text
        self._touch()

    def set_dirty(self, dirty: bool) -> None:
        """Whether there are unsaved changes (shown as ``*``)."""
        if dirty != self.dirty:
            self.dirty = dirty
            self._touch()

    def text(self) -> str:
        """The status line without the error (drawn in normal colour)."""
        parts = [self.read_only] if self.read_only else []
        parts.append(("* " if self.dirty else "") + self.selection)
        if self.live:
            parts.append(self.live)
        if self.progress is not None:
            label, frac = self.progress
            parts.append(f"{label} {frac * 100:.0f}%")
        if self.message:
            parts.append(self.message)
        return "   |   ".join(parts)
