"""phylib 2.7.1 is the oracle: folders written the way each tool writes them load with
the values ``phylib.io.model.load_model`` gives (phylib runs on a separate copy,
because it writes files into the folder it loads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from phycore.model import load_model
from phycore.model.synthetic import make_dataset
from tests._phylib_pair import phylib_pair

phylib_model = pytest.importorskip("phylib.io.model")

CASES = [
    ("phy", False),
    ("phy", True),
    ("ks25", None),
    ("ks3", None),
    ("ks4", None),
    ("spikeinterface", None),
]


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{s}" for f, s in CASES])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    flavor, sparse = request.param
    yield from phylib_pair(tmp_path_factory.mktemp(f"{flavor}_{sparse}"), load_model, n_spikes=3000,
                           n_channels=32, n_templates=12, duration=4.0, flavor=flavor, sparse=sparse, seed=3,
                           n_channels_loc=12)


def test_arrays_identical(pair) -> None:
    ours, ref = pair
    np.testing.assert_array_equal(ours.spike_samples, ref.spike_samples)
    np.testing.assert_array_equal(ours.spike_times, ref.spike_times)
    np.testing.assert_array_equal(ours.spike_templates, ref.spike_templates)
    np.testing.assert_array_equal(ours.spike_clusters, ref.spike_clusters)
    np.testing.assert_array_equal(ours.amplitudes, ref.amplitudes)
    np.testing.assert_array_equal(ours.channel_map, ref.channel_mapping)
    np.testing.assert_array_equal(ours.channel_positions, ref.channel_positions)
    np.testing.assert_array_equal(ours.channel_shanks, ref.channel_shanks)
    np.testing.assert_array_equal(ours.channel_probes, ref.channel_probes)
    np.testing.assert_array_equal(ours.similar_templates, ref.similar_templates)
    np.testing.assert_allclose(ours.wmi, ref.wmi)
    np.testing.assert_array_equal(ours.template_ids, ref.template_ids)
    np.testing.assert_array_equal(ours.cluster_ids, ref.cluster_ids)
    assert (ours.n_templates, ours.n_samples_waveforms, ours.n_channels_loc) == (
        ref.n_templates, ref.n_samples_waveforms, ref.n_channels_loc)
    assert ours.duration == ref.duration
    assert ours.metadata == ref.metadata
    assert set(ours.spike_attributes) == set(ref.spike_attributes)


def test_templates_and_best_channels(pair) -> None:
    ours, ref = pair
    for t in range(ours.n_templates):
        a, b = ours.get_template(t), ref.get_template(t)
        np.testing.assert_array_equal(a.channel_ids, b.channel_ids)
        assert a.best_channel == b.best_channel
        np.testing.assert_allclose(a.template, b.template, rtol=1e-5, atol=1e-6)
    cc = ours.clusters_channels
    for c in ours.cluster_ids:
        np.testing.assert_array_equal(ours.get_cluster_channels(c), ref.get_cluster_channels(c))
        assert cc[c] == ref.get_cluster_channels(c)[0]
    np.testing.assert_array_equal(ours.templates_channels, ref.templates_channels)
    np.testing.assert_allclose(ours.templates_amplitudes, ref.templates_amplitudes)
    np.testing.assert_allclose(ours.clusters_amplitudes, ref.clusters_amplitudes)
    np.testing.assert_allclose(ours.templates_waveforms_durations, ref.templates_waveforms_durations)


def test_waveforms_and_features(pair) -> None:
    ours, ref = pair
    rng = np.random.default_rng(0)
    spike_ids = np.sort(rng.choice(ours.n_spikes, 200, replace=False))
    for c in ours.cluster_ids[:4]:
        ch = ours.get_cluster_channels(c)
        np.testing.assert_array_equal(ours.get_waveforms(spike_ids, ch),
                                      ref.get_waveforms(spike_ids, ch).astype(np.float32))
        f_ref = ref.get_features(spike_ids, ch)
        f_ours = ours.get_features(spike_ids, ch)
        if f_ref is None:
            assert f_ours is None
        else:
            np.testing.assert_array_equal(f_ours, f_ref.astype(np.float32))
    tf_ref = ref.get_template_features(spike_ids)
    tf_ours = ours.get_template_features(spike_ids)
    if tf_ref is None:
        assert tf_ours is None
    else:
        np.testing.assert_array_equal(tf_ours, tf_ref.astype(np.float32))
    d_ref, d_ours = ref.get_depths(), ours.get_depths()
    if d_ref is None:
        assert d_ours is None
    else:
        np.testing.assert_allclose(d_ours, d_ref, rtol=1e-6)


def test_amplitudes_true(pair) -> None:
    ours, ref = pair
    if ours.sparse_templates.cols is not None:
        pytest.skip("phylib does not implement sparse templates here")
    for x, y in zip(ours.get_amplitudes_true(), ref.get_amplitudes_true()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def _pair_from(src: Path, tmp: Path, edit) -> tuple:
    """Copy ``src`` twice, apply ``edit(folder)`` to both, load with both libraries."""
    for name in ("ours", "ref"):
        shutil.copytree(src, tmp / name)
        edit(tmp / name)
    return load_model(tmp / "ours" / "params.py"), phylib_model.load_model(tmp / "ref" / "params.py")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("base")
    make_dataset(d, n_spikes=2000, n_channels=16, n_templates=6, duration=3.0, seed=11,
                 n_channels_loc=8)
    return d


def test_alf_names(base: Path, tmp_path: Path) -> None:
    def edit(d: Path) -> None:
        sr = 30000.0
        np.save(d / "spikes.times.npy", np.load(d / "spike_times.npy") / sr)
        (d / "spike_times.npy").unlink()
        (d / "spike_templates.npy").rename(d / "spikes.templates.npy")
        (d / "spike_clusters.npy").rename(d / "spikes.clusters.npy")
        (d / "amplitudes.npy").rename(d / "spikes.amps.npy")
        (d / "channel_map.npy").rename(d / "channels.rawInd.npy")
        (d / "channel_positions.npy").rename(d / "channels.localCoordinates.npy")
    ours, ref = _pair_from(base, tmp_path, edit)
    np.testing.assert_array_equal(ours.spike_times, ref.spike_times)
    np.testing.assert_array_equal(ours.spike_samples, ref.spike_samples)
    np.testing.assert_array_equal(ours.spike_clusters, ref.spike_clusters)
    np.testing.assert_array_equal(ours.amplitudes, ref.amplitudes)
    for c in ours.cluster_ids:
        np.testing.assert_array_equal(ours.get_cluster_channels(c), ref.get_cluster_channels(c))


def test_feature_subsets(base: Path, tmp_path: Path) -> None:
    def edit(d: Path) -> None:
        rows = np.arange(0, 2000, 3)
        np.save(d / "pc_features.npy", np.load(d / "pc_features.npy")[rows])
        np.save(d / "pc_feature_spike_ids.npy", rows.astype(np.int64))
        np.save(d / "spike_times_reordered.npy", np.load(d / "spike_times.npy")[::-1].copy())
        np.save(d / "spike_extra.npy", np.arange(2000.0))
        np.save(d / "spike_bad.npy", np.arange(5.0))
        (d / "cluster_notes.csv").write_text("cluster_id,note,score\n0,hello,1.5\n3,,2\n")
    ours, ref = _pair_from(base, tmp_path, edit)
    ids = np.arange(0, 2000, 7)
    ch = ours.get_cluster_channels(0)[:5]
    np.testing.assert_array_equal(ours.get_features(ids, ch), ref.get_features(ids, ch).astype(np.float32))
    np.testing.assert_array_equal(ours.spike_times_reordered, ref.spike_times_reordered)
    assert set(ours.spike_attributes) == set(ref.spike_attributes) == {"extra"}
    assert ours.metadata == ref.metadata
    assert ours.metadata["note"] == {0: "hello"} and ours.metadata["score"] == {0: 1.5, 3: 2}


def test_spikes_subset_pool(base: Path, tmp_path: Path) -> None:
    shutil.copytree(base, tmp_path / "ref")
    ref = phylib_model.load_model(tmp_path / "ref" / "params.py")
    ref.save_spikes_subset_waveforms(max_n_spikes_per_template=20, max_n_channels=12)
    ref.close()
    shutil.copytree(tmp_path / "ref", tmp_path / "ours")
    ref = phylib_model.load_model(tmp_path / "ref" / "params.py")
    ours = load_model(tmp_path / "ours" / "params.py")
    assert ours.spike_waveforms is not None
    pool = np.load(tmp_path / "ours" / "_phy_spikes_subset.spikes.npy")
    sel = pool[::3]
    for c in ours.cluster_ids[:3]:
        ch = ours.get_cluster_channels(c)
        np.testing.assert_array_equal(ours.get_waveforms(sel, ch), ref.get_waveforms(sel, ch))
        assert np.all(np.isin(ours.select_waveform_spikes(c), pool))
    # Pool waveforms equal raw waveforms on the channels they hold.
    raw = ours.get_waveforms(sel[:5], np.arange(16), filtered=True)  # filter forces raw data
    assert raw.shape == (5, 82, 16)


def test_hp_filtered_honoured(tmp_path: Path) -> None:
    p = make_dataset(tmp_path, n_spikes=300, n_channels=8, n_templates=3, duration=1.0,
                     flavor="spikeinterface")
    m = load_model(p)
    assert m.hp_filtered
    ids = np.arange(0, 300, 10)
    np.testing.assert_array_equal(m.get_waveforms(ids, filtered=None), m.get_waveforms(ids))
    m.hp_filtered = False
    assert not np.array_equal(m.get_waveforms(ids, filtered=None), m.get_waveforms(ids))
