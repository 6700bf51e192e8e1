"""Per-cluster template histograms, derived action by action (private).

The cluster table's ``ch``/``amp``/``depth`` columns (main template) and the template
similarity (template set) need, for each new cluster, how many of its spikes came from
each original template. Counting from the cluster's spikes costs its size: after a split
drawn over every cluster, that is every spike. Here a new cluster's histogram comes from
the action instead: the rest of a split cluster is its parent's histogram minus the
moved spikes', a moved group is counted from its moved spikes, a merge adds its
parents'. The cost is the moved spikes plus the touched clusters.

Histograms are kept for every id ever seen (ids are never reused), so undo and redo
find them again at no cost. A histogram is always the one of the cluster's last
non-empty content; a cluster whose content changes while keeping its id (live appends)
is dropped and counted again on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

__all__ = ["TemplateCounts", "count_all", "histogram"]

Int64Array = npt.NDArray[np.int64]
Histogram = tuple[Int64Array, Int64Array]
_CHUNK = 1 << 20  # spikes counted at a time by count_all


def histogram(templates: Int64Array) -> Histogram:
    """``(sorted distinct templates, number of spikes of each)`` of some spikes."""
    t, n = np.unique(np.asarray(templates, dtype=np.int64), return_counts=True)
    return t.astype(np.int64, copy=False), n.astype(np.int64, copy=False)


def _grouped(keys: Int64Array, templates: Int64Array, table: int = 8) -> dict[int, Histogram]:
    """Histogram of the spikes of each key (``keys`` and ``templates`` one per spike).

    A histogram of (key, template) pairs beats sorting them while its table holds at most
    ``table`` entries per spike (plus 1M): sparse keys never allocate much more than the
    spikes."""
    if not len(keys):
        return {}
    nt = int(templates.max()) + 1
    k0 = int(keys.min())
    key = (keys - k0) * nt + templates
    n_keys = (int(keys.max()) - k0 + 1) * nt
    if n_keys <= table * len(key) + 1_000_000:
        hist = np.bincount(key, minlength=n_keys)
        pairs = np.flatnonzero(hist)
        counts = hist[pairs]
    else:
        pairs, counts = np.unique(key, return_counts=True)
    return _by_key(pairs, counts, nt, k0)


def _by_key(pairs: Int64Array, counts: Int64Array, nt: int, k0: int) -> dict[int, Histogram]:
    """``{key: (templates, counts)}`` of sorted pairs ``(key - k0) * nt + template``."""
    k, t = np.divmod(pairs, nt)
    k += k0
    cuts = np.flatnonzero(np.diff(k)) + 1
    starts = np.r_[0, cuts]
    return {int(k[s]): (tt.astype(np.int64), cc.astype(np.int64))
            for s, tt, cc in zip(starts.tolist(), np.split(t, cuts), np.split(counts, cuts))}


def _subtract(a: Histogram, b: Histogram) -> Histogram:
    """``a - b`` (``b``'s templates are a subset of ``a``'s); zero counts dropped."""
    t, n = a[0], a[1].copy()
    n[np.searchsorted(t, b[0])] -= b[1]
    keep = n > 0
    return t[keep], n[keep]


def _add(parts: Iterable[Histogram]) -> Histogram:
    parts = list(parts)
    t = np.concatenate([p[0] for p in parts])
    n = np.concatenate([p[1] for p in parts])
    uniq, inv = np.unique(t, return_inverse=True)
    return uniq.astype(np.int64), np.bincount(inv.ravel(), weights=n, minlength=len(uniq)).astype(np.int64)


def count_all(spike_clusters: Int64Array, templates: Int64Array) -> dict[int, Histogram]:
    """The histogram of every cluster of ``spike_clusters`` in one pass over the spikes
    (``templates``: at least one per spike); reads only its arguments (any thread)."""
    if not len(spike_clusters):
        return {}
    st = templates[:len(spike_clusters)]
    nt = int(st.max()) + 1
    n_keys = (int(spike_clusters.max()) + 1) * nt
    if n_keys > _CHUNK // 2:  # a big table would be allocated and added once per chunk
        return _grouped(spike_clusters, st, table=2)  # bounded like the spike index's tables
    # A small table: counted by chunks of spikes, 8 MB of keys at a time, not 80 MB (it
    # runs beside the quality metrics, the session's memory peak).
    hist = np.zeros(n_keys, dtype=np.int64)
    for a in range(0, len(spike_clusters), _CHUNK):
        hist += np.bincount(spike_clusters[a:a + _CHUNK] * nt + st[a:a + _CHUNK], minlength=n_keys)
    pairs = np.flatnonzero(hist)
    return _by_key(pairs, hist[pairs], nt, 0)


class TemplateCounts:
    """Template histogram of each cluster, kept by id.

    Every method that may count takes ``templates``, the original template of every
    spike (the current array: it grows in live sessions).
    """

    def __init__(self) -> None:
        self._hist: dict[int, Histogram] = {}

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in self._hist

    def known(self, cluster_id: int) -> Histogram | None:
        """The histogram of ``cluster_id`` if kept (derived or counted before), else None."""
        return self._hist.get(cluster_id)

    def get(self, cluster_id: int, spikes: Int64Array, templates: Int64Array, store: bool = True) -> Histogram:
        """The histogram of ``cluster_id``, counted from its ``spikes`` if not known yet
        (and kept, unless ``store`` is False: a worker thread's read must not write)."""
        h = self._hist.get(cluster_id)
        if h is None:
            h = histogram(templates[spikes])
            if store:
                self._hist[cluster_id] = h
        return h

    def prefill(self, spike_clusters: Int64Array, cluster_ids: Iterable[int], templates: Int64Array) -> None:
        """Count every cluster of ``cluster_ids`` not known yet, in one pass over all spikes."""
        wanted = {c for c in cluster_ids if c not in self._hist}
        if wanted:
            self.keep({c: h for c, h in count_all(spike_clusters, templates).items() if c in wanted})

    def keep(self, histograms: Mapping[int, Histogram]) -> int:
        """Keep these histograms of clusters not known yet (:func:`count_all`'s, counted on
        the current assignment); returns how many were new."""
        n = len(self._hist)
        for c, h in histograms.items():
            self._hist.setdefault(c, h)
        return len(self._hist) - n

    def drop(self, cluster_ids: Iterable[int]) -> None:
        """Forget clusters whose content changed while keeping their id."""
        for c in cluster_ids:
            self._hist.pop(int(c), None)

    def merged(self, to: int, parents: Mapping[int, Int64Array], templates: Int64Array) -> None:
        """``to`` holds all spikes of ``parents`` (``{id: spikes}``)."""
        if to not in self._hist:
            self._hist[to] = _add(self.get(c, s, templates) for c, s in parents.items())

    def split(self, moved: Int64Array, moved_old: Int64Array, moved_new: Int64Array,
              rest: Mapping[int, int], parents: Mapping[int, Int64Array], templates: Int64Array) -> None:
        """Spikes ``moved`` went from ``moved_old`` to ``moved_new`` (per spike); the rest
        of parent ``p`` went to ``r`` for each ``r: p`` in ``rest``."""
        moved_templates = templates[moved]
        for label, h in _grouped(moved_new, moved_templates).items():
            self._hist.setdefault(label, h)
        left = _grouped(moved_old, moved_templates)
        for r, p in rest.items():
            if r not in self._hist:
                self._hist[r] = _subtract(self.get(p, parents[p], templates), left[p])
