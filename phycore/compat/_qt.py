"""Stand-ins for the few Qt things phy plugins use most, run by the host's frame loop (private).

phy plugins reach for Qt for three things phycore can give them without Qt:

- **timers** (:class:`QTimer`: autosave every few minutes, a delayed refresh): timers
  are kept here and fire when the host calls :func:`tick_timers`, which phygui does
  before each frame (``phygui.compat_shims``); the clock is pluggable (:func:`set_clock`)
  so tests drive time themselves;
- **dialogs** (:class:`QMessageBox`, :class:`QInputDialog`, phy's ``message_box``,
  ``input_dialog``, ``prompt``): forwarded to the :class:`DialogHost` a front end
  registers with :func:`set_dialog_host`; with none (a script, the SDK) the message is
  logged and the default answer returned;
- **cluster row colours** by label: see ``ClusterView`` in :mod:`phycore.compat._views`
  (:func:`apply_row_styles` reads phy's CSS rules).

None of this imports a GUI toolkit; the host provides the loop and the windows.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from phycore.signals import raise_errors

__all__ = ["QTimer", "Signal", "QMessageBox", "QInputDialog", "DialogHost", "set_dialog_host", "dialog_host",
           "set_clock", "tick_timers", "active_timers", "message_box", "input_dialog", "prompt", "show_box",
           "Debouncer", "apply_row_styles", "parse_row_styles"]

logger = logging.getLogger("phycore.plugins")

_clock: Callable[[], float] = time.monotonic
_timers: list[QTimer] = []


def set_clock(clock: Callable[[], float] | None) -> None:
    """The clock timers read, in seconds (None: :func:`time.monotonic`); tests pass a fake one."""
    global _clock
    _clock = clock if clock is not None else time.monotonic


def active_timers() -> list[QTimer]:
    """The timers started and not yet stopped (a host may skip its tick when empty)."""
    return list(_timers)


def tick_timers() -> int:
    """Fire the timers that are due (the host calls this once per frame); returns how many fired.

    A periodic timer fires at most once per tick even when it is late by several intervals
    (as Qt coalesces missed timeouts); an exception in a callback is logged, not raised, so
    one plugin's timer cannot stop the frame loop.
    """
    now = _clock()
    fired = 0
    for timer in [t for t in _timers if t._due is not None and t._due <= now]:
        if timer._single:
            timer.stop()
        else:
            timer._due = now + timer._interval / 1000.0
        fired += 1
        timer.timeout.emit()
    return fired


class Signal:
    """A Qt-style signal: ``connect(f)``, ``disconnect(f)``, ``emit(*args)``."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        """Call ``slot`` on each :meth:`emit`."""
        self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any] | None = None) -> None:
        """Forget ``slot`` (every slot when None)."""
        self._slots = [s for s in self._slots if slot is not None and s != slot]

    def emit(self, *args: Any) -> None:
        """Call the slots; a failing slot is logged and the others still run (re-raised
        instead when :func:`phycore.signals.raise_errors` is on, as for event subscribers)."""
        for slot in list(self._slots):
            try:
                slot(*args)
            except Exception:
                if raise_errors():
                    raise
                logger.exception("A timer or signal callback of a plugin failed: %r", slot)


class QTimer:
    """A Qt-like timer driven by the host's frame loop (see the module doc).

    Timeouts fire between frames, on the GUI thread, never while a callback runs, so a
    timer is late by up to one frame. ``parent`` is accepted and ignored.
    """

    def __init__(self, parent: object = None) -> None:
        self.timeout = Signal()
        self._interval = 0
        self._single = False
        self._due: float | None = None

    def start(self, msec: int | None = None) -> None:
        """Start (or restart) the timer, with a new interval in ms if given."""
        if msec is not None:
            self.setInterval(msec)
        self._due = _clock() + self._interval / 1000.0
        if self not in _timers:
            _timers.append(self)

    def stop(self) -> None:
        """Stop the timer (it will not fire until started again)."""
        self._due = None
        if self in _timers:
            _timers.remove(self)

    def setInterval(self, msec: int) -> None:
        """The interval in ms (takes effect at the next start or timeout)."""
        self._interval = max(0, int(msec))

    def interval(self) -> int:
        """The interval in ms."""
        return self._interval

    def setSingleShot(self, single: bool) -> None:
        """Fire once per start (True) or periodically (False, the default)."""
        self._single = bool(single)

    def isSingleShot(self) -> bool:
        """Whether the timer fires once per start."""
        return self._single

    def isActive(self) -> bool:
        """Whether the timer is running."""
        return self._due is not None

    def remainingTime(self) -> int:
        """ms until the next timeout (-1 when stopped)."""
        if self._due is None:
            return -1
        return max(0, int(round((self._due - _clock()) * 1000)))

    @staticmethod
    def singleShot(msec: int, callback: Callable[[], Any]) -> None:
        """Call ``callback`` once, ``msec`` ms from now."""
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(callback)
        timer.start(msec)


class Debouncer:
    """phy's ``Debouncer`` on :class:`QTimer`: the last call submitted for a key runs once
    no other call for that key came within ``delay`` ms."""

    def __init__(self, delay: int | None = None) -> None:
        self.delay = 100 if delay is None else int(delay)
        self.pending_functions: dict[Any, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {}
        self.is_waiting = False
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.trigger)

    def submit(self, f: Callable[..., Any], *args: Any, key: Any = None, **kwargs: Any) -> None:
        """Run ``f(*args, **kwargs)`` after the delay, replacing a pending call with the same key."""
        self.pending_functions[key if key is not None else f] = (f, args, kwargs)
        self.is_waiting = True
        self._timer.start(self.delay)

    def trigger(self) -> None:
        """Run the pending calls now."""
        pending, self.pending_functions = self.pending_functions, {}
        self.is_waiting = False
        for f, args, kwargs in pending.values():
            f(*args, **kwargs)

    def stop_waiting(self, delay: float = 0.1) -> None:
        """Run the pending calls after ``delay`` seconds."""
        self._timer.start(int(delay * 1000))


# Dialogs ------------------------------------------------------------------------------------------


class DialogHost(Protocol):
    """What a front end offers for plugin dialogs (phygui: modal windows)."""

    def message(self, title: str, text: str, level: str) -> None:
        """Show a message (``level``: information, warning, critical)."""

    def ask(self, title: str, text: str, buttons: list[str], default: str) -> str | None:
        """The button the user pressed (one of ``buttons``), None if closed."""

    def ask_text(self, title: str, label: str, text: str) -> str | None:
        """The text the user entered, None if cancelled."""


_host: DialogHost | None = None


def set_dialog_host(host: DialogHost | None) -> None:
    """Show plugin dialogs with ``host`` (None: log them and answer the defaults)."""
    global _host
    _host = host


def dialog_host() -> DialogHost | None:
    """The registered host, if any."""
    return _host


def _ask(title: str, text: str, buttons: list[str], default: str) -> str:
    if _host is None:
        logger.info("No GUI to ask %r (%s); the plugin gets the default answer %r.", title, text, default)
        return default
    answer = _host.ask(title, text, buttons, default)
    return answer if answer in buttons else ("cancel" if "cancel" in buttons else "no" if "no" in buttons
                                              else default)


class QMessageBox:
    """Qt's message box: the static ``information``/``warning``/``critical``/``question``
    calls, and a box built with ``setText``/``setStandardButtons`` then ``exec_()``."""

    NoButton, Ok, Save, SaveAll, Open, Yes, YesToAll = 0, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x8000
    No, NoToAll, Abort, Retry, Ignore, Close, Cancel = 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, \
        0x400000
    Discard, Help, Apply, Reset, RestoreDefaults = 0x800000, 0x1000000, 0x2000000, 0x4000000, 0x8000000
    _NAMES = {Ok: "ok", Save: "save", SaveAll: "save_all", Open: "open", Yes: "yes", YesToAll: "yes_to_all",
              No: "no", NoToAll: "no_to_all", Abort: "abort", Retry: "retry", Ignore: "ignore", Close: "close",
              Cancel: "cancel", Discard: "discard", Help: "help", Apply: "apply", Reset: "reset",
              RestoreDefaults: "restore_defaults"}

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._title = "Message"
        self._text = ""
        self._buttons = QMessageBox.Ok
        self._default = QMessageBox.NoButton

    @classmethod
    def _split(cls, buttons: int) -> list[int]:
        return [b for b in cls._NAMES if buttons & b]

    @classmethod
    def _button(cls, name: str) -> int:
        return next((b for b, n in cls._NAMES.items() if n == name), cls.NoButton)

    @classmethod
    def _show(cls, level: str, parent: object, title: str, text: str, buttons: int = Ok,
              default: int = NoButton) -> int:
        if level != "question" and cls._split(buttons) == [cls.Ok]:
            message_box(text, title, level)
            return cls.Ok
        names = [cls._NAMES[b] for b in cls._split(buttons)] or ["ok"]
        fallback = cls._NAMES.get(default) or ("no" if "no" in names else names[-1])
        return cls._button(_ask(title, text, names, fallback))

    @classmethod
    def information(cls, parent: object, title: str, text: str, buttons: int = Ok, default: int = NoButton) -> int:
        """Show a message; returns the button pressed."""
        return cls._show("information", parent, title, text, buttons, default)

    @classmethod
    def warning(cls, parent: object, title: str, text: str, buttons: int = Ok, default: int = NoButton) -> int:
        """Show a warning; returns the button pressed."""
        return cls._show("warning", parent, title, text, buttons, default)

    @classmethod
    def critical(cls, parent: object, title: str, text: str, buttons: int = Ok, default: int = NoButton) -> int:
        """Show an error; returns the button pressed."""
        return cls._show("critical", parent, title, text, buttons, default)

    @classmethod
    def question(cls, parent: object, title: str, text: str, buttons: int = Yes | No,
                 default: int = NoButton) -> int:
        """Ask a question; returns the button pressed (the default one, or No, without a GUI)."""
        return cls._show("question", parent, title, text, buttons, default)

    def setWindowTitle(self, title: str) -> None:
        self._title = str(title)

    def setText(self, text: str) -> None:
        self._text = str(text)

    def setStandardButtons(self, buttons: int) -> None:
        self._buttons = int(buttons)

    def setDefaultButton(self, button: int) -> None:
        self._default = int(button)

    def exec_(self) -> int:
        """Show the box; returns the button pressed."""
        return self._show("question", None, self._title, self._text, self._buttons, self._default)

    exec = exec_


class QInputDialog:
    """Qt's input dialog: ``QInputDialog.getText(parent, title, label, text=...)``."""

    @staticmethod
    def getText(parent: object, title: str, label: str, *args: Any, text: str = "", **kwargs: Any) -> tuple[str, bool]:
        """``(text, ok)``: the text entered and whether the user confirmed it. Without a GUI,
        ``(text, False)``: a plugin then behaves as if the user cancelled."""
        if _host is None:
            logger.info("No GUI to ask %r (%s); the plugin's input dialog is cancelled.", title, label)
            return str(text or ""), False
        answer = _host.ask_text(str(title), str(label), str(text or ""))
        return (answer, True) if answer is not None else (str(text or ""), False)


