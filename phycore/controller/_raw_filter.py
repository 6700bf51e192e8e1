"""Named raw-data filters a session can switch between (phy's ``controller.raw_data_filter``).

phy plugins register filters with ``@controller.raw_data_filter.add_filter`` and users
rotate through them (phy: alt+r): ``raw`` (no filter), phy's ``high_pass``, then the
plugins' filters in the order they were added. The current filter applies to
:meth:`TemplateController.get_traces` (``filtered=None``) and to the raw waveforms
(:meth:`TemplateController.get_waveforms`); a change emits ``raw_data_filter_changed``
so that the trace and waveform views redraw.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np

from phycore.errors import ActionError, DataFormatError
from phycore.signals import emit

__all__ = ["RawDataFilter"]

logger = logging.getLogger("phycore.controller")

#: ``f(array, axis=...) -> array of the same shape``.
FilterFunc = Callable[..., Any]


def _identity(arr: Any, axis: int | None = None) -> Any:
    return arr


class RawDataFilter:
    """An ordered set of named filters with a current one (``'raw'``, no filter, first).

    Parameters
    ----------
    sender : object, optional
        Sender of ``raw_data_filter_changed(sender, name)``, emitted when the current
        filter changes (the controller); nothing is emitted without one.

    Attributes
    ----------
    current : str
        Name of the filter :meth:`apply` uses (assigning it is :meth:`set`).
    sender : object or None
        The ``sender`` parameter (may be set later).
    """

    def __init__(self, sender: Any = None) -> None:
        self._filters: dict[str, FilterFunc] = {"raw": _identity}
        # Names whose filter is still the one phycore defined (results may be cached on disk).
        self._builtin = {"raw"}
        self._current = "raw"
        self.sender = sender

    @property
    def current(self) -> str:
        """Name of the current filter."""
        return self._current

    @current.setter
    def current(self, name: str) -> None:
        self.set(name)

    @property
    def names(self) -> list[str]:
        """Filter names, in the order :meth:`next` cycles through them."""
        return list(self._filters)

    def get(self, name: str | None = None) -> FilterFunc:
        """The filter function ``f(arr, axis=...)`` of ``name`` (default: the current one)."""
        key = self._current if name is None else name
        if key not in self._filters:
            raise ActionError(f"Unknown raw data filter {key!r}; filters are: {', '.join(self._filters)}.",
                              argument="name")
        return self._filters[key]

    def is_builtin(self, name: str | None = None) -> bool:
        """Whether ``name`` (default: the current filter) is phycore's own ``raw`` or
        ``high_pass``, not replaced by a plugin: its results depend on the data only."""
        return (self._current if name is None else name) in self._builtin

    def add_filter(self, fun: FilterFunc | None = None, name: str | None = None) -> Any:
        """Register a filter (usable as a decorator); returns it.

        Parameters
        ----------
        fun : callable
            ``fun(arr, axis=0)`` returning an array of the same shape.
        name : str, optional
            Default: the function's name.
        """
        if fun is None:
            return lambda f: self.add_filter(f, name=name)
        key = name or getattr(fun, "__name__", None)
        if not key or key == "<lambda>":
            raise ActionError("A raw data filter needs a name (pass name=...).", argument="name")
        self._filters[key] = fun
        self._builtin.discard(key)
        logger.debug("Added the raw data filter %s.", key)
        return fun

    def add_default_filter(self, sample_rate: float) -> None:
        """Add phy's ``high_pass`` filter (3rd order Butterworth, 150 Hz, forward-backward) for
        data sampled at ``sample_rate`` Hz, and make it current."""
        from phycore.model.waveforms import highpass_filter

        self.add_filter(highpass_filter(sample_rate), name="high_pass")
        self._builtin.add("high_pass")
        self.set("high_pass")

    def set(self, name: str) -> str:
        """Make ``name`` the current filter (emits ``raw_data_filter_changed`` if it changes)."""
        if name not in self._filters:
            raise ActionError(f"Unknown raw data filter {name!r}; filters are: {', '.join(self._filters)}.",
                              argument="name")
        changed = name != self._current
        self._current = name
        if changed and self.sender is not None:
            emit("raw_data_filter_changed", self.sender, name)
        return name

    def next(self) -> str:
        """Switch to the next filter (after the last comes ``'raw'``); returns its name."""
        names = self.names
        return self.set(names[(names.index(self._current) + 1) % len(names)])

    def previous(self) -> str:
        """Switch to the previous filter; returns its name."""
        names = self.names
        return self.set(names[(names.index(self._current) - 1) % len(names)])

    def apply(self, arr: Any, axis: int | None = None, name: str | None = None) -> np.ndarray:
        """Filter ``arr`` with the current filter (or ``name``'s, which becomes current).

        Raises
        ------
        DataFormatError
            The filter changed the array's shape.
        """
        if name is not None:
            self.set(name)
        out = self._filters[self._current](arr, axis=axis)
        if np.shape(out) != np.shape(arr):
            raise DataFormatError(f"The raw data filter {self._current!r} returned shape {np.shape(out)} for an "
                                  f"array of shape {np.shape(arr)}.", argument=self._current)
        return np.asarray(out)
