"""A split whose rests hold a good part of all spikes writes most of them on a worker: the
action returns with the assignment, ids and counts complete and its first rests written,
and every reader of the other rests' spikes (any thread, the next action,
``UpdateInfo.spike_clusters``) waits for them and gets them exact."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from phycore.clustering import Clustering
from phycore.clustering import _changes
from phycore.clustering import _spike_index as si
from phycore.clustering._growth import LiveGrowth

#: Bounds the tests' waits on helper threads, so that a regression fails instead of
#: hanging; nothing is timed.
_HANG = 120


def _assignment(seed: int = 0, n: int = 20_000, n_clusters: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n_clusters, n) * 2 + 5).astype(np.int64)


def _split_reference(sc: np.ndarray, spikes: np.ndarray, new_id: int) -> np.ndarray:
    """phy's split from scratch: ``spikes`` to ``new_id``, the rest of each touched
    cluster to the next ids in increasing old-id order."""
    out = sc.copy()
    touched = np.unique(sc[spikes])
    out[spikes] = new_id
    next_id = new_id + 1
    for c in touched.tolist():
        rest = (sc == c) & (out != new_id)
        if rest.any():
            out[rest] = next_id
            next_id += 1
    return out


def _same_index(c: Clustering) -> None:
    reference = si.build_index_numpy(np.asarray(c.spike_clusters))
    got = dict(c.spikes_per_cluster)
    assert sorted(got) == sorted(reference)
    for k, v in reference.items():
        np.testing.assert_array_equal(got[k], v)
        assert got[k].dtype == np.int64 and not got[k].flags.writeable


class _GatedFill:
    """Holds the rests' worker inside its write until released; counts the writes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: int = 0) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.calls: list[str] = []
        self.fail = fail
        original = _changes.remove_sorted_many

        def gated(*args: Any) -> None:
            self.calls.append(threading.current_thread().name)
            self.entered.set()
            assert self.release.wait(_HANG)
            if len(self.calls) <= self.fail:
                raise MemoryError("no room for the rests")
            original(*args)

        monkeypatch.setattr(_changes, "remove_sorted_many", gated)


def _gated_split(monkeypatch: pytest.MonkeyPatch, seed: int, first: int, step: int) -> tuple[Any, ...]:
    """A split of every ``step``-th spike from ``first``, its worker held:
    (assignment before, Clustering, assignment expected after, gate, UpdateInfo)."""
    sc = _assignment(seed)
    spikes = np.arange(first, len(sc), step)
    c = Clustering(sc)
    expected = _split_reference(sc, spikes, c.new_cluster_id())
    gate = _GatedFill(monkeypatch)
    return sc, c, expected, gate, _split_in_thread(c, spikes)


def _split_in_thread(c: Clustering, spikes: np.ndarray) -> Any:
    out: list[Any] = []
    actor = threading.Thread(target=lambda: out.append(c.split(spikes)))
    actor.start()
    actor.join(_HANG)
    assert out, "the split waited for its rests to be written"
    return out[0]


def test_a_large_split_returns_before_its_rests_are_written(monkeypatch: pytest.MonkeyPatch) -> None:
    sc, c, expected, gate, up = _gated_split(monkeypatch, 0, 0, 50)
    new_id = int(sc.max()) + 1
    assert not c._lazy_index.ready
    assert gate.entered.wait(_HANG) and gate.calls == ["phycore-split-rests"]
    # The worker is held: the action is complete for everything but the rests' spikes.
    np.testing.assert_array_equal(c.spike_clusters, expected)
    ids, counts = np.unique(expected, return_counts=True)
    np.testing.assert_array_equal(c.cluster_ids, ids)
    assert dict(c.spike_counts) == dict(zip(ids.tolist(), counts.tolist()))
    assert up.added == ids[ids >= new_id].tolist() and up.deleted == np.unique(sc).tolist()
    # The first rests are written: reading them does not wait for the worker.
    first = up.added[1:1 + _changes.FIRST_RESTS]
    assert len(first) == _changes.FIRST_RESTS and len(up.added) > len(first) + 1
    got: dict[Any, np.ndarray] = {}

    def read_first() -> None:
        for cid in first:
            got[cid] = c.spikes_per_cluster[cid]
        got["three"] = c.spikes_in_clusters(first[:3])

    early = threading.Thread(target=read_first)
    early.start()
    early.join(_HANG)
    assert "three" in got, "reading the first rests waited for the worker"
    for cid in first:
        np.testing.assert_array_equal(got[cid], np.flatnonzero(expected == cid))
    np.testing.assert_array_equal(got["three"], np.flatnonzero(np.isin(expected, first[:3])))
    assert not c._lazy_index.ready
    # Readers of what the worker writes wait for it (each copies what it got at once:
    # the arrays handed out are the ones the worker fills).
    readers: dict[str, np.ndarray] = {}
    threads = [threading.Thread(target=lambda: readers.update(clusters=up.spike_clusters.copy())),
               threading.Thread(target=lambda: readers.update(some=c.spikes_in_clusters([up.added[-1]]).copy())),
               threading.Thread(target=lambda: readers.update(one=c.spikes_per_cluster[up.added[-2]].copy()))]
    for t in threads:
        t.start()
    gate.release.set()
    for t in threads:
        t.join(_HANG)
    np.testing.assert_array_equal(readers["clusters"], expected)
    np.testing.assert_array_equal(readers["some"], np.flatnonzero(expected == up.added[-1]))
    np.testing.assert_array_equal(readers["one"], np.flatnonzero(expected == up.added[-2]))
    _same_index(c)
    assert c._lazy_index.ready and gate.calls == ["phycore-split-rests"]


