"""Where a controller finds its GUI: front ends register themselves, phycore never names one.

phycore sits below any GUI (design.md), so ``TemplateController.create_gui`` may not
name phygui in an import. A front end instead makes itself known, either

- as an installed entry point in the ``phycore.gui`` group whose object has
  ``create_gui(controller, **kwargs)`` and ``template_gui(params_path, **kwargs)``
  (phygui's ``pyproject.toml`` declares ``phygui = "phygui.app"``), or
- at run time with :func:`register_frontend` (an embedding program, a test).

.. versionadded:: 0.1
"""

from __future__ import annotations

import logging
import os
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from phycore.errors import PhyCoreError

__all__ = ["ENTRY_POINT_GROUP", "Frontend", "NoFrontendError", "get_frontend", "register_frontend"]

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "phycore.gui"


class NoFrontendError(PhyCoreError, RuntimeError):
    """No GUI front end is installed or registered."""


@runtime_checkable
class Frontend(Protocol):
    """What a GUI front end offers phycore."""

    # ``controller`` is a TemplateController, which imports this module: no import back.
    def create_gui(self, controller: Any, **kwargs: Any) -> Any:
        """Create the window of ``controller`` without running its loop; return the GUI."""

    def template_gui(self, params_path: str | os.PathLike[str], **kwargs: Any) -> Any:
        """Open a folder and run the window until it closes (phy's ``template_gui``)."""


_registered: dict[str, Frontend] = {}


def register_frontend(frontend: Frontend, name: str = "default") -> None:
    """Make ``frontend`` the one :func:`get_frontend` returns (before any entry point)."""
    if not isinstance(frontend, Frontend):
        raise TypeError(f"register_frontend() needs an object with create_gui() and template_gui(), "
                        f"got {frontend!r}.")
    _registered[name] = frontend


def get_frontend(name: str | None = None) -> Frontend:
    """The registered front end ``name`` (any when None), else the installed entry point.

    Raises
    ------
    NoFrontendError
        When none is registered and no ``phycore.gui`` entry point loads.
    """
    if name is not None and name in _registered:
        return _registered[name]
    if name is None and _registered:
        return next(reversed(_registered.values()))
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if name is None or ep.name == name]
    errors = []
    for ep in found:
        try:
            frontend = ep.load()
        except Exception as exc:  # a broken install must say which one
            errors.append(f"{ep.name} ({ep.value}): {exc}")
            continue
        if isinstance(frontend, Frontend):
            return frontend
        errors.append(f"{ep.name} ({ep.value}) has no create_gui()/template_gui()")
    what = f"front end {name!r}" if name else "GUI front end"
    detail = f" Entry points that failed: {'; '.join(errors)}." if errors else ""
    raise NoFrontendError(f"No {what} is installed (entry point group {ENTRY_POINT_GROUP!r}): install phygui "
                          f"(pip install phycore) or call phycore.frontends.register_frontend().{detail}")
