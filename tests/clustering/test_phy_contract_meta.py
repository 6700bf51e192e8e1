"""ClusterMeta against phy's own (``phy.cluster._utils.ClusterMeta``) as an oracle: same
values, accessors, ``to_dict``, UpdateInfos, events and ``undo_state`` for the same random
label changes, undos and redos; ``create_cluster_meta``; inheritance; tsv bytes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore import signals
from phycore.clustering import ClusterMeta, create_cluster_meta, read_cluster_tsv, write_cluster_tsv

from tests._phy_reference import phy_cluster_module

_phy = phy_cluster_module("_utils")
if _phy is None:
    pytest.skip("phy is not installed", allow_module_level=True)

from phylib.io.model import load_metadata, save_metadata  # noqa: E402  (phylib comes with phy)
from phylib.utils import event as phy_event  # noqa: E402

CLUSTERS = list(range(6))
FIELDS = {"group": None, "quality": 0, "note": ""}
#: Any value phy accepts: strings, numbers (older folders store numeric groups), None.
VALUES = st.one_of(st.sampled_from(["good", "mua", "noise", "unsorted", "a b"]), st.integers(-3, 3),
                   st.sampled_from([1.5, 2.0]), st.none())


def _pair() -> tuple[ClusterMeta, Any]:
    ours, theirs = ClusterMeta(), _phy.ClusterMeta()
    for f, d in FIELDS.items():
        ours.add_field(f, d)
        theirs.add_field(f, d)
    return ours, theirs


def _same_state(ours: ClusterMeta, theirs: Any) -> None:
    assert ours.fields == theirs.fields
    for f in theirs.fields:
        assert ours.to_dict(f) == theirs.to_dict(f), f
        assert ours.get(f, CLUSTERS) == theirs.get(f, CLUSTERS)
        assert getattr(ours, f)(CLUSTERS) == getattr(theirs, f)(CLUSTERS)  # per-field accessor
        assert getattr(ours, f)(3) == getattr(theirs, f)(3)


def _same_update(a: Any, b: Any) -> None:
    assert a.description == b.description and a.history == b.history
    assert a.metadata_changed == list(b.metadata_changed) and a.metadata_value == b.metadata_value
    assert a.added == b.added == [] and a.deleted == b.deleted == []
    # phy's redo hands back the UpdateInfo its undo filled in, stale undo_state included;
    # ours gives None on redo, as phy's Clustering does.
    assert a.undo_state == (None if b.history == "redo" else b.undo_state)


class _Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def request_undo_state(self, sender: Any, up: Any) -> tuple[Any, ...]:
        self.events.append("request_undo_state")
        return (up.description, tuple(up.metadata_changed), repr(up.metadata_value))

    def cluster(self, sender: Any, up: Any) -> None:
        self.events.append(f"cluster {up.description} {up.history}")


@settings(max_examples=100)
@given(data=st.data(), initial=st.dictionaries(st.sampled_from(CLUSTERS), VALUES, max_size=4))
def test_random_sequences_same_as_phy(data: st.DataObject, initial: dict[int, Any]) -> None:
    ours, theirs = _pair()
    ours.from_dict({c: {"group": v} for c, v in initial.items()})  # phy's layout
    theirs.from_dict({c: {"group": v} for c, v in initial.items()})
    rec_ours, rec_theirs = _Recorder(), _Recorder()
    for name in ("request_undo_state", "cluster"):
        signals.connect(getattr(rec_ours, name), event=name, sender=ours)
        phy_event.connect(getattr(rec_theirs, name), event=name, sender=theirs)
    try:
        _same_state(ours, theirs)
        for _ in range(data.draw(st.integers(1, 12))):
            n_ours, n_theirs = len(rec_ours.events), len(rec_theirs.events)
            op = data.draw(st.sampled_from(["set", "set", "set_one", "new_field", "undo", "redo"]))
            if op.startswith("set"):
                field = data.draw(st.sampled_from(ours.fields))
                value = data.draw(VALUES)
                clusters: Any = (data.draw(st.sampled_from(CLUSTERS)) if op == "set_one" else
                                 data.draw(st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=3, unique=True)))
                _same_update(ours.set(field, clusters, value), theirs.set(field, clusters, value))
            elif op == "new_field":  # set() adds an unknown field
                value = data.draw(VALUES)
                _same_update(ours.set("extra", [1], value), theirs.set("extra", [1], value))
            else:
                a, b = getattr(ours, op)(), getattr(theirs, op)()
                if b is None:
                    assert a is None
                else:
                    _same_update(a, b)
            _same_state(ours, theirs)
            new_ours, new_theirs = rec_ours.events[n_ours:], rec_theirs.events[n_theirs:]
            if op in ("undo", "redo"):
                # phy also asks for an undo state on every set its undo/redo replays, then
                # throws the answers away; ours does not ask.
                new_theirs = [e for e in new_theirs if e != "request_undo_state"]
            assert new_ours == new_theirs
    finally:
        phy_event.reset()


def test_unrecorded_set() -> None:
    """``add_to_stack=False``: no event, nothing to undo, in both. phy still asks for an
    undo state, and its undo of a later change loses the value (it replays from the
    loaded state: the inherited-labels defect); ours keeps it."""
    ours, theirs = _pair()
    seen_ours: list[Any] = []
    seen_theirs: list[Any] = []
    signals.connect(lambda sender, up: seen_ours.append(up), event="cluster")
    phy_event.connect(lambda sender, up: seen_theirs.append(up), event="cluster")
    try:
        for m in (ours, theirs):
            up = m.set("group", [0], "good", add_to_stack=False)
            assert up.description == "metadata_group" and m.undo() is None and m.group(0) == "good"
        assert seen_ours == seen_theirs == []
        for m in (ours, theirs):
            m.set("group", [1], "mua")
            m.undo()
        assert ours.group(0) == "good" and theirs.group(0) is None
    finally:
        phy_event.reset()


def test_undo_state_given_back_on_undo() -> None:
    ours, theirs = _pair()
    signals.connect(lambda sender, up: "ours-state", event="request_undo_state")
    phy_event.connect(lambda sender, up: "ours-state", event="request_undo_state")
    try:
        for m in (ours, theirs):
            assert m.set("group", [1], "good").undo_state is None
        a, b = ours.undo(), theirs.undo()
        assert a.undo_state == b.undo_state == ["ours-state"]
    finally:
        phy_event.reset()


def test_descriptions_are_phys() -> None:
    ours, theirs = _pair()
    assert ours.set("group", 2, "noise").description == theirs.set("group", 2, "noise").description == "metadata_group"
    assert ours.set("my_label", [2], 7).description == theirs.set("my_label", [2], 7).description == "metadata_my_label"
    assert repr(ours.undo()) == repr(theirs.undo()) == "<metadata_my_label (undo) [2] => 7>"


def test_numeric_groups_are_accepted() -> None:
    ours, theirs = _pair()
    for m in (ours, theirs):
        m.set("group", [4, 2], 2)
        m.set("group", [5], 1.5)
    assert ours.group([4, 2, 5]) == theirs.group([4, 2, 5]) == [2, 2, 1.5]


@settings(max_examples=150)
@given(data=st.data())
def test_set_from_descendants_same_as_phy(data: st.DataObject) -> None:
    """phy's rule (phy does not record it on its undo stack: ours does, see docs)."""
    ours, theirs = _pair()
    parents = data.draw(st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=4, unique=True))
    children = data.draw(st.lists(st.integers(10, 13), min_size=1, max_size=3, unique=True))
    labels = {c: {f: data.draw(VALUES) for f in data.draw(st.sets(st.sampled_from(sorted(FIELDS))))}
              for c in parents + children}
    ours.from_dict(labels)
    theirs.from_dict(labels)
    descendants = [(p, data.draw(st.sampled_from(children))) for p in parents]
    largest = data.draw(st.sampled_from(parents))
    up = ours.set_from_descendants(descendants, largest_old_cluster=largest)
    theirs.set_from_descendants(descendants, largest_old_cluster=largest)
    for f in FIELDS:
        assert ours.get(f, children) == theirs.get(f, children), f
        assert ours.get(f, parents) == theirs.get(f, parents), f
    assert set(up.metadata_changed) <= set(children)
    assert up.description == "metadata" or up.description.startswith("metadata_")


