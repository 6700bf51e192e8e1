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

from phycore import compat
from phycore._config import Config, default_config_text, load_config
from phycore.paths import user_dir as _user_dir
from phycore.plugin_registry import (
    _REGISTRY,
    IPlugin,
    PluginFailure,
    record_failure,
    clear_failures,
    get_failures,
    get_plugin,
    plugin_path,
    register_foreign,
    registered_plugins,
)
from phycore.errors import PluginError, UnsupportedPhyAPIError

__all__ = [
    "IPlugin",
    "Config",
    "PluginFailure",
    "load_config",
    "load_master_config",
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
_FOREIGN: dict[str, str] = {}  # adopted plugin name -> module of the installed phy's IPlugin

_QT_MODULES = {"PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "sip"}
_GL_MODULES = {"OpenGL", "vispy", "glumpy"}


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
    """Classes deriving from another package's ``IPlugin``: an installed phy's are adopted
    (registered; their events come through :func:`phycore.compat.bridge_events`), any
    other is reported, as it would never attach."""
    for obj in list(vars(module).values()):
        if not (isinstance(obj, type) and obj.__module__ == module.__name__) or issubclass(obj, IPlugin):
            continue
        base = next((b for b in obj.__mro__[1:] if b.__name__ == "IPlugin" and b is not IPlugin), None)
        if base is None:
            continue
        if base.__module__.split(".")[0] == "phy" and register_foreign(obj, str(path)):
            _FOREIGN[obj.__name__] = base.__module__
            record_failure(obj.__name__, "foreign", f"The plugin {obj.__name__} in {path} derives from the installed "
                    "phy package's IPlugin: it is attached and phycore's events reach its phy.connect "
                    "subscribers, but phy's Qt views and GUI objects do not exist in phygui. Set "
                    f"{compat.PHY_COMPAT_ENV}=always to load it with phycore's phy names instead.", path,
                    level=logging.WARNING)
            continue
        record_failure(obj.__name__, "import", f"The plugin {obj.__name__} in {path} derives from "
                f"{base.__module__}.IPlugin, not phycore's: write "
                "`from phycore import IPlugin, connect` instead.", path)


def _exec_file(path: Path) -> Any:
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
    return module


def _forget_file(key: str) -> None:
    for name in [n for n, e in _REGISTRY.items() if e.path == key]:
        del _REGISTRY[name]  # a half-imported file registers nothing
        _FOREIGN.pop(name, None)


def _compat_mode(value: Any) -> str:
    try:
        return compat.compat_mode(value)
    except PluginError as exc:
        record_failure(exc.argument or "phy_compat", "config", f"{exc} 'auto' is used.")
        return "auto"


def _is_phy_style(path: str | os.PathLike[str]) -> bool:
    """Whether a plugin (or config) file imports phy."""
    try:
        return compat.uses_phy(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def _import_file(path: Path, mode: str) -> None:
    """Import one plugin file, with the ``phy`` namespace as ``mode`` says (see phycore.compat)."""
    phy_style = _is_phy_style(path)
    key = os.path.abspath(path)
    if phy_style and mode == "always":
        with compat.forced():
            module = _exec_file(path)
    elif phy_style and mode == "auto":
        compat.install()
        try:
            module = _exec_file(path)
        except ImportError as first:
            if not compat.real_phy_available():
                raise
            # The installed phy cannot serve it (e.g. no Qt/OpenGL): try phycore's names.
            _forget_file(key)
            logger.info("%s does not import with the installed phy (%s); using phycore's phy names.",
                        path, first)
            with compat.forced():
                module = _exec_file(path)
    else:
        module = _exec_file(path)
    _check_foreign_plugins(module, path)


def _import_hint(exc: BaseException, mode: str) -> str:
    missing = (getattr(exc, "name", None) or "").split(".")[0]
    if isinstance(exc, UnsupportedPhyAPIError) or not isinstance(exc, ImportError):
        return ""
    if missing in ("phy", "phylib"):
        if mode == "never":
            return (f" (phycore's phy compatibility is off, {compat.PHY_COMPAT_ENV}=never: install phy, "
                    "or write `from phycore import IPlugin, connect`)")
        if exc.name == missing:  # the package itself is blocked in sys.modules
            return (f" ({missing} cannot be imported in this process: set {compat.PHY_COMPAT_ENV}=always for "
                    "phycore's phy names, or write `from phycore import IPlugin, connect`)")
        return " (phycore's phy compatibility layer does not provide it; see docs/plugins-phy-compat.md)"
    if missing in _QT_MODULES:
        return " (phygui draws with Dear PyGui: Qt widgets and windows are not available to plugins)"
    if missing in _GL_MODULES:
        return " (phygui does not run phy's OpenGL code: draw plugin views with matplotlib)"
    return ""


def discover_plugins(dirs: Iterable[str | os.PathLike[str]], *, phy_compat: str | None = None) -> list[type[IPlugin]]:
    """Import every plugin file under ``dirs`` and return the registered plugin classes.

    Folders are scanned recursively, skipping those starting with ``test``, ``.`` or
    ``__``; files starting with ``test``, ``.`` or ``__``, ``phy_config.py`` and
    ``phycontrib_loader.py`` are skipped. Each file becomes a module with a unique
    name (``phycore_user_plugin_<stem>_<hash of its path>``); a file already
    imported and unchanged since is not imported again. An error while importing a
    file is logged with its traceback and recorded; the other files still load.
    Files importing ``phy`` get phycore's phy compatibility namespace as
    :mod:`phycore.compat` describes.

    Parameters
    ----------
    dirs : iterable of str or os.PathLike
        Folders to scan; missing ones are ignored.
    phy_compat : str, optional
        ``'auto'``, ``'always'`` or ``'never'``; default ``$PHYCORE_PHY_COMPAT`` or ``'auto'``.

    Returns
    -------
    list of type
        Every registered :class:`IPlugin` subclass (from these files or elsewhere).
    """
    mode = _compat_mode(phy_compat)
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
            _import_file(path, mode)
        except (Exception, SystemExit) as exc:
            _forget_file(key)
            record_failure(path.name, "import", f"Cannot import the plugin file {path}: "
                    f"{type(exc).__name__}: {str(exc).rstrip('.')}{_import_hint(exc, mode)}.", path, exc)
    return list(registered_plugins().values())


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    try:
        return list(value)
    except TypeError:
        record_failure(what, "config", f"{what} must be a list, not {type(value).__name__}; it is ignored.")
        return []


def attach_plugins(
    controller: object,
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
    mode = _compat_mode(config.get_value("Plugins", "phy_compat"))
    scan = [base / "plugins"]
    scan += [Path(p) for p in _as_list(config.get_value("Plugins", "dirs"), "c.Plugins.dirs")]
    scan += [Path(p) for p in dirs or ()]
    discover_plugins(scan, phy_compat=mode)
    names: list[str] = []
    for n in _as_list(config.get_value(gui_name, "plugins"), f"c.{gui_name}.plugins") + list(plugins or ()):
        if n not in names:
            names.append(n)
    attached: list[IPlugin] = []
    for name in names:
        try:
            cls = get_plugin(str(name))
        except PluginError as exc:
            broken = [f.path for f in get_failures() if f.stage == "import" and f.path]
            hint = f" Plugin files that failed to import: {', '.join(broken)}." if broken else ""
            record_failure(str(name), "lookup", f"{exc}{hint}")
            continue
        path = plugin_path(cls.__name__)
        _prepare_for_phy_plugin(controller, cls.__name__, path)
        try:
            instance = cls()
            instance.attach_to_controller(controller)
        except Exception as exc:
            why = compat.describe_unsupported(exc) or f"{type(exc).__name__}: {exc}."
            record_failure(str(name), "attach", f"The plugin {cls.__name__} ({path}) failed to attach: "
                    f"{why} It is skipped.", path, exc)
            continue
        logger.debug("Attached plugin %s from %s.", cls.__name__, path)
        attached.append(instance)
    return attached


def _prepare_for_phy_plugin(controller: Any, name: str, path: str | None) -> None:
    """A plugin written for phy gets phy's extra controller names; one deriving from an
    installed phy's IPlugin also gets phycore's events on phy's bus."""
    if name in _FOREIGN:
        events = sys.modules.get("phylib.utils.event")  # imported by the plugin itself
        if events is not None and hasattr(events, "emit"):
            compat.bridge_events(events.emit)
    if name in _FOREIGN or (path is not None and _is_phy_style(path)):
        compat.install_controller_aliases(controller)


def load_master_config(config_dir: str | os.PathLike[str] | None = None) -> Config:
    """phy's name for :func:`load_config`: the ``c`` of ``<config_dir>/phy_config.py``."""
    return load_config(config_dir)
