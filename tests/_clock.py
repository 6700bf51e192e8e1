"""A clock the test advances: pass it where phycore takes a ``clock`` (``TemplateController.clock``,
``StreamSource(clock=...)``) instead of sleeping and asserting on wall-clock time."""

from __future__ import annotations

import threading


class FakeClock:
    """``clock()`` returns the seconds the test set; :meth:`advance` moves it forward.

    Thread-safe: a source thread may read it while the test advances it;
    :meth:`wait_read` lets the test wait (with a timeout) until that thread has read it.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = float(start)
        self.n_reads = 0
        self._cond = threading.Condition()

    def __call__(self) -> float:
        with self._cond:
            self.n_reads += 1
            self._cond.notify_all()
            return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (>= 0); returns the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        with self._cond:
            self._now += float(seconds)
            return self._now

    def wait_read(self, n: int = 1, timeout: float = 10.0) -> bool:
        """Wait until the clock was read at least ``n`` times (False after ``timeout`` seconds)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.n_reads >= n, timeout=timeout)
