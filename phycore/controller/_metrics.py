"""Quality-metric columns of the cluster table (private).

Wraps :class:`phycore.analysis.ClusterMetrics`: every metric is computed for all
clusters at load, then only for the clusters an action creates (lazily, the first time
their row is drawn), from the live per-cluster spike index.
"""

from __future__ import annotations

import logging
import math
import time
from types import SimpleNamespace
from typing import Any, Callable

from phycore.analysis import ClusterMetrics, PCFeatures
from phycore.clustering import Clustering
from phycore.model import TemplateModel

__all__ = ["QualityColumns", "METRIC_COLUMNS"]

logger = logging.getLogger("phycore.controller")

#: Metrics shown as table columns (n_spikes and the firing rate already are).
METRIC_COLUMNS = ("presence_ratio", "isi_violation_ratio", "contamination", "amplitude_cutoff",
                  "isolation_distance", "l_ratio")


class QualityColumns:
    """Per-cluster quality metrics as ``{column: f(cluster_id)}``.

    Parameters
    ----------
    model : TemplateModel
    clustering : Clustering
    progress : callable, optional
        ``progress(step, fraction)`` during the initial computation.
    """

    def __init__(self, model: TemplateModel, clustering: Clustering,
                 progress: Callable[[str, float], None] | None = None) -> None:
        self.clustering = clustering
        pcf = None
        sf = getattr(model, "sparse_features", None)
        if sf is not None and sf.cols is not None:
            pcf = PCFeatures(sf.data, sf.cols, model.spike_templates, sf.rows)
        self.metrics = ClusterMetrics(model.spike_times, duration=float(model.duration) or 1.0,
                                      amplitudes=model.amplitudes, pc_features=pcf)
        t0 = time.perf_counter()
        self.metrics.compute_all(clustering.spike_clusters, progress=progress)
        logger.info("Quality metrics of %d clusters computed in %.2f s.", len(self.metrics),
                    time.perf_counter() - t0)

    def _value(self, name: str) -> Callable[[int], Any]:
        def value(cluster_id: int) -> float | None:
            cid = int(cluster_id)
            if cid not in self.metrics:
                up = SimpleNamespace(added=[cid], deleted=[], spike_ids=None)
                self.metrics.update(up, spikes_per_cluster=lambda c: self.clustering.spikes_in_clusters([c]))
            v = self.metrics.get(cid, name)
            return None if math.isnan(v) else v

        value.__name__ = name
        return value

    def as_metrics(self) -> dict[str, Callable[[int], Any]]:
        """``{column: f(cluster_id)}`` for the metrics this dataset allows."""
        return {name: self._value(name) for name in METRIC_COLUMNS if name in self.metrics.columns}

    def forget(self, cluster_ids: Any) -> None:
        """Drop the metrics of deleted clusters."""
        self.metrics.update(SimpleNamespace(added=[], deleted=list(cluster_ids), spike_ids=None))
