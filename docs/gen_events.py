"""The event reference, generated from :data:`phycore.signals.EVENTS` and the code that emits.

:func:`emitted_events` finds every ``emit("name", ...)`` call (and the GUI's ``_emit``) in
phycore and phygui by reading their syntax trees, so the page says where each event
comes from and ``tests/test_docs.py`` checks that no emitted event is missing from the
table. The last column is :attr:`phycore.signals.EventDoc.phy`: how the event differs from
phy 2.1's, or why phycore does not emit it (``tests/supervisor/test_phy_events.py`` checks
every event phy 2.1 emits has a row, and is emitted or says why not). Run
``python docs/gen_events.py`` to print the Markdown.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

__all__ = ["ROOT", "emitted_events", "events_markdown"]

ROOT = Path(__file__).resolve().parents[1]
_EMITTERS = {"emit", "_emit"}


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def emitted_events(root: Path = ROOT, packages: tuple[str, ...] = ("phycore", "phygui")) -> dict[str, list[str]]:
    """``{event: [module, ...]}`` of every event emitted with a literal name in ``packages``.

    Parameters
    ----------
    root : Path
        The repository root.
    packages : tuple of str
        Top-level packages to scan.
    """
    found: dict[str, set[str]] = defaultdict(set)
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if (isinstance(node, ast.Call) and _call_name(node) in _EMITTERS and node.args
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                    found[node.args[0].value].add(module)
    return {name: sorted(modules) for name, modules in sorted(found.items())}


def _cell(text: str) -> str:
    # Plain text in a table cell: `__init__` must not turn bold, `*labels` italic.
    return re.sub(r"([|_*])", r"\\\1", " ".join(text.split()))


def events_markdown() -> str:
    """The generated part of docs/events.md: one row per built-in event."""
    from phycore.signals import EVENTS

    emitted = emitted_events()
    lines = ["| Event | Sender | Arguments after the sender | When | Emitted in | Compared with phy 2.1 |",
             "|---|---|---|---|---|---|"]
    for name, doc in sorted(EVENTS.items()):
        where = ", ".join(f"`{m}`" for m in emitted.get(name, [])) or "not emitted by phycore or phygui"
        args = f"`{' '.join(doc.args.split())}`" if doc.args else "(none)"
        phy = _cell(doc.phy) if doc.phy else "as phy"
        lines.append(f"| `{name}` | {_cell(doc.sender)} | {args} | {_cell(doc.doc)} | {where} | {phy} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(events_markdown())
