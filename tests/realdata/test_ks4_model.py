"""A real Kilosort 4 results folder loads in phycore's model, value by value as phylib 2.7.1
(the oracle) loads it, plus the files phylib does not read (spike positions, kept spikes,
ops and its drift estimate). Made by ``make test-realdata`` (tests/realdata/make_ks4.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model import load_model
from phycore.model.synthetic import make_dataset
from tests.model import test_template_model_phylib_oracle as oracle

pytestmark = pytest.mark.realdata
phylib_model = pytest.importorskip("phylib.io.model")

#: What the model makes of each file Kilosort 4 writes (with ``save_extra_vars``).
READ_AS_PHY = {"spike_times.npy", "spike_templates.npy", "spike_clusters.npy", "amplitudes.npy",
               "channel_map.npy", "channel_positions.npy", "channel_shanks.npy", "templates.npy",
               "whitening_mat.npy", "whitening_mat_inv.npy", "similar_templates.npy", "pc_features.npy",
               "pc_feature_ind.npy", "cluster_KSLabel.tsv", "cluster_ContamPct.tsv", "cluster_Amplitude.tsv",
               "cluster_group.tsv", "spike_positions.npy", "spike_detection_templates.npy"}
READ_ON_DEMAND = {"kept_spikes.npy", "ops.npy"}  # model.kept_spikes, model.kilosort_ops / drift
#: Not read, and why (tests below check the reasons hold on this folder).
NOT_READ = {
    "params.py": "read by load_model, not a data file",
    "templates_ind.npy": "dense 0..n_channels-1 rows (phylib ignores it too)",
    "whitening_mat_dat.npy": "the same matrix as whitening_mat.npy",
    "tF.npy": "save_extra_vars: features of the spikes before duplicates were removed",
    "Wall.npy": "save_extra_vars: the templates in PC space (templates.npy has them in time)",
    "full_st.npy": "save_extra_vars: spikes before duplicates were removed (kept_spikes selects)",
    "full_clu.npy": "save_extra_vars: idem",
    "full_amp.npy": "save_extra_vars: idem",
    "kilosort4.log": "Kilosort's log",
}


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".phy"))
    return dst / "params.py"


@pytest.fixture(scope="module")
def pair(ks4_results: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Our model and phylib's, each on its own copy (phylib writes into its folder)."""
    tmp = tmp_path_factory.mktemp("ks4_pair")
    ours = load_model(_copy(ks4_results, tmp / "ours"))
    ref = phylib_model.load_model(_copy(ks4_results, tmp / "ref"))
    yield ours, ref
    ours.close()
    ref.close()


def test_every_file_is_accounted_for(ks4_results: Path, pair: tuple[Any, Any]) -> None:
    ours, _ = pair
    written = {p.name for p in ks4_results.iterdir() if p.is_file()}
    unknown = written - READ_AS_PHY - READ_ON_DEMAND - set(NOT_READ) - {p for p in written if p.endswith(".png")}
    assert not unknown, f"Kilosort wrote files this test does not know: {sorted(unknown)}"
    assert (written & READ_AS_PHY) - {"params.py"} <= set(ours.files), sorted((written & READ_AS_PHY) - set(ours.files))
    assert set(ours.spike_attributes) == {"positions", "detection_templates"}
    ind = np.load(ks4_results / "templates_ind.npy")
    np.testing.assert_array_equal(ind, np.tile(np.arange(ours.n_channels), (ours.n_templates, 1)))
    np.testing.assert_array_equal(np.load(ks4_results / "whitening_mat_dat.npy"), np.load(ks4_results / "whitening_mat.npy"))


def test_arrays_identical_to_phylib(pair: tuple[Any, Any]) -> None:
    oracle.test_arrays_identical(pair)


def test_templates_and_best_channels_as_phylib(pair: tuple[Any, Any]) -> None:
    oracle.test_templates_and_best_channels(pair)


def test_waveforms_and_features_as_phylib(pair: tuple[Any, Any]) -> None:
    oracle.test_waveforms_and_features(pair)


def test_amplitudes_true_as_phylib(pair: tuple[Any, Any]) -> None:
    """Equal up to float32 rounding: phylib unwhitens into a float32 array (``np.zeros_like``
    of Kilosort 4's float32 templates), phycore in float64; on this folder that moves values
    near zero by up to 1e-7 of the largest one."""
    ours, ref = pair
    for x, y in zip(ours.get_amplitudes_true(), ref.get_amplitudes_true()):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6 * float(np.abs(y).max()))


def test_spike_attributes_as_phylib(pair: tuple[Any, Any]) -> None:
    ours, ref = pair
    for key, arr in ours.spike_attributes.items():
        np.testing.assert_array_equal(arr, ref.spike_attributes[key])
    np.testing.assert_array_equal(ours.spike_positions, ref.spike_attributes["positions"][:, :2])


def test_sparse_templates_as_phylib(ks4_results: Path, tmp_path: Path) -> None:
    """The same folder with a ``template_ind.npy`` (the 12 best channels of each template)."""
    def edit(d: Path) -> None:
        t = np.load(d / "templates.npy")
        best = np.argsort(-np.ptp(t, axis=1), axis=1, kind="stable")[:, :12]
        np.save(d / "templates.npy", np.take_along_axis(t, best[:, None, :], axis=2))
        np.save(d / "template_ind.npy", best.astype(np.int64))
    paths = []
    for name in ("ours", "ref"):
        paths.append(_copy(ks4_results, tmp_path / name))
        edit(tmp_path / name)
    ours, ref = load_model(paths[0]), phylib_model.load_model(paths[1])
    try:
        assert ours.sparse_templates.cols is not None
        oracle.test_templates_and_best_channels((ours, ref))
    finally:
        ours.close()
        ref.close()


