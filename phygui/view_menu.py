"""The menu of each dock (phy's per-view title-bar buttons and menu): :class:`DockMenu`.

A menu bar inside the view's window holds, as phy's dock title bar does:

- ``Menu``: the view's own actions (the view's action group), then ``view settings ...``
  (views with phy's "View settings" dialog), ``toggle auto update``, ``screenshot`` and
  ``close``;
- ``auto``: the checkable ``toggle_auto_update`` (off: the view ignores new selections
  until it is on again; kept in the GUI state as the view's ``auto_update``, as phy);
- ``shot``: ``screenshot``, a PNG of the view in ``<config dir>/screenshots/`` named as
  phy names it (``phy_screenshot_<YYYYmmddHHMMSS>_<ViewClass>.png``);
- ``x``: ``close`` (View > the view's name shows it again); the tables have none.

``screenshot``, ``close`` and ``view_settings`` are added to the view's action group, so
they are snippets (``:screenshot`` runs the first group's, the window's) and are listed
with the view's other actions. Everything runs through the GUI's ``run_action``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import dearpygui.dearpygui as dpg
import numpy as np

from phycore.supervisor import Action, Actions
from phygui.action_widgets import add_action_menu_item
from phygui.render.png import write_png
from phygui.settings_dialog import SettingsDialog
from phygui.viewmodels.view_settings import view_settings

__all__ = ["DockMenu", "screenshot_name"]


def screenshot_name(view: Any) -> str:
    """phy's file name of a view's screenshot (``phy_screenshot_<date>_<ViewClass>.png``)."""
    cls = type(getattr(view, "phy_view", view)).__name__
    return f"phy_screenshot_{time.strftime('%Y%m%d%H%M%S')}_{cls}.png"


class DockMenu:
    """The menu bar of one view's dock window (see the module docstring).

    Parameters
    ----------
    view : View
        The view (built: its window and action group exist).
    group : Actions
        Where the dock's actions go: the view's own group, or a new one for views
        without (the tables).
    run : callable
        ``run(action, *args)``: the GUI's ``run_action``.
    close : callable
        ``close(view)``: hides the view (the GUI's ``close_view``).
    screenshot_dir : callable
        Returns the folder of the screenshots.
    settings : SettingsDialog
        The shared "View settings" dialog.
    show_message : callable, optional
        ``show_message(text)``: the status bar (where a screenshot went).

    Attributes
    ----------
    bar : item
        The menu bar.
    """

    def __init__(self, view: Any, group: Actions, *, run: Callable[..., Any], close: Callable[[Any], Any],
                 screenshot_dir: Callable[[], Path], settings: SettingsDialog,
                 show_message: Callable[[str], Any] = lambda text: None) -> None:
        self.view = view
        self.group = group
        self._run = run
        self._close = close
        self._screenshot_dir = screenshot_dir
        self._settings = settings
        self._show_message = show_message
        self.bar: int | str = 0
        self.menu: int | str = 0
        self.auto_checkbox: int | str = 0
        self.screenshot_button: int | str = 0
        self.close_button: int | str = 0
        self._shown: tuple[Any, ...] = ()
        self._add_actions()

    # Actions --------------------------------------------------------------------------

    def _add_actions(self) -> None:
        g, name = self.group, self.view.name
        if self.has_settings and g.get("view_settings") is None:
            g.add(self.open_settings, name="view_settings", menu=name, prompt=False,
                  docstring=f"Open the settings of {name} (spike budgets, bins, ranges).")
        if g.get("screenshot") is None:
            g.add(self.screenshot, name="screenshot", menu=name,
                  docstring="Save a PNG of this view (in the screenshots folder of the config dir).")
        if self.view.closable and g.get("close") is None:
            g.add(self.close, name="close", menu=name, docstring="Close this view (the View menu shows it again).")

    @property
    def has_settings(self) -> bool:
        """Whether the view has phy's "View settings" dialog."""
        model = getattr(self.view, "model", None)
        return model is not None and bool(view_settings(model))

    @property
    def toggle_action(self) -> Action | None:
        """The view's ``toggle_auto_update`` action (None for views without one)."""
        return self.group.get("toggle_auto_update")

    @property
    def auto_update(self) -> bool | None:
        """Whether the view follows the selection (None: it has no such switch)."""
        if self.toggle_action is None:
            return None
        return bool(getattr(getattr(self.view, "phy_view", self.view), "auto_update", True))

    def open_settings(self) -> None:
        """Open the "View settings" dialog of the view."""
        self._settings.open(self.view)

    def screenshot(self) -> str:
        """Save a PNG of the view's window (written while the next frame renders); returns its path."""
        path = self._screenshot_dir() / screenshot_name(self.view)
        window = self.view.window

        def save(sender: Any, data: Any) -> None:
            w, h = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
            frame = np.asarray(data, dtype=np.float32)
            if frame.size != w * h * 4:
                return
            frame = (frame.reshape(h, w, 4) * 255).round().astype(np.uint8)
            x, y = (max(0, int(v)) for v in dpg.get_item_pos(window))
            ww, wh = (int(v) for v in dpg.get_item_rect_size(window))
            write_png(path, frame[y:y + wh, x:x + ww])

        dpg.output_frame_buffer(callback=save)
        self._show_message(f"screenshot of {self.view.name} saved to {path}")
        return str(path)

    def close(self) -> None:
        """Close the view (the View menu shows it again)."""
        self._close(self.view)

    # Items ----------------------------------------------------------------------------------

    def build(self) -> None:
        """Create the menu bar in the view's window."""
        window = self.view.window
        with dpg.menu_bar(parent=window) as bar:
            self.bar = bar
            self.menu = dpg.add_menu(label="Menu")
            if self.toggle_action is not None:
                self.auto_checkbox = dpg.add_checkbox(label="auto", default_value=bool(self.auto_update),
                                                      callback=lambda s, a: self._toggle(bool(a)))
                _tooltip(self.auto_checkbox, "toggle auto update: follow the cluster selection")
            self.screenshot_button = dpg.add_button(label="shot", small=True,
                                                    callback=lambda: self._run_named("screenshot"))
            _tooltip(self.screenshot_button, f"screenshot: a PNG of {self.view.name} in {self._screenshot_dir()}")
            if self.view.closable:
                self.close_button = dpg.add_button(label="x", small=True, callback=lambda: self._run_named("close"))
                _tooltip(self.close_button, f"close {self.view.name} (the View menu shows it again)")
        self._fill_menu()

    def _fill_menu(self) -> None:
        dpg.delete_item(self.menu, children_only=True)
        dock_names = ("view_settings", "toggle_auto_update", "screenshot", "close")
        own = [a for a in self.group if a.name not in dock_names]
        submenus: dict[str, int | str] = {}
        for action in own:
            parent = self.menu
            if action.submenu and action.submenu != self.group.submenu:  # phy's view_submenu
                if action.submenu not in submenus:
                    submenus[action.submenu] = dpg.add_menu(label=action.submenu, parent=self.menu)
                parent = submenus[action.submenu]
            add_action_menu_item(action, self._run, parent=parent)
        if own:
            dpg.add_separator(parent=self.menu)
        for name in dock_names:
            dock_action = self.group.get(name)
            if dock_action is not None:
                add_action_menu_item(dock_action, self._run, parent=self.menu)
        self._shown = self._menu_signature()

    def _run_named(self, name: str) -> Any:
        action = self.group.get(name)
        return self._run(action) if action is not None else None

    def _toggle(self, checked: bool) -> None:
        action = self.toggle_action
        if action is not None:
            self._run(action, checked)

    def sync(self) -> None:
        """Follow changes made elsewhere (keys, snippets, plugins): the auto-update box, the
        check marks and new actions of the view (called every frame; only changes touch Dear PyGui)."""
        if self.auto_checkbox:
            on = self.auto_update
            if on is not None and dpg.get_value(self.auto_checkbox) != on:
                dpg.set_value(self.auto_checkbox, on)
        if self.menu and self._menu_signature() != self._shown:
            self._fill_menu()

    def _menu_signature(self) -> tuple[Any, ...]:
        return tuple((a.name, a.checked, a.enabled) for a in self.group)


def _tooltip(item: int | str, text: str) -> None:
    with dpg.tooltip(item):
        dpg.add_text(text)
