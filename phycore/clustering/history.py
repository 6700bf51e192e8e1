"""`History`: a generic undo stack, and `GlobalHistory` for actions spanning several parts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

import attrs

from phycore.clustering.update_info import UpdateInfo, combine_updates

__all__ = ["History", "GlobalHistory", "Undoable", "UserAction"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class History(Generic[T]):
    """A list of done actions with a cursor.

    .. versionadded:: 0.1.0

    Position 0 is the base state (nothing done). :meth:`add` appends an item after the
    cursor and drops the redo branch; :meth:`undo` moves the cursor back and returns the
    undone item; :meth:`redo` moves it forward and returns the redone item.

    Unlike phy's ``History``, there is no base item: ``len(history)`` is the number of
    recorded items, and :attr:`current_item` is None at the base.
    """

    def __init__(self) -> None:
        self._items: list[T] = []
        self._index = 0

    def clear(self) -> None:
        """Forget every item."""
        self._items = []
        self._index = 0

    @property
    def current_position(self) -> int:
        """Number of done (not undone) items."""
        return self._index

    @property
    def current_item(self) -> T | None:
        """The last done item, or None at the base."""
        return self._items[self._index - 1] if self._index > 0 else None

    @property
    def can_undo(self) -> bool:
        """Whether there is an item to undo."""
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone item to redo."""
        return self._index < len(self._items)

    def is_first(self) -> bool:
        """Whether exactly one item is done (phy's meaning)."""
        return self._index == 1

    def is_last(self) -> bool:
        """Whether nothing can be redone."""
        return not self.can_redo

    def add(self, item: T) -> None:
        """Record a new item after the cursor; the redo branch is dropped."""
        del self._items[self._index:]
        self._items.append(item)
        self._index += 1

    def undo(self) -> T | None:
        """Move back one item and return it, or None at the base."""
        if self._index == 0:
            return None
        self._index -= 1
        return self._items[self._index]

    def redo(self) -> T | None:
        """Move forward one item and return it, or None at the top."""
        if self._index >= len(self._items):
            return None
        self._index += 1
        return self._items[self._index - 1]

    back = undo
    forward = redo

    def done(self) -> list[T]:
        """The done items, oldest first."""
        return self._items[: self._index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.done())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<History {self._index}/{len(self._items)}>"


class Undoable(Protocol):
    """Anything with its own undo stack (Clustering, ClusterMeta)."""

    def undo(self) -> UpdateInfo | None: ...

    def redo(self) -> UpdateInfo | None: ...


@attrs.define(eq=False)
class UserAction:
    """One recorded user action: its parts and whatever the caller keeps with it.

    Attributes
    ----------
    parts : tuple
        The objects that did a change (Clustering, ClusterMeta), in order.
    state : object
        Caller data, e.g. the Supervisor's selection before and after the action.
    """

    parts: tuple[Any, ...]
    state: Any = None


class GlobalHistory(History[UserAction]):
    """Undo stack of user actions that span several parts (Clustering and ClusterMeta).

    A merge that also gives the new cluster its parents' labels is one user action made
    of two parts; :meth:`undo` undoes both (last part first) and returns one combined
    UpdateInfo with ``history='undo'`` whose ``undo_state`` is the action's ``state``.
    """

    def action(self, *parts: Undoable, state: Any = None) -> UserAction:
        """Record one user action made of ``parts`` (each already did its change)."""
        item = UserAction(tuple(parts), state)
        self.add(item)
        return item

    def add_to_current_action(self, part: Undoable) -> None:
        """Add a part to the last recorded action."""
        item = self.current_item
        if item is None:
            raise IndexError("No current action to extend.")
        item.parts = item.parts + (part,)

    @property
    def current_state(self) -> Any:
        """``state`` of the last done action (None at the base)."""
        item = self.current_item
        return item.state if item is not None else None

    def undo(self) -> UpdateInfo | None:  # type: ignore[override]
        """Undo every part of the last action; None (and a log line) when nothing to undo."""
        item = super().undo()
        if item is None:
            logger.info("Nothing to undo.")
            return None
        up = combine_updates([p.undo() for p in reversed(item.parts)], "undo")
        return attrs.evolve(up, undo_state=item.state) if up is not None else None

    def redo(self) -> UpdateInfo | None:  # type: ignore[override]
        """Redo every part of the next action; None (and a log line) when nothing to redo."""
        item = super().redo()
        if item is None:
            logger.info("Nothing to redo.")
            return None
        up = combine_updates([p.redo() for p in item.parts], "redo")
        return attrs.evolve(up, undo_state=item.state) if up is not None else None

    def back(self) -> UpdateInfo | None:  # type: ignore[override]
        """phy's name for :meth:`undo`."""
        return self.undo()

    def forward(self) -> UpdateInfo | None:  # type: ignore[override]
        """phy's name for :meth:`redo`."""
        return self.redo()
