"""phy's toolbar: undo, redo, reset_wizard, previous_best, next_best, previous, next, save.

Each button runs its action through the GUI's ``run_action`` (the path of menu clicks and
keys: same callbacks, same status-bar messages, same errors) and has a tooltip naming the
action and its keys. A button is greyed out while its action cannot run: a disabled
action, undo with nothing to undo, redo with nothing to redo, and every button while the
snippet line or a dialog has the keyboard (phy disables its actions in snippet mode).

phy puts its toolbar on its own row under the menu bar. Here the buttons sit in the menu
bar's row, right of the menus: Dear PyGui's dock space fills the whole window below the
menu bar and offers no strip between the two, and a toolbar docked as a window would
have to be part of every saved dock layout. phy's toolbar row is mostly empty, so the
views get that row instead.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.supervisor import Action, Actions

__all__ = ["TOOLBAR", "Toolbar", "text_width"]

#: ``(group, action, label, compact label)`` in phy's order (``None``: a separator).
TOOLBAR: tuple[tuple[str, str, str, str] | None, ...] = (
    ("Edit", "undo", "undo", "un"),
    ("Edit", "redo", "redo", "re"),
    None,
    ("Select", "reset_wizard", "reset", "rs"),
    ("Select", "previous_best", "<best", "<b"),
    ("Select", "next_best", "best>", "b>"),
    ("Select", "previous", "<sim", "<s"),
    ("Select", "next", "sim>", "s>"),
    None,
    ("File", "save", "save", "sv"),
)

# ImGui's default style (the theme keeps it): a small button pads its text by 4 px on each
# side, items are 8 px apart, a separator takes 8 px more.
_BUTTON_PAD, _SPACING = 8, 8
_CHAR_WIDTH = 7  # Dear PyGui's default font (ProggyClean, 13 px) is monospaced


def text_width(text: str) -> int:
    """Width in pixels of a label in the default font (exact once a frame has rendered)."""
    try:
        size = dpg.get_text_size(text)
    except Exception:  # no font yet (before the first frame)
        size = None
    return int(size[0]) if size and size[0] > 0 else _CHAR_WIDTH * len(text)


def _tooltip(action: Action) -> str:
    keys = ", ".join(action.shortcuts) or "no shortcut"
    doc = (action.docstring or "").strip().splitlines()
    return f"{action.name} ({keys})" + (f"\n{doc[0]}" if doc else "")


class Toolbar:
    """The toolbar buttons, built inside the menu bar (see the module docstring).

    Parameters
    ----------
    groups : callable
        Returns the GUI's action groups (the buttons look their actions up by group name).
    run : callable
        ``run(action)``: runs an action like a menu click.
    supervisor : Supervisor
        Whether there is something to undo or redo.
    blocked : callable, optional
        ``blocked() -> bool``: whether every button is greyed out now (snippet mode, a dialog).

    Attributes
    ----------
    buttons : dict
        ``{action name: button item}`` of the last build.
    tooltips : dict
        ``{action name: tooltip text}``.
    """

    def __init__(self, groups: Callable[[], Sequence[Actions]], run: Callable[..., Any], supervisor: Any,
                 blocked: Callable[[], bool] = lambda: False) -> None:
        self._groups = groups
        self._blocked = blocked
        self._run = run
        self.supervisor = supervisor
        self.buttons: dict[str, int | str] = {}
        self.tooltips: dict[str, str] = {}
        self._enabled: dict[str, bool] = {}
        self._theme: int | str = 0

    def action(self, name: str) -> Action | None:
        """The action of a toolbar button, or None (its group is absent)."""
        for entry in TOOLBAR:
            if entry is not None and entry[1] == name:
                group = next((g for g in self._groups() if g.name == entry[0]), None)
                return group.get(name) if group is not None else None
        return None

    def width(self, compact: bool = False) -> int:
        """Width in pixels of the buttons (with their separators)."""
        total = 0
        for entry in TOOLBAR:
            total += _SPACING if entry is None else text_width(entry[3 if compact else 2]) + _BUTTON_PAD + _SPACING
        return total

    def available(self, name: str) -> bool:
        """Whether the button's action can run now."""
        action = self.action(name)
        if action is None or not action.enabled or self._blocked():
            return False
        if name == "undo":
            return bool(getattr(self.supervisor, "can_undo", True))
        if name == "redo":
            return bool(getattr(self.supervisor, "can_redo", True))
        return True

    def build(self, parent: int | str, compact: bool = False) -> None:
        """Add the buttons to ``parent`` (the menu bar); ``compact`` uses the short labels."""
        self.buttons, self._enabled = {}, {}
        dpg.add_spacer(width=_SPACING, parent=parent)
        for entry in TOOLBAR:
            if entry is None:
                dpg.add_spacer(width=_SPACING, parent=parent)
                continue
            action = self.action(entry[1])
            if action is None:
                continue
            button = dpg.add_button(label=entry[3 if compact else 2], small=True, parent=parent,
                                    callback=lambda s, a, u: self.click(u), user_data=entry[1])
            self.tooltips[entry[1]] = _tooltip(action)
            with dpg.tooltip(button):
                dpg.add_text(self.tooltips[entry[1]])
            dpg.bind_item_theme(button, self._button_theme())
            self.buttons[entry[1]] = button
        self.update()

    def click(self, name: str) -> Any:
        """Run a button's action, as a click does (nothing when it is greyed out)."""
        action = self.action(name)
        if action is None or not self.available(name):
            return None
        return self._run(action)

    def update(self) -> None:
        """Grey out the buttons whose action cannot run (called every frame; only changes are sent)."""
        for name, button in self.buttons.items():
            enabled = self.available(name)
            if self._enabled.get(name) != enabled and dpg.does_item_exist(button):
                dpg.configure_item(button, enabled=enabled)
                self._enabled[name] = enabled

    def _button_theme(self) -> int | str:
        # Buttons in a menu bar have no frame by default; greyed text when disabled.
        if not self._theme:
            with dpg.theme() as theme:
                with dpg.theme_component(dpg.mvButton):
                    dpg.add_theme_color(dpg.mvThemeCol_Button, (62, 62, 74, 255))
                    dpg.add_theme_color(dpg.mvThemeCol_ButtonHovered, (70, 90, 130, 255))
                with dpg.theme_component(dpg.mvButton, enabled_state=False):
                    dpg.add_theme_color(dpg.mvThemeCol_Text, (110, 110, 110, 255))
                    dpg.add_theme_color(dpg.mvThemeCol_Button, (25, 25, 28, 255))
                    dpg.add_theme_color(dpg.mvThemeCol_ButtonHovered, (25, 25, 28, 255))
                    dpg.add_theme_color(dpg.mvThemeCol_ButtonActive, (25, 25, 28, 255))
            self._theme = theme
        return self._theme
