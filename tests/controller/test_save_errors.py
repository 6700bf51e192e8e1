"""A save that cannot write (read-only folder, full disk) raises SaveError, changes nothing and can be retried."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from phycore import TemplateController
from phycore.controller import save_transaction
from phycore.controller.save_transaction import TMP_SUFFIX
from phycore.errors import PhyCoreError, SaveError
from tests._folders import fresh_copy, small_folder


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "save-errors")


@pytest.fixture
def session(source: Path, tmp_path: Path) -> Iterator[TemplateController]:
    c = TemplateController(fresh_copy(source, tmp_path) / "params.py", metrics=False)
    s = c.supervisor
    ids = s.cluster_table.visible_ids
    s.merge(ids[0], ids[1])
    s.label("quality", "great", cluster_ids=[ids[2]])
    try:
        yield c
    finally:
        c.close()


def _snapshot(d: Path) -> dict[str, bytes]:
    """Every file of the folder and of ``.phy`` (the cache aside), by relative path."""
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and not any("cache" in part for part in p.relative_to(d).parts)}


def _check_failed_save(c: TemplateController, info: pytest.ExceptionInfo[SaveError], before: dict[str, bytes],
                       cause: str) -> None:
    e = info.value
    assert c.dir_path is not None
    assert isinstance(e, PhyCoreError) and isinstance(e, OSError) and e.path == str(c.dir_path)
    assert str(c.dir_path) in str(e) and cause in str(e) and "save again" in str(e)
    assert "Nothing in the folder was changed" in str(e)
    assert isinstance(e.__cause__, OSError) and not isinstance(e.__cause__, PhyCoreError)
    assert TMP_SUFFIX not in str(e)  # the folder is named, not a temporary file
    assert _snapshot(c.dir_path) == before
    assert not [p for p in c.dir_path.rglob(f"*{TMP_SUFFIX}")]
    assert c.supervisor.is_dirty()


def _saved_state(c: TemplateController) -> tuple[list[int], dict[int, object]]:
    return c.supervisor.clustering.spike_clusters.tolist(), c.supervisor.get_labels("quality")


def _check_retry(c: TemplateController) -> None:
    # The session still works, and a save after the cause is fixed writes the current state.
    s = c.supervisor
    s.label("quality", "fine", cluster_ids=[s.cluster_table.visible_ids[0]])
    assert c.save()
    assert not s.is_dirty()
    expected = _saved_state(c)
    assert c.dir_path is not None
    c.close()
    again = TemplateController(c.dir_path / "params.py", metrics=False)
    try:
        assert _saved_state(again) == expected
    finally:
        again.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root ignores file permissions")
def test_save_to_a_read_only_folder(session: TemplateController) -> None:
    c = session
    assert c.dir_path is not None
    before = _snapshot(c.dir_path)
    mode = c.dir_path.stat().st_mode
    c.dir_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(SaveError) as info:
            c.save()
    finally:
        c.dir_path.chmod(mode)
    _check_failed_save(c, info, before, "read-only")
    assert info.value.errno in (errno.EACCES, errno.EPERM)
    _check_retry(c)


def test_save_refused_by_permissions(session: TemplateController, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only folder does, also when the tests run as root (who ignores permissions)."""
    c = session
    assert c.dir_path is not None
    before = _snapshot(c.dir_path)

    def refuse(path: Path, data: bytes, like: Path | None = None) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    with monkeypatch.context() as m:
        m.setattr(save_transaction, "_write_synced", refuse)
        with pytest.raises(SaveError) as info:
            c.supervisor.save()  # ctrl+s goes the same way
    _check_failed_save(c, info, before, "read-only")
    assert "copy the folder somewhere writable" in str(info.value)
    _check_retry(c)


