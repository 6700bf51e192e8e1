"""The per-cluster caches of a session, kept exact action by action (private).

:class:`SessionCaches` is the controller's :class:`~phycore.supervisor.editor.SessionObserver`:
the Supervisor's Editor calls it after every change and before the table rows are
recomputed, so every row is computed from fresh values. It drops, in this order, the
cached view data (the Context's memory caches; a deleted cluster's is kept a few actions
for the undo), the built-in columns (``ch``, ``amp``,
``depth``...), the quality metrics and the template-similarity memberships of the
clusters that changed, and nothing else.
"""

from __future__ import annotations

from collections import deque
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
# Bytes of results saved per memcached function on close (the most recently used ones):
# waveforms take about 0.5 MB per cluster, and closing a session must stay quick.
_PERSIST_BYTES = 32 * 2**20
# The view data of the clusters an action deleted is kept this many actions: an undo brings
# the same ids back with the same spikes (ids are never reused), so the views find it.
KEEP_DELETED_ACTIONS = 10


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
        self._deleted: deque[list[int]] = deque()

    def cluster_changed(self, up: UpdateInfo) -> None:
        """Forget what ``up`` made stale: in live sessions the clusters an undo or redo
        changed while keeping their id.

        The view data (waveforms, features, amplitudes...) of a deleted cluster is kept
        for :data:`KEEP_DELETED_ACTIONS` more actions: an id always names the same spikes
        (ids are never reused; a live cluster that gains spikes is ``changed``), and the
        undo of a merge or split brings the deleted ids back, whose data the views then
        find cached. Older ones are dropped to bound memory.
        """
        self._deleted.append([int(c) for c in up.deleted])
        aged = self._deleted.popleft() if len(self._deleted) > KEEP_DELETED_ACTIONS else []
        live = self._model.n_spikes != getattr(self._model, "n_spikes_loaded", self._model.n_spikes)
        # Outside live sessions a cluster added by an undo or redo has the spikes it had
        # when its data was cached; with appended spikes, drop it to be safe.
        self._context.invalidate([*up.changed, *aged, *(up.added if live else ())])
        # The table columns of deleted clusters follow the same rule: an undo's rows of the
        # ~600 clusters a split over every cluster deleted then cost no template lookups.
        self._columns.forget([*up.changed, *aged, *(up.added if live else ())])
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

    def persist(self, fingerprint: str, *, dirty: bool) -> None:
        """Save the memory caches for the next session on this folder (phy does on close).

        Only when the clustering is the saved one (not ``dirty``) and no spike was
        appended: the next session then starts with the same clusters holding the same
        spikes, and ``fingerprint`` (of the input files now) makes any other session
        ignore the file.
        """
        model = self._model
        if dirty or model.n_spikes != getattr(model, "n_spikes_loaded", model.n_spikes):
            return
        self._context.save_memcache(fingerprint=fingerprint, cluster_ids=self._clustering.cluster_ids.tolist(),
                                    max_bytes=_PERSIST_BYTES)
