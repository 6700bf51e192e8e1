"""Action registry and snippet parser, shared by the headless Supervisor and phygui.

An :class:`Actions` object is a named group of :class:`Action` records (phy's
``gui.edit_actions``, ``supervisor.actions``...). It holds data only — callback,
shortcut, snippet alias, menu — so the same registry drives scripts, tests, menus and
the GUI's key dispatcher. Plugins add to it with phy's signature::

    @controller.supervisor.actions.add(shortcut='alt+x', alias='sx')
    def split_by_amplitude(threshold):
        ...

Snippets are phy's command line: ``:merge 3 7``, ``:c 10-15``, ``:l quality good``,
``:f "group == 'good'"``.
"""

from __future__ import annotations

import inspect
import logging
import re
import shlex
from typing import Any, Callable, Iterator, Sequence

import attrs

from phycore.errors import ActionError

__all__ = ["Action", "Actions", "parse_snippet", "run_snippet"]

logger = logging.getLogger(__name__)


def _count_args(callback: Callable[..., Any]) -> tuple[int, int, bool]:
    """(required, maximum, has *args) positional parameters of a callable."""
    try:
        sig = inspect.signature(callback)
    except (TypeError, ValueError):
        return 0, 0, True
    required = maximum = 0
    varargs = False
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            maximum += 1
            if p.default is p.empty:
                required += 1
        elif p.kind == p.VAR_POSITIONAL:
            varargs = True
    return required, maximum, varargs


@attrs.define(eq=False)
class Action:
    """One named action: a callback plus how users reach it.

    Parameters
    ----------
    name : str
        Unique name in its group (``merge``, ``move_best_to_good``...).
    callback : callable
        Called with the snippet or prompt arguments.
    shortcut : str or tuple of str, optional
        Key sequence(s) in phy's notation (``'ctrl+z'``, ``('ctrl+y', 'ctrl+shift+z')``).
    alias : str, optional
        Snippet alias (``'g'`` for merge).
    menu : str, optional
        Menu path (``'Edit'``, ``'Select'``, ``'&View'``...).
    """

    name: str
    callback: Callable[..., Any]
    shortcut: str | tuple[str, ...] | None = None
    alias: str | None = None
    menu: str | None = None
    submenu: str | None = None
    docstring: str = ""
    prompt: bool = False
    prompt_default: Callable[[], Any] | None = None
    checkable: bool = False
    checked: bool = False
    enabled: bool = True
    show_shortcut: bool = True

    @property
    def shortcuts(self) -> tuple[str, ...]:
        """All key sequences bound to this action."""
        if self.shortcut is None:
            return ()
        return (self.shortcut,) if isinstance(self.shortcut, str) else tuple(self.shortcut)

    def __call__(self, *args: Any) -> Any:
        required, maximum, varargs = _count_args(self.callback)
        if self.checkable and not args and required == 1:
            # A checkable action called without argument toggles its state.
            args = (not self.checked,)
        if len(args) < required or (len(args) > maximum and not varargs):
            expected = f"{required}" if required == maximum else f"{required} to {maximum}"
            raise ActionError(
                f"Invalid action arguments: '{self.name}' takes {expected} argument(s), "
                f"got {len(args)}: {list(args)!r}.",
                argument=self.name,
            )
        if self.checkable and args and isinstance(args[0], bool):
            self.checked = args[0]
        return self.callback(*args)


