"""Shared hypothesis strategies and the naive reference model of curation.

The reference model stores every action as a full forward step and recomputes the
state by replaying the history from the base assignment (what phy does, O(n × history)),
so it is obviously right and independent of phycore's inverse-diff bookkeeping.

Appended spikes (live sessions) extend the base assignment with the cluster they got
when appended; replaying the done steps over that extended base is what "undo moves
exactly the spikes the action moved, appended spikes keep their cluster" means.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st


@st.composite
def spike_clusters(draw: Any, min_spikes: int = 1, max_spikes: int = 60, max_clusters: int = 8) -> np.ndarray:
    """A random assignment with sparse, non-contiguous cluster ids."""
    n = draw(st.integers(min_spikes, max_spikes))
    n_clusters = draw(st.integers(1, max_clusters))
    ids = draw(st.lists(st.integers(0, 40), min_size=n_clusters, max_size=n_clusters, unique=True))
    labels = draw(st.lists(st.sampled_from(ids), min_size=n, max_size=n))
    return np.asarray(labels, dtype=np.int64)


@st.composite
def spike_subset(draw: Any, n_spikes: int, max_size: int | None = None) -> np.ndarray:
    """Distinct spike ids in random order."""
    ids = draw(st.lists(st.integers(0, n_spikes - 1), unique=True, min_size=1,
                        max_size=max_size or n_spikes))
    return np.asarray(ids, dtype=np.int64)


LABELS = st.sampled_from(["good", "mua", "noise", None])
CUSTOM = st.sampled_from(["a", "b", 1, 2.5, None])


# ------------------------------------------------------------------------------------------
# Naive reference model
# ------------------------------------------------------------------------------------------

def ref_assign(sc: np.ndarray, spike_ids: np.ndarray, rel: np.ndarray, new_id: int) -> tuple[np.ndarray, np.ndarray]:
    """phy's assignment semantics, written plainly: (all changed spikes, their new clusters)."""
    order = np.argsort(spike_ids)
    spike_ids, rel = spike_ids[order], rel[order]
    new = rel - rel.min() + new_id
    touched = np.unique(sc[spike_ids])
    rest_ids = []
    rest_new = []
    k = int(new.max()) + 1
    for c in touched:
        members = np.flatnonzero(sc == c)
        rest = np.setdiff1d(members, spike_ids)
        if len(rest):
            rest_ids.append(rest)
            rest_new.append(np.full(len(rest), k))
            k += 1
    all_ids = np.concatenate([spike_ids] + rest_ids)
    all_new = np.concatenate([new] + rest_new)
    o = np.argsort(all_ids)
    return all_ids[o], all_new[o]


class RefModel:
    """Replays the whole history from the base state to answer every question."""

    def __init__(self, sc: np.ndarray, fields: dict[str, Any], templates: np.ndarray | None = None) -> None:
        self.base = sc.copy()
        self.templates = None if templates is None else np.asarray(templates, np.int64).copy()
        self.fields = dict(fields)  # field -> default
        self.steps: list[list[tuple[str, Any]]] = []  # one list of parts per user action
        self.cursor = 0
        self.new_id = int(sc.max()) + 1

    def _replay(self) -> tuple[np.ndarray, dict[str, dict[int, Any]]]:
        sc = self.base.copy()
        meta: dict[str, dict[int, Any]] = {f: {} for f in self.fields}
        parts = [part for action in self.steps[: self.cursor] for part in action]
        for kind, payload in parts:
            if kind == "sc":
                ids, new = payload
                sc[ids] = new
            else:
                for field, cluster, value in payload:
                    meta[field][cluster] = value
        return sc, meta

    @property
    def spike_clusters(self) -> np.ndarray:
        return self._replay()[0]

    @property
    def meta(self) -> dict[str, dict[int, Any]]:
        return self._replay()[1]

    def get(self, field: str, cluster: int) -> Any:
        return self.meta[field].get(cluster, self.fields[field])

    def push(self, *parts: tuple[str, Any]) -> None:
        """Record one user action made of ``parts``; drops the redo branch."""
        del self.steps[self.cursor:]
        self.steps.append(list(parts))
        self.cursor += 1

    def assign_step(self, spike_ids: np.ndarray, rel: np.ndarray) -> tuple[str, Any]:
        ids, new = ref_assign(self.spike_clusters, spike_ids, rel, self.new_id)
        self.new_id = max(self.new_id, int(new.max()) + 1)
        return ("sc", (ids, new))

    def merge_step(self, cluster_ids: list[int]) -> tuple[str, Any]:
        sc = self.spike_clusters
        ids = np.flatnonzero(np.isin(sc, cluster_ids))
        to = self.new_id
        self.new_id += 1
        return ("sc", (ids, np.full(len(ids), to)))

    def inherit_step(self, old_sc: np.ndarray, new_sc: np.ndarray) -> tuple[str, Any] | None:
        """phy's label propagation from parents to children, computed from full arrays."""
        changed = np.flatnonzero(old_sc != new_sc)
        if not len(changed):
            return None
        pairs = sorted(set(zip(old_sc[changed].tolist(), new_sc[changed].tolist())))
        parents = sorted({a for a, _ in pairs})
        children = sorted({b for _, b in pairs})
        sizes = {p: int((old_sc == p).sum()) for p in parents}
        largest = min(parents, key=lambda p: (-sizes[p], p))
        out = []
        for field, default in sorted(self.fields.items()):
            vals = {p: self.get(field, p) for p in parents}
            nd = {v for v in vals.values() if v != default}
            if not nd:
                continue
            value = nd.pop() if len(nd) == 1 else vals[largest]
            if value == default:
                continue
            out += [(field, c, value) for c in children if self.get(field, c) == default]
        return ("meta", out) if out else None

    def membership(self, template: int) -> int | None:
        """Live template membership, computed from scratch: the cluster holding the most
        spikes of ``template`` now (ties: the smallest id), or None."""
        assert self.templates is not None
        sc = self.spike_clusters
        ids, counts = np.unique(sc[self.templates == template], return_counts=True)
        if not len(ids):
            return None
        return int(ids[np.lexsort((ids, -counts))[0]])

    def append(self, templates: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
        """Append spikes (not a step: never undone); returns their clusters."""
        templates = np.asarray(templates, np.int64)
        if clusters is None:
            target: dict[int, int] = {}
            for t in sorted(set(templates.tolist())):
                c = self.membership(t)
                if c is None:
                    c = self.new_id
                    self.new_id += 1
                target[t] = c
            clusters = np.array([target[t] for t in templates.tolist()], dtype=np.int64)
        clusters = np.asarray(clusters, np.int64)
        if len(clusters):
            self.new_id = max(self.new_id, int(clusters.max()) + 1)
        self.base = np.concatenate([self.base, clusters])
        assert self.templates is not None
        self.templates = np.concatenate([self.templates, templates])
        return clusters

    def undo(self) -> bool:
        if self.cursor == 0:
            return False
        self.cursor -= 1
        return True

    def redo(self) -> bool:
        if self.cursor >= len(self.steps):
            return False
        self.cursor += 1
        return True
