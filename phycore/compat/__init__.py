"""phy plugins run unmodified: a ``phy`` compatibility namespace.

Plugins written for phy 2 import ``from phy import IPlugin, connect``,
``from phy.cluster.views import ManualClusteringView``... When phy is not installed,
the plugin loader (:mod:`phycore.plugins`) installs a meta-path finder that serves
those modules, mapping phy's public plugin-facing names onto phycore's (the table is in
``_names.py``; ``_surface.py`` classifies every public name of phy 2.1's plugin-facing
modules and classes as served, served with a documented difference, or refused with what to
use instead; ``docs/plugins-phy-compat.md`` lists both). Parts of phy that cannot exist
here (Qt widgets, HTML views, OpenGL visuals) raise
:class:`~phycore.errors.UnsupportedPhyAPIError` naming the module or call, and the loader
records it as a plugin failure naming the plugin file; the session goes on.

Qt stand-ins: ``QTimer`` (and phy's ``Debouncer``) fire when the host calls
:func:`tick_timers` (phygui does before each frame); dialogs (``QMessageBox``,
``QInputDialog``, phy's ``message_box``/``input_dialog``/``prompt``) go to the
:class:`DialogHost` registered with :func:`set_dialog_host` (phygui's modal windows), or are
logged and answered with their defaults without one. phy's built-in views are phygui's: the
phy names a phygui view lacks are read from its model (:func:`view_forwards`).

Layering: the finder and its table name their targets as strings and import nothing
above :mod:`phycore.plugins`, so the loader can install it; a target (the controller,
the supervisor, the matplotlib views) is imported when a plugin first reads it.
Everything served is display-free: a plugin view draws into a matplotlib figure
rendered off-screen, and phygui only shows its pixels (``phygui.views.phy_view``).

Modes (environment variable ``PHYCORE_PHY_COMPAT`` or ``c.Plugins.phy_compat``):

``auto`` (default)
    The finder is a fallback at the end of ``sys.meta_path``: an installed phy wins.
    Plugins deriving from the real ``phy.IPlugin`` are attached too, and phycore's
    events are forwarded to phy's event bus so their ``phy.connect`` subscribers run.
    A plugin file that fails to import with the installed phy (phy without Qt/OpenGL)
    is imported again with the compatibility namespace.
``always``
    Plugin files and ``phy_config.py`` are imported with the namespace even if phy is
    installed (:func:`forced`: real phy modules are hidden for the duration and
    ``sys.modules`` is restored afterwards).
``never``
    No namespace: a plugin importing phy needs phy installed.

.. versionadded:: 0.1
"""

from __future__ import annotations

import os
import re
from typing import Any

from phycore.compat._controller import install_controller_aliases
from phycore.compat._qt import DialogHost, active_timers, dialog_host, set_clock, set_dialog_host, tick_timers
from phycore.compat._surface import MIXIN_USERS, SERVED, TARGETS
from phycore.compat._events import bridge_events, describe_unsupported, guard, report_unsupported
from phycore.compat._finder import (
    FINDER,
    forced,
    install,
    is_compat_module,
    is_installed,
    real_phy_available,
    uninstall,
)
from phycore.errors import PluginError, UnsupportedPhyAPIError

__all__ = [
    "DialogHost",
    "MODES",
    "PHY_COMPAT_ENV",
    "FINDER",
    "UnsupportedPhyAPIError",
    "bridge_events",
    "compat_mode",
    "dialog_host",
    "describe_unsupported",
    "forced",
    "guard",
    "install",
    "install_controller_aliases",
    "is_compat_module",
    "is_installed",
    "real_phy_available",
    "report_unsupported",
    "uninstall",
    "uses_phy",
    "active_timers",
    "set_clock",
    "set_dialog_host",
    "tick_timers",
    "view_forwards",
]

#: Environment variable choosing the mode (``auto``, ``always``, ``never``).
PHY_COMPAT_ENV = "PHYCORE_PHY_COMPAT"
MODES = ("auto", "always", "never")

_IMPORTS_PHY = re.compile(r"^[ \t]*(?:from|import)[ \t]+(?:phy|phylib)(?:[ \t.,]|$)", re.MULTILINE)


def compat_mode(value: str | None = None) -> str:
    """The mode to use: ``value`` (e.g. ``c.Plugins.phy_compat``), else the environment, else ``'auto'``.

    Raises
    ------
    PluginError
        An unknown mode; the message names where it came from.
    """
    source = "c.Plugins.phy_compat"
    if value is None:
        value, source = os.environ.get(PHY_COMPAT_ENV) or "auto", PHY_COMPAT_ENV
    mode = str(value).strip().lower()
    if mode not in MODES:
        raise PluginError(f"{source} must be one of {', '.join(MODES)}, not {value!r}.", argument=source)
    return mode


def uses_phy(source: str) -> bool:
    """Whether Python source imports ``phy`` or ``phylib`` (a phy-style plugin file)."""
    return _IMPORTS_PHY.search(source) is not None


def view_forwards() -> dict[str, list[str]]:
    """``{"module:ViewClass": [phy names]}``: the phy names of each front-end view class that
    the compatibility table serves on the view or its model (a front end forwards the ones its
    view lacks to ``view.model``, then ``view.model.options``)."""
    out: dict[str, list[str]] = {}
    for owner, targets in TARGETS.items():
        if len(targets) > 1 and targets[0].startswith("phygui.views."):  # a view and its model
            out.setdefault(targets[0], []).extend(SERVED.get(owner, "").split())
    for mixin, users in MIXIN_USERS.items():  # a mixin's members are on each view that uses it
        for user in users:
            out.setdefault(TARGETS[user][0], []).extend(SERVED.get(mixin, "").split())
    return out
