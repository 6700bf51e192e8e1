"""The wizard: walking the cluster and similarity tables the way phy does.

Pure functions over a :class:`~phycore.supervisor.table.TableModel`: they decide which
cluster comes next and never change any state themselves.

A row is *navigable* when it is visible (passes the filter) and, when masked clusters
are skipped, its group is neither ``noise`` nor ``mua``; ``good`` and unsorted
clusters are never skipped.
"""

from __future__ import annotations

from typing import Callable

from phycore.supervisor.table import TableModel

__all__ = ["MASKED_GROUPS", "navigable_ids", "first", "last", "step"]

MASKED_GROUPS = frozenset({"noise", "mua"})


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
