"""Closing the GUI: :class:`ClosePrompt`, the ``close`` event and the unsaved-changes modal."""

from __future__ import annotations

import logging
from typing import Any, Callable

import dearpygui.dearpygui as dpg

__all__ = ["ClosePrompt"]

logger = logging.getLogger("phygui")


class ClosePrompt:
    """Closing with care: ``close`` subscribers may cancel, unsaved changes open a modal
    asking Save, Discard or Cancel, and a failed save keeps the window open.

    Parameters
    ----------
    supervisor : Supervisor
        Says whether there are unsaved changes.
    status : StatusModel
        Where cancellations and a failed save are shown.
    emit_event : callable
        ``emit_event(name) -> list``: emits a GUI event, returns what subscribers returned.
    save : callable
        Saves the clustering (the GUI's ``save``: it emits ``request_save`` first).
    quit : callable
        Saves the GUI state and stops the event loop.

    Events
    ------
    close(gui)
        Through ``emit_event`` (the sender is the GUI); a subscriber returning False
        cancels the close.
    """

    def __init__(self, supervisor: Any, status: Any, *, emit_event: Callable[[str], list[Any]],
                 save: Callable[[], Any], quit: Callable[[], None]) -> None:
        self.supervisor = supervisor
        self.status = status
        self._emit = emit_event
        self._save = save
        self._quit = quit
        with dpg.window(label="Unsaved changes", modal=True, show=False, no_close=True, width=420,
                        height=110, pos=(590, 420), no_docking=True) as win:
            self.window = win
            dpg.add_text("There are unsaved changes. Save them before closing?")
            with dpg.group(horizontal=True):
                for answer in ("Save", "Discard", "Cancel"):
                    dpg.add_button(label=answer, width=120,
                                   callback=lambda s, a, u: self.answer(u), user_data=answer.lower())

    def request(self) -> bool:
        """Emit ``close`` (False from a subscriber cancels), prompt if dirty, else quit.

        Returns True if the GUI closed now."""
        if any(r is False for r in self._emit("close")):
            self.status.set_message("close cancelled by a plugin")
            return False
        if self.supervisor.is_dirty():
            self.show()
            return False
        self._quit()
        return True

    def answer(self, answer: str) -> None:
        """What the prompt's buttons do: ``'save'``, ``'discard'`` or ``'cancel'``."""
        self.hide()
        if answer == "cancel":
            self.status.set_message("close cancelled")
            return
        if answer == "save":
            try:
                self._save()
            except Exception as exc:  # never lose work: stay open when saving fails
                logger.exception("Save failed while closing.")
                self.status.set_error(f"save failed, not closing: {exc}")
                return
        self._quit()

    def show(self) -> None:
        """Open the prompt in the middle of the window."""
        w, h = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
        dpg.configure_item(self.window, show=True, pos=(max(0, w // 2 - 210), max(0, h // 2 - 55)))

    def hide(self) -> None:
        """Close the prompt."""
        dpg.configure_item(self.window, show=False)

    @property
    def shown(self) -> bool:
        """Whether the prompt is open."""
        return bool(dpg.is_item_shown(self.window))
