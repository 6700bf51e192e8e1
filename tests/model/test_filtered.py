"""The fast high-pass path: float32 kernel, filtered blocks (cache, prefetch), row reads,
channel subsets, controller.get_traces(filtered=, channel_ids=)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from phycore import TemplateController
from phycore.errors import ChannelIdError
from phycore.model import load_model
from phycore.model._filtered import FilteredTraces
from phycore.model.filters import filtfilt_highpass, highpass_float32
from phycore.model.raw import RawTraces
from phycore.model.synthetic import make_dataset

SR = 30000.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("filtered")
    make_dataset(d, n_spikes=4000, n_channels=24, n_templates=8, duration=3.0, raw=True, seed=3)
    return d


def _drifting(n: int = 60000, nc: int = 8, seed: int = 0) -> np.ndarray:
    """int16 noise + spikes + a large, slowly drifting level per channel (what makes edge
    transients and a naive float32 recursion go wrong)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None] / SR
    x = 30 * rng.standard_normal((n, nc)) + 800 + 300 * np.sin(2 * np.pi * 0.7 * t + np.arange(nc))
    x[rng.integers(0, n, 200), rng.integers(0, nc, 200)] -= 400
    return np.round(x).astype(np.int16)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_float32_kernel_equals_the_reference(order: int) -> None:
    x = _drifting(5000, 40)
    off = x[:32].mean(axis=0)
    ref = filtfilt_highpass(x.astype(np.float64) - off, SR, order=order)
    got = highpass_float32(x, SR, offset=off, order=order)
    assert got.dtype == np.float32 and got.shape == x.shape
    np.testing.assert_allclose(got, ref, atol=1e-3 * np.abs(ref).max())
    # The parallel path (large inputs) gives the same values as the serial one.
    big = np.tile(x, (1, 20))  # 5000 x 800 > the parallel threshold
    np.testing.assert_array_equal(highpass_float32(big, SR, offset=np.tile(off, 20), order=order)[:, :40], got)


def test_float32_kernel_bad_arguments() -> None:
    x = _drifting(100, 4)
    with pytest.raises(ValueError, match="order"):
        highpass_float32(x, SR, order=4)
    with pytest.raises(ValueError, match="offset"):
        highpass_float32(x, SR, offset=np.zeros(3))
    with pytest.raises(ValueError, match="`x`"):
        highpass_float32(x[:, 0], SR)


def test_blocks_equal_filtering_a_longer_span() -> None:
    x = _drifting()
    raw = RawTraces.from_array(x, SR)
    f = FilteredTraces(raw, block=4096)
    i0, i1 = 20000, 33000  # spans four blocks
    ref = filtfilt_highpass(x[i0 - 15000:i1 + 15000].astype(np.float64), SR)[15000:-15000]
    got = f.read(i0, i1)
    err = np.abs(got - ref).max()
    assert err < 1e-3 * np.abs(ref).max(), err
    # Filtering exactly the window (phy's way) leaves a transient at its edges: blocks do not.
    naive = filtfilt_highpass(x[i0:i1].astype(np.float64), SR)
    assert np.abs(naive - ref)[:50].max() > 100 * err
    # The same values whatever the read pattern (the block grid is fixed).
    parts = np.concatenate([f.read(a, a + 1000) for a in range(i0, i1, 1000)])
    np.testing.assert_array_equal(parts, got)
    f2 = FilteredTraces(raw, block=4096)
    np.testing.assert_array_equal(f2.read(i0 + 777, i1 - 5), got[777:-5])


