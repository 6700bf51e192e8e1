"""What a view may use of the GUI: :class:`ViewContext`.

A view does not get the whole :class:`~phygui.gui.GUI`: it gets the Supervisor, the
controller (whose ``get_*`` functions give the view data), a way to report errors and
messages in the status bar, its own action group (menu, shortcuts, snippets) and the
guard that calls view code safely. Views then depend on this small surface only, and a
test or a host program can give a view a context without opening a window.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["ViewContext"]


class ViewContext:
    """The narrow context of the views of one GUI.

    Parameters
    ----------
    supervisor : Supervisor
        The curation session (selection, tables, actions).
    controller : TemplateController or None
        The view data (``get_*`` functions, ``model``); None when the GUI has only a
        Supervisor (then only placeholders and tables are shown).
    status : StatusModel
        The status bar's model: :meth:`report_error` and :meth:`show_message` write there.
    add_action_group : callable
        ``add_action_group(name, menu=None) -> Actions``: a new menu of actions.
    guard : callable
        ``guard(view, method, *args)``: call a view method; an exception is reported and
        the app goes on (after repeated errors the view is no longer called).

    Attributes
    ----------
    supervisor : Supervisor
    controller : TemplateController or None
    async_data : bool
        Whether the data views load their data on worker threads and draw when it is
        ready (:mod:`phygui.viewmodels.async_data`): on in the app's event loop
        (``GUI.run``); off by default, so that a script or test that renders a frame
        sees every view drawn with the current selection's data.
    """

    def __init__(self, supervisor: Any, controller: Any, status: Any, *,
                 add_action_group: Callable[..., Any], guard: Callable[..., Any]) -> None:
        self.supervisor = supervisor
        self.controller = controller
        self._status = status
        self._add_action_group = add_action_group
        self._guard = guard
        self.async_data = False

    def report_error(self, message: str) -> None:
        """Show an error in the status bar (red)."""
        self._status.set_error(str(message))

    def show_message(self, message: str) -> None:
        """Show a message in the status bar."""
        self._status.set_message(str(message))

    def add_action_group(self, name: str, menu: str | None = None) -> Any:
        """A new action group, shown in its own menu (a view's commands)."""
        return self._add_action_group(name, menu=menu)

    def guard(self, view: Any, method: str, *args: Any) -> Any:
        """Call ``view.method(*args)``; an exception is reported and None returned."""
        return self._guard(view, method, *args)
