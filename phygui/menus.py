"""Menus built from the action groups, the black phy-like theme, and the state written on close."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dearpygui.dearpygui as dpg

from phygui import layout as _layout

if TYPE_CHECKING:
    from phycore.supervisor import Action

    from phygui.gui import GUI

__all__ = ["apply_theme", "build_menus", "collect_state", "menu_entries"]

_MENU_ORDER = ("File", "Edit", "Select", "View", "Help")


def menu_entries(gui: GUI) -> dict[str, list[tuple[str | None, Action]]]:
    """``{menu: [(submenu, action), ...]}`` from every group; an action name shown once per menu
    (views have their own menus, where names like ``increase`` repeat)."""
    menus: dict[str, list[tuple[str | None, Action]]] = {m: [] for m in _MENU_ORDER}
    seen: set[tuple[str, str]] = set()
    for group in gui.action_groups():
        for action in group:
            menu = (action.menu if action.menu is not None else group.menu or "").replace("&", "")
            if not menu or (menu, action.name) in seen:
                continue
            seen.add((menu, action.name))
            menus.setdefault(menu, []).append((action.submenu, action))
    return menus


def _item(gui: GUI, action: Action) -> None:
    label = action.name.replace("_", " ") + (" ..." if action.prompt else "")
    shortcut = ", ".join(action.shortcuts) if action.show_shortcut else ""
    if action.alias:
        shortcut = (shortcut + "   " if shortcut else "") + f":{action.alias}"
    dpg.add_menu_item(label=label, shortcut=shortcut, check=action.checkable, default_value=action.checked,
                      enabled=action.enabled, callback=lambda s, a, u: gui.run_action(u), user_data=action)


def build_menus(gui: GUI) -> int | str:
    """(Re)build the viewport menu bar; returns its id."""
    with dpg.viewport_menu_bar() as bar:
        for menu, entries in menu_entries(gui).items():
            with dpg.menu(label=menu):
                subs: dict[str, list[Action]] = {}
                for sub, action in entries:
                    if sub:
                        subs.setdefault(sub, []).append(action)
                    else:
                        _item(gui, action)
                for sub, actions in subs.items():
                    with dpg.menu(label=sub):
                        for action in actions:
                            _item(gui, action)
                if menu == "View":
                    dpg.add_separator()
                    for view in gui.views:
                        shown = view.name not in gui._closed_views
                        dpg.add_menu_item(label=view.name, check=True, default_value=shown,
                                          enabled=view.closable,
                                          callback=lambda s, a, u: (gui.show_view(u) if a else gui.close_view(u)),
                                          user_data=view)
                    if gui.view_classes:
                        with dpg.menu(label="Add view"):
                            for name, factory in gui.view_classes.items():
                                dpg.add_menu_item(label=name,
                                                  callback=lambda s, a, u: gui.add_view(u(gui)), user_data=factory)
    return bar


def apply_theme() -> None:
    """phy's look: black background, white text."""
    with dpg.theme() as theme:
        with dpg.theme_component(dpg.mvAll):
            dpg.add_theme_color(dpg.mvThemeCol_WindowBg, (0, 0, 0, 255))
            dpg.add_theme_color(dpg.mvThemeCol_ChildBg, (0, 0, 0, 255))
            dpg.add_theme_color(dpg.mvThemeCol_Text, (255, 255, 255, 255))
            dpg.add_theme_color(dpg.mvThemeCol_TableRowBg, (0, 0, 0, 255))
            dpg.add_theme_color(dpg.mvThemeCol_FrameBg, (30, 30, 36, 255))
            dpg.add_theme_style(dpg.mvStyleVar_CellPadding, 6, 2)
            dpg.add_theme_style(dpg.mvStyleVar_SelectableTextAlign, 0, 0.5)
            dpg.add_theme_style(dpg.mvStyleVar_WindowPadding, 4, 4)
    dpg.bind_theme(theme)


def collect_state(gui: GUI) -> dict[str, Any]:
    """What :meth:`GUI.save_state` writes: layout ini, viewport geometry, view options."""
    layout_ini = None
    if not getattr(gui, "_reset_layout", False):
        path = gui._ini_path.with_name("saved.ini")
        dpg.save_init_file(str(path))
        layout_ini = path.read_text() if path.exists() else None
    x, y = dpg.get_viewport_pos()[:2] if dpg.get_viewport_pos() else (0, 0)
    viewport = {"width": dpg.get_viewport_width(), "height": dpg.get_viewport_height(), "x": x, "y": y}
    views = {v.name: v.get_state() for v in gui.views}
    views.setdefault("ClusterView", {})["selected"] = gui.supervisor.selected_clusters
    open_views = [v.name for v in gui.views if v.name not in gui._closed_views]
    return _layout.gui_state_from(layout_ini, viewport, views, open_views)