def message_box(message: str, title: str = "Message", level: str | None = None) -> None:
    """phy's ``message_box``: show ``message`` (``level``: information, warning, critical)."""
    level = level if level in ("information", "warning", "critical") else "information"
    if _host is None:
        logger.log(logging.WARNING if level != "information" else logging.INFO, "%s: %s", title, message)
        return
    _host.message(str(title), str(message), level)


def input_dialog(title: str, sentence: str, text: str | None = None) -> tuple[str, bool]:
    """phy's ``input_dialog``: ``(text, ok)``."""
    return QInputDialog.getText(None, title, sentence, text=text or "")


def prompt(message: str, buttons: Iterable[str] = ("yes", "no"), title: str = "Question") -> QMessageBox:
    """phy's ``prompt``: a message box with those buttons (the first is the default);
    show it with :func:`show_box`."""
    box = QMessageBox()
    box.setWindowTitle(title)
    box.setText(message)
    names = list(buttons)
    flags = 0
    for name in names:
        flags |= QMessageBox._button(name)
    box.setStandardButtons(flags)
    box.setDefaultButton(QMessageBox._button(names[0]) if names else QMessageBox.NoButton)
    return box


def show_box(box: QMessageBox) -> str:
    """phy's ``show_box``: show a :func:`prompt` box; the name of the button pressed."""
    return QMessageBox._NAMES.get(box.exec_(), "")


