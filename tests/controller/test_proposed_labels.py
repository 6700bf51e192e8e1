"""Labels proposed from outside a session (.phy/proposed_labels.json): applied by the next
writable open as one action, only on the clustering they were made for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from phycore.controller import TemplateController
from phycore.controller.proposed_labels import read_proposed_labels, write_proposed_labels
from tests._folders import fresh_copy, small_folder


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "proposed_labels")


def _open(folder: Path) -> TemplateController:
    return TemplateController(folder, metrics=False)


def test_only_the_proposed_fields_change_and_one_undo_removes_them(source: Path, tmp_path: Path) -> None:
    folder = fresh_copy(source, tmp_path)
    c = _open(folder)
    ids = c.supervisor.clustering.cluster_ids.tolist()
    c.supervisor.label("note", "keep me", [ids[0]])
    c.supervisor.save()
    group = c.supervisor.get_labels("group")  # what the batch saw
    c.close()
    sc = np.load(folder / "spike_clusters.npy")
    write_proposed_labels(folder / ".phy", {"group": {ids[0]: "noise", ids[1]: "mua"}, "score": {ids[0]: "low"},
                                            "empty": {}}, sc, rules=["r"],
                          seen={"group": {ids[0]: group[ids[0]], ids[1]: group[ids[1]]}})
    assert read_proposed_labels(folder / ".phy")["labels"] == {"group": {ids[0]: "noise", ids[1]: "mua"},
                                                               "score": {ids[0]: "low"}}
    c = _open(folder)
    try:
        sup = c.supervisor
        assert sup.get_labels("group")[ids[0]] == "noise" and sup.get_labels("group")[ids[1]] == "mua"
        assert sup.get_labels("score")[ids[0]] == "low" and sup.get_labels("note")[ids[0]] == "keep me"
        sup.undo()
        assert sup.get_labels("group")[ids[0]] is None and sup.get_labels("note")[ids[0]] == "keep me"
        assert not sup.can_undo
    finally:
        c.close()


def test_a_proposal_for_another_clustering_is_set_aside(source: Path, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    folder = fresh_copy(source, tmp_path)
    sc = np.load(folder / "spike_clusters.npy")
    cid = int(sc[0])
    write_proposed_labels(folder / ".phy", {"group": {cid: "noise"}}, sc + 1)  # not this folder's clustering
    c = _open(folder)
    try:
        assert not c.supervisor.can_undo and c.supervisor.get_labels("group")[cid] != "noise"
    finally:
        c.close()
    assert (folder / ".phy" / "proposed_labels.stale.json").exists()
    assert "made for another clustering" in caplog.text


def test_an_unreadable_proposal_does_not_stop_the_folder_from_opening(source: Path, tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    folder = fresh_copy(source, tmp_path)
    (folder / ".phy").mkdir(exist_ok=True)
    (folder / ".phy" / "proposed_labels.json").write_text(json.dumps({"version": 99}))
    c = _open(folder)
    c.close()
    assert (folder / ".phy" / "proposed_labels.unreadable.json").exists()
    assert "Label proposal not applied" in caplog.text


def test_no_labels_removes_a_previous_proposal(tmp_path: Path) -> None:
    assert write_proposed_labels(tmp_path, {"group": {1: "noise"}}, [1, 1]) == tmp_path / "proposed_labels.json"
    assert write_proposed_labels(tmp_path, {"group": {}}, [1, 1]) is None
    assert read_proposed_labels(tmp_path) is None


def test_a_label_the_curator_saved_since_the_batch_is_kept(source: Path, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    # The curator's session is open while the batch runs; they label a unit and save:
    # labels only, so spike_clusters.npy (the proposal's staleness check) is unchanged.
    folder = fresh_copy(source, tmp_path)
    curator = _open(folder)
    a, b = [c for c, g in curator.supervisor.get_labels("group").items() if g in (None, "unsorted")][:2]
    write_proposed_labels(folder / ".phy", {"group": {a: "noise", b: "noise"}}, np.load(folder / "spike_clusters.npy"),
                          seen={"group": {a: None, b: "unsorted"}})  # "unsorted" is no label
    curator.supervisor.label("group", "good", [a])
    curator.save()
    curator.close()
    # Not the proposal that session applied: its save leaves it.
    assert (folder / ".phy" / "proposed_labels.json").exists()
    c = _open(folder)
    try:
        assert c.supervisor.get_labels("group")[a] == "good"  # the curator's decision stands
        assert c.supervisor.get_labels("group")[b] == "noise"
    finally:
        c.close()
    assert "changed since the batch ran" in caplog.text and f"group of {a}: 'good'" in caplog.text


def test_a_proposal_made_with_overwrite_replaces_labels_changed_since(source: Path, tmp_path: Path) -> None:
    folder = fresh_copy(source, tmp_path)
    c = _open(folder)
    a = c.supervisor.clustering.cluster_ids.tolist()[0]
    c.supervisor.label("group", "good", [a])
    c.save()
    c.close()
    write_proposed_labels(folder / ".phy", {"group": {a: "noise"}}, np.load(folder / "spike_clusters.npy"),
                          seen={"group": {a: "mua"}}, overwrite=True)
    c = _open(folder)
    try:
        assert c.supervisor.get_labels("group")[a] == "noise"
    finally:
        c.close()


def test_the_proposal_is_kept_until_a_save_includes_it(source: Path, tmp_path: Path) -> None:
    # A script opens the folder for writing and never saves: the labels are not lost.
    folder = fresh_copy(source, tmp_path)
    sc = np.load(folder / "spike_clusters.npy")
    cid = int(sc[0])
    c = TemplateController(folder, metrics=False, read_only=True)
    before = c.supervisor.get_labels("group")[cid]
    c.close()
    assert before != "noise"
    write_proposed_labels(folder / ".phy", {"group": {cid: "noise"}}, sc, seen={"group": {cid: before}})
    proposal = folder / ".phy" / "proposed_labels.json"
    for _ in range(2):
        c = _open(folder)
        try:
            assert c.supervisor.get_labels("group")[cid] == "noise" and c.supervisor.can_undo
        finally:
            c.close()  # no save
        assert proposal.exists() and not (folder / ".phy" / "proposed_labels.applied.json").exists()
    c = _open(folder)
    try:
        c.supervisor.undo()  # reviewed and rejected: the save uses the proposal up all the same
        c.save()
    finally:
        c.close()
    assert not proposal.exists() and (folder / ".phy" / "proposed_labels.applied.json").exists()
    c = _open(folder)
    try:
        assert not c.supervisor.can_undo and c.supervisor.get_labels("group")[cid] == before
    finally:
        c.close()
