"""The synthetic dataset generator writes valid folders in each tool's conventions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from phycore.model import load_model, read_params
from phycore.model import synthetic
from phycore.model.synthetic import make_dataset


def _hashes(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_deterministic(tmp_path: Path) -> None:
    kw = dict(n_spikes=1500, n_channels=8, n_templates=4, duration=2.0, seed=7)
    make_dataset(tmp_path / "a", **kw)
    make_dataset(tmp_path / "b", **kw)
    make_dataset(tmp_path / "c", **{**kw, "seed": 8})
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "a")["spike_times.npy"] != _hashes(tmp_path / "c")["spike_times.npy"]


def test_streamed_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthetic, "_SPIKES_PER_CHUNK", 300)
    p = make_dataset(tmp_path, n_spikes=2000, n_channels=8, n_templates=5, duration=3.0, seed=2)
    m = load_model(p)
    assert m.n_spikes == 2000
    assert np.all(np.diff(m.spike_samples) >= 0)
    assert m.spike_samples[0] >= 82 and m.spike_samples[-1] < 3 * 30000 - 82
    assert m.has_raw_data and m.traces.n_samples == 90000


@pytest.mark.parametrize("flavor", synthetic.FLAVORS)
def test_flavors(tmp_path: Path, flavor: str) -> None:
    p = make_dataset(tmp_path, n_spikes=800, n_channels=16, n_templates=6, duration=2.0,
                     flavor=flavor, n_channels_loc=8)
    st = np.load(tmp_path / "spike_times.npy")
    params = read_params(p)
    assert params["dat_path"] == "raw.dat" and params["n_channels_dat"] == 16
    if flavor in ("ks25", "ks3"):
        assert st.shape == (800, 1) and st.dtype == np.uint64
        assert np.load(tmp_path / "spike_templates.npy").dtype == np.uint32
        assert (tmp_path / "templates_ind.npy").exists()  # KS's (ignored) dense index
    else:
        assert st.shape == (800,)
    assert (tmp_path / "pc_features.npy").exists() == (flavor != "ks3")
    assert (tmp_path / "template_features.npy").exists() == (flavor not in ("spikeinterface", "ks4"))
    if flavor == "spikeinterface":
        ind = np.load(tmp_path / "template_ind.npy")
        assert (ind == -1).any() and params["hp_filtered"] is True
        np.testing.assert_array_equal(np.load(tmp_path / "whitening_mat.npy"), np.eye(16))
    if flavor == "ks4":
        assert np.load(tmp_path / "pc_features.npy").shape[1] == 6
    m = load_model(p)
    assert m.n_spikes == 800
    if flavor == "ks4":
        assert m.spike_attributes["positions"].shape == (800, 2)
    if flavor.startswith("ks"):
        assert {"KSLabel", "ContamPct", "Amplitude"} <= set(m.metadata)


def test_no_raw_and_no_clusters(tmp_path: Path) -> None:
    p = make_dataset(tmp_path, n_spikes=500, n_channels=8, n_templates=3, duration=1.0,
                     raw=False, spike_clusters=False)
    assert not (tmp_path / "raw.dat").exists() and not (tmp_path / "spike_clusters.npy").exists()
    m = load_model(p)
    assert not m.has_raw_data
    np.testing.assert_array_equal(m.spike_clusters, m.spike_templates)


def test_merged_cluster(tmp_path: Path) -> None:
    p = make_dataset(tmp_path, n_spikes=2000, n_channels=8, n_templates=4, duration=2.0)
    m = load_model(p)
    merged = m.spike_clusters == 4
    np.testing.assert_array_equal(np.isin(m.spike_templates, [1, 2]), merged)
    counts = m.get_template_counts(4)
    assert counts[1] > 0 and counts[2] > 0 and counts[0] == 0