def test_actions_after_a_split_wait_for_its_rests(monkeypatch: pytest.MonkeyPatch) -> None:
    sc, c, expected, gate, up = _gated_split(monkeypatch, 1, 3, 40)
    rests = [up.added[1], up.added[-1]]  # written at once / by the worker
    out: list[Any] = []
    actor = threading.Thread(target=lambda: out.append((c.merge(rests), c.undo(), c.undo())))
    actor.start()  # the merge reads the rests: it waits for them
    gate.release.set()
    actor.join(_HANG)
    merged, undo_merge, undo_split = out[0]
    assert merged.deleted == rests and undo_merge.added == rests
    np.testing.assert_array_equal(undo_merge.spike_clusters, expected[undo_merge.spike_ids])
    np.testing.assert_array_equal(c.spike_clusters, sc)
    _same_index(c)
    c.redo()  # the recorded rests, written by the worker
    np.testing.assert_array_equal(c.spike_clusters, expected)
    _same_index(c)


def test_a_failed_worker_leaves_the_rests_to_the_first_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _assignment(2)
    spikes = np.arange(1, len(sc), 30)
    c = Clustering(sc)
    gate = _GatedFill(monkeypatch, fail=1)
    gate.release.set()
    c.split(spikes)
    _same_index(c)  # written again on this thread
    assert gate.calls == ["phycore-split-rests", threading.current_thread().name]


def test_a_write_that_fails_twice_raises_to_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    c = Clustering(_assignment(3))
    gate = _GatedFill(monkeypatch, fail=2)
    gate.release.set()
    up = c.split(np.arange(0, len(c.spike_clusters), 25))
    with pytest.raises(MemoryError, match="no room for the rests"):
        c.spikes_per_cluster[up.added[-1]]


@pytest.mark.parametrize("live", [False, True])
def test_small_splits_and_live_sessions_write_their_rests_at_once(monkeypatch: pytest.MonkeyPatch,
                                                                  live: bool) -> None:
    sc = _assignment(4)
    templates = np.random.default_rng(4).integers(0, 9, len(sc))
    c = Clustering(sc, spike_templates=templates)
    gate = _GatedFill(monkeypatch)
    if live:  # an appended spike must keep its cluster: the assignment is written spike by spike
        c.append_spikes(np.array([templates[0]]), clusters=np.array([int(sc[0])]))
        spikes = np.arange(0, len(sc), 50)
    else:  # the rests of the clusters touched are a small part of all spikes
        spikes = np.flatnonzero(sc == sc[0])[:10]
    c.split(spikes)
    assert gate.calls == [] and c._lazy_index.ready
    _same_index(c)


def test_remove_sorted_many_writes_each_difference_into_its_array_or_refuses() -> None:
    from phycore.clustering._relabel import remove_sorted_many

    rng = np.random.default_rng(5)
    arrays = [np.sort(rng.choice(10_000, n, replace=False)).astype(np.int64) for n in (50, 300, 1)]
    removed = [a[rng.random(len(a)) < 0.3] for a in arrays]
    remove = np.concatenate(removed)
    bounds = np.cumsum([0] + [len(r) for r in removed])
    expected = [np.setdiff1d(a, r) for a, r in zip(arrays, removed)]
    outs = [np.full(len(e), -1, dtype=np.int64) for e in expected]
    remove_sorted_many(arrays, remove, bounds, outs)
    for out, e in zip(outs, expected):
        np.testing.assert_array_equal(out, e)
    sizes = [len(e) for e in expected]
    with pytest.raises(ValueError, match="not a subset"):  # an out too short
        remove_sorted_many(arrays, remove, bounds, [np.empty(sizes[0] - 1, np.int64)] + outs[1:])
    with pytest.raises(ValueError, match="not a subset"):  # too long
        remove_sorted_many(arrays, remove, bounds, [np.empty(sizes[0] + 1, np.int64)] + outs[1:])
    with pytest.raises(ValueError, match="not a subset"):  # a value not in its array
        remove_sorted_many(arrays[:1], np.array([10_001]), np.array([0, 1]), [np.empty(len(arrays[0]) - 1, np.int64)])
    with pytest.raises(ValueError, match="C-contiguous int64"):
        remove_sorted_many(arrays, remove, bounds, [np.empty(2 * sizes[0], np.int64)[::2]] + outs[1:])
    with pytest.raises(ValueError, match="one out and one part"):
        remove_sorted_many(arrays, remove, bounds[:-1], outs)


