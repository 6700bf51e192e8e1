"""Tests of phycore.paths: user dir, per-dataset dir with fallback, atomic writes."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from phycore import paths
from phycore.paths import (
    atomic_open,
    atomic_write_bytes,
    atomic_write_text,
    fallback_phy_dir,
    phy_dir,
    user_dir,
)


def test_user_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHY_USER_DIR", str(tmp_path / "u"))
    assert user_dir() == tmp_path / "u"
    monkeypatch.setenv("PHY_USER_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_dir() == tmp_path / ".phy"


def test_conftest_isolates_user_dir() -> None:
    assert user_dir() != Path.home() / ".phy"


def test_phy_dir_created_in_data_folder(tmp_path: Path) -> None:
    d = phy_dir(tmp_path)
    assert d == tmp_path / ".phy" and d.is_dir()
    assert phy_dir(tmp_path) == d  # existing folder reused


def test_phy_dir_falls_back_when_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    # Tests may run as root, where chmod does not stop writes: simulate the check.
    monkeypatch.setattr(paths, "_is_writable_dir", lambda path: False)
    data = tmp_path / "my data"
    data.mkdir()
    with caplog.at_level(logging.WARNING, logger="phycore"):
        d = phy_dir(data)
    assert d == fallback_phy_dir(data)
    assert d.is_dir() and d.is_relative_to(user_dir() / "cache")
    assert d.name.startswith("my_data-")
    assert str(data) in caplog.text and "not writable" in caplog.text


def test_phy_dir_fallback_when_mkdir_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *a: object, **k: object) -> None:
        if self.name == ".phy":
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    d = phy_dir(tmp_path)
    assert d == fallback_phy_dir(tmp_path) and d.is_dir()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write a 0o555 folder")
def test_phy_dir_read_only_folder_really(tmp_path: Path) -> None:  # pragma: no cover - non-root only
    data = tmp_path / "ro"
    data.mkdir()
    data.chmod(0o555)
    try:
        assert phy_dir(data) == fallback_phy_dir(data)
    finally:
        data.chmod(0o755)


def test_fallback_dirs_differ_per_dataset(tmp_path: Path) -> None:
    assert fallback_phy_dir(tmp_path / "a" / "x") != fallback_phy_dir(tmp_path / "b" / "x")


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    atomic_write_text(p, "one\n")
    atomic_write_text(p, "two\r\n")
    assert p.read_bytes() == b"two\r\n"
    atomic_write_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_atomic_open_with_numpy(tmp_path: Path) -> None:
    p = tmp_path / "spike_clusters.npy"
    with atomic_open(p) as f:
        np.save(f, np.arange(5, dtype=np.int32))
    np.testing.assert_array_equal(np.load(p), np.arange(5))


def test_atomic_open_failure_keeps_old_file(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(p) as f:
            f.write(b"partial")
            raise RuntimeError("crash in the middle")
    assert p.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_keeps_permissions(tmp_path: Path) -> None:
    p = tmp_path / "f"
    p.write_bytes(b"x")
    p.chmod(0o640)
    atomic_write_bytes(p, b"y")
    assert p.stat().st_mode & 0o777 == 0o640


def test_atomic_open_rejects_bad_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mode"):
        atomic_open(tmp_path / "f", "a")


def test_read_only_warning_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(paths, "_is_writable_dir", lambda path: False)
    with caplog.at_level(logging.WARNING, logger="phycore"):
        phy_dir(tmp_path)
        phy_dir(tmp_path)
    assert caplog.text.count("not writable") == 1
