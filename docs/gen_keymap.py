"""The keymap page's tables, generated from the code that binds the keys (so they cannot drift).

Sources, in the order the GUI resolves a key or a snippet:

- the GUI's File, View, Help and snippet groups (:func:`phygui.default_actions.create_default_actions`);
- the Supervisor's Edit and Select groups, as a :class:`phycore.TemplateController` builds
  them (phy's shortcuts from :mod:`phycore.supervisor.keymap`, plus ``split_init``);
- each data view's commands, shortcuts, snippets and wheel gestures, read from its view
  model class (:data:`phygui.views.registry.DATA_VIEWS`).

Run ``python docs/gen_keymap.py`` to print the Markdown.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from gen_text import prose
from phycore.supervisor import Action, Actions

__all__ = ["action_groups", "model_snippets", "view_commands", "keymap_markdown"]


def _controller_groups() -> list[Actions]:
    from phycore import TemplateController
    from phycore.model.synthetic import make_dataset

    with tempfile.TemporaryDirectory(prefix="phycore-docs-") as tmp:
        params = make_dataset(Path(tmp) / "data", n_spikes=400, n_channels=8, n_templates=4, duration=2.0,
                              raw=False)
        # An empty user folder: the user's own plugins must not show up in the docs.
        (Path(tmp) / "user").mkdir()
        controller = TemplateController(params, config_dir=Path(tmp) / "user", metrics=False)
        try:
            s = controller.supervisor
            return [s.actions, s.select_actions]
        finally:
            controller.close()


def action_groups() -> list[Actions]:
    """File, Edit, Select, View, Help and Snippets groups, in the GUI's priority order."""
    from phygui.default_actions import create_default_actions

    # The GUI's callbacks are only described here, never called: no window is needed.
    gui = create_default_actions(None)  # type: ignore[arg-type]
    edit, select = _controller_groups()
    return [gui["file"], edit, select, gui["view"], gui["help"], gui["snippet"]]


def _snippet(name: str, alias: str | None, callback: Callable[..., Any]) -> str:
    """``:alias <arg> [optional] [ids...]`` from the callback's signature."""
    parts = [f":{alias or name}"]
    try:
        params = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        params = []  # type: ignore[assignment]
    for p in params:
        if p.name == "self":  # a view model's method, read from its class
            continue
        if p.kind == p.VAR_POSITIONAL:
            parts.append(f"[{p.name}...]")
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            parts.append(f"<{p.name}>" if p.default is p.empty else f"[{p.name}]")
    return " ".join(parts)


def _keys(shortcuts: Iterable[str]) -> str:
    return ", ".join(f"`{k}`" for k in shortcuts)


def _text(doc: str) -> str:
    return " ".join(doc.split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _action_rows(group: Actions) -> list[tuple[str, str, str, str]]:
    rows = []
    for action in group:
        assert isinstance(action, Action)
        rows.append((f"`{action.name}`", _keys(action.shortcuts),
                     f"`{_snippet(action.name, action.alias, action.callback)}`", _text(action.docstring)))
    return rows


def model_snippets(model: type) -> dict[str, str]:
    """``{command: snippet alias}`` of a view model class."""
    snippets = getattr(model, "snippets", None) or {}
    if isinstance(snippets, property) and snippets.fget is not None:
        snippets = snippets.fget(model)  # histogram views derive them from a class attribute
    return dict(snippets)


def view_commands() -> dict[str, dict[str, Any]]:
    """Per data view: ``doc`` (what it shows, its mouse gestures), ``rows`` (command,
    shortcut, snippet, description) and ``wheel`` gestures."""
    from phygui.views.registry import DATA_VIEWS

    out = {}
    for view_name, drawer in DATA_VIEWS.items():
        model: Any = getattr(drawer, "model_class")  # every data view is a PlotView
        snippets = model_snippets(model)
        rows = []
        for name, shortcut, doc in model.menu_items():
            # The drawer (PlotView) binds no `split` of its own: `k` is the Supervisor's split.
            if name in ("-", "split"):
                continue
            alias = snippets.get(name)
            rows.append((f"`{name}`", _keys([shortcut] if shortcut else []),
                         f"`{_snippet(name, alias, getattr(model, name))}`" if alias else "", _text(doc)))
        wheel = []
        for modifier, target in (model.wheel or {}).items():
            what = f"`{target[0]}` / `{target[1]}`" if isinstance(target, tuple) else f"`{target}`"
            wheel.append((f"`{modifier}+wheel`", what))
        out[view_name] = {"doc": prose(inspect.getdoc(drawer) or ""), "rows": rows, "wheel": wheel}
    return out


def keymap_markdown() -> str:
    """The generated part of docs/keymap.md."""
    header = ("Action", "Shortcut", "Snippet", "What it does")
    parts = []
    for group in action_groups():
        parts += [f"### {group.name}", "", _table(header, _action_rows(group)), ""]
    parts += ["## Views", "",
              "Each view's commands are in its own menu; besides the snippets listed, any command runs as "
              "`:<command>` (when several views have a command of that name, the first view opened wins). "
              "Every data view also has `reset_view` (unzoom), and the plain wheel zooms it.", ""]
    for view_name, info in view_commands().items():
        parts += [f"### {view_name}", "", info["doc"], ""]
        if info["rows"]:
            parts += [_table(("Command", "Shortcut", "Snippet", "What it does"), info["rows"]), ""]
        if info["wheel"]:
            parts += [_table(("Gesture", "Runs (wheel up / down, or with the wheel step)"), info["wheel"]), ""]
    return "\n".join(parts)


if __name__ == "__main__":
    print(keymap_markdown())
