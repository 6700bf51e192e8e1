"""Cluster ids are never reused across sessions, with one fsync per action.

A session with a crash journal writes the id counter file only on close: the journal
entry of each action (fsynced before the action returns) records the counter after it.
These tests take the files a session left when it crashed after its actions (the counter
file as it was before them, or deleted), and check that the next session, whatever it
does with the journal, never hands out an id the first one handed out.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.clustering import NEW_CLUSTER_ID_FILE
from phycore.model.synthetic import make_dataset
from phycore.supervisor import Journal


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("counter-crash")
    make_dataset(d, n_spikes=1500, n_channels=8, n_templates=6, duration=3.0, raw=False, seed=7)
    return d


def _counter_file(folder: Path) -> Path:
    return folder / ".phy" / NEW_CLUSTER_ID_FILE


def _stored(folder: Path) -> int:
    """The stored counter, -1 when there is no counter file."""
    path = _counter_file(folder)
    return int(json.loads(path.read_text())["new_cluster_id"]) if path.exists() else -1


def _session_with_actions(source: Path, tmp_path: Path) -> tuple[TemplateController, int, set[int]]:
    """A session that merged and split; returns it, the counter before, and the new ids."""
    c = TemplateController(shutil.copytree(source, tmp_path / "data"), metrics=False)
    s = c.supervisor
    start = s.clustering.new_cluster_id()
    ids = s.cluster_table.visible_ids
    handed: set[int] = set(s.merge(ids[0], ids[1]).added)
    up = s.split(s.clustering.spikes_in_clusters([ids[2], ids[3]])[::3])
    assert up is not None
    handed |= set(up.added)
    assert min(handed) >= start
    return c, start, handed


def _crash(c: TemplateController, tmp_path: Path, counter: int | None) -> Path:
    """The folder as a crash leaves it, with the counter file at ``counter`` (None: no file)."""
    assert c.dir_path is not None
    copy = tmp_path / "after-crash"
    shutil.copytree(c.dir_path, copy)
    c.close()
    if counter is None:
        _counter_file(copy).unlink(missing_ok=True)
    else:
        _counter_file(copy).write_text(json.dumps({"new_cluster_id": counter}))
    return copy


@pytest.mark.parametrize("recover", [True, False, None])
@pytest.mark.parametrize("lost", ["stale", "missing"])
def test_no_id_reuse_after_a_crash_before_the_counter_write(source: Path, tmp_path: Path,
                                                            recover: bool | None, lost: str) -> None:
    c, start, handed = _session_with_actions(source, tmp_path)
    folder = _crash(c, tmp_path, start if lost == "stale" else None)
    r = TemplateController(folder, metrics=False, recover=recover)
    try:
        # Stored durably at start, before the journal was replayed, set aside or discarded:
        # a second crash right now loses nothing either.
        assert _stored(folder) > max(handed)
        s = r.supervisor
        if recover:  # the replayed actions recreate the first session's ids
            assert handed <= set(s.clustering.cluster_ids.tolist())
        assert s.clustering.new_cluster_id() > max(handed)
        ids = s.cluster_table.visible_ids
        new = s.merge(ids[0], ids[1]).added
        assert not set(new) & handed
    finally:
        r.close()


def test_a_set_aside_journal_keeps_its_ids_reserved(source: Path, tmp_path: Path) -> None:
    """recover=None keeps the journal aside; a third session, reading only the counter
    file, still never reuses the ids of the set-aside actions."""
    c, start, handed = _session_with_actions(source, tmp_path)
    folder = _crash(c, tmp_path, start)
    TemplateController(folder, metrics=False, recover=None).close()
    assert list((folder / ".phy").glob("journal.jsonl.unrecovered-*"))
    third = TemplateController(folder, metrics=False, recover=False)
    try:
        assert third.supervisor.clustering.new_cluster_id() > max(handed)
    finally:
        third.close()


def test_each_action_makes_one_fsync(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal's append is the only fsync of an action (the counter file is written on
    close); each journal entry records the counter after its action."""
    c = TemplateController(shutil.copytree(source, tmp_path / "data"), metrics=False)
    assert c.dir_path is not None
    calls: list[Any] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    try:
        s = c.supervisor
        ids = s.cluster_table.visible_ids
        counts = []
        for action in (lambda: s.merge(ids[0], ids[1]),
                       lambda: s.split(np.asarray(s.clustering.spikes_in_clusters([ids[2]])[::2])),
                       s.undo, s.redo, lambda: s.label("group", "good", cluster_ids=[ids[3]])):
            n = len(calls)
            action()
            counts.append(len(calls) - n)
            assert c.journal is not None and Journal.id_floor(c.journal.path) == s.clustering.new_cluster_id()
        assert counts == [1, 1, 1, 1, 1]
        assert _stored(c.dir_path) < s.clustering.new_cluster_id()  # not written per action
    finally:
        c.close()
    assert _stored(c.dir_path) == s.clustering.new_cluster_id()  # written on close


def test_without_a_journal_the_counter_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Supervisor with a state folder but no journal keeps the counter durable itself."""
    from phycore.supervisor import Supervisor

    calls: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    s = Supervisor(np.array([0, 0, 1, 1, 2]), state_dir=tmp_path)
    s.merge([0, 1])
    assert json.loads((tmp_path / NEW_CLUSTER_ID_FILE).read_text())["new_cluster_id"] == 4
    assert len(calls) >= 1
