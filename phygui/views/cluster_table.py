"""Cluster and similarity tables drawn with Dear PyGui, only the rows in view.

The table keeps a small pool of row widgets (as many as fit in the window) inside a
scrolling child window whose content height is that of the whole table (an empty
spacer). Each frame it reads the scroll position; when it, the selection, the sort, the
filter or the clustering changed, it refills the pool from
:class:`phygui.viewmodels.cluster_table.TableViewModel` — a few hundred ``set_value`` calls,
whatever the number of clusters. Nothing is rebuilt per frame.

A right click (plain or with ctrl) on a row moves it between the two selections: on a
similarity row it promotes that cluster into the cluster-table selection
(``Supervisor.promote_similar``), on a cluster row it demotes it (``demote_cluster``);
``row_right_click(table, cluster_id)`` is emitted first, as in later phy versions.

phy's table events have the table model as sender (``supervisor.cluster_view`` or
``supervisor.similarity_view``, the objects phy plugins know): ``cluster_view_init`` or
``similarity_view_init`` then ``pre_build`` when the view is built, and ``ready`` after its
rows were drawn the first time.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import dearpygui.dearpygui as dpg

from phycore.signals import emit
from phygui.viewmodels.cluster_table import RowData, TableViewModel
from phygui.viewmodels.debounce import Debouncer
from phygui.views.input_state import click_modifiers
from phygui.views.base import View
__all__ = ["ClusterView", "SimilarityView", "TableView"]

_ROW_H = 21.0  # selectable height + cell padding (measured after the first frame)
_HEADER_BG = (40, 40, 48, 255)
_WHITE = (255, 255, 255, 255)
_SCROLLBAR = 16  # height reserved for the table's horizontal scrollbar
_DEBOUNCE = 0.05  # phy's ClusterView select debounce (50 ms); the filter box waits as long


class TableView(View):
    """A Supervisor table (cluster or similarity) as a dockable, virtualised table."""

    closable = False
    similarity = False

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        sup = self.context.supervisor
        self.model = TableViewModel(sup.similarity_table if self.similarity else sup.cluster_table)
        self.filter_input: int | str = 0
        self._body: int | str = 0
        self._table: int | str = 0
        self._holder: int | str = 0
        self._spacer: int | str = 0
        self._rows: list[tuple[int | str, list[int | str]]] = []
        self._header: list[int | str] = []
        self._columns: list[str] = []
        self._first = 0
        self._scroll = -1.0
        self._row_h = _ROW_H
        self._measured = False
        self._body_h = 400.0
        self._n_pool = 0
        self._highlighted: set[int] = set()
        self._shown: list[RowData] = []
        # What each pool row and the header show now: a refill only touches what changed
        # (a split refills every frame while its ~600 new rows get their metrics).
        self._drawn: list[RowData | None] = []
        self._header_labels: list[str] = []
        self._want_scroll_to: int | None = None
        self._themes: dict[tuple[int, ...], int | str] = {}
        self._ready = False
        self._right_clicks: int | str = 0
        self._row_of_item: dict[int | str, int] = {}
        #: ``clock() -> seconds`` of the debouncers (the controller's, which tests replace).
        self.clock: Callable[[], float] = getattr(self.context.controller, "clock", None) or time.monotonic
        # Clicks on rows (phy debounces the table's select events) and filter typing.
        self.select_debouncer = Debouncer(_DEBOUNCE, lambda: self.clock())
        self.filter_debouncer = Debouncer(_DEBOUNCE, lambda: self.clock(), leading=False)

    # Selection of this table --------------------------------------------------------

    def selection(self) -> list[int]:
        """This table's selection, in order."""
        sup = self.context.supervisor
        return sup.selected_similar if self.similarity else sup.selected_clusters

    def color_offset(self) -> int:
        """Index of this table's first selection colour."""
        return len(self.context.supervisor.selected_clusters) if self.similarity else 0

    def select(self, ids: list[int]) -> None:
        """Select rows (through the Supervisor, which emits ``select``)."""
        sup = self.context.supervisor
        if self.similarity:
            sup.select_similar(ids)
        else:
            sup.select(ids)

    # Building -------------------------------------------------------------------------

    def build(self, parent: int | str) -> None:
        table = self.model.table
        if self.similarity:
            emit("similarity_view_init", table)
        else:
            emit("cluster_view_init", table)
        with dpg.group(parent=parent):
            # No ``hint=``: with it, a second Dear PyGui context in the same process segfaults
            # (dearpygui 2.3.1), which breaks tests and scripts that open the GUI twice.
            with dpg.group(horizontal=True):
                dpg.add_text("filter", color=(150, 150, 150, 255))
                # Called on every edit: the filter applies 50 ms after the last keystroke.
                self.filter_input = dpg.add_input_text(width=-1, callback=self._on_filter)
            with dpg.tooltip(self.filter_input):
                dpg.add_text("e.g.  fr > 5 and group != 'noise'   (applies as you type, Esc clears)")
            with dpg.child_window(border=False, height=-1, width=-1) as self._body:
                self._spacer = dpg.add_spacer(height=10, width=1)
        with dpg.item_handler_registry() as self._right_clicks:
            dpg.add_item_clicked_handler(button=dpg.mvMouseButton_Right, callback=self._on_right_click)
        self._build_table(8)
        emit("pre_build", table)

    def _theme(self, color: tuple[int, ...], bg: tuple[int, ...] | None = None) -> int | str:
        key = tuple(color) + (tuple(bg) if bg else ())
        theme = self._themes.get(key)
        if theme is None:
            with dpg.theme() as theme:
                with dpg.theme_component(dpg.mvAll):
                    dpg.add_theme_color(dpg.mvThemeCol_Text, color)
                    if bg is not None:
                        dpg.add_theme_color(dpg.mvThemeCol_Header, bg)
                        dpg.add_theme_color(dpg.mvThemeCol_HeaderHovered, bg)
            self._themes[key] = theme
        return theme

    def _build_table(self, n_pool: int) -> None:
        if self._holder:
            dpg.delete_item(self._holder)
        self._columns = self.model.columns
        self._rows, self._header, self._highlighted = [], [], set()
        self._row_of_item = {}
        # Tables ignore ``pos``; a group holding the table follows the scroll position.
        self._holder = dpg.add_group(parent=self._body, pos=(0, int(max(self._scroll, 0)) + 1))
        # scrollX: columns keep their width and scroll sideways (id column frozen); the height is
        # the pool's, so the table never scrolls vertically itself (the outer child does).
        with dpg.table(parent=self._holder, header_row=False, policy=dpg.mvTable_SizingFixedFit,
                       borders_innerV=False, resizable=True, scrollX=True, freeze_columns=1,
                       height=int((n_pool + 1) * self._row_h) + _SCROLLBAR, width=-1) as self._table:
            for c in self._columns:
                dpg.add_table_column(label=c)
            with dpg.table_row():
                for c in self._columns:
                    self._header.append(dpg.add_selectable(label=c, height=17, callback=self._on_header,
                                                           user_data=c))
            for k in range(n_pool):
                with dpg.table_row(show=False) as row:
                    cells: list[int | str] = [dpg.add_selectable(label="", span_columns=True, height=17,
                                                                 callback=self._on_click, user_data=k)]
                    cells += [dpg.add_text("") for _ in self._columns[1:]]
                self._rows.append((row, cells))
                self._row_of_item[cells[0]] = k
                if self._right_clicks:
                    dpg.bind_item_handler_registry(cells[0], self._right_clicks)
        dpg.highlight_table_row(self._table, 0, _HEADER_BG)
        self._n_pool = n_pool
        self._shown = []
        self._drawn = [None] * n_pool
        self._header_labels = list(self._columns)
        self.dirty = True

    # Per-frame update -------------------------------------------------------------------

    def update(self) -> None:
        self.select_debouncer.poll()
        self.filter_debouncer.poll()
        if self.model.columns != self._columns:
            self._build_table(self._n_pool)
        height = dpg.get_item_rect_size(self._body)[1]
        if height > 0 and height != self._body_h:
            self._body_h = float(height)
            self.dirty = True
        if not self._measured and len(self._shown) > 1:
            # Row pitch (font + cell padding + spacing), measured once two rows were drawn.
            y1 = dpg.get_item_state(self._rows[0][1][0]).get("pos")
            y2 = dpg.get_item_state(self._rows[1][1][0]).get("pos")
            if y1 and y2 and 10 < y2[1] - y1[1] < 60:
                self._row_h = float(y2[1] - y1[1])
                self._measured = True
        if height > 0:
            # Rows that fit above the horizontal scrollbar (the table never scrolls vertically
            # itself, so the mouse wheel reaches the outer child that does).
            need = max(1, int((height - _SCROLLBAR) // self._row_h) - 1)
            if need != self._n_pool:  # the window was resized: another pool (never per frame)
                self._build_table(need)
        scroll = dpg.get_y_scroll(self._body)
        if self._want_scroll_to is not None:
            scroll = self._want_scroll_to * self._row_h
            dpg.set_y_scroll(self._body, scroll)
            self._want_scroll_to = None
        if scroll != self._scroll:
            self._scroll = scroll
            first = int(scroll // self._row_h)
            dpg.configure_item(self._holder, pos=(0, int(scroll) + 1))
            if first != self._first:
                self._first = first
                self.dirty = True
        if self.dirty:
            self.refill()
            if not self._ready:  # the first rows are drawn this frame: phy's ``ready``, once
                self._ready = True
                emit("ready", self.model.table)

    def rows_drawn(self) -> bool:
        """Whether the last frame drew a row of clusters (the docks are laid out over the
        first frames: the ``ready`` event comes before the rows are on screen)."""
        return bool(self._shown) and bool(dpg.is_item_visible(self._rows[0][1][0]))

    def refill(self) -> None:
        """Refill the pool rows from the view model (selection, sort, filter, clustering)."""
        self.dirty = False
        text = self.model.table.filter_text or ""
        typing = dpg.is_item_active(self.filter_input) or self.filter_debouncer.pending is not None
        if dpg.get_value(self.filter_input) != text and not typing:
            dpg.set_value(self.filter_input, text)  # filter changed elsewhere (`:f`, Esc, a script)
        n_rows = self.model.n_rows
        # Scrolling to the end puts the last row in the pool's last line.
        dpg.configure_item(self._spacer, height=int(max(0, n_rows - self._n_pool) * self._row_h + self._body_h))
        self._first = max(0, min(self._first, max(0, n_rows - 1)))
        for k, label in enumerate(self.model.header()):
            if self._header_labels[k] != label:
                dpg.configure_item(self._header[k], label=label)
                self._header_labels[k] = label
        rows = self.model.rows(self._first, self._n_pool, self.selection(), self.color_offset())
        self._shown = rows
        for k, (row, cells) in enumerate(self._rows):
            old = self._drawn[k]
            if k >= len(rows):
                if old is not None:
                    dpg.configure_item(row, show=False)
                    self._drawn[k] = None
                if k + 1 in self._highlighted:
                    dpg.unhighlight_table_row(self._table, k + 1)
                    self._highlighted.discard(k + 1)
                continue
            data = rows[k]
            if data == old:
                continue  # this line shows that row already
            self._drawn[k] = data
            if old is None:
                dpg.configure_item(row, show=True)
            if old is None or old.cells[0] != data.cells[0]:
                dpg.configure_item(cells[0], label=data.cells[0])
            color = _WHITE if data.selected_color is not None else data.color
            recolor = old is None or color != (_WHITE if old.selected_color is not None else old.color)
            if recolor:
                dpg.bind_item_theme(cells[0], self._theme(color))
            for i, (cell, text) in enumerate(zip(cells[1:], data.cells[1:]), 1):
                if old is None or old.cells[i] != text:
                    dpg.set_value(cell, text)
                if recolor:
                    dpg.configure_item(cell, color=color)
            if data.selected_color is not None:
                dpg.highlight_table_row(self._table, k + 1, data.selected_color)
                self._highlighted.add(k + 1)
            elif k + 1 in self._highlighted:
                dpg.unhighlight_table_row(self._table, k + 1)
                self._highlighted.discard(k + 1)

    # Events -----------------------------------------------------------------------------

    def on_select(self, cluster_ids: list[int]) -> None:
        self.dirty = True
        sel = self.selection()
        if sel:
            visible = max(1, self._n_pool - 2)
            first = self.model.scroll_to_show(sel[0], self._first, visible)
            if first != self._first:
                self._want_scroll_to = first

    def on_spikes_added(self, spike_ids: Any, cluster_ids: list[int]) -> None:
        self.dirty = True  # n_spikes, fr... of the clusters that grew

    def _modifiers(self) -> tuple[bool, bool]:
        # A row's selectable calls back after the release: take the keys held at the press.
        ctrl, _, shift = click_modifiers()
        return ctrl, shift

    def _on_click(self, sender: Any, app_data: Any, k: int) -> None:
        dpg.set_value(sender, False)
        if k >= len(self._shown):
            return
        ctrl, shift = self._modifiers()
        self.click_row(self._shown[k].cluster_id, ctrl=ctrl, shift=shift, debounce=True)

    def click_row(self, cluster_id: int, *, ctrl: bool = False, shift: bool = False,
                  debounce: bool = False) -> list[int]:
        """What a mouse click on a row does (also used by tests); returns the new selection.

        ``debounce``: as phy's table, a click within 50 ms of the previous one selects only
        once the clicks stop (then the last selection wins); ctrl/shift clicks build on
        the selection still waiting."""
        waiting = self.select_debouncer.pending
        new = self.model.click(list(waiting[0]) if waiting else self.selection(), cluster_id, ctrl=ctrl, shift=shift)
        if debounce:
            self.select_debouncer.submit(self.select, new)
        else:
            self.select_debouncer.cancel()
            self.select(new)
        return new

    def _on_right_click(self, sender: Any, app_data: Any) -> None:
        item = app_data[1] if isinstance(app_data, (list, tuple)) else app_data
        k = self._row_of_item.get(item)
        if k is not None and k < len(self._shown):
            self.right_click_row(self._shown[k].cluster_id)

    def right_click_row(self, cluster_id: int) -> list[int]:
        """What a right click (or ctrl+right click) on a row does: emit ``row_right_click``,
        then promote a similar row into the cluster-table selection, or demote a cluster row
        into the similarity-table selection (the other selected rows stay selected)."""
        emit("row_right_click", self.model.table, int(cluster_id))
        sup = self.context.supervisor
        return sup.promote_similar(cluster_id) if self.similarity else sup.demote_cluster(cluster_id)

    def _on_header(self, sender: Any, app_data: Any, column: str) -> None:
        dpg.set_value(sender, False)
        col, order = self.model.header_click(column)
        self.context.show_message(f"sorted {self.name} by {col} ({order})")
        self.dirty = True

    def _on_filter(self, sender: Any, text: str) -> None:
        self.filter_debouncer.submit(self.apply_filter, text)

    def apply_filter(self, text: str | None) -> None:
        """Filter this table (errors go to the status bar, the table stays as it was)."""
        self.filter_debouncer.cancel()
        try:
            ids = self.model.table.filter(text)
        except Exception as exc:
            self.context.report_error(str(exc))
            return
        self.dirty = True
        self._want_scroll_to = 0
        self.context.show_message(f"{self.name}: {len(ids)} cluster(s) shown" if text else
                                    f"{self.name}: filter cleared")

    def clear_filter(self) -> None:
        """Empty the filter box and show every row."""
        dpg.set_value(self.filter_input, "")
        self.apply_filter(None)

    # State ------------------------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        sort = self.model.table.current_sort
        return {"current_sort": list(sort) if sort else None}

    def set_state(self, state: dict[str, Any]) -> None:
        sort = state.get("current_sort")
        if isinstance(sort, (list, tuple)) and len(sort) == 2 and sort[0] in self.model.table.columns:
            self.model.table.sort_by(str(sort[0]), str(sort[1]))


class ClusterView(TableView):
    """The cluster table (phy's ClusterView)."""

    similarity = False


class SimilarityView(TableView):
    """Clusters similar to the last selected one (phy's SimilarityView)."""

    similarity = True
