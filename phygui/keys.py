"""Keyboard shortcuts: key codes to phy's shortcut strings to actions; pure (no dearpygui).

Every key press of the app goes through one :class:`KeyDispatcher`. It turns a key code
and modifier state into a *chord* in phy's notation (``'ctrl+shift+z'``, ``'alt+g'``,
``'space'``, ``':'``), looks the chord up in a :class:`KeyMap` built from the action
groups, and runs the action — unless a text field has the keyboard (typing ``g`` in the
filter box must not merge).

Key codes are Dear PyGui's (ImGui's ``ImGuiKey`` values), listed here so this module
needs no display and is tested without one.
"""

from __future__ import annotations

import logging
import string
from typing import Any, Callable, Iterable, Sequence

from phycore.errors import PhyCoreError
from phycore.supervisor import Action, Actions

__all__ = ["KEY_NAMES", "MODIFIER_KEYS", "normalize_shortcut", "chord", "KeyMap", "KeyDispatcher"]

logger = logging.getLogger(__name__)

_MODS = ("ctrl", "alt", "shift", "meta")
_MOD_ALIASES = {"control": "ctrl", "cmd": "ctrl", "command": "ctrl", "option": "alt", "super": "meta",
                "win": "meta"}
_KEY_ALIASES = {"esc": "escape", "return": "enter", "del": "delete", "pgup": "pageup", "pgdown": "pagedown",
                "spacebar": "space", "back": "backspace", "plus": "+", "minus": "-", "pageup": "pageup",
                # X key names, so 'ctrl+KP_Add' or 'alt+equal' written in a config bind too.
                "equal": "=", "kp_add": "+", "kp_subtract": "-", "kp_enter": "enter"}

#: ImGuiKey code (what Dear PyGui's key handlers report) -> key name in phy's notation.
KEY_NAMES: dict[int, str] = {
    512: "tab", 513: "left", 514: "right", 515: "up", 516: "down", 517: "pageup", 518: "pagedown",
    519: "home", 520: "end", 521: "insert", 522: "delete", 523: "backspace", 524: "space", 525: "enter",
    526: "escape", 596: "'", 597: ",", 598: "-", 599: ".", 600: "/", 601: ";", 602: "=", 603: "[",
    604: "\\", 605: "]", 606: "`", 626: "+", 625: "-", 627: "enter", 628: "=",
}
KEY_NAMES.update({536 + i: str(i) for i in range(10)})
KEY_NAMES.update({546 + i: c for i, c in enumerate(string.ascii_lowercase)})
KEY_NAMES.update({572 + i: f"f{i + 1}" for i in range(12)})
KEY_NAMES.update({612 + i: str(i) for i in range(10)})  # keypad digits

#: Modifier key codes (left/right ctrl, shift, alt, super), ignored as chords of their own.
MODIFIER_KEYS = frozenset({527, 528, 529, 530, 531, 532, 533, 534, 662, 663, 664, 665, 666,
                           4096, 8192, 16384, 32768})

# US-layout characters typed with shift, so ':' and '?' work as phy's shortcuts.
_SHIFTED = {";": ":", "/": "?", "=": "+", "1": "!", "-": "_", ",": "<", ".": ">", "'": '"', "`": "~"}


def normalize_shortcut(shortcut: str) -> str:
    """phy's shortcut notation in one canonical form (``'shift+ctrl+K'`` -> ``'ctrl+shift+k'``).

    Parameters
    ----------
    shortcut : str
        ``'ctrl+z'``, ``'Ctrl+Shift+Z'``, ``'alt+n'``, ``'esc'``, ``':'``, ``'+'``...

    Returns
    -------
    str
        Modifiers in the order ctrl, alt, shift, meta, then the lower-case key name.
    """
    text = shortcut.strip()
    if text in ("+", "-"):
        return text
    parts = text.split("+")
    # 'ctrl++' means ctrl and the '+' key.
    if text.endswith("++"):
        parts = parts[:-2] + ["+"]
    mods: set[str] = set()
    key = ""
    for part in parts:
        p = part.strip()
        low = p.lower()
        low = _MOD_ALIASES.get(low, low)
        if low in _MODS:
            mods.add(low)
        elif p:
            key = _KEY_ALIASES.get(low, low) if len(p) > 1 else p.lower()
    return "+".join([m for m in _MODS if m in mods] + [key])


def chord(key_code: int, ctrl: bool = False, alt: bool = False, shift: bool = False,
          meta: bool = False) -> str | None:
    """The shortcut string of a key press, or None for a lone modifier or an unknown key.

    Parameters
    ----------
    key_code : int
        ImGuiKey code reported by Dear PyGui.
    ctrl, alt, shift, meta : bool
        Modifier state at the time of the press.

    Returns
    -------
    str or None
        e.g. ``'ctrl+z'``, ``'shift+space'``, ``'down'``.
    """
    if key_code in MODIFIER_KEYS:
        return None
    name = KEY_NAMES.get(int(key_code))
    if name is None:
        return None
    mods = [m for m, on in zip(_MODS, (ctrl, alt, shift, meta)) if on]
    return "+".join(mods + [name])


