"""The per-cluster caches of a session, kept exact action by action (private).

:class:`SessionCaches` is the controller's :class:`~phycore.supervisor.editor.SessionObserver`:
the Supervisor's Editor calls it after every change and before the table rows are
recomputed, so every row is computed from fresh values. It drops, in this order, the
cached view data (the Context's memory caches), the built-in columns (``ch``, ``amp``,
``depth``...), the quality metrics and the template-similarity memberships of the
clusters that changed, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from phycore.cache import Context
from phycore.clustering import Clustering, UpdateInfo
from phycore.controller._columns import ClusterColumns
from phycore.controller._metrics import QualityColumns
from phycore.controller._similarity import TemplateSimilarity
from phycore.model import TemplateModel

__all__ = ["SessionCaches"]

Int64Array = npt.NDArray[np.int64]


class SessionCaches:
    """Invalidates a session's per-cluster caches after each change.

    Parameters
    ----------
    model : TemplateModel
    clustering : Clustering
    context : Context
    columns : ClusterColumns
    similarity : TemplateSimilarity
    quality : callable
        Returns the quality-metric columns, or None when they are off.
    """

    def __init__(self, model: TemplateModel, clustering: Clustering, context: Context, columns: ClusterColumns,
                 similarity: TemplateSimilarity, quality: Callable[[], QualityColumns | None]) -> None:
        self._model = model
        self._clustering = clustering
        self._context = context
        self._columns = columns
        self._similarity = similarity
        self._quality = quality

    def cluster_changed(self, up: UpdateInfo) -> None:
        """Forget what ``up`` made stale: deleted and added clusters, and in live sessions
        the clusters an undo or redo changed while keeping their id."""
        gone = [*up.deleted, *up.changed]
        self._context.invalidate([*up.added, *gone])
        self._columns.forget(gone)
        self._similarity.forget([*up.deleted, *up.added, *up.changed])
        q = self._quality()
        if q is not None:
            q.forget(up.deleted)
            if up.changed:
                if q.ready:
                    q.forget(up.changed)
                else:
                    q.mark_stale(up.changed)

    def spikes_added(self, spike_ids: Int64Array, cluster_ids: list[int]) -> None:
        """Clusters received live spikes: their view data is dropped, their main template
        recomputed only if a spike came from another template, their template set only
        gains the new templates, their quality metrics are marked stale."""
        self._context.invalidate(cluster_ids)
        templates = np.asarray(self._model.spike_templates[spike_ids], dtype=np.int64)
        clusters = np.asarray(self._clustering.spike_clusters[spike_ids], dtype=np.int64)
        for c in cluster_ids:
            new = np.unique(templates[clusters == c])
            if np.any(new != self._columns.template(c)):
                self._columns.forget([c])  # the main template may have changed
            self._similarity.add_templates(c, new)
        q = self._quality()
        if q is not None:
            q.mark_stale(cluster_ids)
