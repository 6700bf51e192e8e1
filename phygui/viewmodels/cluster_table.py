"""Pure view model of the cluster and similarity tables (no dearpygui import).

:class:`TableViewModel` turns a :class:`phycore.supervisor.TableModel` plus the current
selection into what the drawer needs for the rows *on screen only*: formatted cells,
the text colour of each row's group, the selection colour of selected rows. It also
holds the table interaction logic — click, ctrl-click, shift-click, header click — as
functions returning the new selection or sort, so it is tested with no display.
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs

from phycore.supervisor import TableModel
from phycore.supervisor.colors import GROUP_COLORS, hex_to_rgba, selected_cluster_color

__all__ = ["TableViewModel", "RowData", "format_cell", "click_selection", "next_sort",
           "group_color", "selection_color"]


def _rgb255(hex_color: str) -> tuple[int, int, int, int]:
    r, g, b, _ = hex_to_rgba(hex_color)
    return (round(r * 255), round(g * 255), round(b * 255), 255)


def group_color(group: Any) -> tuple[int, int, int, int]:
    """Row text colour of a group (good green, mua light grey, noise grey, else white)."""
    return _rgb255(GROUP_COLORS.get(group if group in GROUP_COLORS else None, "#FFFFFF"))


def selection_color(index: int) -> tuple[int, int, int, int]:
    """Background of the ``index``-th selected row (phy's palette: blue, red, ...)."""
    r, g, b, _ = selected_cluster_color(index)
    return (round(r * 255), round(g * 255), round(b * 255), 255)


def format_cell(column: str, value: Any) -> str:
    """Text of one cell: thousands separators for counts, 3 decimals for similarity."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if column == "similarity" and isinstance(value, (int, float)):
        return f"{value:.3f}"
    if column == "n_spikes" and isinstance(value, (int, float)):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.0f}"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return format_cell(column, value.item())
    return str(value)


@attrs.frozen
class RowData:
    """One row to draw: cluster id, cell texts, text colour, selection colour or None."""

    cluster_id: int
    cells: tuple[str, ...]
    color: tuple[int, int, int, int]
    selected_color: tuple[int, int, int, int] | None


def click_selection(
    selection: Sequence[int],
    anchor: int | None,
    clicked: int,
    visible: Sequence[int],
    *,
    ctrl: bool = False,
    shift: bool = False,
) -> tuple[list[int], int | None]:
    """New selection after a click on a row (phy's table mouse rules).

    Parameters
    ----------
    selection : sequence of int
        Current selection of this table, in selection order.
    anchor : int or None
        Row of the last plain or ctrl click (start of a shift range).
    clicked : int
        Cluster id of the clicked row.
    visible : sequence of int
        Visible ids in display order.
    ctrl, shift : bool
        Modifiers: ctrl toggles the row, shift selects the range from the anchor.

    Returns
    -------
    (list of int, int or None)
        The new selection and the new anchor.
    """
    if shift and anchor is not None and anchor in visible and clicked in visible:
        a, b = visible.index(anchor), visible.index(clicked)
        lo, hi = min(a, b), max(a, b)
        span = list(visible[lo:hi + 1])
        if b < a:
            span.reverse()
        base = [c for c in selection if c not in span] if ctrl else []
        return base + span, anchor
    if ctrl:
        if clicked in selection:
            return [c for c in selection if c != clicked], clicked
        return list(selection) + [clicked], clicked
    return [clicked], clicked


def next_sort(current: tuple[str, str] | None, column: str) -> tuple[str, str]:
    """Sort after a header click: the same column flips order, another starts descending."""
    if current is not None and current[0] == column:
        return column, "asc" if current[1] == "desc" else "desc"
    return column, "desc"


class TableViewModel:
    """What a table view draws, computed only for the rows in view.

    Parameters
    ----------
    table : TableModel
        The Supervisor's cluster or similarity table.
    columns : sequence of str, optional
        Columns to show (default: all of the table's columns).
    """

    def __init__(self, table: TableModel, columns: Sequence[str] | None = None) -> None:
        self.table = table
        self._columns = list(columns) if columns is not None else None
        self.anchor: int | None = None

    @property
    def columns(self) -> list[str]:
        """Shown columns (the table's, unless restricted)."""
        cols = self.table.columns
        return [c for c in cols if c in self._columns] if self._columns is not None else cols

    def header(self) -> list[str]:
        """Header labels, the sort column marked with ``v`` (desc) or ``^`` (asc)."""
        sort = self.table.current_sort
        out = []
        for c in self.columns:
            mark = ""
            if sort is not None and sort[0] == c:
                mark = " v" if sort[1] == "desc" else " ^"
            out.append(c + mark)
        return out

    @property
    def n_rows(self) -> int:
        """Number of visible rows."""
        return len(self.table.visible_ids)

    def rows(self, start: int, count: int, selection: Sequence[int], color_offset: int = 0) -> list[RowData]:
        """Rows ``start .. start+count`` of the visible list, ready to draw.

        Parameters
        ----------
        start, count : int
            Window of visible rows (clipped to the table).
        selection : sequence of int
            This table's selection in order (colours follow the order).
        color_offset : int
            Index of this table's first selection colour (the similarity table starts
            after the cluster table's selection, as in phy).
        """
        ids = self.table.visible_ids
        start = max(0, min(start, len(ids)))
        cols = self.columns
        sel_index = {c: k for k, c in enumerate(selection)}
        out = []
        for cid in ids[start:start + max(0, count)]:
            k = sel_index.get(cid)
            out.append(RowData(
                cluster_id=cid,
                cells=tuple(format_cell(c, self.table.get(cid, c)) for c in cols),
                color=group_color(self.table.get(cid, "group")),
                selected_color=selection_color(k + color_offset) if k is not None else None,
            ))
        return out

    def scroll_to_show(self, cluster_id: int, first: int, n_visible: int) -> int:
        """First row to show so that ``cluster_id`` is in view (unchanged when it already is)."""
        pos = self.table.index(cluster_id)
        if pos is None or first <= pos < first + max(1, n_visible):
            return first
        if pos < first:
            return pos
        return max(0, pos - max(1, n_visible) + 1)

    def click(self, selection: Sequence[int], clicked: int, *, ctrl: bool = False,
              shift: bool = False) -> list[int]:
        """New selection after a click on ``clicked`` (updates the shift anchor)."""
        new, self.anchor = click_selection(selection, self.anchor, clicked, self.table.visible_ids,
                                           ctrl=ctrl, shift=shift)
        return new

    def header_click(self, column: str) -> tuple[str, str]:
        """Sort the table after a header click; returns the new ``(column, order)``."""
        col, order = next_sort(self.table.current_sort, column)
        self.table.sort_by(col, order)
        return col, order