@pytest.mark.parametrize("failing_write", [1, 3, 5])
def test_save_on_a_full_disk(session: TemplateController, monkeypatch: pytest.MonkeyPatch,
                             failing_write: int) -> None:
    """The disk fills up in the middle of a file (a data file, a label table, the manifest)."""
    c = session
    assert c.dir_path is not None
    before = _snapshot(c.dir_path)
    real = save_transaction._write_synced
    calls = []

    def fill_up(path: Path, data: bytes, like: Path | None = None) -> None:
        calls.append(path)
        if len(calls) == failing_write:
            path.write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data, like)

    with monkeypatch.context() as m:
        m.setattr(save_transaction, "_write_synced", fill_up)
        with pytest.raises(SaveError) as info:
            c.save()
    assert len(calls) == failing_write
    _check_failed_save(c, info, before, "no space left")
    assert info.value.errno == errno.ENOSPC and "Free some disk space" in str(info.value)
    _check_retry(c)


def test_manifest_rename_failing(session: TemplateController, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename that commits the save fails: nothing changes, the manifest's temporary is removed."""
    c = session
    assert c.dir_path is not None
    before = _snapshot(c.dir_path)
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == save_transaction.MANIFEST_NAME:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(src))
        real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", replace)
        with pytest.raises(SaveError) as info:
            c.save()
    _check_failed_save(c, info, before, os.strerror(errno.EIO))
    _check_retry(c)


def test_failure_after_the_commit_point_is_completed_by_the_retry(
        session: TemplateController, monkeypatch: pytest.MonkeyPatch) -> None:
    c = session
    assert c.dir_path is not None
    real = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).name == "cluster_info.tsv":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(os, "replace", replace)
        with pytest.raises(SaveError) as info:
            c.save()
    assert "committed but not finished" in str(info.value) and str(c.dir_path) in str(info.value)
    assert c.supervisor.is_dirty()
    _check_retry(c)
    assert not [p for p in c.dir_path.rglob(f"*{TMP_SUFFIX}")]
    assert not (c.phy_dir / save_transaction.MANIFEST_NAME).exists()


#: Run in a private mount namespace where the folder is bind-mounted read-only: a real
#: read-only file system (EROFS), which root cannot write either.
READ_ONLY_MOUNT = textwrap.dedent(
    """
    import hashlib, json, subprocess, sys
    from pathlib import Path
    from phycore import TemplateController
    from phycore.errors import SaveError

    folder = Path(sys.argv[1])
    def tree():
        return {p.relative_to(folder).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    c = TemplateController(folder / "params.py", metrics=False)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    before = tree()
    out = {}
    try:
        c.save()
    except SaveError as e:
        out = {"error": str(e), "errno": e.errno, "cause": repr(e.__cause__)}
    out["unchanged"] = tree() == before
    out["dirty"] = s.is_dirty()
    subprocess.run(["mount", "-o", "remount,rw,bind", str(folder)], check=True)
    out["retry"] = len(c.save())
    out["saved"] = (TemplateController(folder / "params.py", metrics=False, read_only=True)
                    .supervisor.clustering.spike_clusters.tolist() == s.clustering.spike_clusters.tolist())
    c.close()
    print(json.dumps(out))
    """
)


def _can_mount() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces (unshare -m)")
def test_save_to_a_read_only_file_system(source: Path, tmp_path: Path) -> None:
    folder = fresh_copy(source, tmp_path)
    script = tmp_path / "child.py"
    script.write_text(READ_ONLY_MOUNT)
    shell = (f"mount --make-rprivate / && mount --bind {folder} {folder} && "
             f"mount -o remount,ro,bind {folder} && {sys.executable} {script} {folder}")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", shell], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=300)
    if proc.returncode and "mount" in proc.stderr and "Traceback" not in proc.stderr:
        pytest.skip(f"cannot bind-mount read-only here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errno"] == errno.EROFS and str(folder) in out["error"] and "read-only" in out["error"], out
    assert "Nothing in the folder was changed" in out["error"] and "OSError" in out["cause"]
    assert out["unchanged"] and out["dirty"] and out["retry"] and out["saved"], out
    assert not list(folder.rglob(f"*{TMP_SUFFIX}"))
