"""Tests of phycore.cache: Context disk/memory caches, fingerprints, invalidation."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from phycore import paths
from phycore.cache import Context, cache_disabled, fingerprint_files


@pytest.fixture(autouse=True)
def _cache_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHY_DISABLE_CACHE", raising=False)


class Counter:
    """A 'model' whose methods count their calls."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def square(self, cluster_id: int) -> int:
        self.calls.append(cluster_id)
        return cluster_id * cluster_id

    def maybe(self, cluster_id: int) -> None:
        self.calls.append(cluster_id)
        return None

    def total(self, spike_ids: np.ndarray) -> float:
        self.calls.append(len(spike_ids))
        return float(np.sum(spike_ids))


# fingerprint_files ---------------------------------------------------------------------


def test_fingerprint_stable_and_sensitive(tmp_path: Path) -> None:
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, np.arange(10))
    np.save(b, np.arange(20))
    fp = fingerprint_files([a, b])
    assert len(fp) == 32 and fp == fingerprint_files([a, b])
    assert fp != fingerprint_files([b, a])
    st = a.stat()
    np.save(a, np.arange(10) + 1)  # same size, different content
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    assert fingerprint_files([a, b]) != fp


def test_fingerprint_missing_and_dir(tmp_path: Path) -> None:
    fp = fingerprint_files([tmp_path / "nope.npy"])
    (tmp_path / "nope.npy").write_bytes(b"")
    assert fingerprint_files([tmp_path / "nope.npy"]) != fp
    assert fingerprint_files([tmp_path]) != fingerprint_files([tmp_path / "x"])


