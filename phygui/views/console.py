"""IPythonView: a Python console in a dock, the drawer of :class:`~phygui.viewmodels.console.ConsoleModel`.

phy's IPythonView is a Qt console; here a log (echoed lines in grey, output in white,
tracebacks in red) and an input line with its prompt. Enter runs the line, up/down
recall earlier ones, Escape empties the line. While the input line has the keyboard, the GUI's shortcuts are off
(the key router treats it as it treats the tables' filter boxes: ``filter_input``), so
typing ``k`` does not split.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from phycore.signals import connect, emit
from phygui.viewmodels.console import ConsoleModel, LogEntry
from phygui.views.base import View
from phygui.views.context import ViewContext

__all__ = ["IPythonView"]

_COLORS = {"input": (160, 160, 160, 255), "output": (235, 235, 235, 255), "error": (255, 110, 110, 255)}
_UP = getattr(dpg, "mvKey_Up", 515)
_DOWN = getattr(dpg, "mvKey_Down", 516)
_ESCAPE = getattr(dpg, "mvKey_Escape", 526)


class IPythonView(View):
    """A Python console with the session in its namespace: ``controller``/``c``,
    ``model``/``m``, ``supervisor``/``s``, ``gui``, ``emit``, ``connect`` (and ``np``).

    Attributes
    ----------
    model : ConsoleModel
    """

    def __init__(self, context: Any, name: str | None = None) -> None:
        gui = None if isinstance(context, ViewContext) else context
        super().__init__(context, name)
        controller = self.context.controller
        gui = gui if gui is not None else getattr(controller, "gui", None)
        model = getattr(controller, "model", None)
        self.model = ConsoleModel({
            "controller": controller, "c": controller, "model": model, "m": model,
            "supervisor": self.context.supervisor, "s": self.context.supervisor, "gui": gui,
            "emit": emit, "connect": connect, "np": np, "__name__": "__console__",
        })
        self.input: int | str = 0
        self._row: int | str = 0
        self._prompt: int | str = 0
        self._log: int | str = 0
        self._drawn: list[LogEntry] = []
        self._items: list[int | str] = []
        self._version = -1
        self._scroll = 0
        self._refocus = False
        self._keys: int | str = 0
        self._active_frame = -10

    # phy's IPythonView -------------------------------------------------------------------

    def inject(self, **kwargs: Any) -> None:
        """phy's ``inject``: add variables to the console's namespace."""
        self.model.namespace.update(kwargs)

    def run(self, source: str) -> None:
        """Run lines as if typed (what Enter does with the input line)."""
        self.model.run(source)

    # Key router ----------------------------------------------------------------------------

    @property
    def filter_input(self) -> int | str:
        """The input line (the key router turns the shortcuts off while it is active)."""
        return self.input

    def clear_filter(self) -> None:
        """Escape in the input line: empty it."""
        self._replace_input("")

    # Life cycle ----------------------------------------------------------------------------

    def build(self, parent: int | str) -> None:
        dpg.add_text("Python console: controller/c, model/m, supervisor/s, gui, emit, connect",
                     parent=parent, color=(170, 170, 170, 255))
        self._log = dpg.add_child_window(parent=parent, height=-30, border=False)
        with dpg.group(horizontal=True, parent=parent) as self._row:
            self._prompt = dpg.add_text(self.model.prompt, color=_COLORS["input"])
        self.input = self._add_input("")
        with dpg.handler_registry() as self._keys:
            dpg.add_key_press_handler(key=_UP, callback=lambda s, a: self._history(up=True))
            dpg.add_key_press_handler(key=_DOWN, callback=lambda s, a: self._history(up=False))
            dpg.add_key_press_handler(key=_ESCAPE, callback=lambda s, a: self._escape())

    def _add_input(self, text: str) -> int | str:
        return dpg.add_input_text(parent=self._row, width=-1, on_enter=True, default_value=text,
                                  callback=lambda s, a: self.context.guard(self, "submit", a))

    def _replace_input(self, text: str) -> None:
        # ImGui ignores set_value on an active field: a new field replaces it and gets the
        # keyboard on the next frame (as the status bar's command line does).
        if self.input and dpg.does_item_exist(self.input):
            dpg.delete_item(self.input)
        self.input = self._add_input(text)
        self._refocus = True

    def submit(self, line: str) -> None:
        """Enter in the input line: run it, empty the line and keep the keyboard there."""
        self.model.push(str(line))
        dpg.set_value(self._prompt, self.model.prompt)
        self._replace_input("")

    def _escape(self) -> None:
        # ImGui reverts and releases an active field on Escape before this handler runs:
        # the line had the keyboard if it had it a frame ago.
        if dpg.get_frame_count() - self._active_frame <= 2:
            self.clear_filter()

    def _history(self, up: bool) -> None:
        if not (self.input and dpg.is_item_active(self.input)):
            return
        current = str(dpg.get_value(self.input) or "")
        self._replace_input(self.model.history_up(current) if up else self.model.history_down(current))

    def update(self) -> None:
        if not self._log:
            return
        if self.input and dpg.is_item_active(self.input):
            self._active_frame = dpg.get_frame_count()
        if self._refocus:
            self._refocus = False
            dpg.focus_item(self.input)
        if self.model.version != self._version:
            self._version = self.model.version
            self._show_log()
            self._scroll = 2  # the new height is known a frame later
        elif self._scroll:
            self._scroll -= 1
            dpg.set_y_scroll(self._log, dpg.get_y_scroll_max(self._log))

    def _show_log(self) -> None:
        log = self.model.log
        n = len(self._drawn)
        if n > len(log) or log[:n] != self._drawn:  # entries dropped or cleared: redraw all
            for item in self._items:
                dpg.delete_item(item)
            self._items, self._drawn, n = [], [], 0
        for entry in log[n:]:
            self._items.append(dpg.add_text(entry.text, parent=self._log, wrap=0, color=_COLORS[entry.kind]))
            self._drawn.append(entry)

    def log_text(self) -> str:
        """The log as shown (tests, screenshots)."""
        return "\n".join(str(dpg.get_value(item)) for item in self._items)

    def close(self) -> None:
        if self._keys and dpg.does_item_exist(self._keys):
            dpg.delete_item(self._keys)
        self._keys = 0
