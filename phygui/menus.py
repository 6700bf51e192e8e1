"""Menus built from the action groups, the colour-mapping menu and the black phy-like theme.

The functions take the GUI (:class:`phygui.gui.GUI`) and use its public methods only
(``action_groups``, ``run_action``, ``views``, ``docks``, ``add_view``...); it is typed
``Any`` here because the GUI imports this module.

The menu bar holds phy's toolbar right of the menus (:mod:`phygui.toolbar`). A view's own
actions are in its dock's menu (:mod:`phygui.view_menu`), as in phy, not in the menu bar.
When the window is too narrow for every menu and the toolbar, the last menus move into a
``>>`` menu at the end of the bar (and, narrower still, the toolbar uses short labels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dearpygui.dearpygui as dpg

from phycore.errors import ActionError
from phycore.supervisor import Actions
from phycore.supervisor.colors import COLOR_SCHEMES, COLORMAPS, color_fields
from phygui.action_widgets import add_action_menu_item
from phygui.toolbar import Toolbar, text_width

if TYPE_CHECKING:
    from phycore.supervisor import Action

__all__ = ["MenuBar", "apply_theme", "build_menus", "menu_entries", "menu_layout", "create_color_actions",
           "color_menu_signature", "COLOR_MENU", "COLOR_STATE_KEY", "OVERFLOW_MENU"]

#: The menu of the cluster colour mapping, and its key in the GUI state.
COLOR_MENU = "Color"
COLOR_STATE_KEY = "ColorMapping"
_MENU_ORDER = ("File", "Edit", "Select", "View", COLOR_MENU, "Help")
#: The label of the menu holding the menus that do not fit in a narrow window.
OVERFLOW_MENU = ">>"
_MENU_SPACING = 16  # ImGui's menu-bar entries: the label plus twice the item spacing
_BAR_MARGIN = 8  # where the first menu starts, and what is kept free at the right end


def menu_entries(gui: Any) -> dict[str, list[tuple[str | None, Action]]]:
    """``{menu: [(submenu, action), ...]}`` from every group; an action name shown once per menu.
    The views' own groups are left out: they are in each dock's menu."""
    menus: dict[str, list[tuple[str | None, Action]]] = {m: [] for m in _MENU_ORDER}
    seen: set[tuple[str, str]] = set()
    view_groups = {id(g) for g in gui.docks.view_action_groups()}
    for group in gui.action_groups():
        if id(group) in view_groups:
            continue
        for action in group:
            menu = (action.menu if action.menu is not None else group.menu or "").replace("&", "")
            if not menu or (menu, action.name) in seen:
                continue
            seen.add((menu, action.name))
            menus.setdefault(menu, []).append((action.submenu, action))
    return menus


def create_color_actions(gui: Any) -> Actions:
    """The Color menu's actions, acting on the Supervisor's colour selector (which every view
    colouring clusters follows, through ``color_mapping_changed``); restores the mapping
    saved in the GUI state.

    Snippets: ``:cs name`` (scheme), ``:cf field`` (colour field), ``:cm colormap``.
    """
    selector = gui.supervisor.color_selector
    selector.set_state(gui.state.get(COLOR_STATE_KEY))
    group = gui.add_action_group(COLOR_MENU, menu=COLOR_MENU)

    def color_scheme(name: str) -> str:
        """Colour clusters by a named scheme (random, cluster_group, depth, firing_rate...)."""
        selector.set_color_scheme(str(name))
        return str(name)

    def color_field(field: str) -> str:
        """Colour clusters by a field: cluster_id, group or any numeric column."""
        fields = color_fields(gui.supervisor.cluster_table)
        if str(field) not in fields:
            raise ActionError(f"Cannot colour by {field!r}; choose one of {fields}.", argument="field")
        selector.color_by(str(field))
        return str(field)

    def colormap(name: str) -> str:
        """Colour map: categorical, rainbow or linear (the last two are continuous)."""
        selector.set_colormap(str(name))
        return str(name)

    def toggle_log_scale(checked: bool | None = None) -> bool:
        """Map the logarithm of the values (continuous maps)."""
        on = not selector.logarithmic if checked is None else bool(checked)
        selector.set_color_mapping(logarithmic=on)
        return on

    def next_color_scheme() -> str:
        """Next colour scheme."""
        return str(selector.next_color_scheme())

    def previous_color_scheme() -> str:
        """Previous colour scheme."""
        return str(selector.previous_color_scheme())

    group.add(color_scheme, prompt=True, alias="cs")
    group.add(color_field, prompt=True, alias="cf")
    group.add(colormap, prompt=True, alias="cm")
    group.add(toggle_log_scale, checkable=True, checked=selector.logarithmic)
    group.separator()
    group.add(next_color_scheme)
    group.add(previous_color_scheme)
    return group


def color_menu_signature(gui: Any) -> tuple[Any, ...]:
    """What the Color menu shows (the menus are rebuilt when it changes)."""
    return (tuple(gui.supervisor.color_selector.get_state().values()),
            tuple(color_fields(gui.supervisor.cluster_table)))


def _choices(gui: Any, label: str, action: Action, values: list[str], current: str | None) -> None:
    # A submenu of check items, the current value checked; a click runs the action with it.
    with dpg.menu(label=label):
        for value in values:
            dpg.add_menu_item(label=value, check=True, default_value=value == current,
                              callback=lambda s, a, u: gui.run_action(*u), user_data=(action, value))


def _color_action(group: Actions, name: str) -> Action:
    # An action of the Color group (always registered by create_color_actions).
    action = group.get(name)
    if action is None:
        raise KeyError(f"The {group.name!r} action group has no action {name!r}.")
    return action


def _color_menu(gui: Any, group: Actions) -> None:
    selector = gui.supervisor.color_selector
    _choices(gui, "Scheme", _color_action(group, "color_scheme"), list(COLOR_SCHEMES), selector.color_scheme)
    _choices(gui, "Color by", _color_action(group, "color_field"), color_fields(gui.supervisor.cluster_table),
             selector.color_field)
    _choices(gui, "Colormap", _color_action(group, "colormap"), [m for m in COLORMAPS if m != "cluster_group"],
             selector.colormap)
    log = _color_action(group, "toggle_log_scale")
    log.checked = selector.logarithmic
    dpg.add_separator()


def _item(gui: Any, action: Action) -> None:
    add_action_menu_item(action, gui.run_action)


def _menu_width(label: str) -> int:
    return text_width(label) + _MENU_SPACING


def menu_layout(names: list[str], toolbar_width: Any, width: int) -> tuple[int, bool]:
    """How the menu bar fits in ``width`` pixels: ``(n_menus_kept, compact_toolbar)``.

    The menus after the first ``n_menus_kept`` go into the ``>>`` menu. The last menus go
    first; the toolbar switches to its short labels only when even File alone does not fit.

    Parameters
    ----------
    names : list of str
        The menus, in order.
    toolbar_width : callable
        ``toolbar_width(compact) -> int``.
    width : int
        The window's width.
    """
    room = width - 2 * _BAR_MARGIN
    for compact in (False, True):
        for kept in range(len(names), 0, -1):
            used = sum(_menu_width(n) for n in names[:kept]) + toolbar_width(compact)
            if kept < len(names):
                used += _menu_width(OVERFLOW_MENU)
            if used <= room:
                return kept, compact
    return 1, True


def _menu(gui: Any, menu: str, entries: list[tuple[str | None, Action]], color_group: Actions | None) -> None:
    with dpg.menu(label=menu):
        if menu == COLOR_MENU and color_group is not None:
            _color_menu(gui, color_group)
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
                shown = gui.docks.is_shown(view)
                dpg.add_menu_item(label=view.name, check=True, default_value=shown,
                                  enabled=view.closable,
                                  callback=lambda s, a, u: (gui.show_view(u) if a else gui.close_view(u)),
                                  user_data=view)
            if gui.view_classes:
                with dpg.menu(label="Add view"):
                    for name, factory in gui.view_classes.items():
                        dpg.add_menu_item(label=name,
                                          callback=lambda s, a, u: gui.add_view(u(gui)), user_data=factory)


def build_menus(gui: Any, toolbar: Toolbar | None = None, layout: tuple[int, bool] | None = None) -> int | str:
    """(Re)build the viewport menu bar, with the toolbar after the menus; returns its id.

    ``layout`` is :func:`menu_layout`'s answer (default: every menu, full toolbar labels).
    """
    color_group = next((g for g in gui.action_groups() if g.name == COLOR_MENU), None)
    entries = menu_entries(gui)
    kept, compact = layout if layout is not None else (len(entries), False)
    names = list(entries)
    with dpg.viewport_menu_bar() as bar:
        for menu in names[:kept]:
            _menu(gui, menu, entries[menu], color_group)
        if kept < len(names):
            with dpg.menu(label=OVERFLOW_MENU):
                for menu in names[kept:]:
                    _menu(gui, menu, entries[menu], color_group)
        if toolbar is not None:
            toolbar.build(bar, compact=compact)
    return bar


def apply_theme(opaque_children: bool = False) -> int | str:
    """phy's look: black background, white text. Returns the theme (bound globally).

    ``opaque_children`` fills child windows with black too (the same picture, drawn
    slower: tests compare the two).
    """
    with dpg.theme() as theme:
        with dpg.theme_component(dpg.mvAll):
            dpg.add_theme_color(dpg.mvThemeCol_WindowBg, (0, 0, 0, 255))
            # Transparent: a child window sits on its window's own black, so an opaque fill
            # would be drawn for nothing, and software OpenGL (llvmpipe) pays every filled
            # pixel: about 2 ms of CPU per idle frame (docs/performance.md).
            dpg.add_theme_color(dpg.mvThemeCol_ChildBg, (0, 0, 0, 255 if opaque_children else 0))
            dpg.add_theme_color(dpg.mvThemeCol_Text, (255, 255, 255, 255))
            dpg.add_theme_color(dpg.mvThemeCol_TableRowBg, (0, 0, 0, 255))
            dpg.add_theme_color(dpg.mvThemeCol_FrameBg, (30, 30, 36, 255))
            dpg.add_theme_style(dpg.mvStyleVar_CellPadding, 6, 2)
            dpg.add_theme_style(dpg.mvStyleVar_SelectableTextAlign, 0, 0.5)
            dpg.add_theme_style(dpg.mvStyleVar_WindowPadding, 4, 4)
            # ImPlot's minimum plot size (200 x 150) would overflow phy's narrow docks
            # (probe, ISI, firing rate) and cut their right side off.
            dpg.add_theme_style(dpg.mvPlotStyleVar_PlotMinSize, 40, 40, category=dpg.mvThemeCat_Plots)
    dpg.bind_theme(theme)
    return theme


class MenuBar:
    """The viewport's menu bar, rebuilt when what it shows changed (checked every frame).

    Parameters
    ----------
    gui : GUI
        Read for its action groups, views (``gui.docks``) and colour mapping.
    """

    def __init__(self, gui: Any) -> None:
        self.gui = gui
        self.toolbar = Toolbar(gui.action_groups, gui.run_action, gui.supervisor,
                               blocked=lambda: bool(gui.snippets.active) or gui.docks.modal_open())
        self.layout: tuple[int, bool] = (0, False)
        self._shown: tuple[Any, ...] = ()
        self._bar: int | str = 0
        self._layout_key: tuple[Any, ...] = ()
        self._layout_value: tuple[int, bool] = (0, False)

    def _layout(self, groups: tuple[Any, ...]) -> tuple[int, bool]:
        # The menus that fit: recomputed only when the actions, the views or the width
        # changed (not every frame: it walks every action and measures every label).
        width = int(dpg.get_viewport_client_width() or 0) or int(getattr(self.gui, "width", 1600))
        key = (groups, self.gui.docks.version, width)
        if key != self._layout_key:
            self._layout_key = key
            self._layout_value = menu_layout(list(menu_entries(self.gui)), self.toolbar.width, width)
        return self._layout_value

    def _signature(self) -> tuple[Any, ...]:
        gui = self.gui
        groups = tuple((g.name, len(g)) for g in gui.action_groups())
        # Check marks too: an action may untick itself (ctrl+r without its file) or change
        # from a key or a snippet, and the menu must show it.
        return (groups, gui.docks.version, color_menu_signature(gui),
                tuple(bool(a.checked) for g in gui.action_groups() for a in g if a.checkable),
                self._layout(groups))  # last: refresh() reads it

    def refresh(self) -> bool:
        """Rebuild the menu bar if the actions, views, colour mapping or the room it has
        changed; returns whether it did (the keymap is then rebuilt too). The toolbar's
        greyed-out buttons follow their actions every frame."""
        signature = self._signature()
        if signature == self._shown:
            self.toolbar.update()
            return False
        self._shown = signature
        self.layout = signature[-1]
        if self._bar:
            dpg.delete_item(self._bar)
        self._bar = build_menus(self.gui, self.toolbar, self.layout)
        return True

    def items(self) -> list[Any]:
        """The menu bar's item (empty before it is built), for what must not draw under it."""
        return [self._bar] if self._bar else []