def test_kept_spikes_ops_and_drift(ks4_results: Path, pair: tuple[Any, Any]) -> None:
    ours, _ = pair
    kept = ours.kept_spikes
    assert kept is not None and kept.dtype == bool and kept.sum() == ours.n_spikes
    full_st = np.load(ks4_results / "full_st.npy")
    assert len(kept) == len(full_st)
    np.testing.assert_array_equal(full_st[kept, 0].astype(np.int64), ours.spike_samples)
    ops = ours.kilosort_ops
    trusted = np.load(ks4_results / "ops.npy", allow_pickle=True).item()  # our own file: safe here
    assert set(ops) == set(trusted)
    for k, v in trusted.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(ops[k], v, err_msg=k)
        elif isinstance(v, dict):
            assert set(ops[k]) == set(v), k
        else:
            assert ops[k] == v or (v != v and ops[k] != ops[k]), k
    drift = ours.drift
    assert drift is not None
    np.testing.assert_array_equal(drift.shifts, np.asarray(trusted["dshift"]).reshape(len(drift.times), -1))
    assert drift.times[-1] < ours.duration + 2 and drift.shifts.shape[1] == len(drift.depths)


def test_ks_columns_and_positions(ks4_results: Path, tmp_path: Path) -> None:
    """KS labels, contamination and amplitude columns, and the spike-position columns."""
    c = TemplateController(_copy(ks4_results, tmp_path / "ctl"), metrics=False)
    try:
        table = c.supervisor.cluster_table
        for field in ("KSLabel", "ContamPct", "Amplitude", "pos_x", "pos_y"):
            assert field in table.columns, table.columns
        labels = dict(line.split("\t") for line in (ks4_results / "cluster_KSLabel.tsv").read_text().split("\n")[1:] if line)
        for cid in c.supervisor.clustering.cluster_ids[:10]:
            row = table.row(int(cid))
            assert row["KSLabel"] == labels[str(cid)]
            spikes = c.supervisor.clustering.spikes_in_clusters([int(cid)])
            np.testing.assert_allclose([row["pos_x"], row["pos_y"]],
                                       np.median(c.model.spike_positions[spikes], axis=0))
    finally:
        c.close()


#: float32 in Kilosort 4, float64 in the flavour (see ``_flavor_spec``: exact ties in the
#: synthetic templates).
WHITENING = {"whitening_mat.npy", "whitening_mat_inv.npy", "whitening_mat_dat.npy"}


def test_synthetic_ks4_flavor_writes_the_same_files(ks4_results: Path, tmp_path: Path) -> None:
    """Our ``ks4`` synthetic flavour writes Kilosort 4's files with its dtypes and shapes."""
    make_dataset(tmp_path, n_spikes=500, n_channels=8, n_templates=4, duration=1.0, raw=False, flavor="ks4")
    real = {p.name for p in ks4_results.iterdir() if p.suffix in (".npy", ".tsv")}
    optional = {"tF.npy", "Wall.npy", "full_st.npy", "full_clu.npy", "full_amp.npy"}  # save_extra_vars
    ours = {p.name for p in tmp_path.iterdir() if p.suffix in (".npy", ".tsv")}
    assert real - optional <= ours, sorted(real - optional - ours)
    diffs = []
    for name in sorted((real & ours) - {"ops.npy"}):
        if name.endswith(".tsv"):
            a = (ks4_results / name).read_text().split("\n")[0]
            b = (tmp_path / name).read_text().split("\n")[0]
            if a != b:
                diffs.append(f"{name}: header {a!r} vs {b!r}")
            continue
        a, b = np.load(ks4_results / name, mmap_mode="r"), np.load(tmp_path / name, mmap_mode="r")
        if (a.dtype != b.dtype and name not in WHITENING) or a.ndim != b.ndim:
            diffs.append(f"{name}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
    assert not diffs, diffs


def test_build_info(ks4_recipe: Path) -> None:
    info = json.loads((ks4_recipe / "build.json").read_text())
    assert info["kilosort"].startswith("4.") and info["device"] == "cpu"


def test_kilosort_found_ground_truth_units(ks4_recipe: Path, pair: tuple[Any, Any]) -> None:
    """The folder is a real sort: most units Kilosort kept match a true unit (≥ 80% of their
    spikes within 0.5 ms of that unit's spikes)."""
    ours, _ = pair
    gt = np.load(ks4_recipe / "ground_truth.npz")
    true_trains = [np.sort(gt["sample_index"][gt["unit_index"] == u]) for u in np.unique(gt["unit_index"])]
    tol = int(0.0005 * ours.sample_rate)
    matched = 0
    for c in ours.cluster_ids:
        st = ours.spike_samples[ours.spike_clusters == c]
        best = 0.0
        for train in true_trains:
            i = np.clip(np.searchsorted(train, st), 1, len(train) - 1)
            d = np.minimum(np.abs(train[i] - st), np.abs(train[i - 1] - st))
            best = max(best, float(np.mean(d <= tol)))
        matched += best >= 0.8
    assert matched >= len(ours.cluster_ids) // 2, (matched, len(ours.cluster_ids))
