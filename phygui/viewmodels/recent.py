"""A view model's small memory of recent results (per-cluster rows, pair correlograms).

A cluster id always names the same spikes (ids are never reused; a live cluster that
gains spikes is keyed by its new spike count), so a view that comes back to a cluster
(undo, a reselection, the next similar cluster of the same first cluster) takes its
rows from here instead of recomputing them. Data jobs of one view may overlap on two
worker threads (a stale one finishing while the next runs), hence the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

__all__ = ["RecentResults", "cluster_key"]


def cluster_key(controller: Any, cluster_id: int) -> tuple[int, int]:
    """``(cluster id, spike count)``: what a per-cluster result depends on."""
    return int(cluster_id), int(controller.supervisor.clustering.spike_counts.get(int(cluster_id), 0))


class RecentResults:
    """A bounded, thread-safe LRU mapping.

    Parameters
    ----------
    maxsize : int
        Results kept (the least recently used goes first).
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = int(maxsize)
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The result stored under ``key``, or None."""
        with self._lock:
            out = self._data.get(key)
            if out is not None:
                self._data.move_to_end(key)
            return out

    def put(self, key: Hashable, value: Any) -> None:
        """Store a result (dropping the oldest beyond ``maxsize``)."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
