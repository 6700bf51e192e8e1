"""The wizard: walking the cluster and similarity tables the way phy does.

Pure functions over a :class:`~phycore.supervisor.table_model.TableModel`: they decide which
cluster comes next and never change any state themselves.

A row is *navigable* when it is visible (passes the filter) and, when masked clusters
are skipped, its group is neither ``noise`` nor ``mua``; ``good`` and unsorted
clusters are never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phycore.signals import emit
from phycore.supervisor.cluster_table import ClusterTables
from phycore.supervisor.keymap import MASKED_GROUPS
from phycore.supervisor.selection import Selection
from phycore.supervisor.table_model import TableModel

__all__ = ["MASKED_GROUPS", "Wizard", "first", "last", "navigable_ids", "step"]


def navigable_ids(table: TableModel, skip_masked: bool = True) -> list[int]:
    """Visible ids in table order, masked clusters removed when ``skip_masked``."""
    ids = table.visible_ids
    if not skip_masked:
        return ids
    return [i for i in ids if table.get(i, "group") not in MASKED_GROUPS]


def first(table: TableModel, skip_masked: bool = True) -> int | None:
    """First navigable row, or None for an empty table."""
    ids = navigable_ids(table, skip_masked)
    return ids[0] if ids else None


def last(table: TableModel, skip_masked: bool = True) -> int | None:
    """Last navigable row, or None."""
    ids = navigable_ids(table, skip_masked)
    return ids[-1] if ids else None


def step(
    table: TableModel,
    current: int | None,
    direction: int,
    skip_masked: bool = True,
    is_navigable: Callable[[int], bool] | None = None,
) -> int | None:
    """The navigable row after (``direction=+1``) or before (``-1``) ``current``.

    With no current row, the first navigable row (``+1``) or the last (``-1``).
    At either end of the table returns None (phy: a no-op, it does not wrap).
    A current row that is hidden or masked is located by its position in the full
    visible list, so stepping from it still moves to its neighbour.
    """
    ids = navigable_ids(table, skip_masked)
    if is_navigable is not None:
        ids = [i for i in ids if is_navigable(i)]
    if not ids:
        return None
    if current is None:
        return ids[0] if direction > 0 else ids[-1]
    if current in ids:
        k = ids.index(current) + direction
        return ids[k] if 0 <= k < len(ids) else None
    pos = table.index(current)
    if pos is None:
        return ids[0] if direction > 0 else ids[-1]
    order = {cid: k for k, cid in enumerate(table.visible_ids)}
    if direction > 0:
        after = [i for i in ids if order[i] > pos]
        return after[0] if after else None
    before = [i for i in ids if order[i] < pos]
    return before[-1] if before else None


class Wizard:
    """Moves the selection through the tables: phy's best/similar navigation.

    Parameters
    ----------
    tables : ClusterTables
    selection : Selection
        Its :attr:`~Selection.sender` (the Supervisor) sends ``wizard_done``.

    Attributes
    ----------
    skip_masked : bool
        Skip ``noise`` and ``mua`` clusters (on by default, as phy).

    Events
    ------
    wizard_done(supervisor, result)
        After :meth:`reset`, :meth:`next_best`, :meth:`previous_best`, :meth:`next` and
        :meth:`previous` (phy's): ``result`` is the stepped table's selection
        ``{'selected': ids, 'next': id or None, 'kwargs': {}}``, or None if nothing moved.
    """

    def __init__(self, tables: ClusterTables, selection: Selection) -> None:
        self._tables = tables
        self._selection = selection
        self.skip_masked = True

    def _done(self, table: TableModel, moved: bool) -> None:
        # phy's tables call back with their new selection (or None at an end of the table).
        result: dict[str, Any] | None = None
        if moved:
            similar = table is self._tables.similarity_table
            selected = self._selection.similar if similar else self._selection.clusters
            after = step(table, selected[0], +1, self.skip_masked) if selected else None
            result = {"selected": selected, "next": after, "kwargs": {}}
        emit("wizard_done", self._selection.sender, result)

    def _step_best(self, direction: int) -> bool:
        clusters = self._selection.clusters
        target = step(self._tables.cluster_table, clusters[0] if clusters else None, direction, self.skip_masked)
        if target is not None:
            self._selection.set([target], [])
        return target is not None

    def next_best(self) -> None:
        """Select the next navigable cluster of the cluster table."""
        self._done(self._tables.cluster_table, self._step_best(+1))

    def previous_best(self) -> None:
        """Select the previous navigable cluster of the cluster table."""
        self._done(self._tables.cluster_table, self._step_best(-1))

    def _step_similar(self, direction: int) -> tuple[TableModel, bool]:
        """Step in the similarity table (the cluster table when nothing is selected): the
        table stepped in and whether the selection moved."""
        if not self._selection.clusters:
            return self._tables.cluster_table, direction > 0 and self._step_best(+1)
        similar = self._selection.similar
        table = self._tables.similarity_table
        target = step(table, similar[0] if similar else None, direction, self.skip_masked)
        if target is not None:
            self._selection.set_similar([target])
        return table, target is not None

    def next(self) -> None:
        """Select the next similar cluster (the first best cluster if nothing is selected)."""
        self._done(*self._step_similar(+1))

    def previous(self) -> None:
        """Select the previous similar cluster."""
        self._done(*self._step_similar(-1))

    def first(self) -> None:
        """Select the first navigable cluster."""
        target = first(self._tables.cluster_table, self.skip_masked)
        self._selection.set([target] if target is not None else [], [])

    def last(self) -> None:
        """Select the last navigable cluster."""
        target = last(self._tables.cluster_table, self.skip_masked)
        self._selection.set([target] if target is not None else [], [])

    def reset(self) -> None:
        """Restart from the first navigable cluster (phy's ``reset_wizard``)."""
        self.first()
        self._done(self._tables.cluster_table, bool(self._selection.clusters))

    def select_first_similar(self, n: int = 1) -> None:
        """Select the first ``n`` navigable rows of the similarity table."""
        self._selection.set_similar(navigable_ids(self._tables.similarity_table, self.skip_masked)[: max(1, int(n))])

    def after_move(self, moved: set[int], best: list[int], similar: list[int]) -> None:
        """Advance past clusters just moved to a group, as phy does after ``alt+g``...

        No ``wizard_done``: phy steps its tables directly here, not through the wizard.
        """
        if moved <= set(best) and best:
            self._step_best(+1)
        elif moved <= set(similar) and similar:
            self._step_similar(+1)
        elif moved & set(best) and moved & set(similar):
            self._step_best(+1)
            self._step_similar(+1)
