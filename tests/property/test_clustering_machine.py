"""Random curation sessions checked step by step against the replaying reference model.

Merge and split go through a :class:`GlobalHistory` together with the labels the new
clusters inherit, exactly as the Supervisor records them; so this also proves that
undoing a later label change never loses inherited labels (phy's defect, parity.md §9).

Spikes are also appended at random moments (live sessions). Exactness then means:
an undo moves back exactly the spikes its action moved (the spikes that existed before
the action are as they were then); appended spikes keep the cluster they were given
unless a later (done) action moved them; a new spike without explicit cluster goes to
the cluster holding most spikes of its template (live template membership, recomputed
from scratch by the reference); undoing everything and redoing it all comes back to
the same assignment.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from phycore.clustering import Clustering, ClusterMeta, GlobalHistory, UpdateInfo, combine_updates
from phycore.signals import connect, reset

from .strategies import CUSTOM, LABELS, RefModel, spike_clusters

FIELDS = {"group": None, "quality": None}

pytestmark = pytest.mark.usefixtures("few_rests_at_once")


def _snapshot(c: Clustering, meta: ClusterMeta) -> tuple[np.ndarray, dict[str, dict[int, Any]]]:
    return c.spike_clusters.copy(), {f: meta.to_dict(f) for f in meta.fields}


N_TEMPLATES = 5


def _check_up_consistent(up: UpdateInfo, before: np.ndarray, after: np.ndarray) -> None:
    """added/deleted/changed/spike_ids/descendants agree with the two full assignments."""
    changed = np.flatnonzero(before != after)
    np.testing.assert_array_equal(np.sort(up.spike_ids), changed)
    old_ids, new_ids = set(np.unique(before).tolist()), set(np.unique(after).tolist())
    assert set(up.deleted) == old_ids - new_ids
    assert set(up.added) == new_ids - old_ids
    kept_but_changed = {c for c in old_ids & new_ids
                        if not np.array_equal(np.flatnonzero(before == c), np.flatnonzero(after == c))}
    assert set(up.changed) == kept_but_changed
    pairs = set(zip(before[changed].tolist(), after[changed].tolist()))
    assert set(up.descendants) == pairs
    assert up.all_cluster_ids == sorted(new_ids)
    if up.description == "assign":
        np.testing.assert_array_equal(up.spike_clusters, after[up.spike_ids])


class CurationMachine(RuleBasedStateMachine):
    """merge / split / assign / label / undo / redo vs. :class:`RefModel`."""

    @initialize(sc=spike_clusters(), data=st.data())
    def setup(self, sc: np.ndarray, data: st.DataObject) -> None:
        reset()
        templates = np.asarray(data.draw(st.lists(st.integers(0, N_TEMPLATES - 1), min_size=len(sc),
                                                  max_size=len(sc))), dtype=np.int64)
        self.clustering = Clustering(sc, spike_templates=templates)
        self.templates = templates
        self.meta = ClusterMeta()
        for f, d in FIELDS.items():
            self.meta.add_field(f, d)
        self.history = GlobalHistory()
        self.ref = RefModel(sc, FIELDS, templates)
        self.events: list[UpdateInfo] = []
        self.appended: list[tuple[Any, list[int]]] = []
        connect(lambda sender, up: self.events.append(up), event="cluster", sender=self.clustering)
        connect(lambda sender, ids, clusters: self.appended.append((ids, clusters)), event="spikes_added",
                sender=self.clustering)
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
        assert up.description == f"metadata_{field}" and up.metadata_changed == chosen and up.metadata_value == value
        self.history.action(self.meta)
        self.ref.push(("meta", [(field, c, value) for c in chosen]))

    @rule(data=st.data(), n=st.integers(0, 5), explicit=st.booleans())
    def append(self, data: st.DataObject, n: int, explicit: bool) -> None:
        templates = np.asarray(data.draw(st.lists(st.integers(0, N_TEMPLATES - 1), min_size=n, max_size=n)),
                               dtype=np.int64)
        clusters = None
        if explicit:
            choices = self.clustering.cluster_ids.tolist() + [self.ref.new_id, self.ref.new_id + 2]
            clusters = np.asarray(data.draw(st.lists(st.sampled_from(choices), min_size=n, max_size=n)),
                                  dtype=np.int64)
        before = self.clustering.spike_clusters.copy()
        n_events, n_appended = len(self.events), len(self.appended)
        up = self.clustering.append_spikes(templates, clusters)
        self.templates = np.r_[self.templates, templates]
        expected = self.ref.append(templates, clusters)
        assert len(self.events) == n_events  # not an action: no `cluster` event, no history
        after = self.clustering.spike_clusters
        np.testing.assert_array_equal(after[:len(before)], before)
        np.testing.assert_array_equal(after[len(before):], expected)
        if not n:
            assert not up and len(self.appended) == n_appended
            return
        np.testing.assert_array_equal(up.spike_ids, np.arange(len(before), len(before) + n))
        np.testing.assert_array_equal(up.spike_clusters, expected)
        old = set(before.tolist())
        assert up.added == sorted(set(expected.tolist()) - old)
        assert up.changed == sorted(set(expected.tolist()) & old)
        ids, touched = self.appended[-1]
        np.testing.assert_array_equal(ids, up.spike_ids)
        assert touched == sorted(set(expected.tolist()))

    @rule()
    def undo(self) -> None:
        state = _snapshot(self.clustering, self.meta)
        had = self.ref.undo()
        up = combine_updates(self.history.undo(), "undo")  # phy: a tuple, one UpdateInfo per part
        assert (up is not None) == had
        if had:
            assert up.history == "undo"
            self.future.append(state)
            if up.added or up.deleted:
                _check_up_consistent(up, state[0], self.clustering.spike_clusters.copy())
            sc, meta = self.past.pop()
            # The spikes that existed before the action are exactly as they were then.
            np.testing.assert_array_equal(self.clustering.spike_clusters[:len(sc)], sc)
            assert {f: self.meta.to_dict(f) for f in self.meta.fields} == meta

    @rule()
    def redo(self) -> None:
        state = _snapshot(self.clustering, self.meta)
        had = self.ref.redo()
        up = combine_updates(self.history.redo(), "redo")
        assert (up is not None) == had
        if had:
            assert up.history == "redo"
            self.past.append(state)
            if up.added or up.deleted:
                _check_up_consistent(up, state[0], self.clustering.spike_clusters.copy())
            sc, meta = self.future.pop()
            np.testing.assert_array_equal(self.clustering.spike_clusters[:len(sc)], sc)
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
        for c in ids.tolist():  # the histograms derived action by action are the counted ones
            t, k = np.unique(self.templates[sc == c], return_counts=True)
            got = self.clustering.template_counts(c)
            np.testing.assert_array_equal(got[0], t)
            np.testing.assert_array_equal(got[1], k)
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


@given(sc=spike_clusters(), data=st.data())
def test_undo_all_then_redo_all_with_appends_is_identity(sc: np.ndarray, data: st.DataObject) -> None:
    """Actions and appends interleaved; undoing everything then redoing everything comes back
    to the final assignment, and undoing everything leaves the original spikes as loaded."""
    templates = np.asarray(data.draw(st.lists(st.integers(0, N_TEMPLATES - 1), min_size=len(sc),
                                              max_size=len(sc))), dtype=np.int64)
    c = Clustering(sc, spike_templates=templates)
    n_done = 0
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["merge", "split", "append"]))
        if kind == "append":
            k = data.draw(st.integers(1, 4))
            c.append_spikes(data.draw(st.lists(st.integers(0, N_TEMPLATES - 1), min_size=k, max_size=k)))
        elif kind == "merge" and c.n_clusters > 1:
            c.merge(data.draw(st.lists(st.sampled_from(c.cluster_ids.tolist()), min_size=2, max_size=3,
                                       unique=True)))
            n_done += 1
        else:
            c.split(data.draw(st.lists(st.integers(0, c.n_spikes - 1), unique=True, min_size=1)))
            n_done += 1
    final = c.spike_clusters.copy()
    for _ in range(n_done):
        assert c.undo() is not None
    assert c.undo() is None
    np.testing.assert_array_equal(c.spike_clusters[:len(sc)], sc)
    for _ in range(n_done):
        assert c.redo() is not None
    np.testing.assert_array_equal(c.spike_clusters, final)
    counts = dict(c.spike_counts)
    ids, n = np.unique(final, return_counts=True)
    assert counts == dict(zip(ids.tolist(), n.tolist()))


@given(sc=spike_clusters())
def test_undo_redo_on_empty_history_are_noops(sc: np.ndarray) -> None:
    c = Clustering(sc)
    assert c.undo() is None and c.redo() is None
    np.testing.assert_array_equal(c.spike_clusters, sc)
    m = ClusterMeta()
    assert m.undo() is None and m.redo() is None
