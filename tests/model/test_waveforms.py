"""Raw waveform extraction: numba kernel vs numpy reference, ground truth, sparse vs dense,
and the high-pass filter vs scipy (phy's ``high_pass``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phycore.model import RawTraces, load_model
from phycore.model.filters import butter_highpass, filtfilt_highpass, lfilter_reference
from phycore.model.synthetic import make_dataset
from phycore.model.waveforms import (extract_waveforms, extract_waveforms_reference, kept_chunks,
                                     select_spikes_evenly)


@given(
    n_samples=st.integers(1, 300),
    n_dat=st.integers(1, 6),
    nsw=st.integers(1, 40),
    spikes=st.lists(st.integers(-50, 350), max_size=20),
    data=st.data(),
)
def test_kernel_equals_reference(n_samples: int, n_dat: int, nsw: int, spikes: list[int], data) -> None:
    rng = np.random.default_rng(n_samples * 7 + n_dat)
    arr = rng.integers(-1000, 1000, (n_samples, n_dat)).astype(np.int16)
    chmap = np.array(data.draw(st.permutations(range(n_dat))))
    traces = RawTraces.from_array(arr, 1000.0, chmap)
    channels = data.draw(st.lists(st.integers(-1, n_dat - 1), min_size=1, max_size=n_dat + 2))
    a = extract_waveforms(traces, spikes, channels, nsw)
    b = extract_waveforms_reference(traces, spikes, channels, nsw)
    assert a.dtype == np.float32 and a.shape == (len(spikes), nsw, len(channels))
    np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def dense_sparse(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("ds")
    kw = dict(n_spikes=600, n_channels=16, n_templates=6, duration=20.0, seed=5, noise_std=0.0,
              n_channels_loc=16)
    pd = make_dataset(d / "dense", sparse=False, **kw)
    ps = make_dataset(d / "sparse", sparse=True, **kw)
    return load_model(pd), load_model(ps)


def test_ground_truth(dense_sparse) -> None:
    m, _ = dense_sparse
    s = m.spike_samples
    gap = np.diff(s)
    isolated = np.nonzero((np.r_[10**9, gap] > 90) & (np.r_[gap, 10**9] > 90))[0]
    assert len(isolated) > 100
    for i in isolated[:50]:
        t = m.spike_templates[i]
        truth = m.amplitudes[i] * (m.sparse_templates.data[t] @ m.wmi)
        ch = m.get_template_channels(t)
        w = m.get_waveforms([i], ch)[0]
        np.testing.assert_allclose(w, truth[:, ch], atol=0.51)


def test_sparse_and_dense_same_data(dense_sparse) -> None:
    d, s = dense_sparse
    ids = np.arange(0, d.n_spikes, 3)
    ch = np.arange(0, 16, 2)
    np.testing.assert_array_equal(d.get_waveforms(ids, ch), s.get_waveforms(ids, ch))
    np.testing.assert_array_equal(d.get_features(ids, ch), s.get_features(ids, ch))
    np.testing.assert_array_equal(d.get_template_features(ids), s.get_template_features(ids))
    for c in d.cluster_ids:
        a, b = d.get_cluster_spike_waveforms(c, channel_ids=ch), s.get_cluster_spike_waveforms(c, channel_ids=ch)
        np.testing.assert_array_equal(a, b)


def test_cluster_spike_waveforms_selection(dense_sparse) -> None:
    m, _ = dense_sparse
    c = int(m.cluster_ids[np.argmax([len(m.get_cluster_spikes(c)) for c in m.cluster_ids])])
    spikes = m.get_cluster_spikes(c)
    sel = m.select_waveform_spikes(c, 10)
    assert len(sel) == min(10, len(spikes)) and np.all(np.isin(sel, spikes))
    assert sel[0] == spikes[0] and sel[-1] == spikes[-1]  # spread over the whole cluster
    w = m.get_cluster_spike_waveforms(c, 10)
    assert w.shape == (len(sel), 82, len(m.get_cluster_channels(c))) and w.dtype == np.float32
    assert m.get_cluster_spike_waveforms(c, -1).shape[0] == len(spikes)
    med = m.get_cluster_spike_waveforms(c, 10, subtract_median=True)
    np.testing.assert_allclose(np.median(med, axis=1), 0, atol=1e-4)
    filt = m.get_cluster_spike_waveforms(c, 10, filtered=True)
    assert filt.shape == w.shape and np.isfinite(filt).all()


def test_select_evenly_and_chunks() -> None:
    ids = np.arange(100, 200)
    assert list(select_spikes_evenly(ids, 3)) == [100, 149, 199]
    assert len(select_spikes_evenly(ids, None)) == 100
    assert len(select_spikes_evenly(ids, 0)) == 0
    assert list(kept_chunks([0, 10, 20, 30, 40], 2)) == [0, 10, 20, 30]


@pytest.mark.parametrize("sr", [20000.0, 30000.0, 25000.0])
def test_butter_matches_scipy(sr: float) -> None:
    signal = pytest.importorskip("scipy.signal")
    b, a = butter_highpass(3, 150.0, sr)
    b0, a0 = signal.butter(3, 150.0 / sr * 2.0, "high")
    np.testing.assert_allclose(b, b0, rtol=1e-10)
    np.testing.assert_allclose(a, a0, rtol=1e-10)
    x = np.random.default_rng(0).standard_normal((500, 3))
    np.testing.assert_allclose(lfilter_reference(b, a, x), signal.lfilter(b0, a0, x, axis=0), atol=1e-10)
    # phy's high_pass: lfilter, flip, lfilter, flip.
    y = signal.lfilter(b0, a0, x, axis=0)[::-1]
    y = signal.lfilter(b0, a0, y, axis=0)[::-1]
    np.testing.assert_allclose(filtfilt_highpass(x, sr, axis=0), y, atol=1e-9)
    x3 = np.random.default_rng(1).standard_normal((4, 82, 5))
    ref = np.flip(signal.lfilter(b0, a0, np.flip(signal.lfilter(b0, a0, x3, axis=1), 1), axis=1), 1)
    np.testing.assert_allclose(filtfilt_highpass(x3, sr, axis=1), ref, atol=1e-9)


def test_raw_offset_and_dtype(tmp_path: Path) -> None:
    arr = np.arange(60, dtype=np.float32).reshape(20, 3)
    p = tmp_path / "x.bin"
    p.write_bytes(b"H" * 16 + arr.tobytes())
    t = RawTraces([p], 3, np.float32, 16, 1000.0, channel_map=[2, 0])
    assert t.shape == (20, 2)
    np.testing.assert_array_equal(t[3:5], arr[3:5][:, [2, 0]])
    w = extract_waveforms(t, [0, 19], [0, 1], 4)
    np.testing.assert_array_equal(w[0, 2:], arr[0:2][:, [2, 0]])
    assert np.all(w[0, :2] == 0) and np.all(w[1, 3:] == 0)


def test_warm_up() -> None:
    from phycore.model.waveforms import warm_up

    warm_up()


@pytest.mark.parametrize("offset", [0, 16, 5000])
def test_prefetch_windows_memmap(tmp_path: Path, offset: int) -> None:
    """Cold reads are announced to the OS (madvise WILLNEED) one range per window,
    windows outside the file are skipped, plain arrays are left alone, results unchanged."""
    from phycore.model.waveforms import prefetch_windows

    arr = np.arange(3000 * 3, dtype=np.int16).reshape(3000, 3)
    p = tmp_path / "x.bin"
    p.write_bytes(b"H" * offset + arr.tobytes())
    t = RawTraces([p], 3, np.int16, offset, 1000.0)
    part = t.parts[0]
    assert isinstance(part, np.memmap)
    # windows entirely before/after the file are skipped; partial ones are announced
    assert prefetch_windows(part, np.array([-100, -4, -2, 0, 1500, 2998, 3000, 5000]), 4) == 4
    assert prefetch_windows(part, np.zeros(0, np.int64), 4) == 0
    assert prefetch_windows(np.asarray(arr), np.array([0, 10]), 4) == 0  # not a memmap
    w = extract_waveforms(t, [0, 1500, 2999], [0, 1, 2], 4)
    np.testing.assert_array_equal(w[1], arr[1498:1502])



@given(st.integers(1, 40), st.integers(1, 9), st.integers(0, 2**31 - 1))
def test_filtfilt_kernel_columns_are_independent(n_t: int, n_c: int, seed: int) -> None:
    # The kernel walks time outer, columns inner: each column must come out bit-identical
    # to that column filtered alone (one column: the column-by-column walk it replaced).
    from phycore.model._kernels import filtfilt_2d

    b, a = butter_highpass(3, 150.0, 25000.0)
    x = np.random.default_rng(seed).standard_normal((n_t, n_c)) * 100
    out = filtfilt_2d(b / a[0], a / a[0], x)
    for c in range(n_c):
        np.testing.assert_array_equal(out[:, c], filtfilt_2d(b / a[0], a / a[0], x[:, c:c + 1].copy())[:, 0])


@pytest.mark.parametrize("shape,margin", [((7, 130, 5), 24), ((3, 82, 1), 0), ((1, 10, 4), 5), ((0, 20, 3), 2)])
def test_highpass_windows_kernel_equals_generic_path(shape: tuple[int, int, int], margin: int) -> None:
    # The built-in high-pass of waveform windows runs in one kernel; its values are those
    # of the generic path (any raw-data filter: axis moved, float64, filtered, cropped).
    from phycore.model.waveforms import _highpass_windows, filter_windows, highpass_filter

    sr = 30000.0
    x = (np.random.default_rng(3).standard_normal(shape) * 200).astype(np.float32)
    fast = _highpass_windows(highpass_filter(sr), x, margin)
    assert fast is not None and fast.dtype == np.float32
    generic = filter_windows(lambda arr, axis: filtfilt_highpass(arr, sr, axis=axis), x, margin)
    np.testing.assert_array_equal(fast, generic)
    np.testing.assert_array_equal(filter_windows(highpass_filter(sr), x, margin), generic)
    assert _highpass_windows(highpass_filter(sr), x.astype(np.float64), margin) is None
