"""Cluster similarity for the similarity table (private).

phy's TemplateGUI rule: ``sim(A, B)`` is the maximum of ``similar_templates[i, j]``
over the original templates ``i`` of A and ``j`` of B, with live template membership.
When ``similar_templates.npy`` is absent (or all zeros), the fallback is the cosine
similarity of the clusters' main templates on A's best channels.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import numpy.typing as npt

from phycore.analysis import masked_cosine_similarity, template_similarity, top_similar
from phycore.clustering import Clustering
from phycore.model import TemplateModel

__all__ = ["TemplateSimilarity"]


class _Membership(dict):  # type: ignore[type-arg]
    """``{cluster_id: template ids}``, filled lazily from the live spike index."""

    def __init__(self, model: TemplateModel, clustering: Clustering) -> None:
        super().__init__()
        self._model = model
        self._clustering = clustering

    def __missing__(self, cluster_id: int) -> npt.NDArray[np.int64]:
        if self._clustering.has_templates:
            # Derived by the Clustering from each action: no pass over the cluster's spikes.
            templates = self._clustering.template_counts(int(cluster_id))[0]
        else:
            spikes = self._clustering.spikes_in_clusters([int(cluster_id)])
            templates = np.unique(self._model.spike_templates[spikes]).astype(np.int64)
        self[int(cluster_id)] = templates
        return templates

    def prefill(self) -> None:
        """Membership of every current cluster in one pass over all spikes."""
        if self._clustering.has_templates:
            self._clustering.prefill_template_counts()  # one pass, then kept by the Clustering
            for c in self._clustering.cluster_ids.tolist():
                self[c] = self._clustering.template_counts(c)[0]
            return
        sc = self._clustering.spike_clusters
        st = self._model.spike_templates
        n_t = int(self._model.n_templates)
        key = sc.astype(np.int64) * n_t + st
        n_keys = (int(sc.max()) + 1) * n_t if sc.size else 0
        if n_keys <= 50_000_000:  # a histogram is ~10x faster than sorting 10M keys
            keys = np.flatnonzero(np.bincount(key, minlength=n_keys))
        else:
            keys = np.unique(key)
        clusters, templates = np.divmod(keys, n_t)
        bounds = np.flatnonzero(np.diff(clusters)) + 1
        for cid, group in zip(clusters[np.r_[0, bounds]] if keys.size else [],
                              np.split(templates, bounds) if keys.size else []):
            self[int(cid)] = group.astype(np.int64)


class TemplateSimilarity:
    """Callable ``f(cluster_id) -> [(other_id, score), ...]`` (top 100, best first).

    Parameters
    ----------
    model : TemplateModel
    clustering : Clustering
    best_channels : callable
        ``f(cluster_id) -> channel ids`` (used by the fallback).
    template_of : callable
        ``f(cluster_id) -> main template id`` (used by the fallback).
    """

    n_max = 100

    def __init__(self, model: TemplateModel, clustering: Clustering,
                 best_channels: Callable[[int], npt.NDArray[np.int64]],
                 template_of: Callable[[int], int]) -> None:
        self.model = model
        self.clustering = clustering
        self._best_channels = best_channels
        self._template_of = template_of
        st = getattr(model, "similar_templates", None)
        st = np.asarray(st, dtype=np.float64) if st is not None else None
        self.similar_templates = st if st is not None and st.size and np.any(st) else None
        self.templates_of = _Membership(model, clustering)
        self._prefilled = False

    @property
    def kind(self) -> str:
        """``'template'`` (from similar_templates.npy) or ``'waveform'`` (fallback)."""
        return "template" if self.similar_templates is not None else "waveform"

    def add_templates(self, cluster_id: int, templates: npt.NDArray[np.int64]) -> None:
        """Live sessions: ``cluster_id`` received spikes of ``templates`` (kept exact, no rescan)."""
        members = self.templates_of
        if cluster_id in members:
            members[cluster_id] = np.union1d(members[cluster_id], templates).astype(np.int64)

    def forget(self, cluster_ids: object) -> None:
        """Drop cached membership of deleted clusters."""
        for c in cluster_ids:  # type: ignore[attr-defined]
            self.templates_of.pop(int(c), None)

    def __call__(self, cluster_id: int) -> list[tuple[int, float]]:
        ids = self.clustering.cluster_ids
        others = ids[ids != int(cluster_id)]
        if self.similar_templates is not None:
            if not self._prefilled:
                self.templates_of.prefill()
                self._prefilled = True
            scores = template_similarity(self.similar_templates, self.templates_of, int(cluster_id), others)
        else:
            scores = self._waveform_scores(int(cluster_id), others)
        return top_similar(others, scores, n=self.n_max)

    def _waveform_scores(self, cluster_id: int, others: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        channels = self._best_channels(cluster_id)
        ref = self.model.get_template(self._template_of(cluster_id), channel_ids=channels).template
        waves = [ref] + [self.model.get_template(self._template_of(int(c)), channel_ids=channels).template
                         for c in others]
        sim = masked_cosine_similarity(np.stack(waves))
        return np.asarray(sim[0, 1:], dtype=np.float64)