class Actions:
    """A named group of actions (one menu's worth).

    Parameters
    ----------
    name : str
        Group name, also the default menu (``'Edit'``, ``'Select'``...); the only positional
        argument, unless it is phy's GUI (``Actions(gui, name='Edit')``).
    default_shortcuts : dict, optional
        ``{action_name: shortcut}`` applied when an action is added without one.
    default_snippets : dict, optional
        ``{action_name: alias}`` likewise for snippet aliases.
    submenu : str, optional
        phy's default submenu of the actions added (when ``add`` gets none).
    view : object, optional
        The view whose menu the actions go to (phy's view actions).
    view_submenu : str, optional
        phy's submenu of the view's menu.
    insert_menu_before : str, optional
        The menu before which this group's menu is placed (phy's), kept for the front end.
    gui : object, optional
        The GUI the group belongs to (phy passes it first).
    """

    def __init__(
        self,
        *args: Any,
        name: str | None = None,
        menu: str | None = None,
        default_shortcuts: dict[str, Any] | None = None,
        default_snippets: dict[str, str] | None = None,
        submenu: str | None = None,
        view: Any = None,
        view_submenu: str | None = None,
        insert_menu_before: str | None = None,
        gui: Any = None,
    ) -> None:
        # Actions("Edit") or phy's Actions(gui, name="Edit").
        if len(args) > 1 or (args and name is not None and isinstance(args[0], str)):
            raise TypeError("Actions takes one positional argument: the name, or phy's GUI.")
        if args and not isinstance(args[0], str):
            gui = args[0]
        elif args:
            name = args[0]
        name = name if name is not None else "Actions"
        self.name = name
        self.menu = menu if menu is not None else name
        self.submenu, self.view, self.view_submenu = submenu, view, view_submenu
        self.insert_menu_before, self.gui = insert_menu_before, gui
        self._default_shortcuts = dict(default_shortcuts or {})
        self._default_snippets = dict(default_snippets or {})
        self._actions: dict[str, Action] = {}
        self._separators: list[tuple[str | None, int]] = []

    def add(
        self,
        callback: Callable[..., Any] | None = None,
        name: str | None = None,
        *,
        shortcut: str | Sequence[str] | None = None,
        alias: str | None = None,
        prompt: bool = False,
        n_args: int | None = None,
        docstring: str | None = None,
        menu: str | None = None,
        submenu: str | None = None,
        verbose: bool = True,
        checkable: bool = False,
        checked: bool = False,
        set_busy: bool = False,
        prompt_default: Callable[[], Any] | None = None,
        show_shortcut: bool = True,
    ) -> Any:
        """Add an action; usable as ``@actions.add`` or ``@actions.add(shortcut=...)``.

        ``n_args``, ``verbose`` and ``set_busy`` are accepted for phy compatibility.
        Returns the callback (so the decorator leaves the function usable).
        """
        if callback is None:
            return lambda f: self.add(
                f, name=name, shortcut=shortcut, alias=alias, prompt=prompt, docstring=docstring,
                menu=menu, submenu=submenu, checkable=checkable, checked=checked,
                prompt_default=prompt_default, show_shortcut=show_shortcut,
            )
        name = name or getattr(callback, "__name__", None)
        if not name or name == "<lambda>":
            raise ActionError("An action needs a name (pass name=...).", argument="name")
        if shortcut is None:
            shortcut = self._default_shortcuts.get(name)
        if shortcut is not None and not isinstance(shortcut, str):
            shortcut = tuple(shortcut)
        if alias is None:
            alias = self._default_snippets.get(name)
        if name in self._actions:
            logger.debug("Replacing action %s in %s.", name, self.name)
        doc = docstring if docstring is not None else inspect.getdoc(callback) or ""
        self._actions[name] = Action(
            name=name, callback=callback, shortcut=shortcut, alias=alias,
            menu=menu if menu is not None else self.menu, submenu=submenu if submenu is not None else self.submenu,
            docstring=doc.split("\n\n")[0].strip(), prompt=prompt, prompt_default=prompt_default,
            checkable=checkable, checked=checked, show_shortcut=show_shortcut,
        )
        return callback

    def separator(self, menu: str | None = None) -> None:
        """Record a menu separator after the last added action."""
        self._separators.append((menu or self.menu, len(self._actions)))

    def remove(self, name: str) -> None:
        """Remove an action by name."""
        self._actions.pop(name, None)

    def remove_all(self) -> None:
        """Remove every action (and separator)."""
        self._actions.clear()
        self._separators.clear()

    def show_shortcuts(self) -> None:
        """Print the group's name, its keyboard shortcuts and its snippet aliases (as phy)."""
        print(f"{self.name}\n{'-' * len(self.name)}\n")
        keys = [f"- {n:<40} {', '.join(k)}" for n, k in sorted(self.shortcuts.items()) if not n.startswith("_")]
        if keys:
            print("Keyboard shortcuts\n" + "\n".join(keys) + "\n")
        aliases = sorted((n, a.alias) for n, a in self._actions.items() if a.alias)
        if aliases:
            print("Snippets\n" + "\n".join(f"- {n:<40} :{a}" for n, a in aliases) + "\n")

    def get(self, name: str) -> Action | None:
        """The action called ``name`` (or whose alias is ``name``), or None."""
        if name in self._actions:
            return self._actions[name]
        for action in self._actions.values():
            if action.alias == name:
                return action
        return None

    def run(self, name: str, *args: Any) -> Any:
        """Run an action by name or alias with positional arguments."""
        action = self.get(name)
        if action is None:
            raise ActionError(f"Unknown action {name!r} in {self.name}.", argument="name")
        if not action.enabled:
            raise ActionError(f"The action {name!r} is disabled.", argument="name")
        return action(*args)

    def enable(self, name: str, enabled: bool = True) -> None:
        """Enable or disable an action."""
        action = self.get(name)
        if action is not None:
            action.enabled = enabled

    def disable(self, name: str) -> None:
        """Disable an action."""
        self.enable(name, False)

    @property
    def names(self) -> list[str]:
        """Action names in insertion order."""
        return list(self._actions)

    @property
    def shortcuts(self) -> dict[str, tuple[str, ...]]:
        """``{name: key sequences}`` for actions that have shortcuts."""
        return {n: a.shortcuts for n, a in self._actions.items() if a.shortcuts}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[Action]:
        return iter(list(self._actions.values()))

    def __len__(self) -> int:
        return len(self._actions)

    def __getattr__(self, name: str) -> Any:
        # phy lets callers write `actions.merge()`.
        actions = self.__dict__.get("_actions", {})
        if name in actions:
            return actions[name]
        raise AttributeError(f"{type(self).__name__} {self.__dict__.get('name')!r} has no action {name!r}")

    def __repr__(self) -> str:
        return f"<Actions {self.name!r}: {len(self)} actions>"


