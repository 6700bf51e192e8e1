"""Clustering against phy's own (``phy.cluster.clustering.Clustering``) as an oracle.

The same random merges, splits, assigns, undos and redos on both give the same state
(``spike_clusters``, ``cluster_ids``, ``spikes_per_cluster``, the id counter...), the
same UpdateInfo fields as phy defines them, the same events, and the same
``undo_state`` (the answers to ``request_undo_state``, given back on undo).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore import signals
from phycore.clustering import Clustering, UpdateInfo
from phycore.errors import ActionError, ClusterIdError, SpikeIdError

from tests._phy_reference import phy_clustering_class
from tests.property.strategies import spike_clusters

PhyClustering = phy_clustering_class()
if PhyClustering is None:
    pytest.skip("phy is not installed", allow_module_level=True)

from phylib.utils import event as phy_event  # noqa: E402  (phylib comes with phy)


class _Recorder:
    """Answers ``request_undo_state`` with a token and logs events, on one bus."""

    def __init__(self) -> None:
        self.n = 0
        self.events: list[str] = []

    def request_undo_state(self, sender: Any, up: Any) -> tuple[str, int]:
        self.n += 1
        self.events.append("request_undo_state")
        return ("state", self.n)

    def cluster(self, sender: Any, up: Any) -> None:
        self.events.append(f"cluster {up.description} {up.get('history')}")


@pytest.fixture
def recorders() -> Iterator[tuple[_Recorder, _Recorder]]:
    ours, theirs = _Recorder(), _Recorder()
    for name in ("request_undo_state", "cluster"):
        signals.connect(getattr(ours, name), event=name)
        phy_event.connect(getattr(theirs, name), event=name)
    yield ours, theirs
    phy_event.reset()


def _ints(values: Any) -> list[int]:
    return [int(v) for v in values]


def _same_update(a: UpdateInfo, b: Any) -> None:
    """Every field phy's UpdateInfo has, compared as phy defines it."""
    assert a.description == b.description
    assert a.history == b.history
    assert a.added == _ints(b.added) and a.deleted == sorted(_ints(b.deleted))
    assert type(a.added) is list and a.added == list(a.added)  # plain lists, like phy's
    # phy builds assign descendants from a set: same pairs, any order.
    assert sorted(a.descendants) == sorted((int(x), int(y)) for x, y in b.descendants)
    # All the spikes affected; ours sorted (phy keeps the caller's order for a whole-cluster split).
    b_spikes = np.asarray(b.spike_ids, dtype=np.int64)
    order = np.argsort(b_spikes, kind="stable")
    np.testing.assert_array_equal(a.spike_ids, b_spikes[order])
    assert a.metadata_changed == list(b.metadata_changed) and a.metadata_value == b.metadata_value
    assert a.undo_state == b.undo_state
    for key in ("largest_old_cluster", "all_cluster_ids"):
        if key in b:
            assert a[key] == (None if b[key] is None else np.asarray(b[key]).tolist()), key
    if "spike_clusters" in b:  # assigns: the new cluster of each of spike_ids
        np.testing.assert_array_equal(a.spike_clusters, np.asarray(b.spike_clusters, dtype=np.int64)[order])


def _same_state(ours: Clustering, theirs: Any) -> None:
    np.testing.assert_array_equal(ours.spike_clusters, theirs.spike_clusters)
    np.testing.assert_array_equal(ours.cluster_ids, theirs.cluster_ids)
    assert ours.n_clusters == theirs.n_clusters and ours.n_spikes == theirs.n_spikes
    np.testing.assert_array_equal(ours.spike_ids, theirs.spike_ids)
    assert ours.new_cluster_id() == theirs.new_cluster_id()
    assert sorted(ours.spikes_per_cluster) == sorted(theirs.spikes_per_cluster)
    for c, spikes in theirs.spikes_per_cluster.items():
        np.testing.assert_array_equal(ours.spikes_per_cluster[c], np.sort(spikes))


