"""Undo and redo of actions older than the last save survive a crash.

The journal restarts at each save, so it cannot replay ``undo`` of an action made before
it: such an undo (or redo) is journaled as its effect. Found by the save/reopen state
machine (tests/property/test_save_reopen_machine.py): merge, save, undo, crash, recover
gave the merged state back.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("journal-saves")
    make_dataset(d, n_spikes=1500, n_channels=8, n_templates=5, duration=3.0, raw=False, seed=5)
    return d


def _state(c: TemplateController) -> tuple[list[int], dict[str, dict[int, Any]]]:
    s = c.supervisor
    return (s.clustering.spike_clusters.tolist(),
            {f: {k: v for k, v in s.get_labels(f).items() if v is not None} for f in s.fields})


def _crash_and_recover(c: TemplateController, tmp_path: Path) -> TemplateController:
    """The files a killed session leaves, opened by the next session with recovery."""
    copy = tmp_path / "after-crash"
    assert c.dir_path is not None
    shutil.copytree(c.dir_path, copy)
    c.close()
    return TemplateController(copy, metrics=False, recover=True)


def test_undo_of_a_saved_merge_is_recovered(source: Path, tmp_path: Path) -> None:
    c = TemplateController(shutil.copytree(source, tmp_path / "data"), metrics=False)
    s = c.supervisor
    ids = s.cluster_table.visible_ids
    s.label("group", "good", cluster_ids=[ids[0]])
    s.merge(ids[0], ids[1])  # the merged cluster inherits "good"
    c.save()
    s.undo()
    expected = _state(c)
    assert expected[1]["group"][ids[0]] == "good"
    r = _crash_and_recover(c, tmp_path)
    try:
        assert _state(r) == expected
        # The recovered undo is itself undoable: back to the saved merge.
        r.supervisor.undo()
        assert ids[0] not in r.supervisor.clustering.spike_counts
    finally:
        r.close()


def test_undo_then_redo_across_saves_and_new_actions(source: Path, tmp_path: Path) -> None:
    c = TemplateController(shutil.copytree(source, tmp_path / "data"), metrics=False)
    s = c.supervisor
    ids = s.cluster_table.visible_ids
    new = s.merge(ids[0], ids[1]).added[0]
    s.split(s.clustering.spikes_in_clusters([new])[::2])
    s.label("quality", "é", cluster_ids=[ids[2]])
    c.save()
    s.undo()          # the label (saved): by its effect
    s.undo()          # the split (saved): by its effect
    s.label("group", "mua", cluster_ids=[ids[3]])  # a new action, journaled by name
    s.undo()          # ... and its undo, by name
    s.redo()
    c.save()
    s.undo()          # the label made after the first save, now saved too: by effect
    s.merge(ids[2], ids[3])
    expected = _state(c)
    r = _crash_and_recover(c, tmp_path)
    try:
        assert _state(r) == expected
    finally:
        r.close()


def test_restore_refuses_partial_clusters(source: Path, tmp_path: Path) -> None:
    c = TemplateController(shutil.copytree(source, tmp_path / "data"), metrics=False)
    try:
        cl = c.supervisor.clustering
        cid = int(cl.cluster_ids[0])
        spikes = cl.spikes_in_clusters([cid])
        with pytest.raises(ValueError, match="whole clusters"):
            cl.restore(spikes[:-1], np.full(len(spikes) - 1, 10**6))
        other = int(cl.cluster_ids[1])
        with pytest.raises(ValueError, match="hold other spikes"):
            cl.restore(spikes, np.full(len(spikes), other))
    finally:
        c.close()
