"""The folder lock (``phycore.controller.folder_lock``) and read-only sessions: two
sessions on one folder must not clobber each other's journal, ids or saved files."""

from __future__ import annotations

import gc
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from phycore import TemplateController, TemplateModel, load_model
from phycore.controller.folder_lock import LOCK_NAME, FolderLock, LockOwner, read_owner
from phycore.errors import FolderLockedError, PhyCoreError
from phycore.model.synthetic import make_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(make_dataset(tmp_path / "data", n_spikes=4000, n_channels=16, n_templates=8,
                             duration=4.0, raw=False, seed=3)).parent


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    assert proc.wait() == 0
    return proc.pid  # reaped: no process has this pid now (pids are not reused this fast)


def _snapshot(dir_path: Path) -> dict[str, bytes]:
    return {p.relative_to(dir_path).as_posix(): p.read_bytes() for p in sorted(dir_path.rglob("*"))
            if p.is_file() and LOCK_NAME not in p.name and "cache" not in p.parts}


# The lock itself ----------------------------------------------------------------------

def test_lock_writes_its_owner_and_excludes_a_second_holder(tmp_path: Path) -> None:
    first, second = FolderLock(tmp_path, "/data/x"), FolderLock(tmp_path, "/data/x")
    assert first.acquire() and first.held
    owner = read_owner(tmp_path / LOCK_NAME)
    assert owner is not None and (owner.host, owner.pid) == (socket.gethostname(), os.getpid())
    assert owner.started and json.loads((tmp_path / LOCK_NAME).read_text())["user"] == owner.user
    assert not second.acquire() and not second.held
    assert second.owner == owner
    with pytest.raises(FolderLockedError) as info:
        with second:
            pass
    assert "/data/x" in str(info.value) and f"pid {os.getpid()}" in str(info.value)
    assert info.value.path == "/data/x" and isinstance(info.value, PermissionError)
    first.release()
    assert not (tmp_path / LOCK_NAME).exists()
    with second:
        assert second.held
    assert not second.held
    first.release()  # releasing twice is a no-op


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pid = _dead_pid()
    (tmp_path / LOCK_NAME).write_text(json.dumps({"host": socket.gethostname(), "pid": pid, "user": "someone",
                                                  "started": "2026-01-01T00:00:00"}))
    assert not LockOwner(socket.gethostname(), pid).is_alive()
    with caplog.at_level(logging.INFO, logger="phycore"):
        lock = FolderLock(tmp_path)
        assert lock.acquire()
    assert "stale" in caplog.text and f"pid {pid}" in caplog.text
    owner = read_owner(tmp_path / LOCK_NAME)
    assert owner is not None and owner.pid == os.getpid()
    lock.release()


def test_owner_liveness() -> None:
    assert LockOwner(socket.gethostname(), os.getpid()).is_alive()
    assert LockOwner("another-host.invalid", _dead_pid()).is_alive()  # cannot tell: assume alive
    assert LockOwner(socket.gethostname(), 1).is_alive() or sys.platform == "win32"


def test_unreadable_owner_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_text("not json")
    assert read_owner(tmp_path / LOCK_NAME) is None
    with FolderLock(tmp_path) as lock:
        assert lock.held


# Read-only sessions ---------------------------------------------------------------------

