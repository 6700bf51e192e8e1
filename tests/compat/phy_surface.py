"""The public surface of phy 2.1 and phylib that plugins import, enumerated from their code.

phy's Qt and OpenGL modules cannot be imported here, so phy is read statically (``ast``);
phylib imports fine and is introspected for real (class members, and the ``self.x = ...``
attributes of its methods, still come from the source). :func:`surface` returns one
:class:`Name` per public module-level name of :data:`MODULES` and per public member of each
class they expose (and of that class's phy/phylib bases).

What counts as public: a module's ``__all__`` when it has one, else the names it defines or
imports from phy/phylib (not other packages, not submodules, not ``logger``); a class's
methods, properties, class attributes and the attributes its methods assign on ``self``,
unless their name starts with ``_``. A package exposes the phy/phylib names it imports;
a plain module only the names it defines (its imports are its implementation).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MODULES", "Name", "surface", "phy_root"]

#: Modules plugins import (``phy`` read statically, ``phylib`` imported).
MODULES = (
    "phy", "phy.utils", "phy.apps.base", "phy.apps.template", "phy.apps.template.gui",
    "phy.cluster", "phy.cluster.supervisor", "phy.cluster.clustering", "phy.cluster._utils",
    "phy.cluster._history", "phy.cluster.views", "phy.gui", "phy.plot",
    "phylib.io.model", "phylib.utils", "phylib.stats",
)

#: phy modules whose every class and function is part of a Qt or OpenGL layer.
_QT_MODULES = ("phy.gui.qt", "phy.gui.widgets", "phy.gui.gui")
_OPENGL_MODULES = ("phy.plot.base", "phy.plot.visuals", "phy.plot.transform", "phy.plot.panzoom",
                   "phy.plot.axes", "phy.plot.utils", "phy.plot.interact", "phy.plot.gloo")
_QT_BASE = re.compile(r"^Q[A-Z]")
_OPENGL_BASES = {"BaseVisual", "BaseCanvas", "BaseLayout", "QOpenGLWindow"}


@dataclass(frozen=True)
class Name:
    """One public name of phy's surface.

    Attributes
    ----------
    owner : str
        The module (``"phy.cluster"``) or the class where it is defined
        (``"phy.cluster.supervisor.Supervisor"``).
    name : str
    kind : str
        ``class``, ``function`` or ``data`` for a module's name; ``method``, ``property``,
        ``attribute`` (class level) or ``instance`` (assigned on ``self``) for a member.
    layer : str
        ``"qt"`` or ``"opengl"`` when it belongs to a Qt widget or the OpenGL layer (a class
        of those modules or deriving from a Qt/OpenGL base, its members, or an attribute
        holding an OpenGL visual, canvas or layout), else ``""``.
    """

    owner: str
    name: str
    kind: str
    layer: str = ""

    @property
    def qualname(self) -> str:
        return f"{self.owner}.{self.name}"


def phy_root() -> Path:
    """The installed phy package's folder (found, not imported)."""
    spec = importlib.util.find_spec("phy")
    assert spec is not None and spec.origin is not None, "phy 2.1 must be installed (test oracle)"
    return Path(spec.origin).parent


