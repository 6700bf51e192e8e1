"""The user configuration file ``phy_config.py`` (private; public names are in :mod:`phycore.plugins`)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from phycore import compat
from phycore.bunch import Bunch
from phycore.paths import atomic_write_text
from phycore.paths import user_dir as _user_dir
from phycore.plugin_registry import record_failure
from phycore.errors import PluginError

__all__ = ["Config", "default_config_text", "load_config"]

logger = logging.getLogger("phycore.plugins")


class Config(Bunch):
    """A traitlets-like configuration: ``c.Section.key = value``.

    Reading a missing attribute whose name starts with an upper-case letter creates
    an empty section (so ``c.TemplateGUI.plugins = [...]`` works on an empty config);
    a missing lower-case attribute raises ``AttributeError``. A Config is a dict,
    so ``c.get('TemplateGUI', {})`` and ``c['TemplateGUI']['plugins']`` work too.
    """

    def __getattr__(self, key: str) -> Any:
        if key in self:
            return self[key]
        if key[:1].isupper():
            section = Config()
            self[key] = section
            return section
        raise AttributeError(key)

    def get_value(self, section: str, key: str, default: object = None) -> Any:
        """Return ``c.<section>.<key>`` or ``default``, without creating the section.

        Parameters
        ----------
        section, key : str
            Where to look.
        default : object
            Returned when absent.

        Returns
        -------
        object
        """
        sec = dict.get(self, section)
        if isinstance(sec, dict):
            return sec.get(key, default)
        return default


def default_config_text(config_dir: Path) -> str:
    """Return the content of the ``phy_config.py`` created when there is none.

    Parameters
    ----------
    config_dir : Path
        The user directory, to show where plugins go.

    Returns
    -------
    str
    """
    plugins = config_dir / "plugins"
    return (
        "# phy / phycore configuration file, executed at start-up.\n"
        "#\n"
        f"# Every .py file in {plugins} is imported; plugin classes derive from\n"
        "# phycore.IPlugin (`from phycore import IPlugin, connect`).\n"
        "\n"
        "c = get_config()\n"
        "\n"
        "# Plugins to attach to the template GUI, by class name:\n"
        "# c.TemplateGUI.plugins = ['MyPlugin']\n"
        "\n"
        "# More folders to scan for plugin files (recursively):\n"
        f"# c.Plugins.dirs = [r'{plugins}']\n"
    )


@contextlib.contextmanager
def _phy_namespace(source: str) -> Iterator[None]:
    """A config file importing phy gets phycore's phy namespace (mode from the environment;
    ``c.Plugins.phy_compat`` is only known once the file ran)."""
    if not compat.uses_phy(source):
        yield
        return
    try:
        mode = compat.compat_mode()
    except PluginError as exc:
        logger.warning("%s 'auto' is used.", exc)
        mode = "auto"
    if mode == "always":
        with compat.forced():
            yield
        return
    if mode == "auto":
        compat.install()
    yield


def load_config(user_dir: str | os.PathLike[str] | None = None) -> Config:
    """Execute ``<user dir>/phy_config.py`` and return its configuration.

    Parameters
    ----------
    user_dir : str or os.PathLike, optional
        The user directory; default ``$PHY_USER_DIR`` or ``~/.phy``.

    Returns
    -------
    Config
        The ``c`` the file filled in; an empty Config if the file fails (the error
        is logged with its traceback and recorded by :func:`get_failures`).
    """
    base = Path(user_dir) if user_dir is not None else _user_dir()
    path = base / "phy_config.py"
    if not path.exists():
        try:
            base.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, default_config_text(base))
            logger.debug("Created the default config file %s.", path)
        except OSError as exc:
            logger.warning("Cannot create the config file %s: %s", path, exc)
            return Config()
    c = Config()
    # A real module, so that plugin classes defined in the config file (phy allows it)
    # know their file.
    module = types.ModuleType("phy_config")
    module.__file__ = str(path)
    module.__dict__.update(c=c, get_config=lambda: c)
    previous = sys.modules.get("phy_config")
    sys.modules["phy_config"] = module
    try:
        source = path.read_text(encoding="utf-8")
        with _phy_namespace(source):
            exec(compile(source, str(path), "exec"), module.__dict__)  # the user's own config file, as phy
    except (Exception, SystemExit) as exc:
        if previous is None:
            sys.modules.pop("phy_config", None)
        else:
            sys.modules["phy_config"] = previous
        record_failure(path.name, "config", f"Error in the config file {path}: {type(exc).__name__}: {exc}. "
                "An empty configuration is used.", path, exc)
        return Config()
    return c
