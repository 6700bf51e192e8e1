"""phylib 2.7.1 names of ``TemplateModel`` that phycore serves, with phylib as the value oracle.

Each dataset is loaded by both libraries from two copies of the same folder (phylib writes
into the folder it loads).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from phycore.errors import DataFormatError, SaveError
from phycore.model import TemplateModel, load_model
from phycore.model.synthetic import make_dataset
from tests._phylib_pair import phylib_pair

phylib_model = pytest.importorskip("phylib.io.model")

CASES = [("phy", False), ("phy", True), ("ks4", None)]


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{s}" for f, s in CASES])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    flavor, sparse = request.param
    yield from phylib_pair(tmp_path_factory.mktemp(f"{flavor}_{sparse}"), load_model, n_spikes=2000,
                           n_channels=16, n_templates=8, duration=3.0, flavor=flavor, sparse=sparse, seed=5,
                           n_channels_loc=8)


def _merged_pair(src: Path, tmp: Path) -> tuple[TemplateModel, object]:
    """Copies of ``src`` whose clusters merge two templates and split a third."""
    sc = np.load(src / "spike_templates.npy").astype(np.int32)
    sc[sc == 1] = 0  # cluster 0 = templates 0 + 1
    split = np.flatnonzero(sc == 2)
    sc[split[::2]] = 20  # template 2 split into clusters 2 and 20
    for name in ("ours", "ref"):
        shutil.copytree(src, tmp / name)
        np.save(tmp / name / "spike_clusters.npy", sc)
    return load_model(tmp / "ours" / "params.py"), phylib_model.load_model(tmp / "ref" / "params.py")


@pytest.fixture(scope="module")
def dense_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dense")
    make_dataset(d, n_spikes=1500, n_channels=12, n_templates=5, duration=2.0, seed=2, sparse=False)
    return d


def test_cluster_spike_waveforms_all_spikes(pair) -> None:
    ours, ref = pair
    for c in ours.cluster_ids[:3]:
        w_ref = ref.get_cluster_spike_waveforms(c)
        w = ours.get_cluster_spike_waveforms(c)
        assert w.shape[0] == len(ours.get_cluster_spikes(c))
        np.testing.assert_array_equal(w, w_ref.astype(np.float32))
        # The budget is an explicit argument.
        assert ours.get_cluster_spike_waveforms(c, n_spikes=10).shape[0] == min(10, w.shape[0])


def test_spike_attributes_and_loaders(pair) -> None:
    ours, ref = pair
    assert set(ours.spike_attributes) == set(ref.spike_attributes)
    for name in ("_load_amplitudes", "_load_spike_templates", "_load_channel_map", "_load_channel_positions",
                 "_load_channel_shanks", "_load_channel_probes", "_load_similar_templates", "_load_wm",
                 "_load_wmi", "_load_spike_reorder"):
        a, b = getattr(ours, name)(), getattr(ref, name)()
        if b is None:
            assert a is None, name
        else:
            np.testing.assert_allclose(a, b, err_msg=name)
    sc = ours._load_spike_clusters()
    assert sc.dtype == np.int32 and sc is not ours.spike_clusters
    np.testing.assert_array_equal(sc, ref._load_spike_clusters())
    for a, b in zip(ours._load_spike_samples(), ref._load_spike_samples()):
        np.testing.assert_array_equal(a, b)
    t, t_ref = ours._load_templates(), ref._load_templates()
    np.testing.assert_array_equal(t.data, t_ref.data)
    assert (t.cols is None) == (t_ref.cols is None)
    if t.cols is not None:
        np.testing.assert_array_equal(t.cols, t_ref.cols)
    for name in ("_load_features", "_load_template_features"):
        a, b = getattr(ours, name)(), getattr(ref, name)()
        assert (a is None) == (b is None), name
        if b is not None:
            np.testing.assert_array_equal(a.data, b.data)
            for k in ("cols", "rows"):
                assert (a[k] is None) == (b[k] is None), (name, k)
                if b[k] is not None:
                    np.testing.assert_array_equal(a[k], b[k])
    assert ours._load_metadata() == ref._load_metadata()
    assert set(ours._load_spike_attributes()) == set(ref._load_spike_attributes())
    assert (ours._load_spike_waveforms() is None) == (ref._load_spike_waveforms() is None)


def test_merge_map_when_clusters_equal_templates(dense_src: Path, tmp_path: Path) -> None:
    for name in ("ours", "ref"):
        shutil.copytree(dense_src, tmp_path / name)
        (tmp_path / name / "spike_clusters.npy").unlink()
    ours = load_model(tmp_path / "ours" / "params.py")
    ref = phylib_model.load_model(tmp_path / "ref" / "params.py")
    assert not (tmp_path / "ours" / "spike_clusters.npy").exists()  # phylib creates it, phycore does not
    assert ours.merge_map == ref.merge_map == {}
    assert list(ours.nan_idx) == list(ref.nan_idx) == []
    assert ours.sparse_clusters is ours.sparse_templates
    np.testing.assert_allclose(ours.clusters_waveforms_durations, ref.clusters_waveforms_durations)


def test_merge_map_and_cluster_waveforms(dense_src: Path, tmp_path: Path) -> None:
    ours, ref = _merged_pair(dense_src, tmp_path)
    mm, nan = ours.get_merge_map()
    mm_ref, nan_ref = ref.get_merge_map()
    assert mm == {k: [int(t) for t in v] for k, v in mm_ref.items()}
    assert mm[0] == [0, 1] and mm[2] == [2] and mm[20] == [2] and mm[1] == []
    np.testing.assert_array_equal(nan, nan_ref)
    assert ours.merge_map == mm
    np.testing.assert_array_equal(ours.nan_idx, ref.nan_idx)
    np.testing.assert_allclose(ours.cluster_waveforms().data, ref.cluster_waveforms().data, rtol=1e-6, atol=1e-9)
    assert ours.sparse_clusters.cols is None
    np.testing.assert_allclose(ours.sparse_clusters.data, ref.sparse_clusters.data, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.clusters_waveforms_durations, ref.clusters_waveforms_durations)


def test_cluster_waveforms_sparse_templates(tmp_path: Path) -> None:
    """phylib only builds cluster waveforms for dense templates; phycore scatters sparse ones."""
    make_dataset(tmp_path, n_spikes=600, n_channels=12, n_templates=4, duration=1.0, seed=1, sparse=True,
                 n_channels_loc=5)
    m = load_model(tmp_path / "params.py")
    assert m.merge_map == {} and m.sparse_clusters is m.sparse_templates  # phylib's rule
    data = m.cluster_waveforms().data
    for c in m.cluster_ids:
        t = int(m.get_cluster_template(c))
        if m.get_merge_map()[0][c] == [t]:
            cols = m.sparse_templates.cols[t]
            np.testing.assert_array_equal(data[c][:, cols[cols >= 0]], m._templates.data[t][:, cols >= 0])


def test_save_spike_clusters_bytes_and_backup(dense_src: Path, tmp_path: Path) -> None:
    ours, ref = _merged_pair(dense_src, tmp_path)
    new = ref.spike_clusters.copy()
    new[:10] = 30
    ref.save_spike_clusters(new)  # int32, as phy passes it
    path = ours.save_spike_clusters(new.astype(np.int64))  # phycore's ids are int64
    assert path == tmp_path / "ours" / "spike_clusters.npy"
    assert path.read_bytes() == (tmp_path / "ref" / "spike_clusters.npy").read_bytes()
    backups = list((tmp_path / "ours" / ".phy" / "backup").glob("spike_clusters.npy.*"))
    assert len(backups) == 1 and 30 not in np.load(backups[0])
    assert 30 not in ours.spike_clusters  # the model keeps the data it loaded, as phylib
    with pytest.raises(DataFormatError, match="shape"):
        ours.save_spike_clusters(new[:-1])
    with pytest.raises(DataFormatError, match="non-negative"):
        ours.save_spike_clusters(-new)
    assert path.read_bytes() == (tmp_path / "ref" / "spike_clusters.npy").read_bytes()  # untouched


def test_save_spike_clusters_alf_name(dense_src: Path, tmp_path: Path) -> None:
    shutil.copytree(dense_src, tmp_path / "d")
    (tmp_path / "d" / "spike_clusters.npy").rename(tmp_path / "d" / "spikes.clusters.npy")
    m = load_model(tmp_path / "d" / "params.py")
    assert m.save_spike_clusters(m.spike_clusters) == tmp_path / "d" / "spikes.clusters.npy"
    assert not (tmp_path / "d" / "spike_clusters.npy").exists()


def test_save_metadata_bytes(dense_src: Path, tmp_path: Path) -> None:
    ours, ref = _merged_pair(dense_src, tmp_path)
    values = {3: "good", 0: "mua", 20: None, 2: "noise"}
    ref.save_metadata("group", values)
    path = ours.save_metadata("group", values)
    assert path.read_bytes() == (tmp_path / "ref" / "cluster_group.tsv").read_bytes()
    ref.save_metadata("score", {1: 0.5, 0: 2})
    assert ours.save_metadata("score", {1: 0.5, 0: 2}).read_bytes() == \
        (tmp_path / "ref" / "cluster_score.tsv").read_bytes()
    backups = tmp_path / "ours" / ".phy" / "backup"
    n = len(list(backups.glob("cluster_group.tsv.*")))
    ours.save_metadata("group", {0: "good"})
    assert len(list(backups.glob("cluster_group.tsv.*"))) == n + 1  # the previous save is kept


def test_in_memory_model_refuses_to_save(dense_src: Path) -> None:
    m = load_model(dense_src / "params.py")
    a = TemplateModel.from_arrays(spike_samples=m.spike_samples, spike_templates=m.spike_templates,
                                  templates=np.asarray(m.sparse_templates.data), sample_rate=m.sample_rate,
                                  channel_positions=m.channel_positions)
    with pytest.raises(SaveError, match="no folder"):
        a.save_spike_clusters(a.spike_clusters)
    with pytest.raises(SaveError, match="no folder"):
        a.save_metadata("group", {0: "good"})
