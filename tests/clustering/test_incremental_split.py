"""Splits drawn over every cluster: the by-id rewrite of the assignment, the derived
template histograms and the lazy ``UpdateInfo.spike_clusters`` equal their from-scratch
values after random actions, undos and redos."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.clustering import Clustering
from phycore.clustering import _spike_index as si
from phycore.clustering._relabel import relabel_inplace, remove_sorted_fast
from phycore.errors import ActionError


pytestmark = pytest.mark.usefixtures("few_rests_at_once")

def _check(c: Clustering, templates: np.ndarray) -> None:
    sc = np.asarray(c.spike_clusters)
    index = si.build_index_numpy(sc)
    assert c.cluster_ids.tolist() == sorted(index)
    for cid, spikes in index.items():
        np.testing.assert_array_equal(c.spikes_per_cluster[cid], spikes)
        t, k = np.unique(templates[spikes], return_counts=True)
        got_t, got_k = c.template_counts(cid)
        np.testing.assert_array_equal(got_t, t)
        np.testing.assert_array_equal(got_k, k)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_actions_with_splits_over_every_cluster(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5000
    sc = rng.integers(0, 40, n) * 3
    templates = rng.integers(0, 25, n)
    c = Clustering(sc, spike_templates=templates)
    if seed == 0:
        c.prefill_template_counts()
    states = [np.asarray(c.spike_clusters).copy()]
    for step in range(40):
        kind = rng.integers(0, 4)
        if kind == 0 and c.n_clusters > 2:
            c.merge(rng.choice(c.cluster_ids, 2, replace=False))
        elif kind == 1:  # drawn over all spikes: touches (nearly) every cluster
            spikes = np.sort(rng.choice(n, n // 100, replace=False))
            up = c.split(spikes, rng.integers(0, 2, len(spikes)))
            np.testing.assert_array_equal(up.spike_clusters, np.asarray(c.spike_clusters)[up.spike_ids])
        elif kind == 2:
            cid = int(rng.choice(c.cluster_ids))
            members = c.spikes_per_cluster[cid]
            c.split(np.sort(rng.choice(members, max(1, len(members) // 3), replace=False)))
        elif c.can_undo:
            up = c.undo()
            states.pop()
            assert up is not None
            np.testing.assert_array_equal(c.spike_clusters, states[-1])
            if up.description == "assign":
                np.testing.assert_array_equal(up.spike_clusters, np.asarray(c.spike_clusters)[up.spike_ids])
            if rng.random() < 0.5:
                c.redo()
                states.append(np.asarray(c.spike_clusters).copy())
            _check(c, templates)
            continue
        states.append(np.asarray(c.spike_clusters).copy())
        _check(c, templates)
    while c.can_undo:
        c.undo()
    np.testing.assert_array_equal(c.spike_clusters, sc)
    _check(c, templates)


def test_split_of_every_spike_of_every_cluster_but_one() -> None:
    """The by-id rewrite path (rests hold most spikes), then its undo, exactly."""
    rng = np.random.default_rng(5)
    sc = np.repeat(np.arange(10), 100)
    templates = rng.integers(0, 4, len(sc))
    c = Clustering(sc, spike_templates=templates)
    moved = np.arange(0, len(sc), 50)
    up = c.split(moved)
    assert len(up.spike_ids) == len(sc) and up.description == "assign"
    expected = sc + 11
    expected[moved] = 10
    np.testing.assert_array_equal(c.spike_clusters, expected)
    np.testing.assert_array_equal(up.spike_clusters, expected)
    _check(c, templates)
    c.undo()
    np.testing.assert_array_equal(c.spike_clusters, sc)
    c.redo()
    np.testing.assert_array_equal(c.spike_clusters, expected)
    _check(c, templates)


def test_template_counts_needs_templates() -> None:
    c = Clustering([0, 0, 1])
    assert not c.has_templates
    with pytest.raises(ActionError):
        c.template_counts(0)
    c.prefill_template_counts()  # a no-op


def test_kernels_match_their_references() -> None:
    rng = np.random.default_rng(3)
    arr = np.sort(rng.choice(10_000, 3000, replace=False)).astype(np.int64)
    remove = np.sort(rng.choice(arr, 700, replace=False))
    np.testing.assert_array_equal(remove_sorted_fast(arr, remove), si.remove_sorted(arr, remove))
    np.testing.assert_array_equal(remove_sorted_fast(arr, arr[:0]), arr)
    big = np.sort(rng.choice(10**6, 200_000, replace=False)).astype(np.int64)  # the numba path
    gone = np.sort(rng.choice(big, 5000, replace=False))
    np.testing.assert_array_equal(remove_sorted_fast(big, gone), si.remove_sorted(big, gone))
    with pytest.raises(ValueError):
        remove_sorted_fast(big, np.array([big[0], big[-1] + 1]))
    # Small clusters through the kernel (a split over every cluster), edges included.
    for k in (0, 1, 699, 700):
        np.testing.assert_array_equal(remove_sorted_fast(arr, remove[:k], jit=True), si.remove_sorted(arr, remove[:k]))
    np.testing.assert_array_equal(remove_sorted_fast(arr, arr, jit=True), arr[:0])
    sc = rng.integers(0, 20, 1000)
    out = sc.copy()
    relabel_inplace(out, {3: 30, 7: 31}, 40)
    expected = np.where(sc == 3, 30, np.where(sc == 7, 31, sc))
    np.testing.assert_array_equal(out, expected)


def test_a_split_over_every_cluster_makes_the_array_of_all_spike_ids_only_when_read() -> None:
    rng = np.random.default_rng(7)
    n = 6000
    sc = rng.integers(0, 20, n) * 2
    c = Clustering(sc)
    spikes = np.sort(rng.choice(n, n // 50, replace=False))
    up = c.split(spikes)
    undone = c.undo()
    assert undone is not None
    assert c._spike_ids is None  # neither the action nor its undo made the 80 MB of a 10M-spike folder
    np.testing.assert_array_equal(undone.spike_clusters, sc)  # (reads the spike ids)
    everything = np.arange(n)
    np.testing.assert_array_equal(up.spike_ids, everything)
    np.testing.assert_array_equal(undone.spike_ids, everything)
    assert np.shares_memory(up.spike_ids, c.spike_ids)  # one shared, read-only array
    assert not up.spike_ids.flags.writeable
    redone = c.redo()
    assert redone is not None
    np.testing.assert_array_equal(redone.spike_clusters, _split_from_scratch(sc, spikes, int(sc.max()) + 1))
    assert np.shares_memory(dict(redone)["spike_ids"], c.spike_ids)


def _split_from_scratch(sc: np.ndarray, spikes: np.ndarray, new_id: int) -> np.ndarray:
    out = sc.copy()
    out[spikes] = new_id
    next_id = new_id + 1
    for c in np.unique(sc[spikes]).tolist():
        rest = (sc == c) & (out != new_id)
        if rest.any():
            out[rest] = next_id
            next_id += 1
    return out


def test_update_info_spike_ids_may_be_given_as_a_callable() -> None:
    from phycore.clustering import UpdateInfo

    calls: list[int] = []
    up = UpdateInfo(description="assign", spike_ids=lambda: calls.append(1) or np.arange(3))
    assert calls == []
    np.testing.assert_array_equal(up.spike_ids, [0, 1, 2])
    np.testing.assert_array_equal(up["spike_ids"], [0, 1, 2])
    assert calls == [1] and up == UpdateInfo(description="assign", spike_ids=[0, 1, 2])
    up.spike_ids = [4, 5]
    assert up.spike_ids.dtype == np.int64 and up.spike_ids.tolist() == [4, 5]
