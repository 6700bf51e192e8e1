"""phy's ``supervisor.action_creator``, over the Supervisor's action groups (private).

phy's ``ActionCreator`` builds the Edit and Select menus when the GUI attaches; the
phycore Supervisor has them from its creation (:mod:`phycore.supervisor.default_actions`),
so this shim names them and adds actions that call the Supervisor's methods.
"""

from __future__ import annotations

import inspect
from typing import Any

from phycore.supervisor.actions import Actions
from phycore.supervisor.keymap import DEFAULT_SHORTCUTS, DEFAULT_SNIPPETS

__all__ = ["ActionCreator"]


class ActionCreator:
    """phy's ``ActionCreator``: the Supervisor's Edit and Select actions.

    Parameters
    ----------
    supervisor : Supervisor, optional

    Attributes
    ----------
    default_shortcuts, default_snippets : dict
        phycore's default shortcuts and snippet aliases of the Supervisor's actions.
    """

    default_shortcuts = DEFAULT_SHORTCUTS
    default_snippets = DEFAULT_SNIPPETS

    def __init__(self, supervisor: Any = None) -> None:
        self.supervisor = supervisor

    def _group(self, which: str) -> Actions:
        if self.supervisor is None:
            raise AttributeError(f"{which}_actions: this ActionCreator has no supervisor")
        group: Actions = self.supervisor.actions if which == "edit" else self.supervisor.select_actions
        return group

    @property
    def edit_actions(self) -> Actions:
        """The Supervisor's Edit actions."""
        return self._group("edit")

    @property
    def select_actions(self) -> Actions:
        """The Supervisor's Select actions."""
        return self._group("select")

    def add(self, which: str, name: str, **kwargs: Any) -> None:
        """Add an action to the ``'edit'`` or ``'select'`` group that calls a Supervisor method.

        Parameters
        ----------
        which : {'edit', 'select'}
        name : str
            The action's name, and the method it calls unless ``method_name`` is given.
        **kwargs
            ``method_name``, ``method_args`` (passed before the action's arguments) and
            the keywords of :meth:`Actions.add`.
        """
        method_name = kwargs.pop("method_name", name)
        method_args = tuple(kwargs.pop("method_args", ()))
        supervisor = self.supervisor

        def callback(*args: Any) -> Any:
            return getattr(supervisor, method_name)(*method_args, *args)

        if not kwargs.get("docstring"):
            method = getattr(supervisor, method_name, None)
            kwargs["docstring"] = (inspect.getdoc(method) if method else None) or name
        self._group(which).add(callback, name=name, **kwargs)

    def attach(self, gui: Any) -> None:
        """Attach the GUI: the action groups already exist; the Supervisor is attached to ``gui``
        (once)."""
        if self.supervisor is not None and self.supervisor.gui is not gui:
            self.supervisor.attach_gui(gui)
