"""History (generic undo stack), GlobalHistory and UpdateInfo."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.clustering import Clustering, ClusterMeta, GlobalHistory, History, UpdateInfo, combine_updates


def test_history_basics() -> None:
    h: History[str] = History()
    assert h.undo() is None and h.redo() is None
    assert h.current_item is None and h.current_position == 0 and len(h) == 1  # phy: a base item
    h.add("a")
    h.add("b")
    assert h.current_item == "b" and h.current_position == 2 and h.can_undo and not h.can_redo
    assert len(h) == 3
    assert h.undo() == "b" and h.current_item == "a" and h.can_redo
    assert h.is_first()
    assert h.redo() == "b" and h.is_last()
    assert list(h) == [None, "a", "b"] and h.done() == ["a", "b"]


def test_add_after_undo_drops_redo_branch() -> None:
    h: History[int] = History()
    for i in range(3):
        h.add(i)
    h.undo()
    h.undo()
    h.add(9)
    assert h.done() == [0, 9] and not h.can_redo and len(h) == 3
    h.clear()
    assert len(h) == 1 and not h.can_undo


def test_back_forward_aliases() -> None:
    h: History[int] = History()
    h.add(1)
    assert h.back() == 1 and h.forward() == 1


def test_update_info_access_eq_repr() -> None:
    up = UpdateInfo(description="merge", added=[np.int64(12)], deleted=[3, 7], spike_ids=[1, 2])
    assert up.added == [12] and type(up.added[0]) is int
    assert up["deleted"] == [3, 7] and up.get("nope", 1) == 1
    with pytest.raises(KeyError):
        up["nope"]
    d = dict(up)
    assert d["description"] == "merge" and d["spike_ids"].dtype == np.int64
    assert up == UpdateInfo(description="merge", added=[12], deleted=[3, 7], spike_ids=np.array([1, 2]))
    assert up != UpdateInfo(description="merge", added=[12], deleted=[3, 7], spike_ids=[1, 3])
    assert repr(up) == "<merge [3, 7] => [12]>"
    assert repr(UpdateInfo(description="metadata_group", history="undo", metadata_changed=[1],
                           metadata_value="good")) == "<metadata_group (undo) [1] => good>"
    assert repr(UpdateInfo()) == "<UpdateInfo>" and not UpdateInfo()


def test_combine_updates() -> None:
    a = UpdateInfo(description="merge", added=[5], deleted=[1, 2])
    b = UpdateInfo(description="metadata_group", metadata_changed=[5], metadata_value="good")
    up = combine_updates([b, a], "undo")
    assert up.description == "merge" and up.history == "undo" and up.metadata_changed == [5]
    assert combine_updates([None], "undo") is None
    # Live sessions: an undo may only shrink clusters (changed, nothing added/deleted);
    # its spike_ids must still win over the label part's.
    live = UpdateInfo(description="assign", changed=[5], spike_ids=[1, 2])
    assert combine_updates([b, live], "undo").spike_ids.tolist() == [1, 2]


def test_global_history_merge_with_inherited_labels() -> None:
    c = Clustering([0, 0, 1, 1, 2])
    m = ClusterMeta()
    m.add_field("group")
    m.from_dict({"group": {0: "good", 1: "good"}})
    gh = GlobalHistory()
    up = c.merge([0, 1])
    m.set_from_descendants(up.descendants, up.largest_old_cluster)
    gh.action(c, m)
    assert m.get("group", 3) == "good"
    m.set("group", [2], "noise")
    gh.action(m)
    (label,) = gh.undo()  # phy: the tuple of the parts' UpdateInfos
    assert label.description == "metadata_group"  # undo the label: the inherited one stays
    assert m.get("group", 3) == "good"
    ups = gh.undo()
    assert [u.history for u in ups] == ["undo", "undo"] and ups[1].metadata_changed == [3]
    u = combine_updates(ups, "undo")
    assert u.history == "undo" and u.added == [0, 1] and u.metadata_changed == [3]
    assert m.get("group", 3) is None
    r = combine_updates(gh.redo(), "redo")
    assert r.history == "redo" and r.added == [3] and m.get("group", 3) == "good"
    assert gh.redo()[0].description == "metadata_group" and gh.redo() == ()


def test_global_history_add_to_current_action() -> None:
    c = Clustering([0, 1])
    m = ClusterMeta()
    gh = GlobalHistory()
    c.merge([0, 1])
    gh.action(c)
    m.set("group", [2], "good")
    gh.add_to_current_action(m)
    gh.undo()
    assert m.get("group", 2) is None and c.n_clusters == 2
    assert gh.undo() == ()
