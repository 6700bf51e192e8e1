"""Random curation sessions checked step by step against the replaying reference model.

Merge and split go through a :class:`GlobalHistory` together with the labels the new
clusters inherit, exactly as the Supervisor records them; so this also proves that
undoing a later label change never loses inherited labels (phy's defect, parity.md §9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from phycore.clustering import Clustering, ClusterMeta, GlobalHistory, UpdateInfo
from phycore.signals import connect, reset

from .strategies import CUSTOM, LABELS, RefModel, spike_clusters

FIELDS = {"group": None, "quality": None}


def _snapshot(c: Clustering, meta: ClusterMeta) -> tuple[np.ndarray, dict[str, dict[int, Any]]]:
    return c.spike_clusters.copy(), {f: meta.to_dict(f) for f in meta.fields}


def _check_up_consistent(up: UpdateInfo, before: np.ndarray, after: np.ndarray) -> None:
    """added/deleted/spike_ids/descendants agree with the two full assignments."""
    changed = np.flatnonzero(before != after)
    np.testing.assert_array_equal(np.sort(up.spike_ids), changed)
    old_ids, new_ids = set(np.unique(before).tolist()), set(np.unique(after).tolist())
    assert set(up.deleted) == old_ids - new_ids
    assert set(up.added) == new_ids - old_ids
    pairs = set(zip(before[changed].tolist(), after[changed].tolist()))
    assert set(up.descendants) == pairs
    assert up.all_cluster_ids == sorted(new_ids)
    if up.description == "assign":
        np.testing.assert_array_equal(up.spike_clusters, after[up.spike_ids])


class CurationMachine(RuleBasedStateMachine):
    """merge / split / assign / label / undo / redo vs. :class:`RefModel`."""

    @initialize(sc=spike_clusters())
    def setup(self, sc: np.ndarray) -> None:
        reset()
        self.clustering = Clustering(sc)
        self.meta = ClusterMeta()
        for f, d in FIELDS.items():
            self.meta.add_field(f, d)
        self.history = GlobalHistory()
        self.ref = RefModel(sc, FIELDS)
        self.events: list[UpdateInfo] = []
        connect(lambda sender, up: self.events.append(up), event="cluster", sender=self.clustering)
        self.past: list[tuple[np.ndarray, dict[str, dict[int, Any]]]] = []  # states before each done action
        self.future: list[tuple[np.ndarray, dict[str, dict[int, Any]]]] = []  # states after undone actions

    # Helpers
    # ------------------------------------------------------------------------------------

    def _clustering_action(self, up: UpdateInfo, sc_part: tuple[str, Any], before: np.ndarray) -> None:
        after = self.clustering.spike_clusters.copy()
        _check_up_consistent(up, before, after)
        assert self.events[-1] is up
        meta_part = self.ref.inherit_step(before, after)
        meta_up = self.meta.set_from_descendants(up.descendants, largest_old_cluster=up.largest_old_cluster)
        assert bool(meta_up.metadata_changed) == (meta_part is not None)
        if meta_up.metadata_changed:
            self.history.action(self.clustering, self.meta)
            self.ref.push(sc_part, meta_part)
        else:
            self.history.action(self.clustering)
            self.ref.push(sc_part)

    def _record(self) -> None:
        self.past.append(_snapshot(self.clustering, self.meta))
        self.future.clear()

    # Rules
    # ------------------------------------------------------------------------------------

    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        ids = self.clustering.cluster_ids.tolist()
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=min(4, len(ids)), unique=True))
        before = self.clustering.spike_clusters.copy()
        self._record()
        part = self.ref.merge_step(sorted(chosen))
        up = self.clustering.merge(chosen)
        assert up.description == "merge" and up.added == [part[1][1][0]]
        self._clustering_action(up, part, before)

    @rule(data=st.data(), n_labels=st.integers(1, 3))
    def split(self, data: st.DataObject, n_labels: int) -> None:
        n = self.clustering.n_spikes
        spikes = data.draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=n))
        rel = data.draw(st.lists(st.integers(0, n_labels - 1), min_size=len(spikes), max_size=len(spikes)))
        spikes_a, rel_a = np.asarray(spikes, np.int64), np.asarray(rel, np.int64)
        before = self.clustering.spike_clusters.copy()
        self._record()
        part = self.ref.assign_step(spikes_a, rel_a)
        up = self.clustering.split(spikes_a, rel_a) if n_labels > 1 else self.clustering.split(spikes_a)
        self._clustering_action(up, part, before)

    @rule(field=st.sampled_from(sorted(FIELDS)), data=st.data())
    def label(self, field: str, data: st.DataObject) -> None:
        ids = self.clustering.cluster_ids.tolist()
        chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        value = data.draw(LABELS if field == "group" else CUSTOM)
        self._record()
        up = self.meta.set(field, chosen, value)
        assert up.description == field and up.metadata_changed == chosen and up.metadata_value == value
        self.history.action(self.meta)
        self.ref.push(("meta", [(field, c, value) for c in chosen]))

    @rule()
    def undo(self) -> None:
        state = _snapshot(self.clustering, self.meta)
        had = self.ref.undo()
        up = self.history.undo()
        assert (up is not None) == had
        if had:
            assert up.history == "undo"
            self.future.append(state)
            if up.added or up.deleted:
                _check_up_consistent(up, state[0], self.clustering.spike_clusters.copy())
            sc, meta = self.past.pop()
            np.testing.assert_array_equal(self.clustering.spike_clusters, sc)
            assert {f: self.meta.to_dict(f) for f in self.meta.fields} == meta

    @rule()
    def redo(self) -> None:
        state = _snapshot(self.clustering, self.meta)
        had = self.ref.redo()
        up = self.history.redo()
        assert (up is not None) == had
        if had:
            assert up.history == "redo"
            self.past.append(state)
            if up.added or up.deleted:
                _check_up_consistent(up, state[0], self.clustering.spike_clusters.copy())
            sc, meta = self.future.pop()
            np.testing.assert_array_equal(self.clustering.spike_clusters, sc)
            assert {f: self.meta.to_dict(f) for f in self.meta.fields} == meta

    # Invariants
    # ------------------------------------------------------------------------------------

    @invariant()
    def same_as_reference(self) -> None:
        if not hasattr(self, "ref"):
            return
        sc = self.ref.spike_clusters
        np.testing.assert_array_equal(self.clustering.spike_clusters, sc)
        ids, counts = np.unique(sc, return_counts=True)
        np.testing.assert_array_equal(self.clustering.cluster_ids, ids)
        assert dict(self.clustering.spike_counts) == dict(zip(ids.tolist(), counts.tolist()))
        for c in ids.tolist():
            np.testing.assert_array_equal(self.clustering.spikes_per_cluster[c], np.flatnonzero(sc == c))
        for f in FIELDS:
            for c in ids.tolist():
                assert self.meta.get(f, c) == self.ref.get(f, c), (f, c)
        assert self.clustering.new_cluster_id() == self.ref.new_id
        assert self.history.can_undo == (self.ref.cursor > 0)
        assert self.history.can_redo == (self.ref.cursor < len(self.ref.steps))

    def teardown(self) -> None:
        reset()


TestCurationMachine = CurationMachine.TestCase


# ------------------------------------------------------------------------------------------
# Direct properties
# ------------------------------------------------------------------------------------------

@given(sc=spike_clusters(), data=st.data())
def test_k_undos_then_k_redos_is_identity(sc: np.ndarray, data: st.DataObject) -> None:
    c = Clustering(sc)
    n_actions = data.draw(st.integers(1, 6))
    states = [c.spike_clusters.copy()]
    ups = []
    for _ in range(n_actions):
        if data.draw(st.booleans()) and c.n_clusters > 1:
            ids = data.draw(st.lists(st.sampled_from(c.cluster_ids.tolist()), min_size=2, max_size=3, unique=True))
            ups.append(c.merge(ids))
        else:
            spikes = data.draw(st.lists(st.integers(0, c.n_spikes - 1), unique=True, min_size=1))
            ups.append(c.split(spikes))
        states.append(c.spike_clusters.copy())
    k = data.draw(st.integers(1, n_actions))
    for i in range(k):
        assert c.undo() is not None
        np.testing.assert_array_equal(c.spike_clusters, states[-2 - i])
    for i in range(k):
        up = c.redo()
        assert up is not None
        assert up.added == ups[n_actions - k + i].added  # the same ids come back
    np.testing.assert_array_equal(c.spike_clusters, states[-1])
    assert c.redo() is None


@given(sc=spike_clusters())
def test_undo_redo_on_empty_history_are_noops(sc: np.ndarray) -> None:
    c = Clustering(sc)
    assert c.undo() is None and c.redo() is None
    np.testing.assert_array_equal(c.spike_clusters, sc)
    m = ClusterMeta()
    assert m.undo() is None and m.redo() is None
