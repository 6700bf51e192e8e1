"""phy's Edit and Select actions of a Supervisor, with phy's names, shortcuts and snippets.

The actions are named data: each entry is the name of a Supervisor method, so the menus,
the keymap and the snippets all come from this one list. Running one of them (menu, key,
snippet, ``actions.run``) first emits phy's ``action(supervisor, method, *args)``, as phy's
ActionCreator does; calling the Supervisor method directly emits nothing, as in phy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from phycore.signals import emit
from phycore.supervisor.actions import Actions
from phycore.supervisor.keymap import GROUPS

__all__ = ["EDIT_ACTIONS", "SELECT_ACTIONS", "add_sort_actions", "register_actions", "sort_snippet"]

#: Edit menu: method names (``None`` is a separator, ``(name, options)`` adds options).
EDIT_ACTIONS: tuple[Any, ...] = ("undo", "redo", None, "merge", "split", ("label", {"prompt": True}),
                                 ("move", {"prompt": True}), None)
#: Select menu, before the per-column ``sort_by_<column>`` actions.
SELECT_ACTIONS: tuple[Any, ...] = (
    ("select", {"prompt": True}), "select_first_similar", "select_n_similar", "unselect_similar",
    ("toggle_skip_masked", {"name": "skip_noise_and_mua", "checkable": True, "checked": True}), None,
    "first", "last", "reset_wizard", "next_best", "previous_best", "next", "previous", None,
    ("filter", {"prompt": True}), "clear_filter", ("sort", {"prompt": True}))


def sort_snippet(column: str) -> str:
    """phy's snippet for sorting by a column: ``s`` + its first two letters without ``_``."""
    return "s" + column.replace("_", "")[:2]


def _add(group: Actions, owner: object, entries: Sequence[Any]) -> None:
    for entry in entries:
        if entry is None:
            group.separator()
            continue
        name, options = (entry, {}) if isinstance(entry, str) else entry
        group.add(_announced(owner, name, (), getattr(owner, name)), **options)


def _announced(owner: object, method: str, method_args: tuple[Any, ...],
               func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` that first emits phy's ``action(owner, method, *method_args, *args)``.

    ``functools.wraps`` keeps ``func``'s name, docstring and signature, which
    :class:`~phycore.supervisor.actions.Actions` reads (prompts, argument counts).
    """
    @functools.wraps(func)
    def action(*args: Any) -> Any:
        emit("action", owner, method, *method_args, *args)
        return func(*args)

    return action


def _named(func: Callable[[], Any], name: str, doc: str) -> Callable[[], Any]:
    """``func`` under an action's name and docstring (Actions read both)."""
    def action() -> Any:
        return func()

    action.__name__ = name
    action.__doc__ = doc
    return action


def register_actions(owner: Any, edit: Actions, select: Actions, columns: Sequence[str]) -> None:
    """Fill ``edit`` and ``select`` with ``owner``'s methods (a Supervisor), phy's way."""
    _add(edit, owner, EDIT_ACTIONS)
    for which in ("best", "similar", "all"):
        for group in GROUPS:
            move = _announced(owner, "move", (group, which), partial(owner.move, group, which))
            edit.add(_named(move, f"move_{which}_to_{group}", f"Move the {which} selected clusters to {group}."),
                     submenu=f"Move {which} to")
    edit.separator()
    edit.add(owner.save)
    _add(select, owner, SELECT_ACTIONS)
    add_sort_actions(owner, select, columns)


def add_sort_actions(owner: Any, select: Actions, columns: Sequence[str]) -> None:
    """Add ``sort_by_<column>`` (snippet ``:s`` + two letters) for the columns without one.

    Called again whenever columns appear (controller columns, background metrics, labels),
    so every column can be sorted from the Select menu and by snippet, as in phy.
    """
    for column in columns:
        if select.get(f"sort_by_{column}") is not None:
            continue
        sort = _announced(owner, "sort", (column,), partial(owner.sort, column, "desc"))
        select.add(_named(sort, f"sort_by_{column}",
                          f"Sort the cluster table by {column} (descending)."),
                   alias=sort_snippet(column), submenu="Sort by")