def _phy_file(module: str) -> Path | None:
    base = phy_root().parent / Path(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.exists():
            return path
    return None


@functools.lru_cache(maxsize=None)
def _tree(module: str) -> ast.Module:
    path = _phy_file(module)
    if path is None:  # a phylib module: parse its source
        path = Path(inspect.getfile(importlib.import_module(module)))
    return ast.parse(path.read_text(encoding="utf-8"))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    is_package = _phy_file(module) is not None and _phy_file(module).name == "__init__.py"  # type: ignore[union-attr]
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _is_ours(module: str) -> bool:
    return module.split(".")[0] in ("phy", "phylib")


@functools.lru_cache(maxsize=None)
def _module_names(module: str) -> dict[str, tuple[str, str]]:
    """Public names of a phy module -> (defining module, name there), statically."""
    tree = _tree(module)
    names: dict[str, tuple[str, str]] = {}
    explicit: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            # A package exposes what it imports; a plain module's imports are its implementation.
            if not _is_ours(source) or not _is_package(module):
                continue
            for alias in node.names:
                if alias.name == "*":
                    names.update(_module_names(source) if source.startswith("phy") else {
                        n: (source, n) for n in _phylib_public(source)})
                elif not _is_submodule(source, alias.name):
                    names[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = (module, node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    if target.id == "__all__":
                        explicit = list(ast.literal_eval(node.value))
                    else:
                        names[target.id] = (module, target.id)
    if explicit is not None:
        return {n: names.get(n, (module, n)) for n in explicit}
    return {n: v for n, v in names.items() if not n.startswith("_") and n != "logger"}


def _is_package(module: str) -> bool:
    path = _phy_file(module)
    return path is not None and path.name == "__init__.py"


def _is_submodule(module: str, name: str) -> bool:
    if module.startswith("phylib"):
        return inspect.ismodule(getattr(importlib.import_module(module), name, None))
    return _phy_file(f"{module}.{name}") is not None


def _phylib_public(module: str) -> list[str]:
    mod = importlib.import_module(module)
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    assigned = {t.id for node in _tree(module).body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    out = []
    for name in dir(mod):
        value = getattr(mod, name)
        if name.startswith("_") or inspect.ismodule(value) or name == "logger":
            continue
        if callable(value):
            if _is_ours(getattr(value, "__module__", None) or ""):
                out.append(name)
        elif name in assigned:
            out.append(name)
    return out


def _find(module: str, name: str) -> tuple[str, ast.AST | None]:
    """The defining module of ``module.name`` and its node (None for phylib objects)."""
    if module.startswith("phylib"):
        obj = getattr(importlib.import_module(module), name)
        return (getattr(obj, "__module__", module) if callable(obj) else module), None
    for node in _tree(module).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            return module, node
    source = _module_names(module).get(name) or _imports(module).get(name)
    if source is not None and source != (module, name):
        return _find(*source)
    return module, None


@functools.lru_cache(maxsize=None)
def _imports(module: str) -> dict[str, tuple[str, str]]:
    """Every phy/phylib name a phy module imports -> (module, name), to resolve re-exports."""
    return {alias.asname or alias.name: (_absolute(module, node), alias.name)
            for node in _tree(module).body if isinstance(node, ast.ImportFrom)
            for alias in node.names if alias.name != "*" and _is_ours(_absolute(module, node))}


def _origin(module: str, name: str) -> tuple[str, str]:
    """Follow phy's re-exports to the phylib module (or phy module) that holds the name."""
    while not module.startswith("phylib"):
        source = _module_names(module).get(name) or _imports(module).get(name)
        if source is None or source == (module, name):
            break
        module, name = source
    return module, name


def _kind(module: str, name: str) -> str:
    where, node = _find(module, name)
    if node is None:
        origin, attr = _origin(module, name)
        if origin.startswith("phylib"):
            obj = getattr(importlib.import_module(origin), attr, None)
            return "class" if inspect.isclass(obj) else "function" if callable(obj) else "data"
        return "data"
    return "class" if isinstance(node, ast.ClassDef) else "function"


def _layer_of_module(module: str) -> str:
    if module.startswith(_QT_MODULES):
        return "qt"
    if module.startswith(_OPENGL_MODULES):
        return "opengl"
    return ""


def _bases(module: str, node: ast.ClassDef) -> list[tuple[str, str]]:
    out = []
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if name is None or name == "object":
            continue
        where, found = _find(module, name)
        out.append((where if found is not None or where.startswith("phylib") else "", name))
    return out


@functools.lru_cache(maxsize=None)
def _class_layer(module: str, name: str) -> str:
    if module.startswith("phylib"):
        return ""
    layer = _layer_of_module(module)
    if layer:
        return layer
    _, node = _find(module, name)
    if not isinstance(node, ast.ClassDef):
        return ""
    for where, base in _bases(module, node):
        if base in _OPENGL_BASES:
            return "opengl"
        if not where and _QT_BASE.match(base):
            return "qt"
        if where:
            sub = _class_layer(where, base)
            if sub:
                return sub
    return ""


def _decorators(node: ast.FunctionDef) -> set[str]:
    out = set()
    for d in node.decorator_list:
        out.add(d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else "")
    return out


_OPENGL_VALUE = re.compile(r"Visual$|^(PlotCanvas|Boxed|Grid|Stacked|Lasso|PanZoom|Axes|plot_canvas_class)$")


def _opengl_members(node: ast.ClassDef) -> set[str]:
    """Attributes assigned an OpenGL visual, canvas or layout (``self.visual = ScatterVisual()``)."""
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call):
            func = sub.value.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if _OPENGL_VALUE.search(called):
                out.update(t.attr for t in sub.targets if isinstance(t, ast.Attribute))
    return out


def _members(node: ast.ClassDef) -> dict[str, str]:
    members: dict[str, str] = {}
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = _decorators(item)  # type: ignore[arg-type]
            is_property = bool(decorators & {"property", "setter", "cached_property"})
            if item.name not in members or is_property:
                members[item.name] = "property" if is_property else "method"
        elif isinstance(item, ast.Assign):
            for t in item.targets:
                if isinstance(t, ast.Name):
                    members.setdefault(t.id, "attribute")
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.setdefault(item.target.id, "attribute")
    for sub in ast.walk(node):
        targets: list[ast.expr] = []
        if isinstance(sub, ast.Assign):
            targets = list(sub.targets)
        elif isinstance(sub, (ast.AugAssign, ast.AnnAssign)):
            targets = [sub.target]
        for t in targets:
            for el in (t.elts if isinstance(t, ast.Tuple) else [t]):
                if isinstance(el, ast.Attribute) and isinstance(el.value, ast.Name) and el.value.id == "self":
                    members.setdefault(el.attr, "instance")
    return {n: k for n, k in members.items() if not n.startswith("_")}


def _class_node(module: str, name: str) -> ast.ClassDef | None:
    if module.startswith("phylib"):
        cls = getattr(importlib.import_module(module), name)
        source = inspect.getsource(cls)
        tree = ast.parse(inspect.cleandoc("\n" + source) if source[:1].isspace() else source)
        return next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
    _, node = _find(module, name)
    return node if isinstance(node, ast.ClassDef) else None


def _phylib_class(module: str, name: str) -> tuple[str, str]:
    cls = getattr(importlib.import_module(module), name)
    return cls.__module__, cls.__name__


def _phylib_bases(module: str, name: str) -> list[tuple[str, str]]:
    cls = getattr(importlib.import_module(module), name)
    return [(b.__module__, b.__name__) for b in cls.__bases__ if _is_ours(b.__module__)]


def surface() -> list[Name]:
    """Every public name of :data:`MODULES` and of the classes they expose (sorted, unique)."""
    out: dict[str, Name] = {}
    classes: list[tuple[str, str]] = []
    for module in MODULES:
        names = (_module_names(module) if module.startswith("phy.") or module == "phy"
                 else {n: (module, n) for n in _phylib_public(module)})
        for name in names:
            where, _ = _find(module, name)
            kind = _kind(module, name)
            layer = _class_layer(where, name) if kind == "class" else _layer_of_module(where)
            item = Name(module, name, kind, layer)
            out[item.qualname] = item
            if kind == "class":
                classes.append(_phylib_class(*_origin(module, name)) if where.startswith("phylib") else (where, name))
    seen: set[tuple[str, str]] = set()
    while classes:
        where, name = classes.pop()
        if (where, name) in seen:
            continue
        seen.add((where, name))
        node = _class_node(where, name)
        if node is None:
            continue
        layer = _class_layer(where, name)
        opengl = _opengl_members(node)
        for member, kind in _members(node).items():
            item = Name(f"{where}.{name}", member, kind, layer or ("opengl" if member in opengl else ""))
            out[item.qualname] = item
        bases = _phylib_bases(where, name) if where.startswith("phylib") else _bases(where, node)
        classes.extend(b for b in bases if b[0])
    return sorted(out.values(), key=lambda n: n.qualname)


if __name__ == "__main__":
    from collections import Counter

    items = surface()
    print(len(items), Counter(n.layer for n in items))
    for owner, count in Counter(n.owner for n in items).most_common():
        print(f"{count:4d} {owner} {items[[n.owner for n in items].index(owner)].layer}")


# Where phycore serves a name -------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def assigned_attributes(cls: type) -> frozenset[str]:
    """Attributes a class (or a base) declares or assigns on ``self`` in its methods: the
    instance attributes ``hasattr(cls, name)`` cannot see."""
    out: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        out |= set(vars(klass).get("__annotations__", {}))
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        tree = ast.parse(inspect.cleandoc("\n" + source) if source[:1].isspace() else source)
        out |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return frozenset(out)


def load_target(target: str) -> Any:
    """The object behind ``"module:attribute"`` (a class, or a collection of names)."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def member_of(target: Any, name: str) -> tuple[bool, Any]:
    """Whether ``name`` exists on ``target`` (a class, or a collection of names), and its
    class-level value when it has one (None for an instance attribute)."""
    if isinstance(target, (tuple, list, set, frozenset, dict)):
        return name in target, None
    if hasattr(target, name):
        return True, inspect.getattr_static(target, name)
    return name in assigned_attributes(target), None
