"""phy's ``Bunch``: a dict whose keys are attributes (served as ``phy.Bunch``, ``phylib.utils.Bunch``)."""

from __future__ import annotations

from typing import Any

__all__ = ["Bunch"]


class Bunch(dict[str, Any]):
    """A dict whose keys are also attributes (phy's ``Bunch``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: object) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None

    def copy(self) -> Bunch:
        """A shallow copy, of the same class."""
        return type(self)(self)
