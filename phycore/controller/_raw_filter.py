"""Named raw-data filters a session can switch between (phy's ``controller.raw_data_filter``).

phy plugins register filters with ``@controller.raw_data_filter.add_filter`` and users
rotate through them (phy: alt+r). The filters apply to :meth:`TemplateController.get_traces`.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np

from phycore.errors import ActionError, DataFormatError

__all__ = ["RawDataFilter"]

logger = logging.getLogger("phycore.controller")

#: ``f(array, axis=...) -> array of the same shape``.
FilterFunc = Callable[..., Any]


def _identity(arr: Any, axis: int | None = None) -> Any:
    return arr


class RawDataFilter:
    """An ordered set of named filters with a current one (``'raw'``, no filter, first).

    Attributes
    ----------
    current : str
        Name of the filter :meth:`apply` uses.
    """

    def __init__(self) -> None:
        self._filters: dict[str, FilterFunc] = {"raw": _identity}
        self.current = "raw"

    @property
    def names(self) -> list[str]:
        """Filter names, in the order :meth:`next` cycles through them."""
        return list(self._filters)

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
        logger.debug("Added the raw data filter %s.", key)
        return fun

    def add_default_filter(self, sample_rate: float) -> None:
        """Add phy's ``high_pass`` filter (3rd order Butterworth, 150 Hz, forward-backward) for
        data sampled at ``sample_rate`` Hz, and make it current."""
        from phycore.model.filters import filtfilt_highpass

        self.add_filter(lambda arr, axis=0: filtfilt_highpass(arr, sample_rate, axis=axis), name="high_pass")
        self.set("high_pass")

    def set(self, name: str) -> str:
        """Make ``name`` the current filter."""
        if name not in self._filters:
            raise ActionError(f"Unknown raw data filter {name!r}; filters are: {', '.join(self._filters)}.",
                              argument="name")
        self.current = name
        return name

    def next(self) -> str:
        """Switch to the next filter (after the last comes ``'raw'``); returns its name."""
        names = self.names
        return self.set(names[(names.index(self.current) + 1) % len(names)])

    def apply(self, arr: Any, axis: int | None = None, name: str | None = None) -> np.ndarray:
        """Filter ``arr`` with the current filter (or ``name``'s, which becomes current).

        Raises
        ------
        DataFormatError
            The filter changed the array's shape.
        """
        if name is not None:
            self.set(name)
        out = self._filters[self.current](arr, axis=axis)
        if np.shape(out) != np.shape(arr):
            raise DataFormatError(f"The raw data filter {self.current!r} returned shape {np.shape(out)} for an "
                                  f"array of shape {np.shape(arr)}.", argument=self.current)
        return np.asarray(out)
