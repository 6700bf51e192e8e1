"""TemplateModel: loading gives back what was written, never writes, reports bad input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

import phycore
from phycore.errors import (ClusterIdError, DataFormatError, MissingFileError, ParamsError,
                            RawDataError, SpikeIdError)
from phycore.model import TemplateModel, load_model
from phycore.model.synthetic import make_dataset


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("model")
    make_dataset(d, n_spikes=4000, n_channels=24, n_templates=10, duration=4.0, seed=1)
    return d


@pytest.fixture
def copy(folder: Path, tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(folder, d)
    return d


def _snapshot(d: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (hashlib.sha1(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(d.rglob("*")) if p.is_file()}


def test_load_round_trip(folder: Path) -> None:
    m = phycore.load_model(folder / "params.py")
    assert isinstance(m, TemplateModel)
    np.testing.assert_array_equal(m.spike_samples, np.load(folder / "spike_times.npy"))
    assert m.spike_samples.dtype == np.int64 and m.spike_clusters.dtype == np.int64
    np.testing.assert_array_equal(m.spike_times, np.load(folder / "spike_times.npy") / 30000.0)
    np.testing.assert_array_equal(m.spike_templates, np.load(folder / "spike_templates.npy"))
    np.testing.assert_array_equal(m.spike_clusters, np.load(folder / "spike_clusters.npy"))
    np.testing.assert_array_equal(m.amplitudes, np.load(folder / "amplitudes.npy"))
    np.testing.assert_array_equal(m.sparse_templates.data, np.load(folder / "templates.npy"))
    np.testing.assert_array_equal(m.sparse_features.data, np.load(folder / "pc_features.npy"))
    assert m.n_spikes == 4000 and m.n_templates == 10 and m.n_channels == 24
    assert m.sample_rate == 30000.0 and m.duration == 4.0 and m.has_raw_data
    assert m.raw_data_error is None and m.dtype == np.int16 and m.offset == 0
    assert m.dat_path == [folder.resolve() / "raw.dat"]
    assert "group" in m.metadata
    s = m.summary()
    assert s["n_spikes"] == 4000 and "pc_features.npy" in s["files"]
    assert s["n_clusters"] == len(np.unique(m.spike_clusters))
    # Large arrays are memory-mapped, read-only.
    assert isinstance(m.sparse_features.data, np.memmap)
    assert not m.sparse_templates.data.flags.writeable
    # spike_clusters is a writable copy.
    m.spike_clusters[0] = 99
    assert np.load(folder / "spike_clusters.npy")[0] != 99
    m.close()


def test_loading_writes_nothing(copy: Path) -> None:
    (copy / "spike_clusters.npy").unlink()
    (copy / "whitening_mat_inv.npy").unlink()
    tmpl = np.load(copy / "templates.npy")
    tmpl[0] = np.nan
    np.save(copy / "templates.npy", tmpl)
    before = _snapshot(copy)
    m = load_model(copy / "params.py")
    np.testing.assert_array_equal(m.spike_clusters, m.spike_templates)
    assert m.spike_clusters is not m.spike_templates
    assert np.all(m.get_template(0, unwhiten=False).template == 0)  # NaN zeroed in memory
    np.testing.assert_allclose(m.wmi, np.linalg.inv(np.load(copy / "whitening_mat.npy")))
    m.get_cluster_spike_waveforms(int(m.cluster_ids[0]))
    m.get_features(np.arange(10), [0, 1])
    m.close()
    assert _snapshot(copy) == before


def test_params_override_and_getattr(copy: Path) -> None:
    p = copy / "params.py"
    p.write_text(p.read_text() + "n_closest_channels = 3\nmy_key = 'v'\n")
    m = load_model(p)
    assert m.n_closest_channels == 3 and m.my_key == "v"
    assert all(len(m.get_template_channels(t)) <= 3 for t in range(m.n_templates))
    with pytest.raises(AttributeError):
        m.does_not_exist


def test_no_raw_data(copy: Path) -> None:
    p = copy / "params.py"
    p.write_text(p.read_text().replace("dat_path = 'raw.dat'", "dat_path = ''"))
    m = load_model(p)
    assert not m.has_raw_data and "dat_path" in m.raw_data_error
    assert m.duration == m.spike_times[-1]
    c = int(m.cluster_ids[0])
    assert len(m.get_cluster_channels(c))
    assert m.get_features(np.arange(5), [0]).shape == (5, 1, 3)
    with pytest.raises(RawDataError, match="unavailable"):
        m.get_cluster_spike_waveforms(c)
    with pytest.raises(RawDataError):
        m.get_traces(0, 0.1)


@pytest.mark.parametrize("kind", ["missing", "truncated"])
def test_bad_raw_data(copy: Path, kind: str) -> None:
    raw = copy / "raw.dat"
    if kind == "missing":
        raw.unlink()
    else:
        with raw.open("r+b") as f:
            f.truncate(raw.stat().st_size // 2 + 1)
    m = load_model(copy / "params.py")
    assert not m.has_raw_data
    assert "raw.dat" in m.raw_data_error
    with pytest.raises(RawDataError, match="raw.dat"):
        m.get_waveforms([0, 1])


def test_raw_data_shorter_than_spikes(copy: Path) -> None:
    raw = copy / "raw.dat"
    with raw.open("r+b") as f:
        f.truncate(24 * 2 * 1000)  # whole frames, but ends before the last spike
    m = load_model(copy / "params.py")
    assert not m.has_raw_data and "truncated" in m.raw_data_error


def test_multiple_dat_files(copy: Path, folder: Path) -> None:
    data = np.fromfile(copy / "raw.dat", dtype=np.int16).reshape(-1, 24)
    cut = 50_000
    data[:cut].tofile(copy / "a.dat")
    data[cut:].tofile(copy / "b.dat")
    p = copy / "params.py"
    p.write_text(p.read_text().replace("dat_path = 'raw.dat'", f"dat_path = ['a.dat', {str(copy / 'b.dat')!r}]"))
    m2 = load_model(p)
    m1 = load_model(folder / "params.py")
    assert m2.traces.n_samples == m1.traces.n_samples
    spikes = np.nonzero(np.abs(m1.spike_samples - cut) < 82)[0]
    spikes = np.r_[spikes, 0, m1.n_spikes - 1]
    np.testing.assert_array_equal(m2.get_waveforms(spikes), m1.get_waveforms(spikes))
    np.testing.assert_array_equal(m2.traces[cut - 10:cut + 10], data[cut - 10:cut + 10])


def test_ids_errors(folder: Path) -> None:
    m = load_model(folder / "params.py")
    for bad in ("3", 1.5, None, True):
        with pytest.raises(ClusterIdError) as e:
            m.get_cluster_channels(bad)
        assert "cluster_id" in str(e.value) and e.value.argument == "cluster_id"
    with pytest.raises(ClusterIdError, match="12345 does not exist"):
        m.get_cluster_spike_waveforms(12345)
    with pytest.raises(ClusterIdError, match="template_id"):
        m.get_template(99)
    with pytest.raises(SpikeIdError, match="spike_ids"):
        m.get_waveforms([m.n_spikes])
    with pytest.raises(SpikeIdError, match="spike_ids"):
        m.get_features([0.5], [0])
    assert m.get_cluster_channels(np.int32(m.cluster_ids[0])).dtype == np.int64


def _break(copy: Path, name: str, arr: np.ndarray) -> Path:
    np.save(copy / name, arr)
    return copy / "params.py"


@pytest.mark.parametrize("case, exc, words", [
    ("no_params", MissingFileError, ["params"]),
    ("params_code", ParamsError, ["line 7"]),
    ("no_spike_times", MissingFileError, ["spike_times.npy"]),
    ("no_templates", MissingFileError, ["templates.npy"]),
    ("no_channel_map", MissingFileError, ["channel_map.npy"]),
    ("times_decreasing", DataFormatError, ["spike_times.npy", "non-decreasing"]),
    ("times_float", DataFormatError, ["spike_times.npy"]),
    ("templates_len", DataFormatError, ["spike_templates.npy", "rows"]),
    ("template_oob", DataFormatError, ["spike_templates.npy", "template 10", "templates.npy"]),
    ("clusters_len", DataFormatError, ["spike_clusters.npy"]),
    ("amplitudes_len", DataFormatError, ["amplitudes.npy"]),
    ("templates_dtype", DataFormatError, ["templates.npy", "dtype"]),
    ("templates_channels", DataFormatError, ["templates.npy", "channel_map.npy"]),
    ("positions", DataFormatError, ["channel_positions.npy"]),
    ("pc_ind", DataFormatError, ["pc_feature_ind.npy"]),
    ("pc_rows", DataFormatError, ["pc_features.npy"]),
    ("similar", DataFormatError, ["similar_templates.npy"]),
    ("whitening", DataFormatError, ["whitening_mat.npy"]),
    ("corrupt_npy", DataFormatError, ["amplitudes.npy"]),
    ("chmap_nchan", DataFormatError, ["channel_map.npy", "n_channels_dat"]),
])
def test_bad_folders(copy: Path, case: str, exc: type, words: list[str]) -> None:
    p = copy / "params.py"
    n = 4000
    if case == "no_params":
        p.unlink()
    elif case == "params_code":
        p.write_text(p.read_text() + "import os\n")
    elif case.startswith("no_"):
        (copy / (case[3:] + ".npy")).unlink()
    elif case == "times_decreasing":
        t = np.load(copy / "spike_times.npy")
        t[10] = t[11] + 5
        _break(copy, "spike_times.npy", t)
    elif case == "times_float":
        _break(copy, "spike_times.npy", np.load(copy / "spike_times.npy") + 0.5)
    elif case == "templates_len":
        _break(copy, "spike_templates.npy", np.load(copy / "spike_templates.npy")[:-1])
    elif case == "template_oob":
        st = np.load(copy / "spike_templates.npy")
        st[5] = 10
        _break(copy, "spike_templates.npy", st)
    elif case == "clusters_len":
        _break(copy, "spike_clusters.npy", np.zeros(n + 1, np.int32))
    elif case == "amplitudes_len":
        _break(copy, "amplitudes.npy", np.zeros(n - 3, np.float32))
    elif case == "templates_dtype":
        _break(copy, "templates.npy", np.zeros((10, 82, 24), np.int16))
    elif case == "templates_channels":
        _break(copy, "templates.npy", np.zeros((10, 82, 20), np.float32))
    elif case == "positions":
        _break(copy, "channel_positions.npy", np.zeros((23, 2)))
    elif case == "pc_ind":
        _break(copy, "pc_feature_ind.npy", np.zeros((9, 24), np.int32))
    elif case == "pc_rows":
        _break(copy, "pc_features.npy", np.zeros((n - 1, 3, 24), np.float32))
    elif case == "similar":
        _break(copy, "similar_templates.npy", np.zeros((3, 3)))
    elif case == "whitening":
        _break(copy, "whitening_mat.npy", np.eye(5))
    elif case == "corrupt_npy":
        (copy / "amplitudes.npy").write_bytes(b"not a npy file")
    elif case == "chmap_nchan":
        _break(copy, "channel_map.npy", np.arange(24) + 10)
    before = _snapshot(copy) if p.exists() else None
    with pytest.raises(exc) as e:
        load_model(p)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    if before is not None:
        assert _snapshot(copy) == before


def test_from_arrays(folder: Path) -> None:
    m = load_model(folder / "params.py")
    raw = np.fromfile(folder / "raw.dat", dtype=np.int16).reshape(-1, 24)
    a = TemplateModel.from_arrays(
        spike_samples=m.spike_samples, spike_templates=m.spike_templates,
        templates=np.array(m.sparse_templates.data), sample_rate=m.sample_rate,
        channel_positions=m.channel_positions, spike_clusters=m.spike_clusters,
        amplitudes=np.array(m.amplitudes), whitening_mat=m.wm, whitening_mat_inv=m.wmi,
        similar_templates=m.similar_templates, pc_features=np.array(m.sparse_features.data),
        pc_feature_ind=m.sparse_features.cols, template_features=np.array(m.template_features),
        template_feature_ind=m.sparse_template_features.cols, raw_data=raw,
        channel_shanks=m.channel_shanks)
    assert a.dir_path is None and a.has_raw_data
    for c in m.cluster_ids:
        np.testing.assert_array_equal(a.get_cluster_channels(c), m.get_cluster_channels(c))
        np.testing.assert_array_equal(a.get_cluster_spike_waveforms(c), m.get_cluster_spike_waveforms(c))
    ids = np.arange(0, 4000, 7)
    np.testing.assert_array_equal(a.get_features(ids, [0, 3, 5]), m.get_features(ids, [0, 3, 5]))
    np.testing.assert_array_equal(a.get_template_features(ids), m.get_template_features(ids))
    np.testing.assert_array_equal(a.clusters_channels, m.clusters_channels)
    with pytest.raises(DataFormatError, match="spike_templates"):
        TemplateModel.from_arrays(spike_samples=[0, 1], spike_templates=[0, 5],
                                  templates=np.zeros((2, 10, 3), np.float32), sample_rate=1e3,
                                  channel_positions=np.c_[np.zeros(3), np.arange(3)])
    b = TemplateModel.from_arrays(spike_samples=[0, 1], spike_templates=[0, 1],
                                  templates=np.ones((2, 10, 3), np.float32), sample_rate=1e3,
                                  channel_positions=np.c_[np.zeros(3), np.arange(3)])
    assert not b.has_raw_data and b.raw_data_error


def test_vectorised_tables(folder: Path) -> None:
    m = load_model(folder / "params.py")
    cc = m.clusters_channels
    amp = m.clusters_waveforms_amplitudes
    for c in range(len(cc)):
        if c in m.cluster_ids:
            assert cc[c] == m.get_cluster_channels(c)[0]
            assert amp[c] == pytest.approx(m.get_template(m.get_cluster_template(c)).amplitude.max())
        else:
            assert cc[c] == -1 and np.isnan(amp[c])
    mw = m.get_cluster_mean_waveforms(int(m.cluster_ids[0]))
    assert mw["mean_waveforms"].shape == (82, len(mw["channel_ids"]))


def test_traces_window(folder: Path) -> None:
    m = load_model(folder / "params.py")
    raw = np.fromfile(folder / "raw.dat", dtype=np.int16).reshape(-1, 24)
    w = m.get_traces(0.5, 0.6)
    np.testing.assert_array_equal(w, raw[15000:18000].astype(np.float32))
    f = m.get_traces(0.5, 0.6, [0, 2], filtered=True)
    assert f.shape == (3000, 2) and abs(float(f.mean())) < abs(float(w[:, [0, 2]].mean())) + 1
    assert m.traces.shape == (raw.shape[0], 24)
    np.testing.assert_array_equal(m.traces[10:20, [1, 2]], raw[10:20, [1, 2]])
