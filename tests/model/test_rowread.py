"""Batched ``pread`` of scattered memmap rows (``_rowread``) equals indexing the memmap."""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.model import _rowread, load_model
from phycore.model._features import get_pc_features
from phycore.model._rowread import advise_rows, file_rows, read_rows
from phycore.model.synthetic import make_dataset


@pytest.fixture(scope="module")
def mm(tmp_path_factory: pytest.TempPathFactory) -> np.memmap:
    # 60-byte rows: several rows share a page and some straddle two pages.
    path = tmp_path_factory.mktemp("rows") / "f.npy"
    arr = np.arange(20_000 * 15, dtype=np.float32).reshape(20_000, 3, 5)
    np.save(path, arr)
    out: np.memmap = np.load(path, mmap_mode="r")
    return out


def _cases(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [
        np.sort(rng.choice(n, 500, replace=False)),  # scattered, sorted (the getter's case)
        rng.integers(0, n, 700),  # unsorted with repeats
        np.arange(n - 7, n),  # edge rows at the end of the file
        np.array([0, n - 1, -1, -n, 3, 3]),  # negative ids, first/last row
        np.arange(100, 19_000),  # one long contiguous run (split in bounded reads)
        np.arange(0, n, 3),  # close rows coalesced into runs with gaps
        np.array([5]),
    ]


def test_read_rows_equals_memmap(mm: np.memmap) -> None:
    for idx in _cases(len(mm)):
        got = read_rows(mm, idx)
        np.testing.assert_array_equal(got, np.asarray(mm[idx]))
        assert got.dtype == mm.dtype and not isinstance(got, np.memmap)


@pytest.mark.parametrize("cached", [False, True])
def test_read_rows_cold_and_warm_paths(mm: np.memmap, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    """Cold (the probe finds pages missing): every run's pages are announced, then read;
    warm: nothing is announced. The values are the memmap's either way."""
    announced: list[tuple[list[int], list[int]]] = []
    real = _rowread._announce

    def announce(m: Any, starts: list[int], stops: list[int]) -> int:
        announced.append((starts, stops))
        return real(m, starts, stops)

    monkeypatch.setattr(_rowread, "_announce", announce)
    monkeypatch.setattr(_rowread, "_cached", lambda *a: cached)
    page, row, off = mmap.PAGESIZE, 60, int(mm.offset)
    for idx in _cases(len(mm)):
        fd = os.open(str(mm.filename), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # evict what the OS lets us
        os.close(fd)
        announced.clear()
        np.testing.assert_array_equal(read_rows(mm, idx), np.asarray(mm[idx]))
        if cached:
            assert not announced
            continue
        (starts, stops), = announced
        rows = np.unique(np.where(idx < 0, idx + len(mm), idx))
        # Every row's bytes lie in an announced, page-aligned range.
        b0, b1 = off + rows * row, off + (rows + 1) * row
        k = np.searchsorted(np.array(starts), b0, side="right") - 1
        assert all(s % page == 0 for s in starts) and np.all(k >= 0)
        assert np.all(b1 <= np.array(stops)[k])


def test_advise_rows(mm: np.memmap, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_rowread, "_cached", lambda *a: False)
    assert advise_rows(mm, np.array([900, 1, 2])) == 2  # rows 1-2 share one range
    assert advise_rows(mm, np.zeros(0, np.int64)) == 0
    monkeypatch.setattr(_rowread, "_cached", lambda *a: True)
    assert advise_rows(mm, np.array([900, 1, 2])) == 0  # cached: nothing to announce


def test_probe_sees_cached_pages(mm: np.memmap) -> None:
    rows = np.arange(0, 2000, 7)
    np.asarray(mm[rows])  # mapped and read: in the page cache
    loc = file_rows(mm)
    assert loc is not None
    starts, stops = _rowread._page_ranges(rows, loc[1], loc[2])
    assert _rowread._cached(loc[0], starts, stops)


def test_slices_and_fallbacks(mm: np.memmap) -> None:
    view = mm[1234:5678]  # a memmap view: its row 0 is not the file's
    assert file_rows(view) is not None
    idx = np.array([0, 17, 4000, 4443, 2])
    np.testing.assert_array_equal(read_rows(view, idx), np.asarray(view[idx]))
    dense = np.asarray(mm[:100])  # in memory: plain indexing
    assert file_rows(dense) is None and advise_rows(dense, np.arange(3)) == 0
    assert file_rows(mm[:, :, 1:3]) is None  # rows not contiguous in the file
    np.testing.assert_array_equal(read_rows(mm[:, :, 1:3], idx), np.asarray(mm[:, :, 1:3][idx]))
    starts, stops = _rowread._page_ranges(np.array([1, 2, 900]), int(mm.offset), 60)
    assert len(starts) == 2  # rows 1-2 share one announcement
    with pytest.raises(IndexError):
        read_rows(mm, np.array([len(mm)]))
    assert read_rows(mm, np.zeros(0, np.int64)).shape == (0, 3, 5)


def test_sparse_feature_rows_from_file(mm: np.memmap) -> None:
    """``pc_feature_spike_ids``: only some spikes have a row; the others are NaN."""
    n_spikes, n_channels = 40_000, 8
    rows = np.sort(np.random.default_rng(1).choice(n_spikes, len(mm), replace=False))
    cols = np.array([[0, 2, 4, 6, 7], [1, 3, 5, 7, -1]])
    spike_templates = np.arange(n_spikes) % 2
    spikes = np.r_[rows[::97], np.arange(0, n_spikes, 1009)]
    chans = np.array([7, 0, 3])
    got = get_pc_features(mm, cols, rows, spike_templates, spikes, chans, n_channels)
    ref = get_pc_features(np.asarray(mm), cols, rows, spike_templates, spikes, chans, n_channels)
    np.testing.assert_array_equal(got, ref)
    assert np.isnan(got).any() and not np.isnan(got).all()


def test_model_features_unchanged(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_spikes=5000, n_channels=24, n_templates=10, duration=4.0, seed=2)
    model = load_model(tmp_path / "params.py")
    sf = model.sparse_features
    assert sf is not None and file_rows(sf.data) is not None
    spikes = np.sort(np.random.default_rng(3).choice(model.n_spikes, 800, replace=False))
    chans = np.array([3, 1, 10, 22])
    got = model.get_features(spikes, chans)
    sf.data = np.asarray(sf.data)  # the in-memory (pre-pread) path as the oracle
    np.testing.assert_array_equal(got, model.get_features(spikes, chans))


@pytest.mark.parametrize("cached", [False, True])
def test_rows_larger_than_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool) -> None:
    """Rows of more than _MAX_RUN bytes (the probe's buffer covers them)."""
    path = tmp_path / "big.npy"
    np.save(path, np.arange(4 * 300_000, dtype=np.float32).reshape(4, 300_000))
    arr = np.load(path, mmap_mode="r")
    if not cached:
        monkeypatch.setattr(_rowread, "_announce", lambda *a: 0)
    idx = np.array([3, 0, 3, 1])
    np.testing.assert_array_equal(read_rows(arr, idx), np.asarray(arr[idx]))
