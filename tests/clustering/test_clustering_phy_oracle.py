"""phy's own Clustering as an oracle: the same random merges and splits give the same
``spike_clusters``, ``added`` and ``deleted`` (and undo/redo land on the same states)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore.clustering import Clustering

from tests._phy_reference import phy_clustering_class
from tests.property.strategies import spike_clusters


PhyClustering = phy_clustering_class()
if PhyClustering is None:
    pytest.skip("phy is not installed", allow_module_level=True)


def _same(ours: Clustering, theirs: Any) -> None:
    np.testing.assert_array_equal(ours.spike_clusters, theirs.spike_clusters)
    np.testing.assert_array_equal(ours.cluster_ids, theirs.cluster_ids)
    assert ours.new_cluster_id() == theirs.new_cluster_id()


@settings(max_examples=40)
@given(sc=spike_clusters(max_spikes=80), data=st.data())
def test_same_random_sequence_as_phy(sc: np.ndarray, data: st.DataObject) -> None:
    ours, theirs = Clustering(sc), PhyClustering(sc.copy())
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["merge", "split", "assign", "undo", "redo"]))
        if kind == "merge":
            ids = data.draw(st.lists(st.sampled_from(ours.cluster_ids.tolist()), min_size=1, max_size=3, unique=True))
            a, b = ours.merge(ids), theirs.merge(ids)
        elif kind in ("split", "assign"):
            n = ours.n_spikes
            spikes = np.asarray(data.draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1)), np.int64)
            if kind == "split":
                a, b = ours.split(spikes), theirs.split(spikes)
            else:
                rel = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=len(spikes),
                                                    max_size=len(spikes))), np.int64)
                a, b = ours.assign(spikes, rel), theirs.assign(spikes, rel.copy())
        elif kind == "undo":
            if not ours.can_undo:
                assert ours.undo() is None
                continue
            a, b = ours.undo(), theirs.undo()
        else:
            a, b = ours.redo(), theirs.redo()
            if a is None:
                assert b is None
                continue
        assert a.added == [int(x) for x in b.added]
        assert a.deleted == sorted(int(x) for x in b.deleted)
        assert a.description == b.description
        assert a.history == b.get("history")
        assert sorted(a.descendants) == sorted((int(x), int(y)) for x, y in b.descendants)
        np.testing.assert_array_equal(np.sort(a.spike_ids), np.sort(np.asarray(b.spike_ids, np.int64)))
        if b.get("largest_old_cluster") is not None:
            assert a.largest_old_cluster == int(b.largest_old_cluster)
        _same(ours, theirs)


def test_split_examples_match_phy() -> None:
    sc = np.array([1, 1, 1, 2, 2, 2, 3, 3], np.int64)
    for spikes in ([0], [0, 3], [0, 1, 2], [6, 7, 0], list(range(8))):
        ours, theirs = Clustering(sc), PhyClustering(sc.copy())
        a, b = ours.split(spikes), theirs.split(spikes)
        assert a.added == list(b.added) and a.deleted == list(b.deleted)
        _same(ours, theirs)
