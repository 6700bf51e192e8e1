"""phy's ``connect``/``unconnect``/``emit`` for phy-style plugins, and what happens when a
plugin reaches for a part of phy that does not exist here (private).

``connect`` is :func:`phycore.signals.connect` with one addition: the subscriber runs
guarded, so a call into something phycore cannot provide (an
:class:`~phycore.errors.UnsupportedPhyAPIError`, or an attribute phy's objects have and
ours do not, such as ``view.dock``) is recorded as a plugin failure naming the plugin
file and the call, instead of an anonymous traceback; the other subscribers and the
session go on. Any other exception is re-raised untouched (the bus logs it).

:func:`bridge_events` forwards phycore's events to the event bus of an installed phy
(``phylib.utils.event``), for plugins that derive from the real ``phy.IPlugin``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

from phycore import signals
from phycore.plugin_registry import record_failure, plugin_for_file
from phycore.compat._names import HTML, QT
from phycore.compat._surface import refused_member
from phycore.errors import UnsupportedPhyAPIError

__all__ = ["connect", "unconnect", "emit", "set_silent", "describe_unsupported", "report_unsupported", "guard",
           "bridge_events"]

logger = logging.getLogger("phycore.plugins")

#: Attributes of phy's objects that ours do not have, and why.
PHY_ONLY_ATTRIBUTES: dict[str, str] = {
    "dock": QT,
    "qaction": QT,
    "_actions_dict": QT,
    "_toolbar": QT,
    "_qt_window": QT,
    "_styles": HTML,
    "get_selected": HTML,
    "canvas": "phy's built-in views draw with OpenGL canvases; phygui's draw with Dear PyGui (options "
              "are view methods and snippets, see the View menu)",
}

_OURS = ("phycore", "phygui")
_WRAPPERS: dict[Any, Callable[..., Any]] = {}

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])


def describe_unsupported(exc: BaseException) -> str | None:
    """The unsupported phy call behind ``exc`` in one sentence, or None if it is a plain bug.

    Parameters
    ----------
    exc : BaseException
        Raised by plugin code.

    Returns
    -------
    str or None
    """
    if isinstance(exc, UnsupportedPhyAPIError):
        return str(exc)
    if isinstance(exc, AttributeError) and exc.name is not None and exc.obj is not None:
        owner = type(exc.obj) if not isinstance(exc.obj, type) else exc.obj
        if owner.__module__.split(".", 1)[0] in _OURS:
            call = f"{owner.__name__}.{exc.name}"
            reason = refused_member(owner.__name__, exc.name) or PHY_ONLY_ATTRIBUTES.get(exc.name)
            if reason is not None:
                return f"{call} is not supported by phycore: {reason}."
            return (f"{call} is not available in phycore here (a phy API phycore does not map, or an "
                    "object that does not exist yet at this point).")
    return None


def _source_file(func: Any) -> str | None:
    func = inspect.unwrap(getattr(func, "__func__", func))
    try:
        path = inspect.getsourcefile(func)
    except TypeError:
        module = sys.modules.get(getattr(func, "__module__", "") or "")
        path = getattr(module, "__file__", None)
    return os.path.abspath(path) if path else None


def report_unsupported(where: object, exc: BaseException, message: str, context: str = "") -> None:
    """Record an unsupported call as a plugin failure naming the plugin and its file.

    Parameters
    ----------
    where : callable or object
        The plugin code that made the call (its file names the plugin).
    exc : BaseException
        The exception (its traceback is kept).
    message : str
        From :func:`describe_unsupported`.
    context : str
        Where it happened, e.g. ``"on_view_attached"``.
    """
    path = _source_file(where) if callable(where) else _source_file(type(where))
    name = plugin_for_file(path) or (os.path.basename(path) if path else repr(where))
    where_text = f" in {context}" if context else ""
    record_failure(name, "unsupported", f"The plugin {name} ({path or 'unknown file'}){where_text}: {message} "
            "This call is skipped and the session goes on.", path, exc)


def guard(func: Callable[P, R], context: str = "", *, where: object = None,
          on_report: Callable[[str], object] | None = None) -> Callable[P, R | None]:
    """``func`` wrapped so that an unsupported phy call is reported, not raised.

    Parameters
    ----------
    func : callable
        Plugin code (or code calling into it).
    context : str
        Where it runs, for the message (default: the function's name).
    where : object, optional
        What names the plugin file (default ``func``; e.g. the plugin's view class).
    on_report : callable, optional
        Also called with the message (a GUI shows it in its status bar).

    Returns
    -------
    callable
        Returns None when the call was unsupported; re-raises any other exception.
    """

    @functools.wraps(func)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            message = describe_unsupported(exc)
            if message is None:
                raise
            report_unsupported(func if where is None else where, exc, message,
                               context or getattr(func, "__name__", ""))
            if on_report is not None:
                on_report(message)
            return None

    return guarded


def _wrapper(func: Callable[..., Any]) -> Callable[..., Any]:
    # One wrapper per function, so connecting it twice stays one subscription.
    try:
        w = _WRAPPERS.get(func)
    except TypeError:  # unhashable callable
        return guard(func)
    if w is None:
        w = _WRAPPERS[func] = guard(func)
    return w


@overload
def connect(f: F, event: str | None = None, sender: object = None, **kwargs: object) -> F: ...


@overload
def connect(f: None = None, event: str | None = None, sender: object = None,
            **kwargs: object) -> Callable[[F], F]: ...


def connect(f: F | None = None, event: str | None = None, sender: object = None,
            **kwargs: object) -> F | Callable[[F], F]:
    """phy's ``connect``: subscribe ``f`` (usable as ``@connect`` or ``@connect(sender=...)``).

    As :func:`phycore.signals.connect`, with the subscriber guarded (see the module doc).
    """
    if f is None:
        def decorator(func: F) -> F:
            return connect(func, event=event, sender=sender, **kwargs)

        return decorator
    name = event if event is not None else signals.event_name(f)
    signals.connect(_wrapper(f), event=name, sender=sender, last=bool(kwargs.get("last", False)))
    return f


def unconnect(*items: object) -> None:
    """phy's ``unconnect``: functions connected with :func:`connect`, senders or objects."""
    mapped: list[object] = []
    for item in items:
        mapped.append(item)
        try:
            w = _WRAPPERS.get(item)
        except TypeError:
            w = None
        if w is not None:
            mapped.append(w)
    signals.unconnect(*mapped)
    wrapped_self = {id(x) for x in items}
    for func in [f for f in _WRAPPERS if f in items or id(getattr(f, "__self__", None)) in wrapped_self]:
        del _WRAPPERS[func]


def emit(event: str, sender: object, *args: Any, single: bool = False, **kwargs: Any) -> Any:
    """phy's ``emit``: the subscribers' results (the first one only with ``single=True``)."""
    results = signals.emit(event, sender, *args, **kwargs)
    if single:
        return results[0] if results else None
    return results


_silence: contextlib.ExitStack | None = None


def set_silent(val: bool) -> None:
    """phy's ``set_silent``: stop (True) or resume (False) every emission, until told otherwise."""
    global _silence
    if val and _silence is None:
        _silence = contextlib.ExitStack()
        _silence.enter_context(signals.silent())
    elif not val and _silence is not None:
        _silence.close()
        _silence = None


_FORWARDERS: dict[tuple[int, str], Callable[..., Any]] = {}


def bridge_events(foreign_emit: Callable[..., Any]) -> list[str]:
    """Forward every built-in phycore event to another bus's ``emit`` (an installed phy's).

    Idempotent: the same forwarders are connected again (a no-op on the same bus).

    Parameters
    ----------
    foreign_emit : callable
        ``emit(event, sender, *args, **kwargs)`` of the other bus.

    Returns
    -------
    list of str
        The forwarded event names.
    """
    names = list(signals.EVENTS)
    for event in names:
        key = (id(foreign_emit), event)
        forwarder = _FORWARDERS.get(key)
        if forwarder is None:
            forwarder = _FORWARDERS[key] = _forwarder(foreign_emit, event)
        signals.connect(forwarder, event=event)
    return names


def _forwarder(foreign_emit: Callable[..., Any], event: str) -> Callable[..., Any]:
    def forward(sender: Any, *args: Any, **kwargs: Any) -> Any:
        results = foreign_emit(event, sender, *args, **kwargs) or []
        # Only a refusal (a `close` subscriber returning False) means something to our side.
        return False if any(r is False for r in results) else None

    forward.__qualname__ = forward.__name__ = f"forward_{event}_to_phy"
    return forward
