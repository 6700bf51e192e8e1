"""The Help window: every action with its shortcuts and snippet."""

from __future__ import annotations

from typing import Sequence

import dearpygui.dearpygui as dpg

from phycore.supervisor import Actions
from phygui.snippets import snippet_table

__all__ = ["HelpWindow"]


class HelpWindow:
    """A floating window listing every action with its shortcuts and snippet."""

    def __init__(self) -> None:
        with dpg.window(label="Help: shortcuts and snippets", show=False, width=640, height=700,
                        pos=(480, 100), no_docking=True) as win:
            self.window = win
            dpg.add_text("Keyboard shortcuts and snippets (type ':' then the snippet, Enter to run).")
            self.table = dpg.add_table(header_row=True, scrollY=True, height=-1,
                                       policy=dpg.mvTable_SizingStretchProp, borders_innerH=True)

    def show(self, groups: Sequence[Actions]) -> list[tuple[str, str, str, str]]:
        """Fill the table from the current action groups and show the window."""
        rows = snippet_table(groups)
        dpg.delete_item(self.table, children_only=True)
        for label in ("menu", "action", "shortcut", "snippet"):
            dpg.add_table_column(label=label, parent=self.table)
        for row in rows:
            with dpg.table_row(parent=self.table):
                for cell in row:
                    dpg.add_text(cell)
        dpg.configure_item(self.window, show=True)
        dpg.focus_item(self.window)
        return rows
