"""``numba.njit`` with a signature mypy can follow (private).

numba's decorators carry no annotations, so a kernel decorated with ``numba.njit``
would lose its annotated signature for the type checker (and mypy --strict rejects an
untyped decorator on a typed function). :func:`njit` hands its options to
``numba.njit`` unchanged: numba compiles exactly the same kernel, and the checker
sees the kernel's own signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])


def njit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(**options)``, typed as keeping the decorated kernel's signature."""
    return cast("Callable[[F], F]", numba.njit(**options))
