"""Keyboard routing of the GUI (private): key handler -> command line, filter boxes or keymap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dearpygui.dearpygui as dpg

if TYPE_CHECKING:
    from phygui.gui import GUI

_UP, _DOWN, _ESCAPE = 515, 516, 526


def text_input_active(gui: GUI) -> bool:
    """Whether a text field (command line, filter box) or a modal prompt has the keyboard."""
    if gui.status_bar.snippet_active() or gui.close_prompt.shown:
        return True
    return any(dpg.is_item_active(v.filter_input) for v in (gui.cluster_view, gui.similarity_view))


def on_key(gui: GUI, key: int) -> None:
    """The Dear PyGui key-press handler: read the modifiers and route the key."""
    gui.handle_key(int(key), ctrl=bool(dpg.is_key_down(dpg.mvKey_ModCtrl)),
                   alt=bool(dpg.is_key_down(dpg.mvKey_ModAlt)), shift=bool(dpg.is_key_down(dpg.mvKey_ModShift)))


def handle_key(gui: GUI, key: int, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> Any:
    """Command line keys (history, escape), then filter-box escape, then the keymap."""
    if gui.snippets.active and key == _ESCAPE:  # ImGui may already have released the field
        gui.snippets.close()
        gui.status_bar.close_snippet()
        return None
    if gui.snippets.active and gui.status_bar.snippet_active():
        if key in (_UP, _DOWN):
            gui.snippets.set_text(dpg.get_value(gui.status_bar.snippet))
            text = gui.snippets.history_up() if key == _UP else gui.snippets.history_down()
            gui.status_bar.replace_snippet_text(text)
        elif key == _ESCAPE:
            gui.snippets.close()
            gui.status_bar.close_snippet()
        return None
    for view in (gui.cluster_view, gui.similarity_view):
        if key == _ESCAPE and dpg.is_item_active(view.filter_input):
            view.clear_filter()
            return None
    return gui.dispatcher.on_key(key, ctrl=ctrl, alt=alt, shift=shift)
