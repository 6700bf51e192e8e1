"""The meta-path finder serving the ``phy`` compatibility namespace (private).

One :class:`PhyFinder` builds ``phy``, ``phy.cluster.views``... as lazy modules from
:data:`~phycore.compat._names.MODULES`: a name is resolved (its phycore target imported)
when a plugin first reads it. Two ways to put it in place:

- :func:`install` appends it to ``sys.meta_path``: it then answers only when no other
  finder finds ``phy`` (phy is not installed), so it never shadows a real phy;
- :func:`forced` puts it first for the duration of a block and hides the real ``phy``
  and ``phylib`` modules already imported; ``sys.modules`` is restored afterwards.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from phycore.compat._names import (
    MODULES,
    PHY_VERSION,
    ROOTS,
    UNSUPPORTED_MODULES,
    UNSUPPORTED_NAMES,
    UNSUPPORTED_REST,
)
from phycore.compat._surface import REFUSED
from phycore.errors import UnsupportedPhyAPIError

__all__ = ["PhyFinder", "FINDER", "install", "uninstall", "is_installed", "forced", "is_phy_name",
           "is_compat_module", "real_phy_available", "resolve"]

#: Where plugin authors read what is mapped and what is not.
DOCS = "docs/plugins-phy-compat.md"


def is_phy_name(name: str) -> bool:
    """Whether a module name belongs to the namespace (``phy``, ``phy.x``, ``phylib.y``)."""
    return name.split(".", 1)[0] in ROOTS


def _unsupported_reason(name: str) -> str | None:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        reason = UNSUPPORTED_MODULES.get(".".join(parts[:i]))
        if reason is not None:
            return reason
    return None


def resolve(target: str) -> Any:
    """The object behind ``"module:attribute"``."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _lazy_getattr(module: types.ModuleType, table: dict[str, str]) -> Callable[[str], Any]:
    module_name = module.__name__
    unsupported = {**REFUSED.get(module_name, {}), **UNSUPPORTED_NAMES.get(module_name, {})}
    rest = UNSUPPORTED_REST.get(module_name)

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is not None:
            value = resolve(target)
            setattr(module, name, value)  # resolved once
            return value
        reason = unsupported.get(name) or (rest if rest and not name.startswith("__") else None)
        if reason is not None:
            raise UnsupportedPhyAPIError(
                f"{module_name}.{name} is not supported by phycore: {reason}.", argument=f"{module_name}.{name}")
        # AttributeError: `from m import name` turns it into phy's usual ImportError.
        raise AttributeError(f"phycore's phy compatibility module {module_name!r} has no attribute {name!r} "
                             f"(see {DOCS} for what is mapped)")

    return __getattr__


class PhyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and builds the modules of the ``phy`` compatibility namespace.

    Attributes
    ----------
    served : set of str
        Names of the modules built so far.
    """

    def __init__(self) -> None:
        self.served: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not is_phy_name(fullname):
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        reason = _unsupported_reason(name)
        if reason is not None:
            raise UnsupportedPhyAPIError(f"{name} is not supported by phycore: {reason}.", argument=name)
        table = MODULES.get(name)
        if table is None:
            raise UnsupportedPhyAPIError(
                f"{name} is not part of phycore's phy compatibility layer (see {DOCS}); import what you "
                f"need from phycore instead.", argument=name)
        module.__doc__ = f"phycore's stand-in for {name} (phy plugin compatibility)."
        namespace = vars(module)  # the module's __dict__: its attributes
        namespace["__all__"] = sorted(table)
        namespace["__getattr__"] = _lazy_getattr(module, table)
        namespace["__phycore_compat__"] = True
        if name in ROOTS:
            namespace["__version__"] = PHY_VERSION
        self.served.add(name)


#: The finder every part of phycore uses.
FINDER = PhyFinder()


def is_installed() -> bool:
    """Whether the finder is in ``sys.meta_path``."""
    return FINDER in sys.meta_path


def install() -> None:
    """Append the finder to ``sys.meta_path`` (a fallback: a real phy still wins)."""
    if FINDER not in sys.meta_path:
        sys.meta_path.append(FINDER)


def uninstall() -> None:
    """Remove the finder and forget the compatibility modules from ``sys.modules``."""
    while FINDER in sys.meta_path:
        sys.meta_path.remove(FINDER)
    for name in [n for n, m in sys.modules.items() if is_phy_name(n) and is_compat_module(m)]:
        del sys.modules[name]


def is_compat_module(module: object) -> bool:
    """Whether ``module`` was built by the finder (not the real phy)."""
    return bool(getattr(module, "__phycore_compat__", False))


def real_phy_available() -> bool:
    """Whether the real phy package would be imported by ``import phy``."""
    module = sys.modules.get("phy", False)
    if module is None:  # explicitly blocked
        return False
    if module is not False:
        return not is_compat_module(module)
    return importlib.machinery.PathFinder.find_spec("phy") is not None


@contextlib.contextmanager
def forced() -> Iterator[None]:
    """Serve the compatibility namespace even if phy is installed, for the block.

    Real ``phy``/``phylib`` modules already imported are hidden from ``sys.modules``
    and put back afterwards; the compatibility modules imported in the block are
    removed again (objects taken from them keep working).
    """
    hidden = {n: m for n, m in sys.modules.items() if is_phy_name(n)}
    for name in hidden:
        del sys.modules[name]
    was_installed = is_installed()
    while FINDER in sys.meta_path:
        sys.meta_path.remove(FINDER)
    sys.meta_path.insert(0, FINDER)
    try:
        yield
    finally:
        sys.meta_path.remove(FINDER)
        if was_installed:
            sys.meta_path.append(FINDER)
        for name in [n for n in sys.modules if is_phy_name(n)]:
            del sys.modules[name]
        sys.modules.update(hidden)