def _candidates(ch: str) -> list[str]:
    """The chord, then what the user typed with shift: ``'ctrl+shift+='`` -> ``'ctrl+shift++'``,
    ``'ctrl++'`` (phy's ``ctrl++`` is shift+``=`` on a US keyboard; ``'shift+;'`` -> ``':'``)."""
    head, _, key = ch.rpartition("+")
    mods = head.split("+") if head else []
    if "shift" not in mods or key not in _SHIFTED:
        return [ch]
    char = _SHIFTED[key]
    unshifted = [m for m in mods if m != "shift"]
    return [ch, "+".join(mods + [char]), "+".join(unshifted + [char])]


class KeyMap:
    """Chord -> action table built from action groups (first group wins on a clash).

    Parameters
    ----------
    groups : iterable of Actions
        In priority order (File, Edit, Select, View, Help, plugin groups...).
    """

    def __init__(self, groups: Iterable[Actions] = ()) -> None:
        self._bindings: dict[str, tuple[Actions, Action]] = {}
        self.conflicts: list[tuple[str, str, str]] = []
        for group in groups:
            self.add_group(group)

    def add_group(self, group: Actions) -> None:
        """Bind every shortcut of a group (existing bindings are kept; clashes recorded)."""
        for action in group:
            for sc in action.shortcuts:
                key = normalize_shortcut(sc)
                if key in self._bindings:
                    other = self._bindings[key][1]
                    if other is not action and other.name != action.name:
                        self.conflicts.append((key, other.name, action.name))
                        logger.warning("Shortcut %s of %s.%s is already bound to %s; ignored.",
                                       key, group.name, action.name, other.name)
                    continue
                self._bindings[key] = (group, action)

    def lookup(self, chord_text: str) -> Action | None:
        """The action bound to a chord (also tries the shifted character: ``shift+;`` -> ``:``,
        ``ctrl+shift+=`` -> ``ctrl+shift++`` then ``ctrl++``)."""
        for candidate in _candidates(chord_text):
            hit = self._bindings.get(candidate)
            if hit is not None:
                return hit[1]
        return None

    @property
    def bindings(self) -> dict[str, str]:
        """``{chord: 'Group.action'}``, sorted by chord."""
        return {k: f"{g.name}.{a.name}" for k, (g, a) in sorted(self._bindings.items())}

    def __len__(self) -> int:
        return len(self._bindings)


class KeyDispatcher:
    """Route key presses to actions, respecting keyboard focus.

    Parameters
    ----------
    groups : callable
        Returns the action groups in priority order (re-read on every :meth:`rebuild`,
        so plugin actions added later are bound).
    text_input_active : callable
        Returns True while a text field (filter box, snippet line, prompt) has the
        keyboard; key presses are then left to the text field.
    on_error : callable, optional
        Called with the exception when an action raises (the dispatcher never raises).
    on_run : callable, optional
        Called with ``(action, result)`` after an action ran.
    on_prompt : callable, optional
        Called with the action instead of running it when the action takes arguments
        from a prompt (``label``, ``move``...): the GUI opens the command line for them.
    """

    def __init__(
        self,
        groups: Callable[[], Sequence[Actions]],
        text_input_active: Callable[[], bool] = lambda: False,
        on_error: Callable[[Action, BaseException], None] | None = None,
        on_run: Callable[[Action, Any], None] | None = None,
        on_prompt: Callable[[Action], None] | None = None,
    ) -> None:
        self._groups = groups
        self._text_input_active = text_input_active
        self._on_error = on_error
        self._on_run = on_run
        self._on_prompt = on_prompt
        self.keymap = KeyMap()
        self.enabled = True
        self.rebuild()

    def rebuild(self) -> None:
        """Rebuild the key map from the current action groups."""
        self.keymap = KeyMap(self._groups())

    def dispatch(self, chord_text: str | None) -> Action | None:
        """Run the action bound to a chord; returns the action run (None if none).

        Nothing runs while a text field is active, while dispatch is disabled (modal
        dialog open) or when the action is disabled.
        """
        if chord_text is None or not self.enabled or self._text_input_active():
            return None
        action = self.keymap.lookup(chord_text)
        if action is None or not action.enabled:
            return None
        if action.prompt and self._on_prompt is not None:
            self._on_prompt(action)
            return action
        try:
            result = action()
        except Exception as exc:  # an action must never break the event loop
            if isinstance(exc, PhyCoreError):
                logger.warning("Action %s: %s", action.name, exc)
            else:
                logger.exception("Action %s failed.", action.name)
            if self._on_error is not None:
                self._on_error(action, exc)
            return action
        if self._on_run is not None:
            self._on_run(action, result)
        return action

    def on_key(self, key_code: int, ctrl: bool = False, alt: bool = False, shift: bool = False,
               meta: bool = False) -> Action | None:
        """Dispatch a raw key press (what the Dear PyGui key handler calls)."""
        return self.dispatch(chord(key_code, ctrl, alt, shift, meta))
