"""The plugin base class, the registry of plugin classes and the record of plugin failures.

Bottom layer: the plugin loader (:mod:`phycore.plugins`) and the phy compatibility layer
(:mod:`phycore.compat`) both register here. Plugin authors use :mod:`phycore.plugins`.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import attrs

from phycore.paths import user_dir as _user_dir
from phycore.errors import PluginError

__all__ = [
    "IPlugin",
    "PluginFailure",
    "get_failures",
    "clear_failures",
    "get_plugin",
    "plugin_path",
    "registered_plugins",
    "plugin_for_file",
    "record_failure",
    "register_foreign",
]

logger = logging.getLogger("phycore.plugins")


@attrs.frozen
class PluginFailure:
    """A plugin or configuration problem, for the GUI to show.

    Attributes
    ----------
    name : str
        Plugin name, or file name for a config/import problem.
    stage : str
        ``'config'``, ``'import'``, ``'duplicate'`` (a warning: two files define
        the same class name), ``'lookup'``, ``'attach'``, ``'unsupported'`` (a plugin
        called a part of phy phycore cannot provide; the call was skipped) or
        ``'foreign'`` (a warning: a plugin derives from an installed phy's ``IPlugin``).
    message : str
        One line: what went wrong and in which file.
    path : str or None
        The file involved, when known.
    traceback : str
        Full traceback text ('' when there is none).
    """

    name: str
    stage: str
    message: str
    path: str | None = None
    traceback: str = ""

    def __iter__(self) -> Iterator[str]:
        """Unpack as ``(name, message)``."""
        return iter((self.name, self.message))


_FAILURES: list[PluginFailure] = []


def record_failure(name: str, stage: str, message: str, path: str | os.PathLike[str] | None = None,
            exc: BaseException | None = None, *, level: int = logging.ERROR) -> PluginFailure:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) if exc else ""
    failure = PluginFailure(name, stage, message, os.fspath(path) if path is not None else None, tb)
    _FAILURES.append(failure)
    if tb:
        logger.log(level, "%s\n%s", message, tb.rstrip())
    else:
        logger.log(level, "%s", message)
    return failure


def get_failures() -> list[PluginFailure]:
    """Return the plugin and config problems recorded so far, oldest first.

    Returns
    -------
    list of PluginFailure
        Each also unpacks as ``(name, message)``.
    """
    return list(_FAILURES)


def clear_failures() -> None:
    """Forget the recorded problems (e.g. before reloading the plugins)."""
    _FAILURES.clear()




@attrs.frozen
class _Entry:
    cls: type  # an IPlugin subclass, or a plugin of an installed phy (see register_foreign)
    path: str


_REGISTRY: dict[str, _Entry] = {}


def _defining_file(cls: type) -> str:
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if path is None:
        try:
            path = inspect.getsourcefile(cls)
        except TypeError:
            path = None
    return os.path.abspath(path) if path else f"<{cls.__module__}>"


class IPlugin:
    """Base class of plugins: define a subclass and list its name in the config.

    Every subclass is registered under its class name when it is defined. Override
    :meth:`attach_to_controller` to add columns, actions, views or event handlers.

    Examples
    --------
    >>> from phycore import IPlugin, connect
    >>> class HelloPlugin(IPlugin):  # doctest: +SKIP
    ...     def attach_to_controller(self, controller):
    ...         @connect
    ...         def on_select(sender, cluster_ids):
    ...             print("selected", cluster_ids)
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        path = _defining_file(cls)
        old = _REGISTRY.get(name)
        if old is None or old.path == path:
            _REGISTRY[name] = _Entry(cls, path)  # new, or the same file imported again
            logger.debug("Registered plugin %s from %s.", name, path)
            return
        record_failure(name, "duplicate", f"The plugin {name} is defined twice, in {old.path} and in {path}; "
                "the first one is used.", path, level=logging.WARNING)

    # ``Any``: the controller sits above this layer (no import back, even for types), and a
    # plugin may annotate its override with TemplateController.
    def attach_to_controller(self, controller: Any) -> None:
        """Called once with the controller, before the GUI is built.

        Parameters
        ----------
        controller : TemplateController
            Gives ``model``, ``supervisor``, ``context``, ``cluster_metrics``...
        """

    def attach_to_cli(self, cli: object) -> None:
        """Accepted for phy compatibility; phycore has no click CLI to extend."""


def registered_plugins() -> dict[str, type[IPlugin]]:
    """Return the registered plugin classes by name, in registration order.

    Returns
    -------
    dict of str to type
    """
    return {name: e.cls for name, e in _REGISTRY.items()}


def plugin_path(name: str) -> str | None:
    """Return the file defining the registered plugin ``name``, or None."""
    entry = _REGISTRY.get(name)
    return entry.path if entry else None


def register_foreign(plugin: type, path: str) -> bool:
    """Register a class deriving from another package's ``IPlugin`` (an installed phy's)
    under its name, as if it derived from phycore's; False if the name is taken."""
    old = _REGISTRY.get(plugin.__name__)
    if old is not None and old.path != os.path.abspath(path):
        return False
    _REGISTRY[plugin.__name__] = _Entry(plugin, os.path.abspath(path))
    return True


def plugin_for_file(path: str | os.PathLike[str] | None) -> str | None:
    """The name of the first plugin registered from ``path``, or None."""
    if path is None:
        return None
    key = os.path.abspath(path)
    return next((name for name, e in _REGISTRY.items() if e.path == key), None)


def get_plugin(name: str) -> type[IPlugin]:
    """Return the plugin class called ``name``.

    An exact class name wins; otherwise, as phy, the first registered class whose
    name contains ``name``.

    Parameters
    ----------
    name : str
        Plugin name as written in ``c.TemplateGUI.plugins``.

    Returns
    -------
    type

    Raises
    ------
    PluginError
        No registered plugin matches; the message lists the known ones.
    """
    if name in _REGISTRY:
        return _REGISTRY[name].cls
    for other, entry in _REGISTRY.items():
        if name and name in other:
            return entry.cls
    known = ", ".join(sorted(_REGISTRY)) or "none"
    raise PluginError(
        f"The plugin {name!r} cannot be found (registered plugins: {known}). "
        f"Is its file in {_user_dir() / 'plugins'} or in c.Plugins.dirs?", argument=name)
