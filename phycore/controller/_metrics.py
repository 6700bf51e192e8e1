"""Quality-metric columns of the cluster table (private).

Wraps :class:`phycore.analysis.ClusterMetrics`. The metrics of every cluster are
computed once at load — synchronously for scripts, or on a worker thread for the GUI
(its kernels release the GIL) while the user already curates — then only for the
clusters an action creates, lazily, from the live per-cluster spike index.

Live sessions: clusters that receive appended spikes are marked *stale*; they keep
their previous values until :meth:`QualityColumns.refresh` recomputes all stale
clusters in one batch (the controller does it at most every
``live_metrics_interval`` seconds), so that 20,000 spikes/s do not mean a metric
computation per cluster and frame. A cluster that receives no spike keeps the values
of its last computation (presence ratio and rates refer to the duration then).

The initial table is the costliest computation of a session, so with a Context it is
kept in the Context's disk cache: a later session on the same, unchanged folder with
the same clustering loads it instead. Its key holds the whole ``spike_clusters`` array
(so any change of any cluster is a miss) and what the model's arrays do not tell the
folder's fingerprint (duration, sample rate, metric settings, a sample of the spike
times and amplitudes, for models built in memory); the cache folder itself is per
fingerprint of the input files, so a changed folder never sees an old entry.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from phycore.analysis import ClusterMetrics, PCFeatures
from phycore.cache import Context
from phycore.clustering import Clustering
from phycore.model import TemplateModel

__all__ = ["QualityColumns", "METRIC_COLUMNS"]

logger = logging.getLogger("phycore.controller")

#: Metrics shown as table columns (n_spikes and the firing rate already are).
METRIC_COLUMNS = ("presence_ratio", "isi_violation_ratio", "contamination", "amplitude_cutoff",
                  "isolation_distance", "l_ratio")
_REFRESH_CHUNK = 4  # clusters recomputed between two looks at the clock of a budgeted refresh
# Part of the disk-cache key: bump it when the metric definitions change.
_CACHE_VERSION = 1


def _sketch(a: Any) -> np.ndarray:
    """A few thousand evenly spaced values of a per-spike array (cheap to hash)."""
    a = np.asarray(a)
    return np.ascontiguousarray(a[::max(1, a.size // 4096)])


def _pc_features(model: TemplateModel) -> PCFeatures | None:
    sf = getattr(model, "sparse_features", None)
    if sf is None or sf.cols is None:
        return None
    return PCFeatures(sf.data, sf.cols, model.spike_templates, sf.rows)


class QualityColumns:
    """Per-cluster quality metrics as ``{column: f(cluster_id)}``.

    Parameters
    ----------
    model : TemplateModel
    clustering : Clustering
    progress : callable, optional
        ``progress(step, fraction)`` during the initial computation.
    background : bool
        Compute the initial table on a worker thread; until :meth:`install` runs,
        values are None (shown empty) and :attr:`ready` is False.
    context : Context, optional
        Keep the initial table in this Context's disk cache (see the module docstring).
        Only for a model read from the folder the Context fingerprints.
    """

    def __init__(self, model: TemplateModel, clustering: Clustering,
                 progress: Callable[[str, float], None] | None = None, background: bool = False,
                 context: Context | None = None) -> None:
        self.clustering = clustering
        self.model = model
        self.metrics = ClusterMetrics(model.spike_times, duration=float(model.duration) or 1.0,
                                      amplitudes=model.amplitudes, pc_features=_pc_features(model))
        self._report: Callable[[str, float], None] | None = None
        self._cached_table = context.cache(self._table) if context is not None else None
        self._stale: set[int] = set()
        self.ready = False
        self.error: BaseException | None = None
        #: Last ``(step, fraction)`` of the initial computation (read by a GUI's status bar).
        self.progress: tuple[str, float] | None = None
        self._pending: set[int] = set()
        self._round: list[int] = []
        # The worker sees a snapshot: actions made meanwhile are reconciled by install().
        snapshot = np.array(clustering.spike_clusters)
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._compute, args=(snapshot, progress),
                                            name="phycore-metrics", daemon=True)
            self._thread.start()
        else:
            self._compute(snapshot, progress)
            self.ready = True

    def _compute(self, spike_clusters: np.ndarray, progress: Callable[[str, float], None] | None) -> None:
        t0 = time.perf_counter()

        def report(step: str, fraction: float) -> None:
            self.progress = (step, fraction)
            if progress is not None:
                progress(step, fraction)

        try:
            if self._cached_table is None:
                self.metrics.compute_all(spike_clusters, progress=report)
            else:
                self._report = report
                self.metrics.load_rows(self._cached_table(spike_clusters, self._cache_key()), spike_clusters)
                report("done", 1.0)
        except Exception as e:  # reported by install(); the session goes on without metrics
            self.error = e
            return
        logger.info("Quality metrics of %d clusters computed in %.2f s.", len(self.metrics),
                    time.perf_counter() - t0)

    def _table(self, spike_clusters: np.ndarray, key: tuple[Any, ...]) -> dict[int, np.ndarray]:
        """The initial table as rows (disk-cached: ``self`` is not part of the key)."""
        self.metrics.compute_all(spike_clusters, progress=self._report)
        return self.metrics.rows()

    def _cache_key(self) -> tuple[Any, ...]:
        m, pc = self.metrics, self.metrics.pc_features
        pcs = None if pc is None else (pc.n_channels, pc.n_pcs, pc.max_cluster_spikes, pc.max_other_spikes,
                                       pc.features.shape)
        return (_CACHE_VERSION, m.columns, repr(m.params), m.duration, m.n_spikes,
                float(getattr(self.model, "sample_rate", 0.0) or 0.0), pcs, _sketch(m.spike_times),
                None if m.amplitudes is None else _sketch(m.amplitudes))

    @property
    def done(self) -> bool:
        """Whether the initial computation finished (successfully or not)."""
        return self.ready or (self._thread is not None and not self._thread.is_alive())

    def install(self) -> list[int]:
        """After a background computation: adopt it for the current clusters.

        Call on the thread that owns the Supervisor. Metrics of clusters deleted
        meanwhile are dropped; clusters created meanwhile are computed on demand.
        Returns the current cluster ids whose values changed (to refresh in the table).
        """
        if self.ready or not self.done:
            return []
        if self.error is not None:
            logger.error("Quality metrics could not be computed: %s", self.error)
            self.ready = True
            return []
        live = set(int(c) for c in self.clustering.cluster_ids)
        stale = [c for c in self.metrics.cluster_ids.tolist() if c not in live]
        self.metrics.update(SimpleNamespace(added=[], deleted=stale, spike_ids=None))
        self.ready = True
        return sorted(live)

    def join(self, timeout: float | None = None) -> None:
        """Block until the initial computation is done (then call :meth:`install`)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _value(self, name: str) -> Callable[[int], Any]:
        def value(cluster_id: int) -> float | None:
            if not self.ready:
                return None
            cid = int(cluster_id)
            if cid not in self.metrics:
                self._recompute([cid])
            v = self.metrics.get(cid, name)
            return None if math.isnan(v) else v

        value.__name__ = name
        return value

    def as_metrics(self) -> dict[str, Callable[[int], Any]]:
        """``{column: f(cluster_id)}`` for the metrics this dataset allows."""
        return {name: self._value(name) for name in METRIC_COLUMNS if name in self.metrics.columns}

    def forget(self, cluster_ids: Any) -> None:
        """Drop the metrics of deleted clusters."""
        ids = [int(c) for c in cluster_ids]
        self._stale.difference_update(ids)
        if self.ready:
            self.metrics.update(SimpleNamespace(added=[], deleted=ids, spike_ids=None))

    def _sync_spikes(self) -> None:
        """Hand the metrics the model's current per-spike arrays (after appends)."""
        model = self.model
        if self.metrics.n_spikes == model.n_spikes:
            return
        self.metrics.set_spikes(model.spike_times, duration=float(model.duration) or 1.0,
                                amplitudes=model.amplitudes, pc_features=_pc_features(model),
                                spike_clusters=self.clustering.spike_clusters)

    def _recompute(self, cluster_ids: list[int]) -> None:
        """(Re)compute some clusters now, from the live spike index."""
        self._sync_spikes()
        self.metrics.duration = float(self.model.duration) or 1.0
        up = SimpleNamespace(added=cluster_ids, deleted=cluster_ids, spike_ids=None)
        self.metrics.update(up, spikes_per_cluster=lambda c: self.clustering.spikes_in_clusters([c]))

    def mark_stale(self, cluster_ids: Any) -> None:
        """Clusters whose spikes changed (appended spikes): recomputed by :meth:`refresh`."""
        self._stale.update(int(c) for c in cluster_ids)

    @property
    def n_stale(self) -> int:
        """Number of clusters waiting for :meth:`refresh` (in the current round or the next)."""
        return len(self._stale) + len(self._round)

    @property
    def refreshing(self) -> bool:
        """Whether a refresh round started by a budgeted :meth:`refresh` is unfinished."""
        return bool(self._round)

    def refresh(self, budget: float | None = None) -> list[int]:
        """Recompute stale clusters; returns their ids (to update in the table).

        Without ``budget``, every stale cluster, at once. With ``budget`` (seconds), a
        *round*: the clusters stale when it starts are recomputed a few at a time, until
        ``budget`` is spent on this call; later calls go on with the round (see
        :attr:`refreshing`), and clusters that become stale meanwhile wait for the next
        one. A GUI thread then never stops for longer than about ``budget``, whatever the
        number of clusters. Does nothing while the initial computation runs.
        """
        if not self.ready:
            return []
        if not self._round or budget is None:
            self._round = sorted(set(self._round) | self._stale)
            self._stale.clear()
        live = self.clustering.spike_counts
        done: list[int] = []
        t0 = time.perf_counter()
        while self._round:
            chunk, self._round = self._round[:_REFRESH_CHUNK], self._round[_REFRESH_CHUNK:]
            chunk = [c for c in chunk if c in live]  # clusters deleted since they were marked
            if chunk:
                self._recompute(chunk)
                done += chunk
            if budget is not None and time.perf_counter() - t0 >= budget:
                break
        return done