def test_blocks_at_the_recording_edges_and_channel_subsets() -> None:
    x = _drifting(20000, 6)
    raw = RawTraces.from_array(x, SR, channel_map=[5, 4, 3, 2, 1, 0])
    f = FilteredTraces(raw, block=4096)
    full = f.read(-100, 10**9)  # clipped to the recording
    assert full.shape == (20000, 6)
    ref = filtfilt_highpass(raw.read(0, 20000).astype(np.float64) - raw.read(0, 32).mean(axis=0), SR)
    np.testing.assert_allclose(full[:4000], ref[:4000], atol=1e-3 * np.abs(ref).max())
    sub = FilteredTraces(raw, block=4096).read(5000, 15000, [4, 1])  # not cached: filtered for 2 channels
    np.testing.assert_array_equal(sub, full[5000:15000][:, [4, 1]])
    np.testing.assert_array_equal(f.read(5000, 15000, [4, 1]), sub)  # from the cached blocks
    rows = np.array([0, 19999, 4096, 4095, 7])
    np.testing.assert_array_equal(f.read_rows(rows), full[rows])
    assert f.read(300, 300).shape == (0, 6)


def test_cache_is_bounded_and_prefetch_fills_it() -> None:
    x = _drifting(60000, 8)
    raw = RawTraces.from_array(x, SR)
    f = FilteredTraces(raw, block=2048, max_bytes=8 * 2048 * 4 * 8)
    assert f.max_blocks == 8
    f.read(0, 60000)
    assert len(f._cache) == 8
    f.clear()
    assert f.prefetch(10000, 20000) == 6  # blocks 4..9, on the background thread
    assert f.prefetch(10000, 20000) == 0  # already queued or done
    deadline = time.monotonic() + 20
    while not all(f.has_block(k) for k in range(4, 10)) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(f.has_block(k) for k in range(4, 10))
    fresh = FilteredTraces(raw, block=2048).read(10000, 20000)
    np.testing.assert_array_equal(f.read(10000, 20000), fresh)
    f.clear()
    assert f._executor is None and not f._cache


def test_read_rows_and_channel_errors(folder: Path) -> None:
    m = load_model(folder / "params.py")
    raw = m.traces
    rows = np.array([5, 0, 89999, 12345])
    np.testing.assert_array_equal(raw.read_rows(rows), np.stack([raw.read(r, r + 1)[0] for r in rows]))
    np.testing.assert_array_equal(raw.read_rows(rows, [3, 1]), raw.read_rows(rows)[:, [3, 1]])
    for bad in ([24], [-1], [0.5]):
        with pytest.raises(ChannelIdError, match="channel_ids"):
            raw.read(0, 10, bad)
    with pytest.raises(ChannelIdError, match="channel_ids"):
        m.get_traces(0.0, 0.1, [0, 99], filtered=True)
    w = m.get_traces(1.0, 1.2, filtered=True)
    np.testing.assert_array_equal(w, raw.filtered.read(30000, 36000))
    np.testing.assert_array_equal(m.get_traces(1.0, 1.2, [7, 2], filtered=True), w[:, [7, 2]])


def test_controller_get_traces_filtered_and_channels(folder: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(folder, tmp_path / "d")
    c = TemplateController(tmp_path / "d" / "params.py", metrics=False)
    try:
        raw = c.get_traces(1.0, 1.1, filtered=False)["traces"]
        np.testing.assert_array_equal(raw, c.model.traces.read(30000, 33000).astype(np.float32))
        out = c.get_traces(1.0, 1.1, filtered=True, channel_ids=[3, 0])
        assert out["traces"].shape == (3000, 2)
        np.testing.assert_array_equal(out["traces"], c.get_traces(1.0, 1.1, filtered=True)["traces"][:, [3, 0]])
        assert np.abs(out["traces"].mean(axis=0)).max() < np.abs(raw[:, [3, 0]].mean(axis=0)).max() + 1
        assert np.all((out["spike_times"] >= 1.0) & (out["spike_times"] < 1.1))
        assert c.raw_data_filter.current == "high_pass"  # phy's default; filtered=None follows it
        np.testing.assert_allclose(c.get_traces(1.0, 1.1)["traces"], c.raw_data_filter.apply(raw, axis=0),
                                   rtol=1e-6, atol=1e-4)
        c.raw_data_filter.set("raw")
        np.testing.assert_array_equal(c.get_traces(1.0, 1.1)["traces"], raw)
        with pytest.raises(ChannelIdError, match="channel_ids"):
            c.get_traces(1.0, 1.1, channel_ids=[24])
    finally:
        c.close()