_RANGE = re.compile(r"^(-?\d+)-(-?\d+)$")


def _parse_arg(token: str) -> Any:
    m = _RANGE.match(token)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return list(range(a, b + 1))
    if "," in token:
        return [_parse_arg(t) for t in token.split(",") if t]
    for cast in (int, float):
        try:
            return cast(token)
        except ValueError:
            pass
    return token


def parse_snippet(text: str) -> tuple[str, list[Any]]:
    """Split a snippet into ``(name, args)``.

    ``:merge 3 7`` gives ``('merge', [3, 7])``; ``:c 10-12`` gives ``('c', [[10, 11, 12]])``;
    quoted text stays one string argument (``:f "group == 'good'"``).
    """
    text = text.strip()
    if text.startswith(":"):
        text = text[1:]
    if not text:
        raise ActionError("Empty snippet.", argument="snippet")
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as e:
        raise ActionError(f"Cannot parse the snippet {text!r}: {e}.", argument="snippet") from None
    quoted = {m.group(1) or m.group(2) for m in re.finditer(r"\"([^\"]*)\"|'([^']*)'", text)}
    name, raw_args = tokens[0], tokens[1:]
    args = [t if t in quoted else _parse_arg(t) for t in raw_args]
    return name, args


def run_snippet(text: str, groups: Sequence[Actions]) -> Any:
    """Parse a snippet and run the first matching action among ``groups``.

    Raises
    ------
    ActionError
        Unknown snippet, or wrong number of arguments.
    """
    name, args = parse_snippet(text)
    for group in groups:
        action = group.get(name) or group.get(name.lower().replace("-", "_"))
        if action is not None:
            if not action.enabled:
                raise ActionError(f"The action {action.name!r} is disabled.", argument="snippet")
            return action(*args)
    raise ActionError(f"Unknown snippet ':{name}'.", argument="snippet")