def test_second_controller_opens_read_only(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = TemplateController(folder, metrics=False)
    try:
        assert not first.read_only and first.lock is not None and first.lock.held
        sup = first.supervisor
        merged = sup.merge(*sup.cluster_table.visible_ids[:2]).added[0]
        before = _snapshot(folder)
        with caplog.at_level(logging.WARNING, logger="phycore"):
            second = TemplateController(folder, metrics=False)
        assert second.read_only and second.journal is None and second.lock is None
        assert f"pid {os.getpid()}" in caplog.text and socket.gethostname() in caplog.text
        assert str(folder) in second.read_only_reason
        # Curation in memory works (and may hand out the same id: it is never written).
        s2 = second.supervisor
        assert s2.merge(*s2.cluster_table.visible_ids[:2]).added[0] == merged
        with pytest.raises(FolderLockedError) as info:
            second.save()
        assert str(folder) in str(info.value) and f"pid {os.getpid()}" in str(info.value)
        with pytest.raises(FolderLockedError):
            s2.save()  # the Supervisor's save (ctrl+s) is refused as well
        second.close()
        assert _snapshot(folder) == before  # no journal, counter or data file touched
        assert first.lock.held
        assert first.save()
    finally:
        first.close()


def test_read_only_false_raises_and_true_forces(folder: Path) -> None:
    first = TemplateController(folder, metrics=False)
    try:
        with pytest.raises(FolderLockedError) as info:
            TemplateController(folder, metrics=False, read_only=False)
        assert str(folder) in str(info.value) and info.value.path == str(folder)
        assert info.value.owner == f"{socket.gethostname()}, pid {os.getpid()}"
    finally:
        first.close()
    forced = TemplateController(folder, metrics=False, read_only=True)
    try:
        assert forced.read_only and forced.lock is None
        with pytest.raises(FolderLockedError):
            forced.save()
        writer = TemplateController(folder, metrics=False, read_only=False)  # a forced one takes no lock
        writer.close()
    finally:
        forced.close()


def test_close_releases_the_lock(folder: Path) -> None:
    c = TemplateController(folder, metrics=False)
    c.close()
    assert not (folder / ".phy" / LOCK_NAME).exists()
    c2 = TemplateController(folder, metrics=False, read_only=False)
    assert not c2.read_only
    c2.close()


def test_a_dropped_controller_releases_the_lock(folder: Path) -> None:
    c = TemplateController(folder, metrics=False)
    del c
    gc.collect()
    c2 = TemplateController(folder, metrics=False, read_only=False)
    c2.close()


def test_in_memory_controller_takes_no_lock(folder: Path) -> None:
    ref = load_model(folder / "params.py")
    model = TemplateModel.from_arrays(
        spike_samples=ref.spike_samples, spike_templates=ref.spike_templates,
        templates=ref.sparse_templates.data, template_ind=ref.sparse_templates.cols,
        sample_rate=ref.sample_rate, channel_positions=ref.channel_positions, channel_map=ref.channel_map,
        amplitudes=ref.amplitudes)
    c = TemplateController(model=model, metrics=False)
    assert c.lock is None and not c.read_only
    c.close()


# Two processes on one folder ------------------------------------------------------------

FIRST_SESSION = textwrap.dedent(
    """
    import json, sys
    from phycore import TemplateController
    c = TemplateController(sys.argv[1], metrics=False)
    s = c.supervisor
    merged = s.merge(*s.cluster_table.visible_ids[:2]).added[0]
    print(json.dumps({"merged": int(merged)}), flush=True)
    sys.stdin.readline()  # the other session has done its part
    merged2 = s.merge(*s.cluster_table.visible_ids[:2]).added[0]
    c.save()
    c.close()
    print(json.dumps({"merged2": int(merged2)}), flush=True)
    """
)


def test_two_processes_on_one_folder(folder: Path, tmp_path: Path) -> None:
    script = tmp_path / "first.py"
    script.write_text(FIRST_SESSION)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        merged = json.loads(line)["merged"]
        journal = folder / ".phy" / "journal.jsonl"
        before = _snapshot(folder)
        assert journal.read_bytes() == before[".phy/journal.jsonl"]

        second = TemplateController(folder, metrics=False)
        assert second.read_only and f"pid {proc.pid}" in second.read_only_reason
        s2 = second.supervisor
        s2.merge(*s2.cluster_table.visible_ids[:4])
        with pytest.raises(FolderLockedError):
            second.save()
        assert _snapshot(folder) == before  # the first one's journal is in place and untouched
        assert not list((folder / ".phy").glob("journal.jsonl.unrecovered-*"))

        proc.stdin.write("go\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        merged2 = json.loads(out)["merged2"]
        second.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The first session's ids are the ones on disk, each handed out once.
    assert merged2 == merged + 1
    counter = json.loads((folder / ".phy" / "new_cluster_id.json").read_text())["new_cluster_id"]
    assert counter == merged2 + 1
    third = TemplateController(folder, metrics=False, read_only=False)  # the lock went with the process
    try:
        ids = third.supervisor.clustering.cluster_ids.tolist()
        assert merged2 in ids and merged not in ids  # the second merge took the first one's cluster
        assert third.supervisor.merge(*ids[:2]).added[0] == merged2 + 1
    finally:
        third.close()