@settings(max_examples=60)
@given(sc=spike_clusters(max_spikes=60), data=st.data())
def test_random_sequences_same_as_phy(sc: np.ndarray, data: st.DataObject) -> None:
    ours_rec, theirs_rec = _Recorder(), _Recorder()
    ours, theirs = Clustering(sc), PhyClustering(sc.copy())
    for name in ("request_undo_state", "cluster"):
        signals.connect(getattr(ours_rec, name), event=name, sender=ours)
        phy_event.connect(getattr(theirs_rec, name), event=name, sender=theirs)
    try:
        for _ in range(data.draw(st.integers(1, 10))):
            kind = data.draw(st.sampled_from(["merge", "merge_to", "split", "assign", "undo", "redo"]))
            if kind.startswith("merge"):
                ids = data.draw(st.lists(st.sampled_from(ours.cluster_ids.tolist()), min_size=1, max_size=3,
                                         unique=True))
                to = ours.new_cluster_id() + data.draw(st.integers(0, 3)) if kind == "merge_to" else None
                a, b = ours.merge(ids, to), theirs.merge(list(ids), to)
            elif kind in ("split", "assign"):
                spikes = data.draw(st.lists(st.integers(0, ours.n_spikes - 1), unique=True, min_size=1))
                rel: Any = 0
                if kind == "assign":
                    rel = data.draw(st.lists(st.integers(0, 3), min_size=len(spikes), max_size=len(spikes)))
                a, b = ours.assign(np.array(spikes), rel), theirs.assign(np.array(spikes), rel)
            elif kind == "undo":
                if theirs._undo_stack.current_position == 0:  # phy's undo fails there; ours says None
                    assert ours.undo() is None
                    continue
                a, b = ours.undo(), theirs.undo()
            else:
                a, b = ours.redo(), theirs.redo()
                if b is None:
                    assert a is None
                    continue
            _same_update(a, b)
            _same_state(ours, theirs)
            assert ours_rec.events == theirs_rec.events
    finally:
        phy_event.reset()


def test_undo_state_is_given_back_on_undo(recorders: tuple[_Recorder, _Recorder]) -> None:
    sc = np.array([0, 0, 1, 1, 2, 2, 2], np.int64)
    ours, theirs = Clustering(sc), PhyClustering(sc.copy())
    for c in (ours, theirs):
        assert c.merge([0, 1]).undo_state is None
        c.split([4])
    for _ in range(2):
        a, b = ours.undo(), theirs.undo()
        assert a.undo_state == b.undo_state and a.undo_state is not None
    a, b = ours.redo(), theirs.redo()
    assert a.undo_state is None and b.undo_state is None
    assert recorders[0].events == recorders[1].events


def test_phy_signature_and_properties() -> None:
    sc = np.array([3, 3, 5, 8], np.int64)
    ours, theirs = Clustering(sc, 20), PhyClustering(sc.copy(), 20)  # new_cluster_id positional
    assert ours.new_cluster_id() == theirs.new_cluster_id() == 20
    assert Clustering(sc, spikes_per_cluster={3: [0, 1]}).n_clusters == 3  # accepted, rebuilt
    np.testing.assert_array_equal(ours.spike_ids, theirs.spike_ids)
    np.testing.assert_array_equal(ours.spikes_in_clusters([8, 3]), theirs.spikes_in_clusters([8, 3]))
    assert ours.merge([3, 5]).added == [20] == theirs.merge([3, 5]).added


def test_reset_goes_back_to_the_loaded_assignment() -> None:
    sc = np.array([0, 0, 1, 1, 2, 2, 2], np.int64)
    ours, theirs = Clustering(sc), PhyClustering(sc.copy())
    for c in (ours, theirs):
        c.merge([0, 1])
        c.split([4, 5])
        c.undo()
        c.reset()
    np.testing.assert_array_equal(ours.spike_clusters, theirs.spike_clusters)
    np.testing.assert_array_equal(ours.cluster_ids, [0, 1, 2])  # phy leaves its cluster_ids stale
    assert ours.undo() is None and ours.redo() is None
    # Kept on purpose: ids are never reused, even across a reset (phy restarts the counter).
    assert ours.merge([0, 1]).added == [6] and theirs.new_cluster_id() == 3


@pytest.mark.parametrize("call, ours_error", [
    (lambda c: c.merge([0, 9]), ClusterIdError),
    (lambda c: c.merge([0, 1], to=1), ActionError),
    (lambda c: c.assign([0, 99]), SpikeIdError),
])
def test_errors_are_typed_where_phy_raises(call: Any, ours_error: type[Exception]) -> None:
    """phy raises ValueError (or fails an assert); ours raises a typed error (a
    ValueError/KeyError/IndexError subclass) and changes nothing."""
    sc = np.array([0, 0, 1, 1], np.int64)
    theirs = PhyClustering(sc.copy())
    with pytest.raises(ValueError):
        call(theirs)
    ours = Clustering(sc)
    with pytest.raises(ours_error):
        call(ours)
    np.testing.assert_array_equal(ours.spike_clusters, sc)
