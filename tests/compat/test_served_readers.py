"""phylib's raw readers, waveform helpers and SpikeSelector served by phycore.compat._readers.

Each is compared with phylib's own (the test oracle) on a synthetic dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import phylib.io.array as real_array
import phylib.io.model as real_model
import phylib.io.traces as real
import pytest

from phycore import compat
from phycore.bunch import Bunch
from phycore.model.synthetic import make_dataset

pytestmark = pytest.mark.usefixtures("phy_hidden")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("readers")
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=5.0, raw=True, seed=0)
    return d


KW = dict(sample_rate=30000.0, dtype="int16", offset=0, n_channels=16)


def test_flat_reader_matches_phylib(dataset: Path) -> None:
    with compat.forced():
        from phylib.io.model import get_ephys_reader
        from phylib.io.traces import BaseEphysReader, FlatEphysReader

    ours, theirs = get_ephys_reader(dataset / "raw.dat", **KW), real.get_ephys_reader(dataset / "raw.dat", **KW)
    assert isinstance(ours, FlatEphysReader) and isinstance(ours, BaseEphysReader)
    for name in ("sample_rate", "n_channels", "n_samples", "n_parts", "shape", "duration", "ndim", "name",
                 "dir_path", "sample_onset", "sample_offset"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert np.dtype(ours.dtype) == np.dtype(theirs.dtype)
    assert list(ours.part_bounds) == list(theirs.part_bounds)
    assert ours.chunk_bounds[0] == 0 and ours.chunk_bounds[-1] == theirs.chunk_bounds[-1]
    assert ours.n_chunks == len(ours.chunk_bounds) - 1 == len(list(ours.iter_chunks()))
    for item in (slice(100, 250), slice(0, 10), (slice(1000, 1100), [2, 5, 7])):
        assert np.array_equal(ours[item], theirs[item])
    assert np.array_equal(ours.subset_time_range((0.01, 0.02)), theirs[300:600])
    # Concatenated files, n_channels_dat, a missing file.
    both = get_ephys_reader([dataset / "raw.dat", dataset / "raw.dat"], sample_rate=30000.0, dtype="int16",
                            n_channels_dat=16)
    assert both.n_parts == 2 and both.n_samples == 2 * theirs.n_samples
    assert np.array_equal(both[theirs.n_samples - 5:theirs.n_samples + 5],
                          np.concatenate([theirs[-5:], theirs[:5]]))
    assert get_ephys_reader(dataset / "missing.dat", **KW) is None


def test_npy_array_and_random_readers(tmp_path: Path) -> None:
    with compat.forced():
        from phylib.io.model import RandomEphysReader
        from phylib.io.traces import ArrayEphysReader, NpyEphysReader, get_ephys_reader

    arr = np.random.default_rng(0).normal(size=(500, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", arr)
    npy, real_npy = get_ephys_reader(tmp_path / "x.npy", sample_rate=1000.), real.get_ephys_reader(
        tmp_path / "x.npy", sample_rate=1000.)
    assert isinstance(npy, NpyEphysReader) and (npy.name, npy.dir_path, npy.shape) == (
        real_npy.name, real_npy.dir_path, real_npy.shape)
    assert np.array_equal(npy[10:20], real_npy[10:20])
    mem = get_ephys_reader(arr, sample_rate=1000.)
    assert isinstance(mem, ArrayEphysReader) and np.array_equal(mem[:], arr) and mem.duration == 0.5
    rnd, real_rnd = RandomEphysReader(2500, 3, sample_rate=1000.), real.RandomEphysReader(2500, 3, sample_rate=1000.)
    for name in ("name", "n_channels", "sample_rate", "shape", "n_parts", "n_samples"):
        assert getattr(rnd, name) == getattr(real_rnd, name), name
    assert list(rnd.part_bounds) == list(real_rnd.part_bounds)
    assert np.dtype(rnd.dtype) == np.float32 and rnd[10:110].shape == real_rnd[10:110].shape == (100, 3)
    assert rnd[0:5, [0, 2]].shape == (5, 2) and rnd[0:5].dtype == np.float32


def test_waveform_helpers_match_phylib(dataset: Path, tmp_path: Path) -> None:
    with compat.forced():
        from phylib.io.model import compute_features, export_waveforms, extract_waveforms, get_ephys_reader
        from phylib.io.model import get_spike_waveforms

    ours, theirs = get_ephys_reader(dataset / "raw.dat", **KW), real.get_ephys_reader(dataset / "raw.dat", **KW)
    samples = np.array([5, 1000, 20000, theirs.n_samples - 3])
    channels = np.array([0, 3, -1, 9])
    kw = dict(n_samples_waveforms=40)
    w = extract_waveforms(ours, samples, channels, **kw)
    assert w.dtype == np.int16 and np.array_equal(w, real.extract_waveforms(theirs, samples, channels, **kw))
    spike_channels = np.array([[0, 1], [2, 3], [4, 5], [6, 7]])
    export_waveforms(tmp_path / "a.npy", ours, samples, spike_channels, n_samples_waveforms=40, sample2unit=0.5)
    real.export_waveforms(tmp_path / "b.npy", theirs, samples, spike_channels, n_samples_waveforms=40,
                          sample2unit=0.5)
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))
    sw = Bunch(spike_ids=np.array([2, 5, 8]), spike_channels=np.array([[0, 1], [1, 2], [3, 0]]),
               waveforms=np.random.default_rng(1).normal(size=(3, 20, 2)).astype(np.float32))
    assert np.array_equal(get_spike_waveforms([5, 8], [0, 1, 3], spike_waveforms=sw, n_samples_waveforms=20),
                          real.get_spike_waveforms([5, 8], [0, 1, 3], spike_waveforms=sw, n_samples_waveforms=20))
    wf = real.extract_waveforms(theirs, np.arange(100, 25000, 250), np.arange(4), n_samples_waveforms=30)
    f, g = compute_features(wf), real_model.compute_features(wf)
    assert f.shape == g.shape == (len(wf), 4, 3)
    assert np.allclose(f, g, rtol=1e-4, atol=1e-4 * np.abs(g).max())  # signs and order too


def test_spike_selector_matches_phylib() -> None:
    with compat.forced():
        from phylib.io.model import SpikeSelector

    clusters = np.random.default_rng(2).integers(0, 3, 1000)
    times = np.sort(np.random.default_rng(3).uniform(0, 100, 1000))

    def per_cluster(c: int) -> np.ndarray:
        return np.flatnonzero(clusters == c)

    args = dict(get_spikes_per_cluster=per_cluster, spike_times=times, chunk_bounds=np.arange(0, 101, 10),
                n_chunks_kept=3)
    ours, theirs = SpikeSelector(**args), real_array.SpikeSelector(**args)
    assert np.array_equal(ours.chunks_kept, theirs.chunks_kept)
    assert ours.get_spikes_per_cluster is per_cluster and ours.spike_times is not None
    assert ours.spikes_are_disjoint == theirs.spikes_are_disjoint is False
    for kw in (dict(subset_chunks=True), dict(subset_spikes=np.arange(0, 1000, 3)), {}):
        assert np.array_equal(ours(None, [0, 2], **kw), theirs(None, [0, 2], **kw)), kw
    even, real_even = ours(20, [1], sample_evenly=True), theirs(20, [1], sample_evenly=True)
    assert np.array_equal(even, real_even)
    rnd = ours(15, [0, 1])
    assert len(rnd) == 30 and np.all(np.diff(rnd) > 0) and set(clusters[rnd]) == {0, 1}
    assert ours(5, []).size == 0
