"""Plugins and the user configuration file, compatible with phy's.

- ``~/.phy/phy_config.py`` (``$PHY_USER_DIR`` overrides ``~/.phy``) is the user's own
  Python file, executed with a :class:`Config` object ``c`` (and ``get_config()``
  returning it, as traitlets does): ``c.TemplateGUI.plugins = ['MyPlugin']``,
  ``c.Plugins.dirs = [...]``, any ``c.Section.key = value``. It is created with
  commented examples when missing. An error in it is logged with its traceback and an
  empty configuration is used.
- Every ``*.py`` under ``~/.phy/plugins/`` and ``c.Plugins.dirs`` is imported
  (:func:`discover_plugins`). Each subclass of :class:`IPlugin` is registered by class
  name; a name defined in two files is reported, naming both.
- :func:`attach_plugins` instantiates the plugins listed for the controller's GUI and
  calls their ``attach_to_controller(controller)``.

Nothing here raises for a bad plugin or config: every problem is logged with its
traceback and recorded as a :class:`PluginFailure` (see :func:`get_failures`), and
the session goes on.

.. versionadded:: 0.1
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from phycore._config import Config, default_config_text, load_config
from phycore._paths import user_dir as _user_dir
from phycore._plugin_base import (
    _REGISTRY,
    IPlugin,
    PluginFailure,
    _record,
    clear_failures,
    get_failures,
    get_plugin,
    plugin_path,
    registered_plugins,
)
from phycore.errors import PluginError

__all__ = [
    "IPlugin",
    "Config",
    "PluginFailure",
    "load_config",
    "discover_plugins",
    "attach_plugins",
    "get_plugin",
    "plugin_path",
    "registered_plugins",
    "get_failures",
    "clear_failures",
    "default_config_text",
]

logger = logging.getLogger(__name__)

# The public classes are documented and pickled under this module's name.
for _cls in (IPlugin, PluginFailure, Config):
    _cls.__module__ = __name__

_SKIPPED_FILES = {"phy_config.py", "phycontrib_loader.py"}
_MODULE_PREFIX = "phycore_user_plugin"



_IMPORTED: dict[str, int] = {}  # absolute file path -> mtime_ns when imported


def _iter_plugin_files(dirs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    found: list[Path] = []
    seen: set[str] = set()
    for d in dirs:
        root = Path(d).expanduser()
        if not root.is_dir():
            logger.debug("Plugin folder %s does not exist.", root)
            continue
        for subdir, subdirs, files in os.walk(root, followlinks=True):
            real = os.path.realpath(subdir)
            if real in seen:  # symlink loop, or a folder listed twice
                subdirs[:] = []
                continue
            seen.add(real)
            subdirs[:] = sorted(s for s in subdirs if not (
                s.startswith(("test", ".")) or s.startswith("__")))
            for name in sorted(files):
                if (name.endswith(".py") and name not in _SKIPPED_FILES
                        and not name.startswith(("test", "__", "."))):
                    found.append(Path(subdir) / name)
    return found


def _module_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    digest = hashlib.sha1(os.fsencode(str(path))).hexdigest()[:10]
    return f"{_MODULE_PREFIX}_{stem}_{digest}"


def _check_foreign_plugins(module: Any, path: Path) -> None:
    """Report classes deriving from another package's ``IPlugin`` (phy's): they would never attach."""
    for obj in list(vars(module).values()):
        if not (isinstance(obj, type) and obj.__module__ == module.__name__) or issubclass(obj, IPlugin):
            continue
        if any(b.__name__ == "IPlugin" and b is not IPlugin for b in obj.__mro__[1:]):
            _record(obj.__name__, "import", f"The plugin {obj.__name__} in {path} derives from "
                    f"{obj.__mro__[1].__module__}.IPlugin, not phycore's: write "
                    "`from phycore import IPlugin, connect` instead of importing from phy.", path)


def _import_file(path: Path) -> None:
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - .py files always have a loader
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    _check_foreign_plugins(module, path)


def discover_plugins(dirs: Iterable[str | os.PathLike[str]]) -> list[type[IPlugin]]:
    """Import every plugin file under ``dirs`` and return the registered plugin classes.

    Folders are scanned recursively, skipping those starting with ``test``, ``.`` or
    ``__``; files starting with ``test``, ``.`` or ``__``, ``phy_config.py`` and
    ``phycontrib_loader.py`` are skipped. Each file becomes a module with a unique
    name (``phycore_user_plugin_<stem>_<hash of its path>``); a file already
    imported and unchanged since is not imported again. An error while importing a
    file is logged with its traceback and recorded; the other files still load.

    Parameters
    ----------
    dirs : iterable of str or os.PathLike
        Folders to scan; missing ones are ignored.

    Returns
    -------
    list of type
        Every registered :class:`IPlugin` subclass (from these files or elsewhere).
    """
    for path in _iter_plugin_files(dirs):
        key = os.path.abspath(path)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        if _IMPORTED.get(key) == mtime:
            continue
        _IMPORTED[key] = mtime
        try:
            _import_file(path)
        except (Exception, SystemExit) as exc:
            for name in [n for n, e in _REGISTRY.items() if e.path == key]:
                del _REGISTRY[name]  # a half-imported file registers nothing
            hint = ""
            if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in ("phy", "phylib"):
                hint = " (write `from phycore import IPlugin, connect` instead of importing from phy)"
            _record(path.name, "import", f"Cannot import the plugin file {path}: "
                    f"{type(exc).__name__}: {exc}{hint}.", path, exc)
    return list(registered_plugins().values())




def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    try:
        return list(value)
    except TypeError:
        _record(what, "config", f"{what} must be a list, not {type(value).__name__}; it is ignored.")
        return []


def attach_plugins(
    controller: Any,
    plugins: Sequence[str] | None = None,
    config: Config | None = None,
    *,
    dirs: Sequence[str | os.PathLike[str]] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
) -> list[IPlugin]:
    """Find, instantiate and attach the plugins of a controller.

    The names are ``c.<GUI name>.plugins`` from the config (GUI name: the
    controller's ``gui_name`` attribute, else its class name) followed by
    ``plugins``, without duplicates. Plugin files are looked for in
    ``<user dir>/plugins``, ``c.Plugins.dirs`` and ``dirs``. A missing plugin, or one
    whose constructor or ``attach_to_controller`` raises, is logged with its
    traceback, recorded (:func:`get_failures`) and skipped.

    Parameters
    ----------
    controller : object
        Passed to each plugin's ``attach_to_controller``.
    plugins : sequence of str, optional
        More plugin names (phy's ``plugins=`` argument).
    config : Config, optional
        Configuration; default :func:`load_config` of ``config_dir``.
    dirs : sequence of path, optional
        More folders to scan.
    config_dir : str or os.PathLike, optional
        The user directory; default ``$PHY_USER_DIR`` or ``~/.phy``.

    Returns
    -------
    list of IPlugin
        The plugin instances attached, in order.
    """
    base = Path(config_dir) if config_dir is not None else _user_dir()
    if config is None:
        config = load_config(base)
    gui_name = getattr(controller, "gui_name", None) or type(controller).__name__
    scan = [base / "plugins"]
    scan += [Path(p) for p in _as_list(config.get_value("Plugins", "dirs"), "c.Plugins.dirs")]
    scan += [Path(p) for p in dirs or ()]
    discover_plugins(scan)
    names: list[str] = []
    for n in _as_list(config.get_value(gui_name, "plugins"), f"c.{gui_name}.plugins") + list(plugins or ()):
        if n not in names:
            names.append(n)
    attached: list[IPlugin] = []
    for name in names:
        try:
            cls = get_plugin(str(name))
        except PluginError as exc:
            _record(str(name), "lookup", str(exc))
            continue
        path = plugin_path(cls.__name__)
        try:
            instance = cls()
            instance.attach_to_controller(controller)
        except Exception as exc:
            _record(str(name), "attach", f"The plugin {cls.__name__} ({path}) failed to attach: "
                    f"{type(exc).__name__}: {exc}. It is skipped.", path, exc)
            continue
        logger.debug("Attached plugin %s from %s.", cls.__name__, path)
        attached.append(instance)
    return attached
