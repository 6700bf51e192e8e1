"""The modifier keys held when the mouse button went down, for click handlers that run later.

A Dear PyGui item callback (a table row's selectable, a plot's click) runs after the frame
in which the button was *released*, and on a slow frame (a big selection redrawing) a quick
ctrl+click has often released ctrl by then: reading ``is_key_down`` in the callback turns
it into a plain click. A mouse-click handler runs for the frame of the *press*, in event
order, so the modifiers it records are the ones the user held while clicking.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

__all__ = ["install", "click_modifiers"]

_PRESSED: dict[str, bool] = {}


def _held() -> dict[str, bool]:
    return {"ctrl": bool(dpg.is_key_down(dpg.mvKey_ModCtrl)), "alt": bool(dpg.is_key_down(dpg.mvKey_ModAlt)),
            "shift": bool(dpg.is_key_down(dpg.mvKey_ModShift))}


def _on_press(sender: Any, button: Any) -> None:
    _PRESSED.clear()
    _PRESSED.update(_held())


def install() -> None:
    """Record the modifiers at each mouse press (once per Dear PyGui context)."""
    _PRESSED.clear()
    with dpg.handler_registry():
        dpg.add_mouse_click_handler(callback=_on_press)


def click_modifiers() -> tuple[bool, bool, bool]:
    """``(ctrl, alt, shift)`` held when the mouse button last went down (the current ones
    when no press was recorded, e.g. a click simulated by a test)."""
    held = _PRESSED or _held()
    return held["ctrl"], held["alt"], held["shift"]
