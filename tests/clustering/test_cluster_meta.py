"""ClusterMeta: fields, set/get, inheritance, undo/redo, tsv content (phy bytes)."""

from __future__ import annotations

import importlib.util

import pytest

import phycore
from phycore.clustering import ClusterMeta, read_cluster_tsv, write_cluster_tsv
from phycore.errors import ActionError, ClusterIdError, DataFormatError
from phycore.signals import connect


@pytest.fixture
def m() -> ClusterMeta:
    meta = ClusterMeta()
    meta.add_field("group")
    meta.add_field("quality", default_value=0)
    return meta


def test_export() -> None:
    assert phycore.ClusterMeta is ClusterMeta


def test_fields_get_set(m: ClusterMeta) -> None:
    events = []
    connect(lambda s, up: events.append((s, up)), event="cluster")
    assert m.fields == ["group", "quality"]
    assert m.get("group", 3) is None and m.get("quality", 3) == 0
    up = m.set("group", [3, 4], "good")
    assert up.description == "metadata_group" and up.metadata_changed == [3, 4] and up.metadata_value == "good"
    assert m.get("group", [3, 4, 5]) == ["good", "good", None]
    assert events == [(m, up)]
    m.set("label", 7, "x")  # unknown field is added
    assert "label" in m.fields and m.get("label", 7) == "x"
    # phy: every cluster with a value in any field (7 has only "label": the default).
    assert m.to_dict("group") == {3: "good", 4: "good", 7: None}


def test_set_without_stack(m: ClusterMeta) -> None:
    events = []
    connect(lambda s, up: events.append(up), event="cluster")
    m.set("group", [1], "mua", add_to_stack=False)
    assert events == [] and not m.can_undo and m.get("group", 1) == "mua"


def test_undo_redo(m: ClusterMeta) -> None:
    m.from_dict({"group": {1: "good"}})
    m.set("group", [1, 2], "noise")
    m.set("group", [2], "mua")
    u = m.undo()
    assert u.history == "undo" and m.get("group", 2) == "noise"
    m.undo()
    assert m.get("group", 1) == "good" and m.get("group", 2) is None
    assert m.undo() is None
    assert m.redo().history == "redo" and m.get("group", 1) == "noise"
    m.redo()
    assert m.get("group", 2) == "mua" and m.redo() is None


@pytest.mark.parametrize("groups, largest, expected", [
    ({1: "good", 2: "good"}, 1, "good"),
    ({1: "good"}, 2, "good"),
    ({1: "good", 2: "mua"}, 2, "mua"),
    ({1: "good", 2: "mua"}, None, "good"),
    ({1: "good", 3: "mua"}, 2, None),  # conflict, largest parent unlabelled: nothing
    ({}, 1, None),
])
def test_set_from_descendants(m: ClusterMeta, groups, largest, expected) -> None:
    m.from_dict({"group": groups})
    up = m.set_from_descendants([(1, 10), (2, 10), (3, 10)], largest_old_cluster=largest)
    assert m.get("group", 10) == expected
    assert up.metadata_changed == ([10] if expected else [])
    assert m.can_undo == bool(expected)


def test_inheritance_keeps_existing_child_value(m: ClusterMeta) -> None:
    m.from_dict({"group": {1: "good", 10: "noise"}})
    m.set_from_descendants([(1, 10), (1, 11)], 1)
    assert m.get("group", 10) == "noise" and m.get("group", 11) == "good"


def test_inherited_labels_survive_undo_of_later_change(m: ClusterMeta) -> None:
    """phy loses them (it replays from the loaded state): parity.md §9."""
    m.from_dict({"group": {1: "good"}, "quality": {1: 5}})
    m.set_from_descendants([(1, 10), (1, 11)], 1)
    m.set("group", [11], "noise")
    m.undo()
    assert m.get("group", 10) == "good" and m.get("quality", 11) == 5
    m.undo()
    assert m.get("group", 10) is None and m.get("quality", 11) == 0


def test_bad_input(m: ClusterMeta) -> None:
    m.set("group", [1], "good")
    with pytest.raises(ClusterIdError) as e:
        m.set("group", [1.5], "good")
    assert "cluster_ids" in str(e.value)
    with pytest.raises(ClusterIdError):
        m.set("group", "12", "good")
    with pytest.raises(ActionError) as e:
        m.get("nope", 1)
    assert e.value.argument == "field"
    assert m.get("group", 1) == "good" and m.history.current_position == 1


def test_numeric_group_accepted(m: ClusterMeta) -> None:
    """Older folders store numeric groups; phy accepts any value."""
    up = m.set("group", [1], 3)
    assert up.metadata_value == 3 and m.group(1) == 3 and m.to_tsv("group") == "cluster_id\tgroup\r\n1\t3\r\n"
    m.undo()
    assert m.group(1) is None


def test_tsv_roundtrip_and_phy_bytes(m: ClusterMeta) -> None:
    m.from_dict({"group": {10: "good", 2: "mua", 3: None}})
    text = m.to_tsv("group")
    assert text == "cluster_id\tgroup\r\n2\tmua\r\n10\tgood\r\n"
    m2 = ClusterMeta()
    assert m2.from_tsv(text) == ["group"]
    assert m2.to_dict("group") == {2: "mua", 10: "good"}


def test_tsv_matches_phylib_writer(tmp_path) -> None:
    if importlib.util.find_spec("phylib") is None:
        pytest.skip("phylib not installed")
    from phylib.io.model import load_metadata, save_metadata

    values = {0: "good", 5: 1.5, 12: "a b", 3: 7}
    save_metadata(tmp_path / "cluster_x.tsv", "x", values)
    assert (tmp_path / "cluster_x.tsv").read_bytes() == write_cluster_tsv("x", values).encode()
    (tmp_path / "cluster_y.csv").write_text("cluster_id,y,z\n1,2.5,\n2,abc,3\n")
    assert read_cluster_tsv((tmp_path / "cluster_y.csv").read_text()) == {
        k: v for k, v in load_metadata(tmp_path / "cluster_y.csv").items()}


def test_tsv_parsing_errors() -> None:
    assert read_cluster_tsv("") == {}
    with pytest.raises(DataFormatError):
        read_cluster_tsv("id\tgroup\n1\tgood\n")
    with pytest.raises(DataFormatError) as e:
        read_cluster_tsv("cluster_id\tgroup\nx\tgood\n", path="cluster_group.tsv")
    assert "cluster_group.tsv" in str(e.value)
