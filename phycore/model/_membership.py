"""Live template membership: which cluster holds the spikes of each template (private).

When spikes are appended without explicit clusters, each goes to the cluster that
*currently* holds the most spikes of its original template (ties: the smallest cluster
id). Spikes of a template that has no spike yet start a new cluster (one per template).

This is the rule phy's TemplateGUI applies to similarity ("live template membership",
parity.md): after curation, a template belongs to the cluster its spikes went to.

The counts ``{template: {cluster: n_spikes}}`` are built once in O(n_spikes) and then
updated with the spikes each change moves, so a lookup never scans all spikes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["TemplateMembership"]

Int64Array = npt.NDArray[np.int64]


#: Above this many (cluster, template) keys, counting sorts instead of using a histogram.
_BINCOUNT_LIMIT = 50_000_000


def _pair_counts(clusters: Int64Array, templates: Int64Array) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Distinct ``(cluster, template)`` pairs with their spike counts, in O(n) when the
    key range is small enough for a histogram."""
    if not len(clusters):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    c = np.asarray(clusters, np.int64)
    t = np.asarray(templates, np.int64)
    nt = int(t.max()) + 1
    key = c * nt + t
    n_keys = (int(c.max()) + 1) * nt
    if n_keys <= _BINCOUNT_LIMIT and n_keys <= 64 * len(key) + 1_000_000:
        hist = np.bincount(key, minlength=n_keys)
        uniq = np.flatnonzero(hist)
        counts = hist[uniq]
    else:
        uniq, counts = np.unique(key, return_counts=True)
    return uniq // nt, uniq % nt, counts.astype(np.int64)


class TemplateMembership:
    """Spike counts per (template, cluster), kept up to date incrementally.

    Parameters
    ----------
    spike_clusters, spike_templates : array of int
        Current cluster and original template of every spike.
    """

    def __init__(self, spike_clusters: npt.ArrayLike, spike_templates: npt.ArrayLike) -> None:
        self._counts: dict[int, dict[int, int]] = {}
        self.add(np.asarray(spike_clusters, np.int64), np.asarray(spike_templates, np.int64))

    def add(self, clusters: Int64Array, templates: Int64Array) -> None:
        """Count spikes (one cluster and one template each) as members."""
        for c, t, k in zip(*(a.tolist() for a in _pair_counts(clusters, templates))):
            d = self._counts.setdefault(t, {})
            d[c] = d.get(c, 0) + k

    def remove(self, clusters: Int64Array, templates: Int64Array) -> None:
        """Stop counting spikes that left their cluster."""
        for c, t, k in zip(*(a.tolist() for a in _pair_counts(clusters, templates))):
            d = self._counts[t]
            left = d[c] - k
            assert left >= 0, "membership counts went negative"
            if left:
                d[c] = left
            else:
                del d[c]

    def move(self, spikes_templates: Int64Array, old: int | Int64Array, new: int | Int64Array) -> None:
        """Spikes of the given templates moved from ``old`` to ``new`` cluster(s)."""
        n = len(spikes_templates)
        self.remove(np.broadcast_to(np.asarray(old, np.int64), (n,)), spikes_templates)
        self.add(np.broadcast_to(np.asarray(new, np.int64), (n,)), spikes_templates)

    def cluster_of(self, template: int) -> int | None:
        """The cluster holding the most spikes of ``template`` (ties: smallest id), or None."""
        d = self._counts.get(int(template))
        if not d:
            return None
        return min(d, key=lambda c: (-d[c], c))

    def counts(self, template: int) -> dict[int, int]:
        """``{cluster: n_spikes}`` of a template (a copy)."""
        return dict(self._counts.get(int(template), {}))

    def assign(self, templates: Int64Array, next_id: int) -> tuple[Int64Array, int]:
        """Clusters for new spikes of ``templates`` under the live membership rule.

        Returns the cluster of each spike and the next fresh id: templates held by no
        cluster get one new id each (``next_id``, ``next_id + 1``... in template order).
        The counts are *not* updated: call :meth:`add` once the spikes are assigned.
        """
        uniq, inverse = np.unique(np.asarray(templates, np.int64), return_inverse=True)
        target = np.empty(len(uniq), dtype=np.int64)
        for k, t in enumerate(uniq.tolist()):
            c = self.cluster_of(t)
            if c is None:
                c, next_id = next_id, next_id + 1
            target[k] = c
        return target[inverse.reshape(-1)], next_id
