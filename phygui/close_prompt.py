"""Closing the GUI: :class:`ClosePrompt`, the ``close`` event and the unsaved-changes modal."""

from __future__ import annotations

import logging
from typing import Any, Callable

import dearpygui.dearpygui as dpg

__all__ = ["ClosePrompt"]

logger = logging.getLogger("phygui")


class ClosePrompt:
    """Closing with care: ``close`` subscribers may cancel, unsaved changes open a modal
    asking Save, Discard or Cancel, and a failed save keeps the window open. A read-only
    session cannot save: its modal says why and offers Quit without saving or Cancel.

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
    read_only : str
        Why the session is read-only (``read_only_text(controller)``); empty when it can save.

    Attributes
    ----------
    answers : tuple of str
        The answers the modal offers (``'save'``, ``'discard'``, ``'cancel'``).

    Events
    ------
    close(gui)
        Through ``emit_event`` (the sender is the GUI); a subscriber returning False
        cancels the close.
    """

    def __init__(self, supervisor: Any, status: Any, *, emit_event: Callable[[str], list[Any]],
                 save: Callable[[], Any], quit: Callable[[], None], read_only: str = "") -> None:
        self.supervisor = supervisor
        self.status = status
        self._emit = emit_event
        self._save = save
        self._quit = quit
        self.read_only = read_only
        if read_only:
            # Offering Save would only fail: say why, and let the user quit or go back.
            text = f"There are unsaved changes, and this session cannot save them.\n{read_only}.\n\nQuit anyway?"
            buttons = {"Quit without saving": "discard", "Cancel": "cancel"}
        else:
            text = "There are unsaved changes. Save them before closing?"
            buttons = {"Save": "save", "Discard": "discard", "Cancel": "cancel"}
        self.answers = tuple(buttons.values())
        with dpg.window(label="Unsaved changes", modal=True, show=False, no_close=True, width=420,
                        height=160 if read_only else 110, pos=(590, 420), no_docking=True) as win:
            self.window = win
            self.text = dpg.add_text(text, wrap=400)
            with dpg.group(horizontal=True):
                for label, answer in buttons.items():
                    dpg.add_button(label=label, width=160 if read_only else 120,
                                   callback=lambda s, a, u: self.answer(u), user_data=answer)

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
        """What the prompt's buttons do: ``'save'``, ``'discard'`` or ``'cancel'``
        (``'save'`` is not among them in a read-only session, see :attr:`answers`)."""
        self.hide()
        if answer == "cancel":
            self.status.set_message("close cancelled")
            return
        if answer == "save" and self.read_only:
            self.status.set_error(f"cannot save, not closing ({self.read_only})")
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
