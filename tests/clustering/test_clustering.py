"""Clustering: ids, merge/split/assign semantics (parity.md §4), undo/redo, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import phycore
from phycore.clustering import Clustering, UpdateInfo
from phycore.clustering import _spike_index as si
from phycore.errors import ActionError, ClusterIdError, SpikeIdError
from phycore.signals import connect

SC = np.array([2, 2, 5, 5, 5, 7, 7, 9], dtype=np.int32)


@pytest.fixture
def c() -> Clustering:
    return Clustering(SC)


def test_top_level_exports() -> None:
    assert phycore.Clustering is Clustering
    assert phycore.UpdateInfo is UpdateInfo


def test_construction(c: Clustering) -> None:
    assert c.spike_clusters.dtype == np.int64
    np.testing.assert_array_equal(c.spike_clusters, SC)
    np.testing.assert_array_equal(c.cluster_ids, [2, 5, 7, 9])
    assert c.n_clusters == 4 and c.n_spikes == 8
    assert dict(c.spike_counts) == {2: 2, 5: 3, 7: 2, 9: 1}
    assert 5 in c.spike_counts and 3 not in c.spike_counts
    np.testing.assert_array_equal(c.spikes_per_cluster[5], [2, 3, 4])
    assert c.new_cluster_id() == 10
    assert not c.can_undo and not c.can_redo


def test_input_never_aliased_and_view_read_only() -> None:
    sc = SC.astype(np.int64)
    c = Clustering(sc)
    c.merge([2, 5])
    np.testing.assert_array_equal(sc, SC)
    with pytest.raises(ValueError):
        c.spike_clusters[0] = 3


def test_spikes_in_clusters(c: Clustering) -> None:
    np.testing.assert_array_equal(c.spikes_in_clusters([9, 2]), [0, 1, 7])
    np.testing.assert_array_equal(c.spikes_in_clusters([]), [])
    with pytest.raises(ClusterIdError):
        c.spikes_in_clusters([3])


def test_index_kernel_matches_numpy_reference() -> None:
    rng = np.random.default_rng(0)
    for sc in [rng.integers(0, 50, 1000), rng.integers(0, 10**12, 100), np.zeros(5, np.int64)]:
        sc = sc.astype(np.int64)
        a, b = si.build_index(sc), si.build_index_numpy(sc)
        assert sorted(a) == sorted(b)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_merge(c: Clustering) -> None:
    events = []
    connect(lambda sender, up: events.append((sender, up)), event="cluster")
    up = c.merge([7, 2])
    assert up.description == "merge" and up.history is None
    assert up.added == [10] and up.deleted == [2, 7]
    assert up.descendants == [(2, 10), (7, 10)]
    np.testing.assert_array_equal(up.spike_ids, [0, 1, 5, 6])
    assert up.largest_old_cluster == 2  # tie: smallest id
    assert up.all_cluster_ids == [5, 9, 10]
    assert events == [(c, up)]
    assert c.new_cluster_id() == 11
    assert repr(up) == "<merge [2, 7] => [10]>"


def test_merge_to(c: Clustering) -> None:
    up = c.merge([2, 5], to=20)
    assert up.added == [20] and c.new_cluster_id() == 21
    with pytest.raises(ActionError):
        c.merge([7, 9], to=15)


def test_split_one_cluster(c: Clustering) -> None:
    up = c.split([3])
    assert up.description == "assign"
    assert up.added == [10, 11] and up.deleted == [5]
    np.testing.assert_array_equal(up.spike_ids, [2, 3, 4])
    np.testing.assert_array_equal(up.spike_clusters, [11, 10, 11])
    assert up.descendants == [(5, 10), (5, 11)]
    np.testing.assert_array_equal(c.spike_clusters, [2, 2, 11, 10, 11, 7, 7, 9])


def test_split_across_clusters(c: Clustering) -> None:
    up = c.split([0, 2])  # lasso spanning 2 and 5
    np.testing.assert_array_equal(c.spike_clusters, [10, 11, 10, 12, 12, 7, 7, 9])
    assert up.added == [10, 11, 12] and up.deleted == [2, 5]
    assert up.largest_old_cluster == 5


def test_split_whole_cluster_is_a_merge(c: Clustering) -> None:
    up = c.split([5, 6])
    assert up.description == "merge" and up.added == [10] and up.deleted == [7]


def test_assign_relative_labels(c: Clustering) -> None:
    up = c.assign([2, 3, 4], [3, 5, 3])  # gaps kept, like phy: ids 10 and 12
    assert up.added == [10, 12] and c.new_cluster_id() == 13
    np.testing.assert_array_equal(c.spike_clusters[2:5], [10, 12, 10])


def test_assign_empty(c: Clustering) -> None:
    events = []
    connect(lambda s, up: events.append(up), event="cluster")
    up = c.assign([])
    assert not up and up.added == [] and events == [] and not c.can_undo


def test_undo_redo(c: Clustering) -> None:
    up1 = c.merge([2, 5])
    up2 = c.split([0, 5])
    after = c.spike_clusters.copy()
    u = c.undo()
    assert u.history == "undo" and u.description == "assign"
    assert u.added == [7, 10] and u.deleted == up2.added
    u = c.undo()
    np.testing.assert_array_equal(c.spike_clusters, SC)
    assert u.added == [2, 5] and u.deleted == [10] and u.descendants == [(10, 2), (10, 5)]
    assert c.undo() is None
    r = c.redo()
    assert r.history == "redo" and r.added == up1.added
    r = c.redo()
    assert r.added == up2.added
    np.testing.assert_array_equal(c.spike_clusters, after)
    assert c.redo() is None


def test_undo_redo_noops_say_so(c: Clustering, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="phycore.clustering"):
        assert c.undo() is None and c.redo() is None
    assert "Nothing to undo" in caplog.text and "Nothing to redo" in caplog.text


def test_undo_split_restores_original_ids_as_merge(c: Clustering) -> None:
    c.split([3])
    u = c.undo()
    assert u.description == "merge" and u.added == [5] and u.deleted == [10, 11]


def test_ids_never_reused_after_undo(c: Clustering) -> None:
    c.merge([2, 5])
    c.undo()
    up = c.merge([2, 5])
    assert up.added == [11]


def test_state_dir_counter(tmp_path) -> None:
    c = Clustering(SC, state_dir=tmp_path)
    c.merge([2, 5])
    assert json.loads((tmp_path / "new_cluster_id.json").read_text()) == {"new_cluster_id": 11}
    c2 = Clustering(SC, state_dir=tmp_path)
    assert c2.new_cluster_id() == 11
    assert Clustering(SC, new_cluster_id=30, state_dir=tmp_path).new_cluster_id() == 30


def test_state_dir_corrupt_file_is_ignored(tmp_path, caplog) -> None:
    (tmp_path / "new_cluster_id.json").write_text("{not json")
    assert Clustering(SC, state_dir=tmp_path).new_cluster_id() == 10
    assert "unreadable" in caplog.text


@pytest.mark.parametrize("bad, err", [
    (np.array([0.5, 1.0]), ClusterIdError),
    (np.array([[1, 2]]), ClusterIdError),
    (np.array([-1, 2]), ClusterIdError),
])
def test_bad_spike_clusters(bad, err) -> None:
    with pytest.raises(err) as e:
        Clustering(bad)
    assert e.value.argument == "spike_clusters" and "spike_clusters" in str(e.value)


@pytest.mark.parametrize("call, err, arg", [
    (lambda c: c.merge([]), ActionError, "cluster_ids"),
    (lambda c: c.merge([2, 3]), ClusterIdError, "cluster_ids"),
    (lambda c: c.merge([2.0, 5]), ClusterIdError, "cluster_ids"),
    (lambda c: c.merge("25"), ClusterIdError, "cluster_ids"),
    (lambda c: c.merge([2, 5], to=1.5), ClusterIdError, "to"),
    (lambda c: c.split([0, 8]), SpikeIdError, "spike_ids"),
    (lambda c: c.split([-1]), SpikeIdError, "spike_ids"),
    (lambda c: c.split([1, 1]), SpikeIdError, "spike_ids"),
    (lambda c: c.split([1.0, 2.0]), SpikeIdError, "spike_ids"),
    (lambda c: c.split(np.array([True, False])), SpikeIdError, "spike_ids"),
    (lambda c: c.split(slice(0, 2)), SpikeIdError, "spike_ids"),
    (lambda c: c.assign([1, 2], [0]), ActionError, "spike_clusters_rel"),
    (lambda c: c.assign([1, 2], [0.5, 1]), ActionError, "spike_clusters_rel"),
    (lambda c: c.assign([1, 2], [-1, 0]), ActionError, "spike_clusters_rel"),
])
def test_bad_input_changes_nothing(c: Clustering, call, err, arg) -> None:
    c.merge([7, 9])
    events = []
    connect(lambda s, up: events.append(up), event="cluster")
    before = c.spike_clusters.copy()
    counter, pos = c.new_cluster_id(), c.history.current_position
    with pytest.raises(err) as e:
        call(c)
    assert e.value.argument == arg and arg in str(e.value)
    np.testing.assert_array_equal(c.spike_clusters, before)
    assert c.new_cluster_id() == counter and c.history.current_position == pos and events == []
    assert c.undo() is not None  # the previous action is still undoable


def test_merge_accepts_numpy_ids_and_dedupes(c: Clustering) -> None:
    up = c.merge(np.array([5, 2, 2], dtype=np.uint32))
    assert up.deleted == [2, 5]
    assert all(type(x) is int for x in up.added + up.deleted)


def test_empty_clustering() -> None:
    c = Clustering(np.zeros(0, np.int64))
    assert c.n_clusters == 0 and c.new_cluster_id() == 0
    assert c.split([]).added == []
