"""Live sessions in the GUI (pure): what arrived since the last refresh, and at what rate.

An acquisition source may add spikes on every frame (``TemplateController.poll`` applies
them and the Supervisor emits ``spikes_added``). Re-rasterising the views of the clusters
that grew at that pace would mean a full redraw per frame, so the GUI collects the
events in a :class:`LiveActivity` and hands them to the tables and views at most every
:attr:`LiveActivity.interval` seconds. The status bar shows the spikes received and the
rate (:meth:`LiveActivity.text`).
"""

from __future__ import annotations

import collections
import time
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["LiveActivity"]


class LiveActivity:
    """Appended spikes collected between two refreshes of the views, and the rate.

    Parameters
    ----------
    interval : float
        Seconds between two refreshes (:meth:`flush` returns nothing sooner).
    window : float
        Seconds over which :meth:`rate` counts.

    Attributes
    ----------
    n_received : int
        Spikes received since the start.
    n_flushes : int
        Refreshes handed out by :meth:`flush`.
    """

    def __init__(self, interval: float = 0.5, window: float = 2.0) -> None:
        if not interval >= 0 or not window > 0:
            raise ValueError(f"interval must be >= 0 and window > 0 seconds, got {interval} and {window}.")
        self.interval, self.window = float(interval), float(window)
        self.n_received = 0
        self.n_flushes = 0
        self._spikes: list[npt.NDArray[np.int64]] = []
        self._clusters: set[int] = set()
        self._last_flush: float | None = None
        self._points: collections.deque[tuple[float, int]] = collections.deque()

    def add(self, spike_ids: Any, cluster_ids: Sequence[int], now: float | None = None) -> None:
        """Record one ``spikes_added`` event (new spike ids, clusters that received them)."""
        ids = np.asarray(spike_ids, dtype=np.int64).ravel()
        if not len(ids):
            return
        now = time.monotonic() if now is None else float(now)
        self._spikes.append(ids)
        self._clusters.update(int(c) for c in cluster_ids)
        self.n_received += len(ids)
        self._points.append((now, self.n_received))
        self._trim(now)

    @property
    def pending(self) -> bool:
        """Whether spikes arrived since the last :meth:`flush`."""
        return bool(self._spikes)

    def flush(self, now: float | None = None) -> tuple[npt.NDArray[np.int64], list[int]] | None:
        """``(spike_ids, cluster_ids)`` received since the last refresh, once ``interval``
        seconds have passed since it (the first one is due at once); else None."""
        if not self._spikes:
            return None
        now = time.monotonic() if now is None else float(now)
        if self._last_flush is not None and now - self._last_flush < self.interval:
            return None
        spikes = np.concatenate(self._spikes)
        clusters = sorted(self._clusters)
        self._spikes, self._clusters = [], set()
        self._last_flush = now
        self.n_flushes += 1
        return spikes, clusters

    def _trim(self, now: float) -> None:
        # Keep one point at or before the window's start, so the rate spans the window.
        points = self._points
        while len(points) >= 2 and points[1][0] <= now - self.window:
            points.popleft()

    def rate(self, now: float | None = None) -> float:
        """Spikes per second received over the last ``window`` seconds (0 when it stopped)."""
        now = time.monotonic() if now is None else float(now)
        self._trim(now)
        points = self._points
        if len(points) < 2 or now - points[-1][0] > self.window:
            return 0.0
        t0, n0 = points[0]
        return (self.n_received - n0) / max(now - t0, 1e-9)

    def text(self, now: float | None = None) -> str:
        """``'live: 143,687 spikes received (20,012/s)'``; ``''`` before the first spike."""
        if not self.n_received:
            return ""
        return f"live: {self.n_received:,} spikes received ({self.rate(now):,.0f}/s)"
