"""An instance-level event bus, as phylib's ``EventEmitter`` (``phylib.utils.event``).

phy plugins use it for events private to an object (``class MyView(EventEmitter)``),
apart from the process-wide bus of :mod:`phycore.signals`. The calling convention is
phylib's: ``connect(f)`` infers the event from ``on_<event>``, ``emit(event, sender,
*args, **kwargs)`` calls ``f(sender, *args, **kwargs)`` for every subscriber of
``event`` whose sender filter is None or ``sender``, in registration order (those
connected with ``last=True`` after the others), and returns their results
(``single=True``: the first result only). A subscriber that raises stops the emission
and the exception propagates, as in phylib.

Where phylib is fragile, this class follows :mod:`phycore.signals` instead:

- ``emit`` returns ``[]`` (not None) while silent;
- :meth:`EventEmitter.silent` silences its block and restores the previous state (phylib
  *toggles*, so a nested ``silent()`` block re-enables events);
- a sender filter matches by identity (phylib compares with ``==``, which fails on
  numpy arrays and matches equal but distinct objects);
- connecting the same function to the same event and sender twice registers it once.

.. versionadded:: 0.2
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["EventEmitter"]


class _Callback:
    __slots__ = ("event", "sender", "func", "kwargs")

    def __init__(self, event: str, sender: Any, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        self.event, self.sender, self.func, self.kwargs = event, sender, func, kwargs


class EventEmitter:
    """Emit events to callbacks connected to this object only.

    Examples
    --------
    >>> class Counter(EventEmitter):
    ...     def add(self, n):
    ...         return self.emit("added", self, n)
    >>> c = Counter()
    >>> @c.connect
    ... def on_added(sender, n):
    ...     return n * 10
    >>> c.add(2)
    [20]
    """

    def __init__(self) -> None:
        self._callbacks: list[_Callback] = []
        self._lock = threading.RLock()  # connect/unconnect may run on any thread
        self.is_silent = False

    def reset(self) -> None:
        """Remove every connected callback."""
        with self._lock:
            self._callbacks = []

    def set_silent(self, silent: bool) -> None:
        """Silence (or not) every emission until changed again."""
        self.is_silent = bool(silent)

    @contextlib.contextmanager
    def silent(self) -> Iterator[None]:
        """Suppress every emission in the block, then restore the previous state."""
        previous, self.is_silent = self.is_silent, True
        try:
            yield
        finally:
            self.is_silent = previous

    def connect(self, func: Callable[..., Any] | None = None, event: str | None = None, sender: Any = None,
                **kwargs: Any) -> Any:
        """Connect ``func`` to ``event`` (default: ``<event>`` of a name ``on_<event>``).

        Usable as a decorator, with or without arguments.

        Parameters
        ----------
        func : callable, optional
            Called as ``func(sender, *args, **kwargs)``.
        event : str, optional
        sender : object, optional
            Only emissions by this object (compared by identity) reach ``func``.
        **kwargs
            Options kept with the connection; ``last=True`` runs ``func`` after the
            callbacks connected without it.

        Returns
        -------
        callable
            ``func`` (or a decorator when ``func`` is None).

        Raises
        ------
        ValueError
            No ``event`` and ``func`` is not named ``on_<event>``.
        """
        if func is None:
            return lambda f: self.connect(f, event=event, sender=sender, **kwargs)
        if event is None:
            match = re.match(r"^on_(.+)$", getattr(func, "__name__", ""))
            if not match:
                raise ValueError(f"Cannot infer the event of {func!r}: name it on_<event> or pass event=.")
            event = match.group(1)
        with self._lock:
            if not any(c.func == func and c.event == event and c.sender is sender for c in self._callbacks):
                self._callbacks = [*self._callbacks, _Callback(event, sender, func, kwargs)]
        return func

    def unconnect(self, *items: Any) -> None:
        """Remove the connections of these functions, of these senders, and of the bound
        methods of these objects."""
        def matches(c: _Callback) -> bool:
            owner = getattr(c.func, "__self__", None)
            return any(c.func == x or (c.sender is not None and c.sender is x) or (owner is not None and owner is x)
                       for x in items)

        with self._lock:
            self._callbacks = [c for c in self._callbacks if not matches(c)]

    def emit(self, event: str, sender: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the callbacks of ``event`` with ``(sender, *args, **kwargs)``.

        Parameters
        ----------
        event : str
        sender : object
        *args, **kwargs
            Passed on; ``single=True`` is not, it makes ``emit`` return the first
            callback's result and call no other.

        Returns
        -------
        list or object
            The callbacks' results; with ``single=True``, the first one (``[]`` when
            no callback ran, as phylib). ``[]`` while silent.
        """
        single = kwargs.pop("single", None)
        if self.is_silent:
            return []
        callbacks = self._callbacks  # a snapshot: callbacks may connect or unconnect
        ordered = ([c for c in callbacks if not c.kwargs.get("last")]
                   + [c for c in callbacks if c.kwargs.get("last")])
        results = []
        for c in ordered:
            if c.event == event and (c.sender is None or c.sender is sender):
                results.append(c.func(sender, *args, **kwargs))
                if single:
                    return results[-1]
        return results
