"""Every key and snippet phy 2.1 binds, next to what phygui does with it (docs/keymap.md).

phy declares its bindings as class attributes (``default_shortcuts`` and
``default_snippets`` dictionaries of its GUI, controller, Supervisor and view classes).
They are read here from phy's installed source with :mod:`ast`, without importing phy (its
views need Qt and OpenGL), so the table lists what phy really binds, not a copy that could
drift. Each binding is then looked up in phygui's own bindings (:mod:`gen_keymap`):

- *same*: phygui's action of that name has that key / snippet;
- *as ``name``*: the key or snippet runs phygui's action ``name`` (a different name for the
  same behaviour);
- otherwise the reason in :data:`REASONS` is shown. A binding with neither is *missing*,
  which ``tests/test_docs.py`` refuses.

phy is a test-only dependency: without it the page says so instead of the table.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any, Iterator, NamedTuple

__all__ = ["PhyBinding", "phy_bindings", "statuses", "phy_keys_markdown", "REASONS", "MOUSE"]

#: phy's source files that declare bindings, relative to its package, with the name the
#: binding's owner has in phy's TemplateGUI.
_SOURCES = ("gui/gui.py", "apps/base.py", "cluster/supervisor.py", "cluster/views/waveform.py",
            "cluster/views/feature.py", "cluster/views/amplitude.py", "cluster/views/correlogram.py",
            "cluster/views/histogram.py", "cluster/views/trace.py", "cluster/views/template.py",
            "cluster/views/raster.py", "cluster/views/cluscatter.py", "cluster/views/scatter.py",
            "cluster/views/probe.py")
#: phy class -> where its bindings live in phygui (a group of actions or a view).
_OWNER = {"GUI": "GUI", "BaseController": "GUI", "ActionCreator": "Supervisor", "Supervisor": "Supervisor"}

#: Why phygui does not bind a phy key or snippet as phy does: ``(owner, action) -> reason``.
REASONS: dict[tuple[str, str], str] = {
    ("Supervisor", "reset"): "phy declares `ctrl+alt+space` under the name `reset`, which is no action, so "
                             "phy leaves it unbound; phygui binds it to `reset_wizard`, the action phy meant",
    ("HistogramView", "set_n_bins"): "phy's generic base class; its views ISIView and FiringRateView have "
                                     "their own snippets (`:isin`, `:frn`...), listed with them",
    ("HistogramView", "set_bin_size"): "phy's generic base class (see `set_n_bins`)",
    ("HistogramView", "set_x_min"): "phy's generic base class (see `set_n_bins`)",
    ("HistogramView", "set_x_max"): "phy's generic base class (see `set_n_bins`)",
    ("HistogramView", "change_window_size"): "phy's generic base class; ISIView and FiringRateView "
                                             "have it (`ctrl+wheel`), listed with them",
    ("AmplitudeView", "select_x_dim"): "phy lists `shift+left click` but has no handler for it, so it does "
                                       "nothing in phy; phygui binds nothing either",
    ("AmplitudeView", "select_y_dim"): "phy lists `shift+right click` but has no handler for it (see "
                                       "`select_x_dim`)",
    ("TemplateView", "select_more"): "phy lists `shift+click`, but its click handler ignores clicks without "
                                     "ctrl: `ctrl+shift+click` adds the cluster, in phy and in phygui",
    ("RasterView", "select_more"): "phy lists `shift+click`, but its click handler ignores clicks without "
                                   "ctrl: `ctrl+shift+click` adds the cluster, in phy and in phygui",
}

#: phy's mouse gestures (listed with its shortcuts, handled by its views' click handlers),
#: and what phygui's views do with them: ``(owner, action) -> status``. Each is driven by
#: real X mouse events in the GUI tests named.
MOUSE: dict[tuple[str, str], str] = {
    ("FeatureView", "add_lasso_point"): "same: adds a lasso vertex (tests/gui/test_gui_xdotool.py)",
    ("FeatureView", "stop_lasso"): "same: clears the lasso",
    ("AmplitudeView", "select_time"): "same: the trace view goes to the clicked time",
    ("TraceView", "select_spike"): "same: selects the cluster of the nearest drawn spike",
    ("TraceView", "select_channel_pcA"): "same: the feature view's x channel",
    ("TraceView", "select_channel_pcB"): "same: the feature view's y channel",
    ("TemplateView", "select_cluster"): "same: `ctrl+click` selects the template's cluster",
    ("RasterView", "select_cluster"): "same: `ctrl+click` selects the row's cluster",
    ("ClusterScatterView", "select_cluster"): "same: selects the nearest cluster",
    ("ClusterScatterView", "select_more"): "same: adds the nearest cluster to the selection",
    ("ClusterScatterView", "add_to_lasso"): "same: adds a lasso vertex; the clusters inside are selected",
    ("ClusterScatterView", "clear_lasso"): "same: clears the lasso",
}


class PhyBinding(NamedTuple):
    """One key or snippet phy binds: ``owner`` (phy class), ``action``, ``kind``
    (``'shortcut'`` or ``'snippet'``) and ``key`` (phy's notation; a snippet without ``:``)."""

    owner: str
    action: str
    kind: str
    key: str


def _phy_root() -> Path | None:
    spec = importlib.util.find_spec("phy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _value(node: ast.expr, names: dict[str, str]) -> Any:
    """A constant, tuple or f-string of class-level string constants (phy's histogram
    aliases are ``f'{alias_char}n'``)."""
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name):
                parts.append(names[v.value.id])
            else:
                parts.append(ast.literal_eval(v))
        return "".join(parts)
    return ast.literal_eval(node)


def _class_bindings(cls: ast.ClassDef) -> Iterator[PhyBinding]:
    names: dict[str, str] = {}
    for stmt in cls.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        target = stmt.targets[0].id
        if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            names[target] = stmt.value.value
        if target not in ("default_shortcuts", "default_snippets") or not isinstance(stmt.value, ast.Dict):
            continue
        kind = "shortcut" if target == "default_shortcuts" else "snippet"
        for k, v in zip(stmt.value.keys, stmt.value.values):
            assert k is not None
            # phy writes the unit into some action names ('set_bin_size (ms)').
            action = str(_value(k, names)).split(" ")[0]
            value = _value(v, names)
            for key in (value if isinstance(value, tuple) else (value,)):
                yield PhyBinding(_OWNER.get(cls.name, cls.name), action, kind, key)


def phy_bindings() -> list[PhyBinding] | None:
    """Every binding phy 2.1 declares, in source order (None when phy is not installed)."""
    root = _phy_root()
    if root is None:
        return None
    out: list[PhyBinding] = []
    for rel in _SOURCES:
        tree = ast.parse((root / rel).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                out += [b for b in _class_bindings(node) if b not in out]
    return out


def _norm(key: str) -> str:
    """A key in one notation: lower case, phy's ``esc`` is ``escape``, modifiers sorted."""
    parts = key.lower().replace("esc", "escape").replace("escapeape", "escape").split("+")
    if key.endswith("++"):  # 'ctrl++': the key is '+'
        parts = [p for p in parts if p] + ["+"]
    *mods, last = parts
    return "+".join(sorted(mods) + [last])


def _ours() -> dict[str, list[tuple[str, tuple[str, ...], str | None]]]:
    """phygui's bindings by owner: ``'GUI'`` (every action group) and each view's name ->
    ``[(action, shortcuts, snippet alias)]``."""
    import gen_keymap

    groups = []
    for group in gen_keymap.action_groups():
        groups += [(a.name, tuple(a.shortcuts), a.alias) for a in group]
    out: dict[str, list[tuple[str, tuple[str, ...], str | None]]] = {"GUI": groups, "Supervisor": groups}
    from phygui.views.registry import DATA_VIEWS
    from phygui.views.spike_attribute import SpikeAttributeView

    # phy's ScatterView is the class of its Spike<Name>Views: phygui's SpikeAttributeView.
    for view_name, drawer in {**DATA_VIEWS, "ScatterView": SpikeAttributeView}.items():
        model: Any = getattr(drawer, "model_class")
        snippets = gen_keymap.model_snippets(model)
        out[view_name] = [(name, (shortcut,) if shortcut else (), snippets.get(name))
                          for name, shortcut, _ in model.menu_items() if name != "-"]
        # Wheel gestures, in phy's notation ('ctrl+wheel'), named after what they change.
        for modifier, target in (getattr(model, "wheel", None) or {}).items():
            name = "/".join(target) if isinstance(target, tuple) else str(target)
            out[view_name].append((name, (f"{modifier}+wheel",), None))
    return out


def statuses(bindings: list[PhyBinding]) -> list[tuple[PhyBinding, str]]:
    """``(binding, status)`` for each phy binding; a status starting with ``missing`` has no
    phygui binding and no reason."""
    ours = _ours()
    out = []
    for b in bindings:
        actions = ours.get(b.owner, [])
        if b.kind == "shortcut":
            hits = [name for name, keys, _ in actions if _norm(b.key) in {_norm(k) for k in keys}]
        else:
            hits = [name for name, _, alias in actions if alias == b.key]
        if b.action in hits:
            status = "same"
        elif "click" in b.key and (b.owner, b.action) in MOUSE:
            status = MOUSE[(b.owner, b.action)]
        elif (b.owner, b.action) in REASONS:
            status = REASONS[(b.owner, b.action)]
        elif hits:
            status = f"as `{hits[0]}`"
        elif b.owner not in ours:
            status = f"missing: phygui has no {b.owner}"
        else:
            status = "missing"
        out.append((b, status))
    return out


def phy_keys_markdown() -> str:
    """The generated table of docs/keymap.md's "phy's keys" section."""
    bindings = phy_bindings()
    if bindings is None:
        return "*phy is not installed here, so this table was not generated (`make docs` installs it).*"
    lines = ["| phy owner | phy action | phy key / snippet | phygui |", "|---|---|---|---|"]
    for b, status in statuses(bindings):
        key = f"`{b.key}`" if b.kind == "shortcut" else f"`:{b.key}`"
        lines.append(f"| {b.owner} | `{b.action}` | {key} | {status.replace('|', chr(92) + '|')} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(phy_keys_markdown())
