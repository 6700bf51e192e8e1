"""phy's default shortcuts and snippet aliases for the Supervisor's actions (parity.md §2.1).

Shortcuts use phy's notation (``'ctrl+shift+z'``, ``'alt+n'``); a tuple binds several.
"""

from __future__ import annotations

__all__ = ["DEFAULT_SHORTCUTS", "DEFAULT_SNIPPETS", "GROUPS", "MASKED_GROUPS", "MOVE_KEYS"]

GROUPS = ("noise", "mua", "good", "unsorted")

#: Groups the wizard skips (phy's "skip noise and mua"); good and unsorted never are.
MASKED_GROUPS = frozenset({"noise", "mua"})

#: Letter for each group in the move shortcuts.
MOVE_KEYS = {"noise": "n", "mua": "m", "good": "g", "unsorted": "u"}

DEFAULT_SHORTCUTS: dict[str, str | tuple[str, ...]] = {
    # Edit
    "undo": ("ctrl+z",),
    "redo": ("ctrl+shift+z", "ctrl+y"),
    "merge": "g",
    "split": "k",
    "label": "l",
    "clear_filter": "escape",
    "save": "ctrl+s",
    # Select
    # ctrl+space: the n_similar_clusters_to_select (15) most similar clusters.
    "select_n_similar": "ctrl+space",
    "unselect_similar": "backspace",
    "first": "home",
    "last": "end",
    # phy declares ctrl+alt+space under a key that does not match the action name, so
    # it is unbound there; we bind it on purpose (parity.md §9).
    "reset_wizard": "ctrl+alt+space",
    "next": "space",
    "previous": "shift+space",
    "next_best": "down",
    "previous_best": "up",
}
for _group, _key in MOVE_KEYS.items():
    DEFAULT_SHORTCUTS[f"move_best_to_{_group}"] = f"alt+{_key}"
    DEFAULT_SHORTCUTS[f"move_similar_to_{_group}"] = f"ctrl+{_key}"
    DEFAULT_SHORTCUTS[f"move_all_to_{_group}"] = f"ctrl+alt+{_key}"

DEFAULT_SNIPPETS: dict[str, str] = {
    "merge": "g",
    "split": "k",
    "label": "l",
    "select": "c",
    "filter": "f",
    "sort": "s",
    "move": "move",
    "undo": "undo",
    "redo": "redo",
}
