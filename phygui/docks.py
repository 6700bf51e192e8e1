"""The dock windows of the GUI: :class:`Docks`, and the viewport they live in.

:class:`Docks` owns the views: their dock windows, which are hidden, the view classes
offered in View > Add view, the errors each view raised, and the dock layout (Dear
PyGui's ini text). It calls view code only through :meth:`Docks.guard`, so a failing
view (or plugin view) is reported and stops being called after a few errors, and the
app goes on. Each dock window has phy's per-view menu (:class:`~phygui.view_menu.DockMenu`:
the view's actions, auto update, screenshot, close, view settings).
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.compat import guard as guard_plugin_call
from phycore.paths import user_dir
from phycore.signals import emit
from phygui import dock_layout as _layout
from phygui.menus import apply_theme
from phygui.settings_dialog import SettingsDialog
from phygui.view_menu import DockMenu
from phygui.views.base import View
from phygui.views.context import ViewContext
from phygui.views.phy_view import PhyViewHost, is_phy_view
from phygui.views.placeholder import PLACEHOLDER_VIEWS
from phygui.views.registry import offered_views, view_available, view_factory

__all__ = ["Docks", "MAX_VIEW_ERRORS", "adapt_factory", "create_viewport"]

logger = logging.getLogger("phygui")

#: After this many exceptions, a view is no longer called (it shows the error instead).
MAX_VIEW_ERRORS = 3


def create_viewport(ini_path: Path, title: str, width: int, height: int, x: int, y: int,
                    on_exit: Callable[[], Any]) -> None:
    """Create the Dear PyGui context and viewport, with docking and the layout in ``ini_path``.

    Every callback runs on the main thread after each frame (manual callback management);
    ImGui's keyboard navigation is off so arrow keys reach the wizard shortcuts.
    """
    dpg.create_context()
    dpg.configure_app(docking=True, docking_space=True, manual_callback_management=True,
                      keyboard_navigation=False, init_file=str(ini_path), load_init_file=True)
    dpg.create_viewport(title=title, width=width, height=height, x_pos=x, y_pos=y, disable_close=True,
                        clear_color=(0, 0, 0, 255))
    dpg.set_exit_callback(lambda: on_exit())
    apply_theme()


class Docks:
    """The views of a GUI and their dock windows.

    Parameters
    ----------
    owner : GUI
        What view classes and factories are called with, and the sender of the
        ``add_view`` / ``close_view`` events (phy's plugins expect the GUI there).
    context : ViewContext
        What the views get (a view created from a class receives ``owner``, whose
        ``view_context`` this is).
    state : GUIState
        Each view's saved options (``state.get_view_state(name)``).
    status : StatusModel
        Where view errors are reported.
    emit_event : callable
        ``emit_event(name, *args)``: emits a GUI event, reporting a failing subscriber.
    layout_text : str
        The dock layout (Dear PyGui ini) the window opened with.
    ini_path : Path
        Where Dear PyGui reads that layout; the saved layout is written next to it.
    size : (int, int)
        The window's size (floating views are placed from it).

    Attributes
    ----------
    views : list of View
        Every view, in the order they were added (hidden ones included).
    view_classes : dict
        ``{name: factory(gui) -> View}``: the views offered in View > Add view.
    closed : set of str
        Names of the hidden views (not updated until shown again).
    errors : dict
        ``{view name: number of exceptions}``.
    version : int
        Bumped on every change the View menu shows.
    settings_dialog : SettingsDialog
        phy's "View settings" dialog (one for all views).

    Events
    ------
    add_view(gui, view)
        Through ``emit_event``: the sender is the GUI.
    view_attached(view, gui)
        phy's event: the sender is the view (a plugin's own view object for a phy view).
    """

    def __init__(self, owner: Any, context: ViewContext, state: Any, status: Any, emit_event: Callable[..., Any],
                 layout_text: str, ini_path: Path, size: tuple[int, int]) -> None:
        self.owner = owner
        self.context = context
        self.state = state
        self.status = status
        self._emit = emit_event
        self.layout_text = layout_text
        self.ini_path = ini_path
        self.size = size
        self.views: list[View] = []
        self.view_classes: dict[str, Callable[..., View]] = {}
        self.closed: set[str] = set()
        self.errors: dict[str, int] = {}
        self.version = 0
        self.keep_layout = True
        self.settings_dialog = SettingsDialog(status.set_message, size)
        self._menus: dict[int, DockMenu] = {}

    def register(self, name: str, factory: Callable[..., View]) -> None:
        """Offer a view in View > Add view."""
        self.view_classes[name] = factory
        self.version += 1

    def open_views(self, names: Sequence[str], shown: Sequence[str] | None, has_data: bool,
                   view_creator: dict[str, Callable[..., Any]] | None) -> None:
        """Create the views of the layout (``names``; those in ``shown``, or all with None)
        and offer every data view, placeholder and ``view_creator`` entry (phy's
        ``controller.view_creator``) in View > Add view. Without data (no controller), the
        data views are placeholders. With a controller, phy's creation rules apply: a view
        the dataset has no data for is neither created nor offered (:func:`view_available`);
        the session's extra views (console, spike attributes) are offered, and those
        ``shown`` names (views added from View > Add view before the last close) are
        created again, as phy restores its ``view_count``."""
        controller = self.context.controller if has_data else None
        for name in names:
            if not view_available(name, controller):
                continue
            self.register(name, view_factory(name, has_data))
            if shown is None or name in shown:
                self.add(self.view_classes[name](self.owner))
        for name in (*offered_views(controller), *(() if has_data else PLACEHOLDER_VIEWS)):
            if name not in self.view_classes:
                self.register(name, view_factory(name, has_data))
        for name, factory in dict(view_creator or {}).items():
            self.register(name, adapt_factory(factory))
        for name in shown or ():
            if name not in names and name in self.view_classes and self.get(name) is None \
                    and view_available(name, controller):
                self.add(self.view_classes[name](self.owner))

    def add(self, view: Any) -> Any:
        """Create the view's dock window (named after the view), build it, emit ``add_view``
        and phy's ``view_attached(view, gui)``. A phy-style plugin view is shown by a
        :class:`PhyViewHost` (``view_attached`` then carries the plugin's own view object).
        A class is instantiated with the owner; None is ignored."""
        if view is None:
            return None
        if isinstance(view, type):
            view = view(self.owner)
        if is_phy_view(view):
            view.gui = self.owner  # phy's attach: a plugin view reaches its GUI as view.gui
            view = PhyViewHost(self.context, view)
        if any(v.name == view.name for v in self.views):
            n = sum(1 for v in self.views if v.name.split(" (")[0] == view.name)
            view.name = f"{view.name} ({n})"
        extra: dict[str, Any] = {}
        if f"[Window][{view.name}]" not in self.layout_text:
            # Not in the dock layout (a plugin view, View > Add view): float it over the data views.
            k = len(self.views) % 8
            extra["pos"] = (int(self.size[0] * 0.33) + 30 * k, 60 + 30 * k)
        with dpg.window(label=view.name, use_internal_label=False, no_close=not view.closable, width=560, height=420,
                        on_close=lambda s, a, u: self.owner.close_view(u), user_data=view, menubar=True,
                        **extra) as win:
            view.window = win
        saved = self.state.get_view_state(view.name)
        self.guard(view, "set_state", saved)
        self.guard(view, "build", win)
        self._add_menu(view, saved.get("auto_update") if isinstance(saved, dict) else None)
        self.views.append(view)
        self.version += 1
        self._emit("add_view", view)
        self._view_attached(getattr(view, "phy_view", view))
        return view

    def _add_menu(self, view: View, auto_update: Any) -> None:
        # The dock's menu, on the view's own action group (or a new one: the tables have none).
        group = getattr(view, "actions", None)
        if group is None:
            group = self.owner.add_action_group(view.name, menu=view.name)
        menu = DockMenu(view, group, run=self.owner.run_action, close=self.owner.close_view,
                        screenshot_dir=self.screenshot_dir, settings=self.settings_dialog,
                        show_message=lambda text: setattr(self.owner, "status_message", text))
        if auto_update is False and menu.auto_update:
            # phy's saved ``auto_update`` (global state): set back quietly, as phy's set_state.
            setattr(getattr(view, "phy_view", view), "auto_update", False)
        if menu.toggle_action is not None:
            menu.toggle_action.checked = bool(menu.auto_update)
        menu.build()
        self._menus[id(view)] = menu

    def dock_menu(self, view: View) -> DockMenu | None:
        """The menu of a view's dock."""
        return self._menus.get(id(view))

    def view_action_groups(self) -> list[Any]:
        """The action groups shown in the docks' menus (the menu bar leaves them out)."""
        return [m.group for m in self._menus.values()]

    def screenshot_dir(self) -> Path:
        """Where the views' screenshots go: ``screenshots/`` in the config dir (``~/.phy``)."""
        config = getattr(getattr(self.owner, "controller", None), "config_dir", None)
        return Path(config if config is not None else user_dir()) / "screenshots"

    def modal_open(self) -> bool:
        """Whether a dialog of the docks (View settings) has the keyboard."""
        return self.settings_dialog.shown

    def _view_attached(self, view: Any) -> None:
        try:
            emit("view_attached", view, self.owner)  # phy's event: the view is the sender
        except Exception as exc:  # a plugin subscriber raised (with raise_errors on)
            logger.exception("A subscriber of view_attached failed.")
            self.status.set_error(f"view_attached subscriber failed: {exc}")

    def get(self, name: Any) -> View | None:
        """The view called ``name`` (or the first of that class name; phy plugins pass the
        class, e.g. ``WaveformView``), or None."""
        if isinstance(name, type):
            name = name.__name__
        return next((v for v in self.views if v.name == name or type(v).__name__ == name
                     or type(getattr(v, "phy_view", None)).__name__ == name), None)

    def set_shown(self, view: View, shown: bool) -> None:
        """Show or hide a view's window (hidden views are not updated)."""
        if view.window is not None and dpg.does_item_exist(view.window):
            dpg.configure_item(view.window, show=shown)
            if shown:
                dpg.focus_item(view.window)
        if shown:
            self.closed.discard(view.name)
            view.dirty = True
        else:
            self.closed.add(view.name)
        self.version += 1

    def is_shown(self, view: View) -> bool:
        """Whether the view's window is shown."""
        return view.name not in self.closed

    def guard(self, view: View, method: str, *args: Any) -> Any:
        """Call a view method; an exception is logged and shown, and the app keeps going."""
        return self.guard_call(view, method, lambda: getattr(view, method)(*args))

    def guard_call(self, view: View, method: str, func: Callable[[], Any]) -> Any:
        """:meth:`guard` for any call about ``view`` (its dock menu...), named ``method``."""
        if self.errors.get(view.name, 0) >= MAX_VIEW_ERRORS:
            return None
        try:
            return func()
        except Exception as exc:
            n = self.errors[view.name] = self.errors.get(view.name, 0) + 1
            logger.exception("View %s failed in %s.", view.name, method)
            self.status.set_error(f"{view.name}.{method} failed: {type(exc).__name__}: {exc}")
            if n >= MAX_VIEW_ERRORS and view.window is not None and dpg.does_item_exist(view.window):
                dpg.add_text(f"This view stopped after repeated errors: {exc}", parent=view.window,
                             color=(255, 90, 90, 255))
            return None

    def call_all(self, method: str, *args: Any) -> None:
        """Call a method of every view (hidden ones too: they must follow the selection)."""
        for view in self.views:
            self.guard(view, method, *args)

    def update_shown(self) -> None:
        """The per-frame update of the shown views."""
        for view in self.views:
            if view.name not in self.closed:
                self.guard(view, "update")
                menu = self._menus.get(id(view))
                if menu is not None:  # reads the view's state: a plugin view may raise
                    self.guard_call(view, "dock menu", menu.sync)

    def reset_layout(self) -> None:
        """Re-open closed views; the saved dock layout is forgotten (phy's default arrangement
        applies from the next start: Dear PyGui cannot re-dock windows while running)."""
        self.keep_layout = False
        for view in self.views:
            if view.name in self.closed:
                self.set_shown(view, True)

    def collect_state(self, selected: list[int]) -> dict[str, Any]:
        """The GUI state of the docks: layout ini, viewport geometry, view options, open views
        (``selected``: the cluster table's selection, saved with its state)."""
        layout_ini = None
        if self.keep_layout:
            path = self.ini_path.with_name("saved.ini")
            dpg.save_init_file(str(path))
            layout_ini = path.read_text() if path.exists() else None
        x, y = dpg.get_viewport_pos()[:2] if dpg.get_viewport_pos() else (0, 0)
        viewport = {"width": dpg.get_viewport_width(), "height": dpg.get_viewport_height(), "x": x, "y": y}
        views = {v.name: self._view_state(v) for v in self.views}
        views.setdefault("ClusterView", {})["selected"] = selected
        open_views = [v.name for v in self.views if v.name not in self.closed]
        return _layout.gui_state_from(layout_ini, viewport, views, open_views)

    def _view_state(self, view: View) -> dict[str, Any]:
        state = dict(view.get_state())
        menu = self._menus.get(id(view))
        on = menu.auto_update if menu is not None else None
        if on is not None:
            state["auto_update"] = on  # phy's view state key (global state)
        return state

    def close(self) -> None:
        """Release the views' resources (the GUI is being destroyed)."""
        self.settings_dialog.close()
        for view in self.views:
            self.guard(view, "close")


def adapt_factory(factory: Callable[..., Any]) -> Callable[[Any], Any]:
    """A view factory taking the GUI, from one taking the GUI or nothing (phy's ``view_creator``).

    A plugin factory that calls a part of phy phycore cannot provide is reported (a plugin
    failure naming its file, and the status bar) and makes no view (None).
    """
    try:
        takes_gui = any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
                        for p in inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        takes_gui = True

    def make(gui: Any) -> Any:
        call = guard_plugin_call(factory, "view_creator", on_report=gui.status.set_error)
        return call(gui) if takes_gui else call()

    return make
