"""The spike index sorted on a worker thread (start-up): same index as the synchronous
build, counts and ids without waiting, actions issued before it is ready are exact."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from phycore.clustering import Clustering
from phycore.clustering import _spike_index as si


def _assignment(seed: int = 0, n: int = 5000, n_clusters: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n_clusters, n) * 3 + 1).astype(np.int64)


def _same(a: dict[int, np.ndarray], b: dict[int, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].dtype == np.int64 and not a[k].flags.writeable


@pytest.mark.parametrize("background", [False, True])
def test_lazy_index_equals_the_references(background: bool) -> None:
    for sc in [_assignment(0), _assignment(1, 1000, 3), np.zeros(7, np.int64), np.array([10**12, 5, 5])]:
        lazy = si.LazyIndex(sc, background=background)
        _same(lazy.index(), si.build_index_numpy(sc))
        _same(lazy.index(), si.build_index(sc))


def test_more_than_65536_clusters_use_the_counting_sort() -> None:
    sc = np.arange(70_000, dtype=np.int64)[::-1].copy()
    _same(si.LazyIndex(sc, background=True).index(), si.build_index_numpy(sc))


class _Gate:
    """Holds the index worker inside its sort until released (no sleeps, no clocks)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, error: BaseException | None = None) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        original = si._sorted_by_label

        def gated(*args: Any) -> Any:
            self.entered.set()
            self.release.wait()
            if error is not None:
                raise error
            return original(*args)

        monkeypatch.setattr(si, "_sorted_by_label", gated)
        monkeypatch.setattr(si, "BACKGROUND_MIN_SPIKES", 0)


def test_counts_and_ids_do_not_wait_for_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _assignment()
    gate = _Gate(monkeypatch)
    c = Clustering(sc)
    gate.entered.wait()
    # The worker is held in its sort: everything a cluster table needs answers anyway.
    assert not c._lazy_index.ready
    uniq, counts = np.unique(sc, return_counts=True)
    np.testing.assert_array_equal(c.cluster_ids, uniq)
    assert c.n_clusters == len(uniq)
    assert dict(c.spike_counts) == dict(zip(uniq.tolist(), counts.tolist()))
    assert 4 in c.spike_counts and 5 not in c.spike_counts and c.spike_counts.get(5) is None
    assert not c._lazy_index.ready
    gate.release.set()
    _same(dict(c.spikes_per_cluster), si.build_index_numpy(sc))


def test_actions_issued_before_the_index_is_ready_are_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _assignment()
    expected = Clustering(sc)  # sorted at once (small)
    up_expected = expected.merge([1, 4])
    split_expected = expected.split(np.arange(0, 5000, 7))
    gate = _Gate(monkeypatch)
    c = Clustering(sc)
    gate.entered.wait()
    counts = c.spike_counts  # a live view taken before the index exists follows the actions
    out: list[Any] = []
    actor = threading.Thread(target=lambda: out.append((c.merge([1, 4]), c.split(np.arange(0, 5000, 7)))))
    actor.start()  # the merge waits for the worker
    gate.release.set()
    actor.join()
    up, split = out[0]
    assert (up.added, up.deleted) == (up_expected.added, up_expected.deleted)
    assert (split.added, split.deleted) == (split_expected.added, split_expected.deleted)
    np.testing.assert_array_equal(c.spike_clusters, expected.spike_clusters)
    _same(dict(c.spikes_per_cluster), dict(expected.spikes_per_cluster))
    assert dict(counts) == dict(expected.spike_counts)
    np.testing.assert_array_equal(c.cluster_ids, expected.cluster_ids)


def test_a_worker_error_is_raised_by_the_first_action(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = _Gate(monkeypatch, error=MemoryError("no room for the index"))
    c = Clustering(_assignment())
    gate.release.set()
    with pytest.raises(MemoryError, match="no room"):
        c.merge([1, 4])


def test_the_worker_never_reads_the_callers_array(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _assignment()
    gate = _Gate(monkeypatch)
    lazy = si.LazyIndex(sc)
    gate.entered.wait()
    reference = si.build_index_numpy(sc)
    sc[:] = 0  # the owner may write its array at once: the worker sorts a private copy
    gate.release.set()
    _same(lazy.index(), reference)
