"""Registration of the Supervisor's actions in its Edit and Select groups (private)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from phycore.supervisor.keymap import GROUPS

if TYPE_CHECKING:
    from phycore.supervisor.supervisor import Supervisor

__all__ = ["register_actions", "sort_snippet"]


def sort_snippet(column: str) -> str:
    """phy's snippet for sorting by a column: ``s`` + its first two letters without ``_``."""
    return "s" + column.replace("_", "")[:2]


def _mover(sup: Supervisor, group: str, which: str) -> Any:
    def move() -> Any:
        return sup.move(group, which)

    move.__name__ = f"move_{which}_to_{group}"
    move.__doc__ = f"Move the {which} selected clusters to {group}."
    return move


def _sorter(sup: Supervisor, column: str) -> Any:
    def sort() -> Any:
        return sup.sort(column, "desc")

    sort.__name__ = f"sort_by_{column}"
    sort.__doc__ = f"Sort the cluster table by {column} (descending)."
    return sort


def register_actions(sup: Supervisor) -> None:
    """Fill ``sup.actions`` (Edit) and ``sup.select_actions`` (Select) with phy's actions."""
    edit = sup.actions
    edit.add(sup.undo)
    edit.add(sup.redo)
    edit.separator()
    edit.add(sup.merge)
    edit.add(sup.split)
    edit.add(sup.label, prompt=True)
    edit.add(sup.move, prompt=True)
    edit.separator()
    for which in ("best", "similar", "all"):
        for group in GROUPS:
            edit.add(_mover(sup, group, which), submenu=f"Move {which} to")
    edit.separator()
    edit.add(sup.save)

    select = sup.select_actions
    select.add(sup.select, prompt=True)
    select.add(sup.select_first_similar)
    select.add(sup.unselect_similar)
    select.add(sup.toggle_skip_masked, name="skip_noise_and_mua", checkable=True, checked=sup.skip_masked)
    select.separator()
    select.add(sup.first)
    select.add(sup.last)
    select.add(sup.reset_wizard)
    select.add(sup.next_best)
    select.add(sup.previous_best)
    select.add(sup.next)
    select.add(sup.previous)
    select.separator()
    select.add(sup.filter, prompt=True)
    select.add(sup.clear_filter)
    select.add(sup.sort, prompt=True)
    for column in sup.cluster_table.columns:
        select.add(_sorter(sup, column), alias=sort_snippet(column), submenu="Sort by")