def test_the_undo_of_a_split_does_not_wait_for_its_rests(monkeypatch: pytest.MonkeyPatch) -> None:
    sc, c, expected, gate, _ = _gated_split(monkeypatch, 6, 2, 45)
    out: list[Any] = []
    actor = threading.Thread(target=lambda: out.append(c.undo()))
    actor.start()
    actor.join(_HANG)
    assert out and out[0] is not None, "the undo waited for the rests"
    assert not gate.release.is_set() and not c._lazy_index.ready
    np.testing.assert_array_equal(c.spike_clusters, sc)
    _same_index(c)  # the parents are back: nothing to wait for
    redo = threading.Thread(target=lambda: out.append(c.redo()))
    redo.start()  # puts the rests back: waits for them
    gate.release.set()
    redo.join(_HANG)
    np.testing.assert_array_equal(c.spike_clusters, expected)
    _same_index(c)


def test_going_live_waits_for_the_rests_an_undo_would_read(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _assignment(7)
    templates = np.random.default_rng(7).integers(0, 9, len(sc))
    c = Clustering(sc, spike_templates=templates)
    reference = Clustering(sc, spike_templates=templates)
    gate = _GatedFill(monkeypatch)
    _split_in_thread(c, np.arange(0, len(sc), 50))
    written: list[bool] = []  # at each spike move of the live undo: were the rests written?
    moved, wait_fill = LiveGrowth.moved, si.LazyIndex._wait_fill

    def checked_moved(self: LiveGrowth, *args: Any, **kwargs: Any) -> None:
        fill = c._lazy_index._fill
        written.append(fill is None or fill[1].done())
        moved(self, *args, **kwargs)

    def release_then_wait(self: si.LazyIndex) -> None:  # whoever waits for the rests lets the worker go
        gate.release.set()
        wait_fill(self)

    monkeypatch.setattr(LiveGrowth, "moved", checked_moved)
    monkeypatch.setattr(si.LazyIndex, "_wait_fill", release_then_wait)
    c.clusters_for(np.array([0]))  # goes live; a live undo reads the spikes of the rests it removes
    c.undo()
    gate.release.set()
    assert written and all(written)
    np.testing.assert_array_equal(c.spike_clusters, sc)
    reference.clusters_for(np.array([0]))
    assert c._live is not None and reference._live is not None
    assert c._live._membership._counts == reference._live._membership._counts  # which cluster each template joins
    _same_index(c)


def test_the_spike_ids_of_a_split_are_those_of_its_time() -> None:
    sc = _assignment(8, 3000, 10)
    templates = np.random.default_rng(8).integers(0, 5, len(sc))
    c = Clustering(sc, spike_templates=templates)
    up = c.split(np.arange(0, len(sc), 30))  # every cluster: the spike ids made when first read
    undone = c.undo()
    c.append_spikes(templates[:4])
    assert undone is not None and c.n_spikes == len(sc) + 4
    np.testing.assert_array_equal(up.spike_ids, np.arange(len(sc)))
    np.testing.assert_array_equal(up.spike_clusters, _split_reference(sc, np.arange(0, len(sc), 30),
                                                                      int(sc.max()) + 1))
    np.testing.assert_array_equal(undone.spike_ids, np.arange(len(sc)))
    np.testing.assert_array_equal(undone.spike_clusters, sc)


def test_update_infos_with_lazy_fields_pickle_and_copy_computed() -> None:
    import copy
    import pickle

    c = Clustering(_assignment(9, 3000, 10))
    up = c.split(np.arange(0, 3000, 30))
    undone = c.undo()
    assert undone is not None
    for u in (up, undone):
        assert callable(u._spike_ids)  # not read yet
        for twin in (pickle.loads(pickle.dumps(u)), copy.deepcopy(u)):
            assert twin == u and dict(twin).keys() == dict(u).keys()
            np.testing.assert_array_equal(twin.spike_clusters, u.spike_clusters)


def test_a_worker_that_cannot_start_leaves_the_rests_to_the_first_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_thread(*args: Any) -> Any:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(si, "on_thread", no_thread)
    sc = _assignment(10)
    c = Clustering(sc)
    spikes = np.arange(4, len(sc), 35)
    up = c.split(spikes)
    assert up.added and c.can_undo  # the action is done and recorded
    _same_index(c)
    np.testing.assert_array_equal(c.spike_clusters, _split_reference(sc, spikes, up.added[0]))
