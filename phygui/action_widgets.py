"""The menu entry of an action, shared by the menu bar and the dock menus, so an action
looks and runs the same in both.

Clicking runs ``run(action)``: the GUI's :meth:`~phygui.gui.GUI.run_action`, the path
menus and keys take (prompts open the command line, errors go to the status bar).
"""

from __future__ import annotations

from typing import Any, Callable

import dearpygui.dearpygui as dpg

from phycore.supervisor import Action

__all__ = ["action_label", "action_shortcut", "add_action_menu_item"]

Run = Callable[..., Any]


def action_label(action: Action) -> str:
    """The menu label of an action: its name with spaces (``...`` when it asks arguments)."""
    return action.name.replace("_", " ") + (" ..." if action.prompt else "")


def action_shortcut(action: Action) -> str:
    """Its keys and snippet, as a menu shows them (``ctrl+z   :undo``)."""
    shortcut = ", ".join(action.shortcuts) if action.show_shortcut else ""
    if action.alias:
        shortcut = (shortcut + "   " if shortcut else "") + f":{action.alias}"
    return shortcut


def add_action_menu_item(action: Action, run: Run, **kwargs: Any) -> int | str:
    """A menu entry running ``run(action)`` (checkable actions show their check mark)."""
    return dpg.add_menu_item(label=action_label(action), shortcut=action_shortcut(action), check=action.checkable,
                             default_value=action.checked, enabled=action.enabled,
                             callback=lambda s, a, u: run(u), user_data=action, **kwargs)
