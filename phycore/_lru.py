"""Bounded, thread-safe memory cache and key helpers behind :meth:`phycore.cache.Context.memcache` (private)."""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["MISSING", "LRU", "fullname", "has_self", "first_arg_matches"]

#: Returned by :meth:`LRU.get` for an absent key (``None`` is a valid cached result).
MISSING = object()


def fullname(f: Callable[..., Any]) -> str:
    func = getattr(f, "__func__", f)
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def has_self(f: Callable[..., Any]) -> bool:
    """Whether ``f`` is a plain function whose first parameter is ``self``."""
    if inspect.ismethod(f):
        return False
    try:
        params = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "self"


def first_arg_matches(key: tuple[object, ...], ids: frozenset[int]) -> bool:
    if not key:
        return False
    first = key[0]
    if isinstance(first, (tuple, frozenset)):
        return any(x in ids for x in first)
    return first in ids


class LRU:
    """A bounded, thread-safe mapping from argument tuples to results."""

    def __init__(self, maxsize: int, data: dict[tuple[object, ...], Any] | None = None) -> None:
        self.maxsize = maxsize
        self.lock = threading.Lock()
        self.data: OrderedDict[tuple[object, ...], Any] = OrderedDict(data or {})
        self._trim()

    def _trim(self) -> None:
        while len(self.data) > self.maxsize:
            self.data.popitem(last=False)

    def get(self, key: tuple[object, ...]) -> Any:
        with self.lock:
            out = self.data.get(key, MISSING)
            if out is not MISSING:
                self.data.move_to_end(key)
            return out

    def put(self, key: tuple[object, ...], value: object) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            self._trim()

    def drop(self, ids: frozenset[int]) -> int:
        with self.lock:
            keys = [k for k in self.data if first_arg_matches(k, ids)]
            for k in keys:
                del self.data[k]
            return len(keys)
