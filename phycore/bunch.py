"""phy's ``Bunch``: a dict whose keys are attributes (served as ``phy.Bunch``, ``phylib.utils.Bunch``)."""

from __future__ import annotations

from typing import Any

__all__ = ["Bunch"]


class Bunch(dict[str, Any]):
    """A dict whose keys are also attributes, as ``phylib.utils.Bunch``.

    As in phylib, a key wins over a dict method of the same name (``Bunch(keys=1).keys``
    is 1) and ``dir()`` lists the keys. Unlike phylib's, a Bunch is not its own
    ``__dict__``: that trick makes every Bunch a reference cycle, so the arrays it holds
    would wait for the cyclic garbage collector instead of being freed at once.

    Examples
    --------
    >>> b = Bunch(data=[1, 2], lim=(0, 1))
    >>> b.data, b["lim"]
    ([1, 2], (0, 1))
    >>> b.color = "red"
    >>> sorted(b)
    ['color', 'data', 'lim']
    """

    def __getattribute__(self, key: str) -> Any:
        # phylib's Bunch is its own instance __dict__, which Python reads before the
        # class's methods: a key shadows a method of the same name (not a dunder).
        if not key.startswith("__") and dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return super().__getattribute__(key)

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

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str)})

    def copy(self) -> Bunch:
        """A shallow copy, of the same class."""
        return type(self)(self)
