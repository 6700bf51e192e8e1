"""A lazy ``numba.njit``, typed for mypy (private; public names in :mod:`phycore.analysis.jit`).

Importing numba costs 0.15-0.3 s (and its first kernel call about 0.5 s more, see
:mod:`phycore.analysis.jit`), so a module of kernels must not import it: a GUI's first
frame calls no kernel. :func:`njit` therefore returns a :class:`LazyKernel` that keeps
the Python function and numba's options; the first call of *any* lazy kernel imports
numba once and makes every kernel's dispatcher with ``numba.njit(**options)``, exactly
the dispatcher an eager decorator makes (same options, same on-disk cache, same machine
code). Inside compiled code kernels call each other and ``prange`` as globals of their
module: at that moment, before any kernel compiles, the module globals holding lazy
kernels or the :func:`prange` placeholder are replaced by the dispatchers and
``numba.prange``, so numba types them as if they had been eager. Kernels defined once
numba is loaded get their dispatcher at once.

numba's decorators carry no annotations, so :func:`njit` is typed as keeping the
decorated kernel's signature (mypy --strict rejects an untyped decorator).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_kernels: list[LazyKernel] = []
_loaded = False


def prange(*args: int) -> range:
    """``numba.prange`` in a kernel (a parallel loop); ``range`` when called from Python.

    A placeholder that :func:`load` replaces by ``numba.prange`` in the globals of the
    kernels' modules before any kernel compiles.
    """
    return range(*args)


class LazyKernel:
    """A numba kernel whose dispatcher is made on the first call of any lazy kernel.

    Calls and attributes (``py_func``, ``signatures``...) go to the dispatcher, which
    loads numba first when it is not loaded yet.
    """

    def __init__(self, func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = func
        self.options = options
        self.dispatcher: Any = None
        self.__name__ = func.__name__
        self.__qualname__ = func.__qualname__
        self.__module__ = func.__module__
        self.__doc__ = func.__doc__
        self.__wrapped__ = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        dispatcher = self.dispatcher
        if dispatcher is None:
            load()
            dispatcher = self.dispatcher
        return dispatcher(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # only for names the instance does not have
        # Private names too: introspection (copy, pickle, inspect) must not load numba.
        if name.startswith("_") or name == "dispatcher":
            raise AttributeError(name)
        if self.dispatcher is None:
            load()
        return getattr(self.dispatcher, name)

    def __repr__(self) -> str:
        state = "loaded" if self.dispatcher is not None else "not loaded"
        return f"<LazyKernel {self.__module__}.{self.__qualname__} ({state})>"


def njit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(**options)``, made lazily (see the module docstring), typed as keeping
    the decorated kernel's signature."""
    def decorate(func: F) -> F:
        with _lock:
            if not _loaded:
                kernel = LazyKernel(func, options)
                _kernels.append(kernel)
                return cast("F", kernel)
        import numba

        return cast("F", numba.njit(**options)(func))

    return decorate


def loaded() -> bool:
    """Whether numba is loaded for the kernels (the first kernel call did it)."""
    return _loaded


def load() -> None:
    """Import numba and make every lazy kernel's dispatcher (once per process; thread-safe)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        import numba

        made = {id(k): numba.njit(**k.options)(k.py_func) for k in _kernels}
        # Before any dispatcher is handed out (another thread may call a kernel as soon as
        # its dispatcher is set): kernels and prange as numba must see them when compiling.
        for name in sorted({k.__module__ for k in _kernels}):
            module = sys.modules.get(name)
            if module is None:
                continue
            space = vars(module)
            for key, value in list(space.items()):
                if isinstance(value, LazyKernel) and id(value) in made:
                    space[key] = made[id(value)]
                elif value is prange:
                    space[key] = numba.prange
        for k in _kernels:
            k.dispatcher = made[id(k)]
        _kernels.clear()
        _loaded = True


def get_num_threads() -> int:
    """``numba.get_num_threads()`` (loads numba)."""
    load()
    import numba

    return int(numba.get_num_threads())


@contextmanager
def parallel_chunksize(size: int) -> Iterator[None]:
    """``numba.parallel_chunksize(size)`` (loads numba)."""
    load()
    import numba

    with numba.parallel_chunksize(size):
        yield
