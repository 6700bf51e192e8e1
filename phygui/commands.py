"""Running actions from menus, keys and the ``:`` command line: :class:`Commands`."""

from __future__ import annotations

import logging
from typing import Any, Callable

from phycore.errors import PhyCoreError
from phycore.supervisor import Action
from phygui.snippets import SnippetLine
from phygui.status_bar import StatusBar
from phygui.viewmodels.status import StatusModel, describe_result

__all__ = ["Commands"]

logger = logging.getLogger("phygui")

# Actions whose own window or command line is their result: no "<action> done" message.
_SILENT = ("enable_snippet_mode", "show_all_shortcuts")


class Commands:
    """Runs actions and snippets and reports each result or error in the status bar.

    Parameters
    ----------
    snippets : SnippetLine
        The command line's model (it resolves snippets against the action groups).
    status : StatusModel
        Where results and errors are shown.
    status_bar : StatusBar
        The command line's widget.
    after_action : callable
        Called after every action or snippet (the GUI refreshes the selection status).
    """

    def __init__(self, snippets: SnippetLine, status: StatusModel, status_bar: StatusBar,
                 after_action: Callable[[], None]) -> None:
        self.snippets = snippets
        self.status = status
        self.status_bar = status_bar
        self._after_action = after_action
        self._told = False

    def run(self, action: Action, *args: Any) -> Any:
        """Run an action like a menu click: prompts open the command line; errors are shown."""
        if action.prompt and not args:
            self.prompt(action)
            return None
        try:
            result = action(*args)
        except Exception as exc:
            self.failed(action, exc)
            return None
        self.done(action, result)
        return result

    def done(self, action: Action, result: Any) -> None:
        """Show an action's result (unless the action set the message itself)."""
        told, self._told = self._told, False
        if action.name not in _SILENT and not told:
            self.status.set_message(describe_result(action.name, result))
        self._after_action()

    def failed(self, action: Action, exc: BaseException) -> None:
        """Log and show an action's error (a traceback only for bugs, not user errors)."""
        logger.error("Action %s failed: %s", action.name, exc, exc_info=not isinstance(exc, PhyCoreError))
        self.status.set_error(f"{action.name}: {exc}")

    def set_message(self, text: str) -> None:
        """Show a message set by an action or a plugin; the running action's "done" message
        does not replace it."""
        self.status.set_message(str(text))
        self._told = True

    def prompt(self, action: Action) -> None:
        """Ask for an action's arguments: open the command line with its snippet."""
        self.open_snippet(f":{action.alias or action.name} ")

    def open_snippet(self, text: str = ":") -> None:
        """Enter snippet mode (``:``)."""
        self.snippets.open(text)
        self.status_bar.open_snippet(self.snippets.text)

    def run_snippet(self, text: str) -> Any:
        """Run a snippet (``':merge 3 7'``) and show its result; returns the result object."""
        self.status_bar.close_snippet()
        result = self.snippets.submit(text)
        if result.ok:
            self.status.set_message(describe_result(result.text, result.value))
        else:
            self.status.set_error(result.message)
        self._after_action()
        return result
