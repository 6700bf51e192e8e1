"""Where a key press goes: :class:`KeyRouter` (command line, filter boxes, then the keymap)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.supervisor import Action, Actions
from phygui.keys import KeyDispatcher
from phygui.views.input_state import held_modifiers, note_key_down

__all__ = ["KeyRouter"]

_UP, _DOWN, _ESCAPE = 515, 516, 526


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
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=lambda sender, key: self.on_key(key))

    def text_input_active(self) -> bool:
        """Whether a text field (command line, filter box) or a modal prompt has the keyboard."""
        if self.status_bar.snippet_active() or self._modal_open():
            return True
        return any(dpg.is_item_active(v.filter_input) for v in self._tables())

    def on_key(self, key: int) -> None:
        """The Dear PyGui key-press handler: route the key with the modifiers the user held
        (:func:`phygui.views.input_state.held_modifiers`: on a slow frame a quick chord can
        be over before this callback runs)."""
        note_key_down(int(key))
        ctrl, alt, shift = held_modifiers()
        self.handle_key(int(key), ctrl=ctrl, alt=alt, shift=shift)

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
