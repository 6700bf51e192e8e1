"""Random sessions of actions, saves, clean reopens and crashes: what reopens is what was done.

A crash is modelled by copying the folder while the session is still running (or, for a
crash inside ``save()``, at the k-th file operation of the save): the copy holds exactly
the files a killed process would leave, and its OS lock is free, as after a kill. The copy
is then opened as the next session would open it:

- ``recover=True`` after a crash (or after a clean close, the journal stays) gives the
  state after the last action, labels included;
- ``recover=False`` gives the state at the last completed save;
- the session goes on from the reopened folder, so crashes and saves interleave freely.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from phycore import TemplateController
from phycore.model.synthetic import make_dataset

Snapshot = tuple[bytes, dict[str, dict[int, Any]]]
_SAVE_OPS = ("open", "fsync", "link", "replace", "rename", "unlink")
_SOURCE: list[Path] = []


def _source() -> Path:
    """One small folder for every example (made on first use, removed at exit by tmp)."""
    if not _SOURCE:
        d = Path(tempfile.mkdtemp(prefix="phycore-machine-")) / "source"
        make_dataset(d, n_spikes=1500, n_channels=8, n_templates=5, duration=3.0, raw=False, seed=5)
        _SOURCE.append(d)
    return _SOURCE[0]


def _snapshot(c: TemplateController) -> Snapshot:
    s = c.supervisor
    labels = {f: {int(k): v for k, v in s.get_labels(f).items() if v is not None} for f in s.fields}
    return s.clustering.spike_clusters.tobytes(), labels


class SaveReopenMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="phycore-session-"))
        self.names = itertools.count()
        self.folder = self.root / "s0"
        shutil.copytree(_source(), self.folder)
        self.c: TemplateController | None = TemplateController(self.folder, metrics=False)
        self.saved = self.done = _snapshot(self.c)
        self.n_reopens = 0

    # Curation -----------------------------------------------------------------------

    def _ids(self) -> list[int]:
        assert self.c is not None
        return [int(i) for i in self.c.supervisor.clustering.cluster_ids]

    def _after_action(self) -> None:
        assert self.c is not None
        self.done = _snapshot(self.c)

    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        ids = self._ids()
        if len(ids) < 2:
            return
        pair = data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        assert self.c is not None
        self.c.supervisor.merge(*pair)
        self._after_action()

    @rule(data=st.data())
    def split(self, data: st.DataObject) -> None:
        assert self.c is not None
        cid = data.draw(st.sampled_from(self._ids()))
        spikes = self.c.supervisor.clustering.spikes_in_clusters([cid])
        step = data.draw(st.integers(2, 5))
        if len(spikes) >= step:
            self.c.supervisor.split(spikes[::step])
            self._after_action()

    @rule(data=st.data(), field=st.sampled_from(["group", "quality"]),
          value=st.sampled_from(["good", "mua", "noise", "é-ok", "a b"]))
    def label(self, data: st.DataObject, field: str, value: str) -> None:
        assert self.c is not None
        ids = data.draw(st.lists(st.sampled_from(self._ids()), min_size=1, max_size=3, unique=True))
        self.c.supervisor.label(field, value, cluster_ids=ids)
        self._after_action()

    @rule()
    def undo(self) -> None:
        assert self.c is not None
        self.c.supervisor.undo()
        self._after_action()

    @rule()
    def redo(self) -> None:
        assert self.c is not None
        self.c.supervisor.redo()
        self._after_action()

    # Saving, closing, crashing ------------------------------------------------------

    @rule()
    def save(self) -> None:
        assert self.c is not None
        self.c.save()
        self.saved = self.done

    @rule(recover=st.booleans())
    def close_and_reopen(self, recover: bool) -> None:
        assert self.c is not None
        self.c.close()
        self._reopen(self.folder, recover)

    @rule(recover=st.booleans())
    def crash(self, recover: bool) -> None:
        copy = self._copy()
        self._abandon()
        self._reopen(copy, recover)

    @rule(k=st.integers(1, 40), recover=st.booleans())
    def crash_inside_save(self, k: int, recover: bool) -> None:
        """Copy the folder just before the k-th file operation of a save (if it has one)."""
        assert self.c is not None
        copy: list[Path] = []
        calls = [0]
        real = {name: getattr(os, name) for name in _SAVE_OPS}

        def patched(name: str) -> Any:
            def op(*args: Any, **kwargs: Any) -> Any:
                calls[0] += 1
                if calls[0] == k and not copy:
                    with _unpatched(real):
                        copy.append(self._copy())
                return real[name](*args, **kwargs)
            return op

        try:
            for name in _SAVE_OPS:
                setattr(os, name, patched(name))
            self.c.save()
        finally:
            for name, fn in real.items():
                setattr(os, name, fn)
        if not copy:  # the save had fewer than k operations: it completed
            self.saved = self.done
            return
        # The killed save may or may not have committed: either way the last action is
        # recovered, and without recovery the folder is at one of the two saves.
        self._abandon()
        before = self.saved
        self._reopen(copy[0], recover, saved_candidates=(before, self.done))

    def _copy(self) -> Path:
        dest = self.root / f"s{next(self.names) + 1}"
        shutil.copytree(self.folder, dest)
        return dest

    def _abandon(self) -> None:
        """The crashed session: its folder is not used again; free its resources."""
        assert self.c is not None
        self.c.close()
        self.c = None

    def _reopen(self, folder: Path, recover: bool,
                saved_candidates: tuple[Snapshot, ...] | None = None) -> None:
        self.folder = folder
        self.c = TemplateController(folder, metrics=False, recover=recover)
        self.n_reopens += 1
        got = _snapshot(self.c)
        if recover:
            assert got == self.done
        else:
            candidates = saved_candidates or (self.saved,)
            assert got in candidates
            self.done = got
        self.saved = _snapshot_on_disk(self.c) if saved_candidates else self.saved
        leftovers = [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")
                     or p.name == "save-commit.json"]
        assert leftovers == []

    @invariant()
    def session_usable(self) -> None:
        if getattr(self, "c", None) is not None:
            assert self.c.supervisor.cluster_table.visible_ids is not None

    def teardown(self) -> None:
        if getattr(self, "c", None) is not None:
            self.c.close()
        if hasattr(self, "root"):
            shutil.rmtree(self.root, ignore_errors=True)


class _unpatched:
    """Restore the real ``os`` functions for the duration of the block (the copy itself)."""

    def __init__(self, real: dict[str, Any]) -> None:
        self.real = real

    def __enter__(self) -> None:
        self.patched = {name: getattr(os, name) for name in self.real}
        for name, fn in self.real.items():
            setattr(os, name, fn)

    def __exit__(self, *exc: Any) -> None:
        for name, fn in self.patched.items():
            setattr(os, name, fn)


def _snapshot_on_disk(c: TemplateController) -> Snapshot:
    """What a reopen with ``recover=False`` would give: the files as saved."""
    assert c.dir_path is not None
    probe = TemplateController(c.dir_path, metrics=False, read_only=True, recover=False)
    try:
        return _snapshot(probe)
    finally:
        probe.close()


SaveReopenMachine.TestCase.settings = settings(settings(), stateful_step_count=12)
TestSaveReopenMachine = SaveReopenMachine.TestCase