def test_create_cluster_meta_same_as_phy() -> None:
    groups = {0: "good", 3: "mua", 7: 2, 9: None}
    ours, theirs = create_cluster_meta(groups), _phy.create_cluster_meta(groups)
    assert ours.fields == theirs.fields == ["group"]
    assert ours.to_dict("group") == theirs.to_dict("group")
    assert ours.group([0, 3, 7, 9, 12]) == theirs.group([0, 3, 7, 9, 12])
    assert create_cluster_meta(None).to_dict("group") == _phy.create_cluster_meta(None).to_dict("group") == {}


def test_from_dict_both_layouts() -> None:
    a, b = ClusterMeta(), ClusterMeta()
    a.from_dict({1: {"group": "good", "q": 2}, 4: {"q": 3}})  # phy's {cluster: {field: value}}
    b.from_dict({"group": {1: "good"}, "q": {1: 2, 4: 3}})  # read_cluster_tsv's {field: {cluster: value}}
    assert a.fields == b.fields == ["group", "q"]
    assert all(a.to_dict(f) == b.to_dict(f) for f in a.fields)


def test_tsv_written_as_phy_writes_it(tmp_path: Any) -> None:
    """phy's Supervisor saves ``{id: value}`` without Nones through phylib's save_metadata;
    numbers (older folders) come back as the same numbers."""
    ours, theirs = _pair()
    for m in (ours, theirs):
        m.from_dict({0: {"group": "good"}, 3: {"group": 2}, 5: {"group": 1.5}, 8: {"group": None},
                     11: {"group": np.int64(4)}, 12: {"group": -1}})
    values = {c: v for c, v in theirs.to_dict("group").items() if v is not None}
    save_metadata(tmp_path / "cluster_group.tsv", "group", values)
    text = (tmp_path / "cluster_group.tsv").read_bytes()
    assert ours.to_tsv("group").encode() == text == write_cluster_tsv("group", values).encode()
    back = read_cluster_tsv(text.decode())["group"]
    assert back == load_metadata(tmp_path / "cluster_group.tsv")["group"] == values
    assert [type(back[c]) for c in (0, 3, 5, 11)] == [str, int, float, int]
    again = ClusterMeta()
    again.from_tsv(text.decode())
    assert again.to_tsv("group").encode() == text
