"""Table models behind the cluster and similarity views.

A :class:`TableModel` holds one row per cluster (a dict of column values), a sort
order and an optional filter, and keeps the list of *visible* ids (filtered, in sort
order) that the views draw and the wizard walks. Rows are updated incrementally: an
action replaces the rows of the clusters it touched, nothing else is recomputed.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping, Sequence

from phycore.errors import FilterExpressionError
from phycore.signals import emit
from phycore.supervisor.filter_expr import FilterExpression

__all__ = ["TableModel", "sort_key"]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    try:
        return float(value)  # numpy scalars
    except (TypeError, ValueError):
        return None


def sort_key(value: Any) -> tuple[int, Any]:
    """Typed sort key: numbers (or numeric text) before text; missing values last."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0)
    number = _as_number(value)
    if number is not None:
        return (0, number)
    return (1, str(value))


class TableModel:
    """Rows keyed by cluster id, with sort, filter and a visible-ids list.

    Parameters
    ----------
    name : str
        ``'ClusterView'`` or ``'SimilarityView'``; used in messages and state keys.
    columns : sequence of str
        Column names; ``'id'`` is always first.
    sort : (str, str), optional
        Initial ``(column, 'asc' | 'desc')``.
    events : bool
        Emit ``table_sort`` and ``table_filter`` (default). A table whose row ids are not
        cluster ids (the merge review's pairs) passes False: those events promise cluster ids
        to the views and plugins that listen to them.

    Events
    ------
    table_sort(table, cluster_ids)
        After a sort, with the visible ids in the new order.
    table_filter(table, cluster_ids)
        After a filter change, with the visible ids.
    """

    def __init__(
        self,
        name: str,
        columns: Sequence[str],
        *,
        sort: tuple[str, str] | None = None,
        events: bool = True,
    ) -> None:
        self.name = name
        self._events = events
        self._columns: list[str] = ["id"] + [c for c in columns if c != "id"]
        self._rows: dict[int, dict[str, Any]] = {}
        self._sort: tuple[str, str] | None = sort
        self._filter: FilterExpression | None = None
        self._visible: list[int] = []
        self._position: dict[int, int] = {}

    # Columns and rows --------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """Column names, ``'id'`` first."""
        return list(self._columns)

    def add_column(self, name: str, before: str | None = None) -> None:
        """Add a column (its values come with the next row update).

        Parameters
        ----------
        name : str
        before : str, optional
            Insert it before this column when shown (else at the end).
        """
        if name in self._columns:
            return
        if before in self._columns:
            self._columns.insert(self._columns.index(before), name)
        else:
            self._columns.append(name)

    def set_columns(self, names: Sequence[str]) -> None:
        """Show these columns, in this order (``'id'`` stays first; values are kept in the rows)."""
        self._columns = ["id"] + [c for c in dict.fromkeys(names) if c != "id"]

    def remove_column(self, name: str) -> None:
        """Remove a column from display (values are kept in the rows)."""
        if name != "id" and name in self._columns:
            self._columns.remove(name)

    def set_rows(self, rows: Mapping[int, Mapping[str, Any]]) -> None:
        """Replace every row, then re-sort and re-filter."""
        self._rows = {int(k): {"id": int(k), **v} for k, v in rows.items()}
        self._refresh()

    def update_rows(self, rows: Mapping[int, Mapping[str, Any]], removed: Iterable[int] = ()) -> None:
        """Add or replace some rows and drop others, then refresh the visible ids."""
        for cid in removed:
            self._rows.pop(int(cid), None)
        for cid, row in rows.items():
            self._rows[int(cid)] = {"id": int(cid), **row}
        self._refresh()

    def update_values(self, column: str, values: Mapping[int, Any]) -> None:
        """Set one column's value for some rows (e.g. a label change)."""
        self.update_columns({column: values})

    def update_columns(self, values: Mapping[str, Mapping[int, Any]]) -> None:
        """Set several columns' values for some rows (``{column: {cluster_id: value}}``),
        then refresh the visible ids once, and only when the sort column changed or a
        filter is on: other cells do not move rows (the quality metrics of the new
        clusters arrive column by column, frame after frame, on a table of ~600 rows)."""
        touched = False
        for column, cells in values.items():
            for cid, value in cells.items():
                row = self._rows.get(int(cid))
                if row is not None:
                    row[column] = value
                    touched = True
        if touched and (self._filter is not None or (self._sort is not None and self._sort[0] in values)):
            self._refresh()

    def row(self, cluster_id: int) -> dict[str, Any]:
        """The row of a cluster (a copy)."""
        return dict(self._rows[int(cluster_id)])

    def get(self, cluster_id: int, column: str, default: Any = None) -> Any:
        """One cell."""
        return self._rows.get(int(cluster_id), {}).get(column, default)

    @property
    def ids(self) -> list[int]:
        """Every row id (visible or not), in no particular order."""
        return list(self._rows)

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    # Sort and filter ---------------------------------------------------------------

    @property
    def current_sort(self) -> tuple[str, str] | None:
        """``(column, 'asc' | 'desc')`` or None."""
        return self._sort

    @property
    def filter_text(self) -> str | None:
        """The active filter expression, or None."""
        return self._filter.text if self._filter is not None else None

    @property
    def visible_ids(self) -> list[int]:
        """Ids passing the filter, in sort order."""
        return list(self._visible)

    def get_ids(self, callback: Callable[[list[int]], Any] | None = None) -> list[int]:
        """The visible ids; also passed to ``callback`` (phy's asynchronous ``get_ids``)."""
        ids = self.visible_ids
        if callback is not None:
            callback(ids)
        return ids

    def index(self, cluster_id: int) -> int | None:
        """Position of a cluster among the visible rows, or None."""
        return self._position.get(int(cluster_id))

    def sort_by(self, column: str, order: str = "desc") -> list[int]:
        """Sort by a column; emits ``table_sort`` and returns the visible ids."""
        if column not in self._columns and column not in self._all_keys():
            raise FilterExpressionError(
                f"Cannot sort {self.name} by unknown column {column!r}; columns are: "
                f"{', '.join(self._columns)}.",
                argument="column",
            )
        if order not in ("asc", "desc"):
            raise FilterExpressionError(f"Sort order must be 'asc' or 'desc', not {order!r}.", argument="order")
        self._sort = (column, order)
        self._refresh()
        if self._events:
            emit("table_sort", self, self.visible_ids)
        return self.visible_ids

    def filter(self, text: str | None) -> list[int]:
        """Apply a filter expression (None or '' clears it); emits ``table_filter``.

        A bad expression raises :class:`FilterExpressionError` and leaves the table as it was.
        """
        if text is None or not str(text).strip():
            self._filter = None
        else:
            self._filter = FilterExpression(str(text), self._all_keys() | {"group"})
        self._refresh()
        if self._events:
            emit("table_filter", self, self.visible_ids)
        return self.visible_ids

    def _all_keys(self) -> set[str]:
        keys = set(self._columns)
        for row in self._rows.values():
            keys.update(row)
            break
        return keys

    def _refresh(self) -> None:
        ids = list(self._rows)
        if self._filter is not None:
            f = self._filter
            ids = [i for i in ids if f(self._rows[i])]
        if self._sort is not None:
            column, order = self._sort
            keys = {i: sort_key(self._rows[i].get(column)) for i in ids}
            present = sorted(i for i in ids if keys[i][0] < 2)
            missing = sorted(i for i in ids if keys[i][0] == 2)
            # reverse=True keeps ties in their original (ascending id) order.
            present.sort(key=keys.__getitem__, reverse=order == "desc")
            ids = present + missing
        else:
            ids.sort()
        self._visible = ids
        self._position = {cid: k for k, cid in enumerate(ids)}

    def __repr__(self) -> str:
        return f"<TableModel {self.name}: {len(self._visible)}/{len(self._rows)} rows, sort={self._sort}>"
