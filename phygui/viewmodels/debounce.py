"""A debouncer polled once per frame: phy's ``Debouncer`` without a Qt timer.

phy debounces the cluster table's selection events by 50 ms: a click after a quiet
spell runs at once, clicks that follow it within 50 ms wait, and only the last one runs
once the clicks stop for 50 ms. The table's filter box waits in the same way for the
typing to stop (``leading=False``: even the first keystroke waits), so a filter is
parsed and applied once per burst of typing, not once per key.

The GUI calls :meth:`Debouncer.poll` every frame; the clock is injectable, so a test
advances a fake clock instead of sleeping.
"""

from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["Debouncer"]


class Debouncer:
    """Run the last submitted call once the submissions stopped for ``delay`` seconds.

    Parameters
    ----------
    delay : float
        Quiet time in seconds (phy's table: 0.05).
    clock : callable
        ``clock() -> seconds`` (default :func:`time.monotonic`).
    leading : bool
        Run a submission at once when the previous one is older than ``delay`` (phy's
        selection debouncer); False: every submission waits (the filter box).
    """

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic, *, leading: bool = True) -> None:
        self.delay = float(delay)
        self.clock = clock
        self.leading = leading
        self._last: float | None = None
        self._pending: tuple[Callable[..., Any], tuple[Any, ...]] | None = None

    @property
    def pending(self) -> tuple[Any, ...] | None:
        """The arguments of the call waiting to run, or None."""
        return self._pending[1] if self._pending is not None else None

    def _quiet(self, now: float) -> bool:
        return self._last is None or now - self._last >= self.delay

    def submit(self, func: Callable[..., Any], *args: Any) -> bool:
        """Run ``func(*args)`` now (leading, after a quiet spell) or once the submissions stop.

        A waiting call is replaced: only the last one runs. Returns whether it ran now.
        """
        now = self.clock()
        run_now = self.leading and self._quiet(now)
        self._last = now
        if run_now:
            self._pending = None
            func(*args)
            return True
        self._pending = (func, args)
        return False

    def poll(self) -> bool:
        """Run the waiting call if the submissions stopped ``delay`` ago; returns whether it ran."""
        if self._pending is None or not self._quiet(self.clock()):
            return False
        func, args = self._pending
        self._pending = None
        func(*args)
        return True

    def cancel(self) -> None:
        """Forget the waiting call."""
        self._pending = None
