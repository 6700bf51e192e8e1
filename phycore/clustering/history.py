"""`History`: a generic undo stack, and `GlobalHistory` for actions spanning several parts.

Both follow phy's contract (``phy.cluster._history``): the stack always holds a base item
at position 0, ``back``/``forward`` return None at the ends, and a GlobalHistory's
``undo``/``redo`` return the tuple of what each part's own undo/redo returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["History", "GlobalHistory", "Undoable", "UserAction"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class History(Generic[T]):
    """A list of done actions with a cursor, on top of a base item.

    .. versionadded:: 0.1.0

    .. versionchanged:: 0.2
       phy's layout: the base item is item 0, so ``len`` counts it and
       :attr:`current_item` is the base item (not None) when nothing is done.

    Parameters
    ----------
    base_item : object, optional
        The item at position 0, standing for "nothing done".

    Notes
    -----
    :meth:`add` appends an item after the cursor and drops the redo branch;
    :meth:`back` (:meth:`undo`) returns the undone item and moves the cursor back;
    :meth:`forward` (:meth:`redo`) moves it forward and returns the redone item. Both
    return None at the ends.
    """

    def __init__(self, base_item: Any = None) -> None:
        self.clear(base_item)

    def clear(self, base_item: Any = None) -> None:
        """Forget every item; ``base_item`` becomes the only one."""
        self._items: list[Any] = [base_item]
        self._index = 0

    @property
    def current_item(self) -> Any:
        """The last done item (the base item when nothing is done)."""
        return self._items[self._index]

    @property
    def current_position(self) -> int:
        """Number of done (not undone) items: 0 at the base."""
        return self._index

    @property
    def can_undo(self) -> bool:
        """Whether there is an item to undo."""
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone item to redo."""
        return self._index < len(self._items) - 1

    def is_first(self) -> bool:
        """Whether exactly one item is done (phy's meaning)."""
        return self._index == 1

    def is_last(self) -> bool:
        """Whether nothing can be redone."""
        return self._index == len(self._items) - 1

    def add(self, item: T) -> None:
        """Record a new item after the cursor; the redo branch is dropped."""
        del self._items[self._index + 1:]
        self._items.append(item)
        self._index += 1

    def back(self) -> T | None:
        """Move back one item and return the undone one, or None at the base."""
        if self._index == 0:
            return None
        self._index -= 1
        return self._items[self._index + 1]  # type: ignore[no-any-return]

    def forward(self) -> T | None:
        """Move forward one item and return it, or None when nothing can be redone."""
        if self.is_last():
            return None
        self._index += 1
        return self._items[self._index]  # type: ignore[no-any-return]

    def undo(self) -> T | None:
        """Same as :meth:`back`."""
        return self.back()

    def redo(self) -> T | None:
        """Same as :meth:`forward`."""
        return self.forward()

    def iter(self, start: int = 0, end: int | None = None) -> Iterator[Any]:
        """Items ``start`` to ``end - 1`` (default: from the base item to the current one).

        Raises
        ------
        IndexError
            ``start`` or ``end`` outside the recorded items (phy asserts).
        """
        if end is None:
            end = self._index + 1
        if start >= end:
            return iter(())
        if not 0 <= start < end <= len(self._items):
            raise IndexError(f"History.iter({start}, {end}) out of range 0..{len(self._items)}.")
        return iter(self._items[start:end])

    def done(self) -> list[T]:
        """The done items, oldest first, without the base item."""
        return self._items[1: self._index + 1]

    def __iter__(self) -> Iterator[Any]:
        return self.iter()

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<History {self._index}/{len(self._items) - 1}>"


class Undoable(Protocol):
    """Anything with its own undo stack (Clustering, ClusterMeta)."""

    def undo(self) -> Any: ...

    def redo(self) -> Any: ...


class UserAction(tuple):  # type: ignore[type-arg]
    """One recorded user action: the tuple of its parts (phy's item), plus ``state``.

    It compares equal to the plain tuple of its parts; ``state`` is whatever the caller
    keeps with the action (the Supervisor's :class:`~phycore.supervisor.editor.Step`).
    """

    state: Any

    def __new__(cls, parts: tuple[Any, ...], state: Any = None) -> UserAction:
        item = super().__new__(cls, parts)
        item.state = state
        return item

    @property
    def parts(self) -> tuple[Any, ...]:
        """The parts, in the order they were recorded."""
        return tuple(self)


class GlobalHistory(History[UserAction]):
    """Undo stack of user actions that span several parts (Clustering and ClusterMeta).

    .. versionadded:: 0.1.0

    .. versionchanged:: 0.2
       :meth:`undo` and :meth:`redo` return the tuple of the parts' UpdateInfos (phy's
       contract), no longer one combined UpdateInfo; see
       :func:`~phycore.clustering.combine_updates`.

    A merge that also gives the new cluster its parents' labels is one user action made
    of two parts; :meth:`undo` undoes both.

    Parameters
    ----------
    process_ups : callable, optional
        When given, :meth:`undo` and :meth:`redo` return ``process_ups(ups)`` instead of
        the tuple ``ups`` (as phy).
    """

    def __init__(self, process_ups: Callable[[tuple[Any, ...]], Any] | None = None) -> None:
        super().__init__(UserAction(()))
        self.process_ups = process_ups

    def action(self, *parts: Undoable, state: Any = None) -> UserAction:
        """Record one user action made of ``parts`` (each already did its change).

        ``state`` (not in phy) is kept with the action: see :attr:`current_state`.
        """
        item = UserAction(tuple(parts), state)
        self.add(item)
        return item

    def add_to_current_action(self, part: Undoable) -> None:
        """Add a part to the current action (at the base: to the base item, as phy)."""
        item = self.current_item
        self._items[self._index] = UserAction(tuple(item) + (part,), item.state)

    @property
    def current_state(self) -> Any:
        """``state`` of the last done action (None at the base)."""
        return self.current_item.state

    def _result(self, ups: tuple[Any, ...]) -> Any:
        return self.process_ups(ups) if self.process_ups is not None else ups

    def undo(self) -> Any:
        """Undo every part of the last action.

        Returns
        -------
        tuple
            What each part's ``undo()`` returned, in the order the parts were recorded
            (they are undone last part first); ``()`` (and an info log) when nothing
            was done. Passed through ``process_ups`` when set.
        """
        item = self.back()
        if item is None:
            logger.info("Nothing to undo.")
            return self._result(())
        ups: list[Any] = [None] * len(item)
        for i in reversed(range(len(item))):  # last part first: it may build on the ones before
            ups[i] = item[i].undo()
        return self._result(tuple(ups))

    def redo(self) -> Any:
        """Redo every part of the next action; ``()`` (and an info log) when nothing to redo."""
        item = self.forward()
        if item is None:
            logger.info("Nothing to redo.")
            return self._result(())
        return self._result(tuple(p.redo() for p in item))
