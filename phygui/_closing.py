"""Closing the GUI (private): the ``close`` event, the unsaved-changes prompt, the GUI state."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import dearpygui.dearpygui as dpg

if TYPE_CHECKING:
    from phygui.gui import GUI

logger = logging.getLogger("phygui")


def request_close(gui: GUI) -> bool:
    """Emit ``close`` (False from a subscriber cancels), prompt if dirty, else quit."""
    if any(r is False for r in gui._emit("close")):
        gui.status.set_message("close cancelled by a plugin")
        return False
    if gui.supervisor.is_dirty():
        gui.close_prompt.show()
        return False
    quit_gui(gui)
    return True


def answer_close(gui: GUI, answer: str) -> None:
    """What the prompt's buttons do: ``'save'``, ``'discard'`` or ``'cancel'``."""
    gui.close_prompt.hide()
    if answer == "cancel":
        gui.status.set_message("close cancelled")
        return
    if answer == "save":
        try:
            gui.save()
        except Exception as exc:  # never lose work: stay open when saving fails
            logger.exception("Save failed while closing.")
            gui.status.set_error(f"save failed, not closing: {exc}")
            return
    quit_gui(gui)


def quit_gui(gui: GUI) -> None:
    """Save the GUI state and stop the event loop."""
    save_state(gui)
    gui._running = False
    dpg.stop_dearpygui()


def save_state(gui: GUI) -> list[Path]:
    """Write layout, window geometry and view options to the state files (never raises)."""
    from phygui.menus import collect_state

    try:
        gui.state.update(collect_state(gui))
        return gui.state.save()
    except Exception:
        logger.exception("Could not save the GUI state.")
        return []
