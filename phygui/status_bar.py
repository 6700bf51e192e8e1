"""The status bar: the status and error lines, the ``:`` command line, and the log handler
that shows logged errors there."""

from __future__ import annotations

import logging
from typing import Callable

import dearpygui.dearpygui as dpg

from phycore.analysis.jit import kernels_ready

from phygui.dock_layout import STATUS_WINDOW
from phygui.viewmodels.status import StatusModel

__all__ = ["StatusBar", "StatusLogHandler"]

_ERROR = (255, 90, 90, 255)
_SEP = "   |   "


class StatusLogHandler(logging.Handler):
    """Shows ERROR records of phycore/phygui (e.g. a plugin's event handler that raised) in the
    status bar, so no failure goes unnoticed while the app keeps running."""

    def __init__(self, status: StatusModel) -> None:
        super().__init__(level=logging.ERROR)
        self.status = status

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        self.status.set_error(f"{record.getMessage()}{detail}"[:300])


class StatusBar:
    """The docked status window: status line, error line and the ``:`` command line."""

    def __init__(self, window_name: str, on_submit: Callable[[str], None]) -> None:
        with dpg.window(label=window_name, use_internal_label=False, no_close=True, no_collapse=True,
                        no_scrollbar=True, no_title_bar=True, width=1600, height=26, pos=(0, 974)) as win:
            self.window = win
            with dpg.group(horizontal=True) as self._row:
                self.text = dpg.add_text("")
                self.error = dpg.add_text("", color=_ERROR)
        self._version = -1
        self._loading = False
        self._refocus = False
        self._on_submit = on_submit
        self.snippet = self._add_snippet_input("")
        dpg.configure_item(self.snippet, show=False)

    def _add_snippet_input(self, text: str) -> int | str:
        return dpg.add_input_text(parent=self._row, before=self.text, width=320, on_enter=True, default_value=text,
                                  callback=lambda s, a: self._on_submit(a))

    @staticmethod
    def window_name() -> str:
        """Name of the status window in the dock layout."""
        return STATUS_WINDOW

    def update(self, model: StatusModel) -> None:
        """Mirror the status model when it changed (and say when numba's kernels are
        loading after the first frame, see :func:`phycore.analysis.jit.warm_up`)."""
        if self._refocus:
            self._refocus = False
            dpg.focus_item(self.snippet)
        loading = not kernels_ready()
        if model.version != self._version or loading != self._loading:
            self._version, self._loading = model.version, loading
            dpg.set_value(self.text, model.text() + (f"{_SEP}loading: numba kernels" if loading else ""))
            dpg.set_value(self.error, ("   |   " + model.error) if model.error else "")

    def open_snippet(self, text: str) -> None:
        """Show the command line with ``text`` and give it the keyboard."""
        dpg.configure_item(self.snippet, show=True)
        dpg.set_value(self.snippet, text)
        dpg.focus_item(self.snippet)

    def replace_snippet_text(self, text: str) -> None:
        """Replace the text being edited (history): ImGui ignores ``set_value`` on an active
        field, so a new field replaces it and gets the keyboard on the next frame."""
        dpg.delete_item(self.snippet)
        self.snippet = self._add_snippet_input(text)
        self._refocus = True

    def close_snippet(self) -> None:
        """Hide the command line."""
        dpg.set_value(self.snippet, "")
        dpg.configure_item(self.snippet, show=False)

    def snippet_active(self) -> bool:
        """Whether the command line has the keyboard."""
        return bool(dpg.is_item_shown(self.snippet) and dpg.is_item_active(self.snippet))