def test_fingerprint_ignores_folder_of_moved_dataset(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pa, pb = tmp_path / "a" / "x.bin", tmp_path / "b" / "x.bin"
    pa.write_bytes(b"123")
    pb.write_bytes(b"123")
    os.utime(pb, ns=(pa.stat().st_atime_ns, pa.stat().st_mtime_ns))
    assert fingerprint_files([pa]) == fingerprint_files([pb])


def test_fingerprint_large_file_head_and_tail(tmp_path: Path) -> None:
    p = tmp_path / "raw.dat"
    size = 20 << 20  # above the full-hash limit
    with open(p, "wb") as f:
        f.truncate(size)
    st = p.stat()
    fp = fingerprint_files([p])

    def poke(offset: int) -> str:
        with open(p, "r+b") as f:
            f.seek(offset)
            f.write(b"\x01")
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        return fingerprint_files([p])

    fp_tail = poke(size - 10)
    assert fp_tail != fp
    assert poke(10) != fp_tail
    # A change in the middle with identical size and mtime is the documented blind spot.
    before = fingerprint_files([p])
    assert poke(size // 2) == before


# memcache -------------------------------------------------------------------------------


def test_memcache_caches_and_invalidates(tmp_path: Path) -> None:
    ctx = Context(tmp_path / ".phy", fingerprint="fp")
    m = Counter()
    sq = ctx.memcache(m.square)
    assert [sq(2), sq(2), sq(3), sq(3)] == [4, 4, 9, 9]
    assert m.calls == [2, 3]
    assert ctx.invalidate([2, 99]) == 1
    sq(2), sq(3)
    assert m.calls == [2, 3, 2]


def test_memcache_caches_none_and_kwargs(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    f = ctx.memcache(m.maybe)
    assert f(1) is None and f(1) is None
    assert m.calls == [1]

    calls = []

    def g(cluster_id: int, scale: int = 1) -> int:
        calls.append(scale)
        return cluster_id * scale

    g2 = ctx.memcache(g)
    assert g2(2) == 2 and g2(2, scale=3) == 6 and g2(2, scale=3) == 6
    assert calls == [1, 3]


def test_memcache_plain_function_with_self(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")

    class Model:
        n = 0

        def value(self, cluster_id: int) -> int:
            Model.n += 1
            return cluster_id + 1

    Model.value = ctx.memcache(Model.value)  # type: ignore[method-assign]
    model = Model()
    assert model.value(5) == 6 and model.value(5) == 6 and Model.n == 1
    ctx.invalidate([5])  # self is not the first key element: the cluster id is
    model.value(5)
    assert Model.n == 2


def test_memcache_unhashable_args_not_cached(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    f = ctx.memcache(m.total)
    assert f(np.arange(3)) == 3.0 and f(np.arange(3)) == 3.0
    assert m.calls == [3, 3]


def test_memcache_lru_bound(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp", memcache_size=3)
    m = Counter()
    sq = ctx.memcache(m.square)
    for i in (1, 2, 3, 1, 4):  # 2 is least recently used when 4 comes in
        sq(i)
    m.calls.clear()
    sq(1), sq(3), sq(4), sq(2)
    assert m.calls == [2]


def test_invalidate_tuple_keys(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    calls = []

    def pair(ids: tuple[int, int]) -> int:
        calls.append(ids)
        return sum(ids)

    p = ctx.memcache(pair)
    p((1, 2)), p((3, 4))
    ctx.invalidate([2])
    p((1, 2)), p((3, 4))
    assert calls == [(1, 2), (3, 4), (1, 2)]


def test_on_cluster_drops_added_and_deleted(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    sq = ctx.memcache(m.square)
    for i in (1, 2, 3, 10):
        sq(i)
    up = SimpleNamespace(added=[10], deleted=[1, 2], description="merge")
    ctx.on_cluster(None, up)
    m.calls.clear()
    for i in (1, 2, 3, 10):
        sq(i)
    assert m.calls == [1, 2, 10]
    ctx.on_cluster(None, SimpleNamespace(added=[], deleted=[], metadata_changed=[3]))
    m.calls.clear()
    sq(3)
    assert m.calls == []


def test_save_and_load_memcache(tmp_path: Path) -> None:
    cache_dir = tmp_path / ".phy"
    ctx = Context(cache_dir, fingerprint="fp1")
    m = Counter()
    sq = ctx.memcache(m.square)
    sq(2), sq(3)
    ctx.save_memcache()
    files = list((cache_dir / "memcache").glob("*.pkl"))
    assert len(files) == 1 and "Counter.square" in files[0].name

    m2 = Counter()
    sq2 = Context(cache_dir, fingerprint="fp1").memcache(m2.square)
    assert sq2(2) == 4 and m2.calls == []

    m3 = Counter()  # input files changed: nothing stale is reused
    sq3 = Context(cache_dir, fingerprint="fp2").memcache(m3.square)
    assert sq3(2) == 4 and m3.calls == [2]


def test_save_memcache_restricted_to_cluster_ids(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    sq = ctx.memcache(m.square)
    sq(1), sq(2), sq(100)
    ctx.save_memcache(fingerprint="fp-saved", cluster_ids=[1, 2])
    ctx2 = Context(tmp_path, fingerprint="fp-saved")
    name = next((tmp_path / "memcache").glob("*.pkl")).stem
    assert sorted(ctx2.load_memcache(name)) == [(1,), (2,)]


def test_corrupt_memcache_file_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    ctx.memcache(m.square)(1)
    ctx.save_memcache()
    path = next((tmp_path / "memcache").glob("*.pkl"))
    path.write_bytes(b"garbage")
    with caplog.at_level(logging.INFO, logger="phycore"):
        f = Context(tmp_path, fingerprint="fp").memcache(m.square)
    assert f(1) == 1 and str(path) in caplog.text
    path.write_bytes(pickle.dumps({(1,): 1}))  # phy's format: not signed, ignored
    m.calls.clear()
    Context(tmp_path, fingerprint="fp").memcache(m.square)(1)
    assert m.calls == [1]


_PWNED: list[str] = []


def _pwn() -> None:
    _PWNED.append("code ran")


class Evil:
    def __reduce__(self) -> Any:
        return (_pwn, ())


def test_foreign_memcache_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dataset from someone else cannot run code through .phy/memcache."""
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    ctx.memcache(m.square)(1)
    ctx.save_memcache()
    path = next((tmp_path / "memcache").glob("*.pkl"))
    valid = path.read_bytes()
    # A crafted file: right magic, forged signature, malicious pickle.
    body = pickle.dumps({"fingerprint": "fp", "entries": {(1,): Evil()}})
    path.write_bytes(valid[:8] + b"\x00" * 32 + body)
    Context(tmp_path, fingerprint="fp").memcache(m.square)(1)
    path.write_bytes(body)  # plain pickle
    Context(tmp_path, fingerprint="fp").memcache(m.square)(1)
    assert _PWNED == []
    # A genuine file signed by another user (another user dir, another key) is ignored too.
    path.write_bytes(valid)
    monkeypatch.setenv("PHY_USER_DIR", str(tmp_path / "other_user"))
    m.calls.clear()
    Context(tmp_path, fingerprint="fp").memcache(m.square)(1)
    assert m.calls == [1]


def test_foreign_disk_cache_is_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _spike_total.calls = 0  # type: ignore[attr-defined]
    Context(tmp_path, fingerprint="fp").cache(_spike_total)(np.arange(3))
    Context(tmp_path, fingerprint="fp").cache(_spike_total)(np.arange(3))
    assert _spike_total.calls == 1  # type: ignore[attr-defined]
    monkeypatch.setenv("PHY_USER_DIR", str(tmp_path / "other_user"))
    Context(tmp_path, fingerprint="fp").cache(_spike_total)(np.arange(3))
    assert _spike_total.calls == 2  # type: ignore[attr-defined]
    marker = tmp_path / "joblib-cache" / "fp" / ".signature"
    marker.write_bytes(b"forged")
    Context(tmp_path, fingerprint="fp").cache(_spike_total)(np.arange(3))
    assert _spike_total.calls == 3  # type: ignore[attr-defined]


def test_odd_fingerprint_and_function_names_are_safe(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="a/b c:*")
    assert [p.name for p in (tmp_path / "joblib-cache").iterdir()] != ["a/b c:*"]
    f = ctx.memcache(lambda cluster_id: cluster_id + 1)
    assert f(1) == 2
    ctx.save_memcache()
    [path] = (tmp_path / "memcache").glob("*.pkl")
    assert "<" not in path.name
    assert Context(tmp_path, fingerprint="a/b c:*").load_memcache(
        "tests.test_cache.test_odd_fingerprint_and_function_names_are_safe.<locals>.<lambda>") == {(1,): 2}


def test_unwritable_user_dir_disables_signed_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("PHY_USER_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="phycore"):
        ctx = Context(tmp_path / ".phy", fingerprint="fp")
    m = Counter()
    assert ctx.cache(m.total) == m.total
    assert ctx.memcache(m.square)(2) == 4  # in-memory caching still works
    ctx.save_memcache()
    assert not (tmp_path / ".phy" / "memcache").exists()
    assert "cache key" in caplog.text


# disk cache -----------------------------------------------------------------------------


def _spike_total(spike_ids: np.ndarray) -> float:
    _spike_total.calls += 1  # type: ignore[attr-defined]
    return float(spike_ids.sum())


def test_disk_cache_persists_and_ignores_self(tmp_path: Path) -> None:
    m = Counter()
    total = Context(tmp_path, fingerprint="fp").cache(m.total)
    assert total(np.arange(4)) == 6.0 and total(np.arange(4)) == 6.0
    assert m.calls == [4]
    other = Counter()  # a new session, a new model instance: self is not part of the key
    total2 = Context(tmp_path, fingerprint="fp").cache(other.total)
    assert total2(np.arange(4)) == 6.0 and other.calls == []


def test_disk_cache_fingerprint_change_is_fresh(tmp_path: Path) -> None:
    _spike_total.calls = 0  # type: ignore[attr-defined]
    Context(tmp_path, fingerprint="aaa").cache(_spike_total)(np.arange(3))
    Context(tmp_path, fingerprint="aaa").cache(_spike_total)(np.arange(3))
    assert _spike_total.calls == 1  # type: ignore[attr-defined]
    Context(tmp_path, fingerprint="bbb").cache(_spike_total)(np.arange(3))
    assert _spike_total.calls == 2  # type: ignore[attr-defined]
    assert [p.name for p in (tmp_path / "joblib-cache").iterdir()] == ["bbb"]  # stale one pruned


def test_disk_cache_reduce_size_at_startup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    from joblib import Memory

    def reduce_size(self: Any, bytes_limit: Any = None, **kwargs: Any) -> None:
        seen["limit"] = bytes_limit

    monkeypatch.setattr(Memory, "reduce_size", reduce_size)
    ctx = Context(tmp_path, fingerprint="fp")
    assert not seen  # not before the disk cache is used: a GUI's first frame does not wait for it
    ctx.cache(_spike_total)
    assert seen["limit"] == Context.cache_limit == 2 * 1024**3


def test_clear(tmp_path: Path) -> None:
    ctx = Context(tmp_path, fingerprint="fp")
    m = Counter()
    sq = ctx.memcache(m.square)
    sq(1)
    ctx.save_memcache()
    ctx.clear()
    sq(1)
    assert m.calls == [1, 1]
    assert not (tmp_path / "memcache").exists()


# PHY_DISABLE_CACHE, read-only folders ---------------------------------------------------


@pytest.mark.parametrize("value, disabled", [("1", True), ("yes", True), ("", False), ("0", False),
                                             ("false", False)])
def test_cache_disabled_values(monkeypatch: pytest.MonkeyPatch, value: str, disabled: bool) -> None:
    monkeypatch.setenv("PHY_DISABLE_CACHE", value)
    assert cache_disabled() is disabled


def test_phy_disable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHY_DISABLE_CACHE", "1")
    ctx = Context(tmp_path / ".phy", fingerprint="fp")
    m = Counter()
    assert ctx.disabled
    assert ctx.memcache(m.square) == m.square
    assert ctx.cache(m.total) == m.total
    ctx.save_memcache()
    assert not (tmp_path / ".phy").exists()


def test_from_data_dir_read_only_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(paths, "_is_writable_dir", lambda path: False)  # root ignores chmod
    with caplog.at_level(logging.WARNING, logger="phycore"):
        ctx = Context.from_data_dir(tmp_path, fingerprint="fp")
    assert ctx.cache_dir == paths.fallback_phy_dir(tmp_path)
    assert "not writable" in caplog.text
    m = Counter()
    ctx.cache(m.total)(np.arange(2))
    assert not (tmp_path / ".phy" / "joblib-cache").exists()


def test_uncreatable_cache_dir_disables_disk_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING, logger="phycore"):
        ctx = Context(blocker / ".phy", fingerprint="fp")
    m = Counter()
    assert ctx.cache(m.total) == m.total
    assert "disk caching is off" in caplog.text
    assert ctx.memcache(m.square)(3) == 9
    ctx.save_memcache()  # logged, not raised


def test_repr(tmp_path: Path) -> None:
    assert "fingerprint=abcdef12" in repr(Context(tmp_path, fingerprint="abcdef1234"))


def test_user_key_is_private_and_stable() -> None:
    from phycore.paths import user_dir
    from phycore._trust import sign, user_key, verify

    key = user_key()
    assert key is not None and len(key) == 32 and user_key() == key
    assert (user_dir() / "cache-key").stat().st_mode & 0o777 == 0o600
    sig = sign(key, b"data")
    assert verify(key, b"data", sig) and not verify(key, b"datA", sig)
    (user_dir() / "cache-key").write_bytes(b"short")  # damaged: replaced
    assert user_key() not in (None, key)
