"""Curation session logic: actions, selection, cluster/similarity tables, wizard, journal."""

from phycore.supervisor.actions import Action, Actions, parse_snippet, run_snippet
from phycore.supervisor.filter_expr import FilterExpression, parse_filter
from phycore.supervisor.journal import Journal
from phycore.supervisor.keymap import DEFAULT_SHORTCUTS, DEFAULT_SNIPPETS
from phycore.supervisor.supervisor import Supervisor
from phycore.supervisor.table_model import TableModel

__all__ = [
    "Action",
    "Actions",
    "DEFAULT_SHORTCUTS",
    "DEFAULT_SNIPPETS",
    "FilterExpression",
    "Journal",
    "Supervisor",
    "TableModel",
    "parse_filter",
    "parse_snippet",
    "run_snippet",
]
