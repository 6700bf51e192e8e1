"""Dock windows of the GUI (private): the viewport, adding/hiding views, guarding view code."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import dearpygui.dearpygui as dpg

from phycore.compat import guard as guard_plugin_call
from phycore.signals import emit
from phygui.menus import apply_theme
from phygui.views.phy_view import PhyViewHost, is_phy_view

if TYPE_CHECKING:
    from phygui.gui import GUI
    from phygui.views.base import View

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


def add_view(gui: GUI, view: Any) -> Any:
    """Create the view's dock window (named after the view), build it, emit ``add_view`` and
    phy's ``view_attached(view, gui)``. A phy-style plugin view is shown by a :class:`PhyViewHost`
    (``view_attached`` then carries the plugin's own view object). None is ignored."""
    if view is None:
        return None
    if isinstance(view, type):
        view = view(gui)
    if is_phy_view(view):
        view = PhyViewHost(gui, view)
    if any(v.name == view.name for v in gui.views):
        n = sum(1 for v in gui.views if v.name.split(" (")[0] == view.name)
        view.name = f"{view.name} ({n})"
    extra: dict[str, Any] = {}
    if f"[Window][{view.name}]" not in gui._layout_text:
        # Not in the dock layout (a plugin view, View > Add view): float it over the data views.
        k = len(gui.views) % 8
        extra["pos"] = (int(gui.width * 0.33) + 30 * k, 60 + 30 * k)
    with dpg.window(label=view.name, use_internal_label=False, no_close=not view.closable, width=560, height=420,
                    on_close=lambda s, a, u: gui.close_view(u), user_data=view, **extra) as win:
        view.window = win
    guard(gui, view, "set_state", gui.state.get_view_state(view.name))
    guard(gui, view, "build", win)
    gui.views.append(view)
    gui._menu_signature = ()
    gui._emit("add_view", view)
    _emit_view_attached(gui, getattr(view, "phy_view", view))
    return view


def _emit_view_attached(gui: GUI, view: Any) -> None:
    try:
        emit("view_attached", view, gui)  # phy's event: the view is the sender
    except Exception as exc:  # a plugin subscriber raised (with raise_errors on)
        logger.exception("A subscriber of view_attached failed.")
        gui.status.set_error(f"view_attached subscriber failed: {exc}")


def set_shown(gui: GUI, view: View, shown: bool) -> None:
    """Show or hide a view's window (hidden views are not updated)."""
    if view.window is not None and dpg.does_item_exist(view.window):
        dpg.configure_item(view.window, show=shown)
        if shown:
            dpg.focus_item(view.window)
    if shown:
        gui._closed_views.discard(view.name)
        view.dirty = True
    else:
        gui._closed_views.add(view.name)
    gui._menu_signature = ()


def guard(gui: GUI, view: View, method: str, *args: Any) -> Any:
    """Call a view method; an exception is logged and shown, and the app keeps going."""
    if gui._view_errors.get(view.name, 0) >= MAX_VIEW_ERRORS:
        return None
    try:
        return getattr(view, method)(*args)
    except Exception as exc:
        n = gui._view_errors[view.name] = gui._view_errors.get(view.name, 0) + 1
        logger.exception("View %s failed in %s.", view.name, method)
        gui.status.set_error(f"{view.name}.{method} failed: {type(exc).__name__}: {exc}")
        if n >= MAX_VIEW_ERRORS and view.window is not None and dpg.does_item_exist(view.window):
            dpg.add_text(f"This view stopped after repeated errors: {exc}", parent=view.window,
                         color=(255, 90, 90, 255))
        return None


def adapt_factory(factory: Callable[..., Any]) -> Callable[[GUI], Any]:
    """A view factory taking the GUI, from one taking the GUI or nothing (phy's ``view_creator``).

    A plugin factory that calls a part of phy phycore cannot provide is reported (a plugin
    failure naming its file, and the status bar) and makes no view (None).
    """
    try:
        takes_gui = any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
                        for p in inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        takes_gui = True

    def make(gui: GUI) -> Any:
        call = guard_plugin_call(factory, "view_creator", on_report=gui.status.set_error)
        return call(gui) if takes_gui else call()

    return make
