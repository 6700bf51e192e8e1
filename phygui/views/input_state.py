"""The modifier keys a key press or a click was made with, as the user held them.

Dear PyGui runs callbacks after the frame. On a slow frame (a big selection redrawing) a
quick ctrl+z or ctrl+click is often over by then, ctrl released, and reading
``is_key_down`` in the callback turns it into a plain z or click. Two records fix that:

- the left/right ctrl, shift and alt keys seen going down and not yet up, from the key
  press and release callbacks, which keep the keyboard's order (:func:`held_modifiers`);
- the modifiers held when the mouse button last went down (:func:`click_modifiers`), for
  callbacks that run at the release, such as a table row's selectable.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

__all__ = ["install", "note_key_down", "held_modifiers", "click_modifiers", "forget_released"]

#: Left/right ctrl, shift and alt keys -> the modifier they hold.
_MODIFIER_KEYS = {int(dpg.mvKey_LControl): "ctrl", int(dpg.mvKey_RControl): "ctrl",
                  int(dpg.mvKey_LShift): "shift", int(dpg.mvKey_RShift): "shift",
                  int(dpg.mvKey_LAlt): "alt", int(dpg.mvKey_RAlt): "alt"}
_HELD: set[int] = set()
_PRESSED: list[tuple[bool, bool, bool]] = []


def note_key_down(key: int) -> None:
    """A key went down (the key router's press callback calls this first)."""
    if int(key) in _MODIFIER_KEYS:
        _HELD.add(int(key))


def held_modifiers() -> tuple[bool, bool, bool]:
    """``(ctrl, alt, shift)``: held for Dear PyGui, or down and not yet seen going up."""
    held = {_MODIFIER_KEYS[k] for k in _HELD}
    return (bool(dpg.is_key_down(dpg.mvKey_ModCtrl)) or "ctrl" in held,
            bool(dpg.is_key_down(dpg.mvKey_ModAlt)) or "alt" in held,
            bool(dpg.is_key_down(dpg.mvKey_ModShift)) or "shift" in held)


def forget_released() -> None:
    """Forget modifier keys no longer down (a release the window never saw, e.g. after it
    lost the focus); the GUI calls this after each frame's callbacks."""
    still = {k for k in _HELD if dpg.is_key_down(k)}
    _HELD.clear()
    _HELD.update(still)


def _on_press(sender: Any, button: Any) -> None:
    _PRESSED[:] = [held_modifiers()]


def install() -> None:
    """Start recording (once per Dear PyGui context): key releases and mouse presses."""
    _HELD.clear()
    _PRESSED.clear()
    with dpg.handler_registry():
        dpg.add_key_release_handler(callback=lambda sender, key: _HELD.discard(int(key)))
        dpg.add_mouse_click_handler(callback=_on_press)


def click_modifiers() -> tuple[bool, bool, bool]:
    """``(ctrl, alt, shift)`` held when the mouse button last went down (the held ones
    when no press was recorded, e.g. a click simulated by a test)."""
    return _PRESSED[0] if _PRESSED else held_modifiers()
