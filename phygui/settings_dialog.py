"""phy's "View settings" dialog: :class:`SettingsDialog` (one, shared by the views).

The fields come from :func:`phygui.viewmodels.view_settings.view_settings`. ``OK`` checks
every field first: a bad value shows a message naming the field in red in the dialog,
and nothing changes; otherwise the options are set together, the status bar says what
changed and the dialog closes. ``Enter`` is ``OK``, ``Escape`` is ``Cancel``. While the
dialog is open, shortcuts do not fire (typing ``g`` in a field must not merge).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import dearpygui.dearpygui as dpg

from phygui.viewmodels.view_settings import (SettingsError, apply_settings, current_texts, parse_settings,
                                              view_settings)

__all__ = ["SettingsDialog"]

_ERROR_COLOR = (255, 90, 90, 255)


class SettingsDialog:
    """The modal "View settings" dialog.

    Parameters
    ----------
    show_message : callable
        ``show_message(text)``: the status bar.
    size : (int, int)
        The window's size until the viewport has one (the dialog opens near its middle).

    Attributes
    ----------
    view : View or None
        The view whose settings are shown (None: closed).
    fields : dict
        ``{setting name: input item}``.
    error : str
        The message of the last refused ``OK`` ("" when none).
    """

    def __init__(self, show_message: Callable[[str], Any], size: tuple[int, int]) -> None:
        self._show_message = show_message
        self._size = size
        self.view: Any = None
        self.window: int | str = 0
        self.fields: dict[str, int | str] = {}
        self.ok_button: int | str = 0
        self.cancel_button: int | str = 0
        self.error = ""
        self._error_text: int | str = 0
        self._keys: int | str = 0

    @property
    def shown(self) -> bool:
        """Whether the dialog is open."""
        return bool(self.window) and dpg.does_item_exist(self.window) and bool(dpg.is_item_shown(self.window))

    def open(self, view: Any) -> None:
        """Show the settings of ``view`` (its view model's current values)."""
        model = view.model
        settings = view_settings(model)
        if not settings:
            raise ValueError(f"{view.name} has no settings dialog.")
        self.close()
        self.view, self.error, self.fields = view, "", {}
        texts = current_texts(model)
        width = 420
        w = int(dpg.get_viewport_client_width() or 0) or self._size[0]
        h = int(dpg.get_viewport_client_height() or 0) or self._size[1]
        x, y = max(0, w // 2 - width // 2), max(0, h // 2 - 120)  # near the window's middle
        with dpg.window(label=f"{view.name} settings", modal=True, no_close=True, width=width, no_docking=True,
                        autosize=True, pos=(x, y)) as win:
            self.window = win
            for s in settings:
                # Live values (no on_enter: a field's text would only be kept once Enter is hit).
                self.fields[s.name] = dpg.add_input_text(label=s.label, default_value=texts.get(s.name, ""),
                                                         width=120)
            self._error_text = dpg.add_text("", color=_ERROR_COLOR, wrap=width - 20)
            with dpg.group(horizontal=True):
                self.ok_button = dpg.add_button(label="OK", width=100, callback=lambda: self.submit())
                self.cancel_button = dpg.add_button(label="Cancel", width=100, callback=lambda: self.close())
        with dpg.handler_registry() as keys:
            self._keys = keys
            for key in (dpg.mvKey_Return, dpg.mvKey_NumPadEnter):
                dpg.add_key_press_handler(key, callback=lambda: self.submit() if self.shown else None)
            dpg.add_key_press_handler(dpg.mvKey_Escape, callback=lambda: self.close())

    def submit(self, texts: Mapping[str, str] | None = None) -> bool:
        """``OK``: check every field, then apply them all; returns whether they were applied
        (``texts`` replaces what the fields hold, for scripts)."""
        if self.view is None:
            return False
        model = self.view.model
        typed = dict(texts) if texts is not None else {k: str(dpg.get_value(f)) for k, f in self.fields.items()}
        try:
            values = parse_settings(view_settings(model), typed)
        except SettingsError as exc:
            self.error = str(exc)
            if self._error_text:
                dpg.set_value(self._error_text, self.error)
            return False
        changed = apply_settings(model, values)
        name = self.view.name
        self.close()
        text = ", ".join(f"{k}={v:g}" for k, v in changed.items()) or "unchanged"
        self._show_message(f"{name} settings: {text}")
        return True

    def close(self) -> None:
        """Close the dialog without applying anything."""
        for item in (self.window, self._keys):
            if item and dpg.does_item_exist(item):
                dpg.delete_item(item)
        self.window, self._keys, self.view, self.fields = 0, 0, None, {}
