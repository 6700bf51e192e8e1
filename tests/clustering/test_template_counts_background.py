"""Every cluster's template histogram counted on another thread and kept by the owner
(Clustering.count_templates / keep_template_counts): kept only if the assignment did not
change since the counting started."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from phycore.clustering import Clustering
from phycore.clustering import clustering as clustering_module


def _clustering(seed: int = 0, n: int = 5000) -> tuple[Clustering, np.ndarray]:
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, 30, n)
    return Clustering(templates // 3 + rng.integers(0, 2, n) * 10, spike_templates=templates), templates


def _expected(c: Clustering, templates: np.ndarray, cid: int) -> tuple[np.ndarray, np.ndarray]:
    return np.unique(templates[c.spike_clusters == cid], return_counts=True)


def _kept(c: Clustering) -> set[int]:
    return {cid for cid in c.cluster_ids.tolist() if cid in c._counts}  # type: ignore[operator]


def test_counted_on_a_worker_and_kept_by_the_owner_equal_a_count_of_each_cluster() -> None:
    c, templates = _clustering()
    c.merge(c.cluster_ids[:2])
    c.split(c.spikes_in_clusters([c.cluster_ids[3]])[::2])
    known = _kept(c)  # the clusters the actions made: derived from the actions
    assert 0 < len(known) < c.n_clusters
    counted: list[Any] = []
    worker = threading.Thread(target=lambda: counted.append(c.count_templates()))
    worker.start()
    worker.join()
    assert _kept(c) == known  # the worker wrote nothing
    assert c.keep_template_counts(counted[0]) == c.n_clusters - len(known)
    assert _kept(c) == set(c.cluster_ids.tolist())
    for cid in c.cluster_ids.tolist():
        got = c.template_counts(cid)
        want = _expected(c, templates, cid)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("change", ["split", "undo", "append"])
def test_a_change_since_the_counting_started_keeps_nothing(change: str) -> None:
    c, templates = _clustering(1)
    if change == "undo":
        c.split(c.spikes_in_clusters([c.cluster_ids[2]])[::3])
    counted = c.count_templates()
    known = _kept(c)
    if change == "split":
        c.split(c.spikes_in_clusters([c.cluster_ids[5]])[1::4])
    elif change == "undo":
        c.undo()
    else:
        c.append_spikes(np.array([3, 4, 5]))
    known &= set(c.cluster_ids.tolist())
    known |= _kept(c) - known  # what the change itself derived
    assert c.keep_template_counts(counted) == 0 and _kept(c) == known
    assert len(known) < c.n_clusters
    cid = int(c.cluster_ids[0])
    spikes = c.spikes_in_clusters([cid])
    want = np.unique(c._templates_now()[spikes], return_counts=True)
    np.testing.assert_array_equal(c.template_counts(cid)[1], want[1])  # counted on demand, right


def test_an_action_during_the_counting_keeps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # The assignment read while an action rewrites it may be half old, half new.
    c, _ = _clustering(2)
    count_all = clustering_module.count_all

    def count_meanwhile(*args: Any) -> Any:
        out = count_all(*args)
        c.merge(c.cluster_ids[:2])  # the owner acts while the worker still counts
        return out

    monkeypatch.setattr(clustering_module, "count_all", count_meanwhile)
    counted = c.count_templates()
    known = _kept(c)
    assert c.keep_template_counts(counted) == 0 and _kept(c) == known and len(known) < c.n_clusters


def test_nothing_counted_while_an_action_is_under_way_nor_kept_by_another_thread() -> None:
    c, _ = _clustering(3)
    c._changes += 1  # as inside Clustering._apply
    assert c.count_templates() is None
    c._changes += 1
    counted = c.count_templates()
    kept: list[int] = []
    other = threading.Thread(target=lambda: kept.append(c.keep_template_counts(counted)))
    other.start()
    other.join()
    assert kept == [0] and not _kept(c)
    assert Clustering(np.zeros(4, np.int64)).count_templates() is None  # no spike_templates


def test_a_counting_broken_by_an_action_is_dropped_and_other_errors_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    # An action writing new (higher) ids while the worker counts can make the counting
    # itself fail (a chunk's histogram longer than the others): dropped, as a stale one.
    c, _ = _clustering(4)

    def broken_by_an_action(*args: Any) -> Any:
        c._changes += 2  # an action ran meanwhile
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(clustering_module, "count_all", broken_by_an_action)
    assert c.count_templates() is None

    def broken(*args: Any) -> Any:
        raise ValueError("a real bug")

    monkeypatch.setattr(clustering_module, "count_all", broken)
    with pytest.raises(ValueError, match="a real bug"):
        c.count_templates()
