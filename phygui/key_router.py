"""Where a key press goes: :class:`KeyRouter` (command line, filter boxes, then the keymap)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.supervisor import Action, Actions
from phygui.keys import KeyDispatcher

__all__ = ["KeyRouter"]

_UP, _DOWN, _ESCAPE = 515, 516, 526
#: Left/right ctrl, shift and alt keys -> the modifier they hold.
_MODIFIER_KEYS = {int(dpg.mvKey_LControl): "ctrl", int(dpg.mvKey_RControl): "ctrl",
                  int(dpg.mvKey_LShift): "shift", int(dpg.mvKey_RShift): "shift",
                  int(dpg.mvKey_LAlt): "alt", int(dpg.mvKey_RAlt): "alt"}


class KeyRouter:
    """Routes Dear PyGui key presses: the command line's keys (history, escape) first,
    then escape in a table's filter box, then the shortcuts (:class:`~phygui.keys.KeyDispatcher`).

    Parameters
    ----------
    groups : callable
        Returns the action groups in shortcut priority order.
    snippets : SnippetLine
        The command line's model (history, text).
    status_bar : StatusBar
        The command line's widget.
    tables : callable
        Returns the views with a filter box (``filter_input``, ``clear_filter()``).
    modal_open : callable
        Returns True while a modal prompt has the keyboard.
    on_error, on_run, on_prompt : callable
        What the dispatcher does when an action raised, ran, or needs arguments.

    Attributes
    ----------
    dispatcher : KeyDispatcher
        The keymap of every action group.
    """

    def __init__(self, groups: Callable[[], Sequence[Actions]], snippets: Any, status_bar: Any, *,
                 tables: Callable[[], Sequence[Any]], modal_open: Callable[[], bool],
                 on_error: Callable[[Action, BaseException], None], on_run: Callable[[Action, Any], None],
                 on_prompt: Callable[[Action], None]) -> None:
        self.snippets = snippets
        self.status_bar = status_bar
        self._tables = tables
        self._modal_open = modal_open
        self.dispatcher = KeyDispatcher(groups, self.text_input_active, on_error=on_error, on_run=on_run,
                                        on_prompt=on_prompt)
        # Modifier keys seen going down and not yet up, in event order (see on_key).
        self._held: set[int] = set()
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=lambda sender, key: self.on_key(key))
            dpg.add_key_release_handler(callback=lambda sender, key: self._held.discard(int(key)))

    def text_input_active(self) -> bool:
        """Whether a text field (command line, filter box) or a modal prompt has the keyboard."""
        if self.status_bar.snippet_active() or self._modal_open():
            return True
        return any(dpg.is_item_active(v.filter_input) for v in self._tables())

    def on_key(self, key: int) -> None:
        """The Dear PyGui key-press handler: read the modifiers and route the key.

        A modifier counts as held if Dear PyGui says so or if its key went down and its
        release has not been handled yet: callbacks run after the frame, and on a slow frame
        a quick ctrl+key chord can be over (ctrl up) by the time the key's callback reads the
        modifiers; the press and release callbacks keep the keyboard's order."""
        key = int(key)
        if key in _MODIFIER_KEYS:
            self._held.add(key)
        held = {_MODIFIER_KEYS[k] for k in self._held}
        self.handle_key(key, ctrl=bool(dpg.is_key_down(dpg.mvKey_ModCtrl)) or "ctrl" in held,
                        alt=bool(dpg.is_key_down(dpg.mvKey_ModAlt)) or "alt" in held,
                        shift=bool(dpg.is_key_down(dpg.mvKey_ModShift)) or "shift" in held)

    def after_callbacks(self) -> None:
        """Forget modifier keys that are no longer down (a release the window never saw,
        e.g. when it lost the focus); the GUI calls this after each frame's callbacks."""
        self._held = {k for k in self._held if dpg.is_key_down(k)}

    def handle_key(self, key: int, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> Any:
        """Route one key press; returns what the action returned (None if no action ran)."""
        snippets, bar = self.snippets, self.status_bar
        if snippets.active and key == _ESCAPE:  # ImGui may already have released the field
            snippets.close()
            bar.close_snippet()
            return None
        if snippets.active and bar.snippet_active():
            if key in (_UP, _DOWN):
                snippets.set_text(dpg.get_value(bar.snippet))
                text = snippets.history_up() if key == _UP else snippets.history_down()
                bar.replace_snippet_text(text)
            elif key == _ESCAPE:
                snippets.close()
                bar.close_snippet()
            return None
        for view in self._tables():
            if key == _ESCAPE and dpg.is_item_active(view.filter_input):
                view.clear_filter()
                return None
        return self.dispatcher.on_key(key, ctrl=ctrl, alt=alt, shift=shift)