# Cluster row styles ---------------------------------------------------------------------------------

_RULE = re.compile(r"tr\[data-group\s*=\s*['\"]?([\w-]+)['\"]?\]\s*\{([^}]*)\}", re.I)
_COLOR = re.compile(r"(?<![-\w])color\s*:\s*([^;]+)", re.I)
_NAMED = {"red": "#FF0000", "green": "#008000", "blue": "#0000FF", "white": "#FFFFFF", "black": "#000000",
          "gray": "#808080", "grey": "#808080", "yellow": "#FFFF00", "orange": "#FFA500", "purple": "#800080",
          "cyan": "#00FFFF", "magenta": "#FF00FF", "lime": "#00FF00", "pink": "#FFC0CB"}


def _css_color(value: str) -> str | None:
    v = value.strip().lower()
    if v in _NAMED:
        return _NAMED[v]
    m = re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", v)
    if m:
        h = m.group(1)
        return "#" + ("".join(c * 2 for c in h) if len(h) == 3 else h).upper()
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)[^)]*\)", v)
    if m:
        return "#" + "".join(f"{min(int(c), 255):02X}" for c in m.groups())
    return None


def parse_row_styles(css: str) -> dict[str, str]:
    """``{label: '#RRGGBB'}`` from phy's ``table tr[data-group='good'] { color: ... }`` rules;
    other rules and properties are ignored (phygui's tables are not HTML)."""
    out: dict[str, str] = {}
    for group, body in _RULE.findall(css):
        for value in _COLOR.findall(body):
            color = _css_color(value)
            if color is None:
                logger.info("Cluster view style: colour %r of label %r is not understood; ignored.", value, group)
            else:
                out[group] = color
    return out


def apply_row_styles(css: str) -> dict[str, str]:
    """Colour the cluster table's rows by label as the CSS says; returns what was applied."""
    from phycore.supervisor.colors import GROUP_COLORS

    styles = parse_row_styles(css)
    GROUP_COLORS.update(styles)
    return styles
