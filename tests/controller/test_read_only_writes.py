"""A read-only session writes nothing inside its data folder: no cache, no GUI state, no journal."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from phycore import TemplateController
from phycore.paths import fallback_phy_dir, user_dir
from phycore.state import load_state
from tests._folders import fresh_copy, small_folder


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "read-only-writes")


def _tree(d: Path) -> dict[str, str]:
    """SHA-1 of every file under ``d`` (``.phy`` included), and every folder, by relative path."""
    return {p.relative_to(d).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(d.rglob("*"))}


def _curate_and_close(c: TemplateController, data: Path) -> None:
    """What a user does in a session, then its GUI state saved as phygui does on quit."""
    s = c.supervisor
    ids = s.cluster_table.visible_ids
    s.select(ids[0], ids[1])
    for cid in ids[:3]:
        c.get_waveforms(cid), c.get_features(cid), c.get_amplitudes(cid), c.get_template_waveforms(cid)
    c.get_correlograms(ids[:2])
    c.get_traces(0.0, 0.5)
    s.merge(ids[0], ids[1])
    s.label("quality", "good", [ids[2]])
    s.move("noise", [ids[3]])
    c.split_init(s.clustering.cluster_ids[0])
    s.undo()
    state = load_state("TemplateGUI", data, local_keys=["ClusterView.selected"], read_only=c.read_only)
    state["ClusterView"] = {"selected": ids[:1], "current_sort": ["fr", "desc"]}
    state.save()
    c.close()


@pytest.mark.parametrize("read_only", [None, True], ids=["lock-held", "forced"])
def test_read_only_session_leaves_the_folder_untouched(source: Path, tmp_path: Path,
                                                      read_only: bool | None) -> None:
    data = fresh_copy(source, tmp_path)
    first = TemplateController(data / "params.py", metrics=False)  # holds the lock
    try:
        first.supervisor.merge(*first.supervisor.cluster_table.visible_ids[:2])  # its journal is in .phy
        before = _tree(data)
        c = TemplateController(data / "params.py", read_only=read_only)  # metrics computed: cache work
        c.wait()
        assert c.read_only and c.phy_dir == fallback_phy_dir(data)
        _curate_and_close(c, data)
        assert _tree(data) == before
        # The GUI state still goes to the user directory.
        saved = json.loads((user_dir() / "TemplateGUI" / "state.json").read_text())
        assert saved["ClusterView"]["current_sort"] == ["fr", "desc"]
        assert first.lock is not None and first.lock.held and first.save()
    finally:
        first.close()


def test_forced_read_only_session_creates_no_phy_folder(source: Path, tmp_path: Path) -> None:
    data = fresh_copy(source, tmp_path)
    assert not (data / ".phy").exists()
    before = _tree(data)
    c = TemplateController(data / "params.py", read_only=True, metrics=False)
    _curate_and_close(c, data)
    assert _tree(data) == before and not (data / ".phy").exists()


def test_read_only_state_reads_the_local_file_without_writing_it(source: Path, tmp_path: Path) -> None:
    data = fresh_copy(source, tmp_path)
    (data / ".phy").mkdir()
    local = data / ".phy" / "state.json"
    local.write_text(json.dumps({"ClusterView": {"selected": [3]}}))
    stamp = local.stat().st_mtime_ns
    state = load_state("TemplateGUI", data, local_keys=["ClusterView.selected"], read_only=True)
    assert state.get_view_state("ClusterView")["selected"] == [3]
    state["ClusterView"]["selected"] = [4]
    assert state.save() == [user_dir() / "TemplateGUI" / "state.json"]
    assert json.loads(local.read_text()) == {"ClusterView": {"selected": [3]}} and local.stat().st_mtime_ns == stamp
    # A corrupt local file is reported, not moved aside, in a read-only session.
    local.write_text("{not json")
    load_state("TemplateGUI", data, read_only=True)
    assert local.read_text() == "{not json" and os.listdir(data / ".phy") == ["state.json"]
