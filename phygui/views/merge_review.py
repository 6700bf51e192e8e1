"""MergeReviewView: the drawer of :class:`~phygui.viewmodels.merge_review.MergeReviewModel`.

A filter box, one line of counts, and the candidate pairs as a table (click a header to
sort, a row to review its pair: it is selected in the cluster and similarity tables, so
every view shows it). Its commands are in its dock menu with their keys
(:data:`~phygui.viewmodels.merge_review.MERGE_REVIEW_SHORTCUTS`). Not in phy: offered in
View > Add view, not in the default layout.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

from phycore.errors import FilterExpressionError
from phygui.viewmodels.merge_review import MERGE_REVIEW_SHORTCUTS, MergeReviewModel, PairRow
from phygui.views.base import View

__all__ = ["MergeReviewView"]

_CURRENT_BG = (60, 90, 150, 255)


class MergeReviewView(View):
    """Ranked merge candidates (``controller.merge_review``) with review keys.

    Attributes
    ----------
    model : MergeReviewModel
    actions : Actions
        The view's commands (its dock menu and keys).
    """

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        self.model = MergeReviewModel(self.context.controller.merge_review)
        self.filter_input: int | str = 0
        self._status: int | str = 0
        self._table: int | str = 0
        self._drawn: list[PairRow] | None = None
        self._current_theme: int | str = 0
        self.actions: Any = None

    def build(self, parent: int | str) -> None:
        self.filter_input = dpg.add_input_text(parent=parent, hint="filter, e.g. ccg_dip > 0.5 && score > 0.6",
                                               width=-1, on_enter=True,
                                               callback=lambda s, a: self.context.guard(self, "apply_filter", a))
        self._status = dpg.add_text("", parent=parent, color=(190, 190, 190, 255))
        self._table = dpg.add_child_window(parent=parent, border=False)
        with dpg.theme() as self._current_theme:  # the pair under review: a blue row
            with dpg.theme_component(dpg.mvSelectable):
                dpg.add_theme_color(dpg.mvThemeCol_Header, _CURRENT_BG)
                dpg.add_theme_color(dpg.mvThemeCol_HeaderHovered, _CURRENT_BG)
        self._add_actions()
        self.dirty = True

    def _add_actions(self) -> None:
        group = self.actions = self.context.add_action_group(self.name, menu=self.name)
        for name, key in MERGE_REVIEW_SHORTCUTS.items():
            method = getattr(self, name)
            group.add(method, name=name, shortcut=key, menu=self.name, docstring=method.__doc__.splitlines()[0])

    # Commands (the view model's, then a redraw) --------------------------------------

    def next_pair(self) -> Any:
        """Review the next merge candidate."""
        return self._run(self.model.next_pair)

    def previous_pair(self) -> Any:
        """Review the previous merge candidate."""
        return self._run(self.model.previous_pair)

    def accept_pair(self) -> Any:
        """Merge the merge candidate under review (undoable)."""
        return self._run(self.model.accept_pair)

    def reject_pair(self) -> Any:
        """Reject the merge candidate under review (undoable, remembered in .phy/)."""
        return self._run(self.model.reject_pair)

    def _run(self, command: Any, *args: Any) -> Any:
        result = command(*args)
        self.dirty = True
        return result

    def apply_filter(self, text: str) -> None:
        """Enter in the filter box."""
        try:
            self.model.set_filter(text or None)
        except FilterExpressionError as e:
            self.context.report_error(str(e))
        self.dirty = True

    def clear_filter(self) -> None:
        """Escape in the filter box (the key router calls it)."""
        if self.filter_input:
            dpg.set_value(self.filter_input, "")
        self.apply_filter("")

    # Drawing --------------------------------------------------------------------------

    def update(self) -> None:
        if not self._table:
            return
        if self.model.tick():  # the list is being built: a few clusters per frame
            self.dirty = True
        if not self.dirty:
            return
        self.dirty = False
        rows = self.model.rows()
        dpg.set_value(self._status, self.model.status())
        if rows == self._drawn:
            return
        self._drawn = rows
        dpg.delete_item(self._table, children_only=True)
        with dpg.table(parent=self._table, header_row=False, borders_innerV=True, row_background=True,
                       policy=dpg.mvTable_SizingFixedFit, scrollY=True, freeze_rows=1):
            for _ in self.model.columns:
                dpg.add_table_column()
            with dpg.table_row():
                for column, header in zip(self.model.columns, self.model.headers):
                    dpg.add_button(label=header, small=True,
                                   callback=lambda s, a, u: self.context.guard(self, "sort_by", u), user_data=column)
            for row in rows:
                self._add_row(row)

    def _add_row(self, row: PairRow) -> None:
        b_color = self.model.pair_colors()[1]  # b's colour in the other views (a's is the row's blue)
        with dpg.table_row():
            for k, text in enumerate(row.cells):
                if k == 0:
                    item = dpg.add_selectable(label=text, span_columns=True, default_value=row.current,
                                              callback=lambda s, a, u: self.context.guard(self, "click_row", u),
                                              user_data=row.pair)
                    if row.current:
                        dpg.bind_item_theme(item, self._current_theme)
                elif k == 1 and row.current:
                    dpg.add_text(text, color=b_color)
                else:
                    dpg.add_text(text)

    def click_row(self, pair: tuple[int, int]) -> None:
        """A click on a row: review its pair."""
        self._run(self.model.click_row, tuple(pair))

    def sort_by(self, column: str) -> None:
        """A click on a header: sort by it (again: the other way)."""
        self._run(self.model.click_header, column)

    def get_state(self) -> dict[str, Any]:
        sort = self.model.review.table.current_sort
        return {"sort": list(sort)} if sort else {}

    def set_state(self, state: dict[str, Any]) -> None:
        sort = state.get("sort")
        if sort and len(sort) == 2 and sort[0] in self.model.columns and sort[1] in ("asc", "desc"):
            self.model.review.table.sort_by(sort[0], sort[1])  # the table only: no scoring yet

    def close(self) -> None:
        if self._current_theme and dpg.does_item_exist(self._current_theme):
            dpg.delete_item(self._current_theme)
        self._current_theme = 0
