"""Our quality metrics against SpikeInterface's ``compute_quality_metrics`` on the same folder.

The folder is the one SpikeInterface's ``export_to_phy`` writes (tests/_si_export.py,
cached; shared with the GUI reference test): 20 ground-truth units, 120 s, 32 channels,
int16 raw data. SpikeInterface reads it back (``read_phy`` + ``read_binary``: the very
spikes and raw samples phycore reads) into a sorting analyzer; phycore opens it with a
:class:`TemplateController`, so the columns checked are the ones the cluster table shows.

Each metric is checked twice where it can be:

- *definition*: our function on SpikeInterface's own inputs (its amplitudes, templates,
  noise levels, spike locations, or the same feature matrix) must give SpikeInterface's
  value to rounding (``rtol=1e-9`` or ``1e-6`` where float32 inputs are summed in another
  order);
- *end to end*: the controller's column against ``compute_quality_metrics``, with a
  tolerance justified where the inputs differ (documented in docs/metrics.md, whose
  comparison table :func:`comparison_table` prints).

SpikeInterface's PCA extension is not computed (fitting it takes more than a minute on
two cores); its Mahalanobis metrics are computed with its own ``mahalanobis_metrics`` on
the exported PC features (SpikeInterface's projections, 5 PCs on each unit's sparse
channels), selecting neighbour units and channels as its ``_prepare_data`` does.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.analysis import (
    ClusterMetrics,
    MetricParams,
    PCFeatures,
    TemplatePeaks,
    amplitude_cutoffs,
    drift_metrics,
    firing_ranges,
    noise_levels,
    spike_train_metrics,
)
from tests._si_export import writable_copy

si = pytest.importorskip("spikeinterface.core")
pytest.importorskip("sklearn")

FS = 25_000.0


def _si_quiet() -> Any:
    """SpikeInterface warns about its own deprecations and empty metrics: not ours."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore")
    return ctx


@pytest.fixture(scope="session")
def si_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the exported folder (the controller writes ``.phy/``); the raw
    file is linked."""
    return writable_copy(tmp_path_factory.mktemp("si_metrics") / "si")


@pytest.fixture(scope="session")
def si_side(si_folder: Path) -> dict[str, Any]:
    """SpikeInterface's analyzer on the folder's spikes and raw data, and its metrics."""
    from spikeinterface.extractors import read_phy

    ctx = _si_quiet()
    try:
        sorting = read_phy(si_folder, exclude_cluster_groups=[])
        rec = si.read_binary(si_folder / "recording.dat", sampling_frequency=FS, dtype="int16", num_channels=32)
        rec.set_dummy_probe_from_locations(np.load(si_folder / "channel_positions.npy"))
        an = si.create_sorting_analyzer(sorting, rec, sparse=True, format="memory", seed=0, progress_bar=False)
        an.compute("random_spikes", method="all")  # templates from every spike, as ours
        an.compute(["waveforms", "templates", "spike_amplitudes"], progress_bar=False)
        an.compute("noise_levels", random_slices_kwargs={"seed": 0}, progress_bar=False)  # reproducible
        an.compute("spike_locations", method="center_of_mass", progress_bar=False)
        qm = an.compute("quality_metrics", metric_names=[
            "num_spikes", "firing_rate", "presence_ratio", "isi_violation", "amplitude_cutoff", "snr",
            "firing_range", "drift"]).get_data()
    finally:
        ctx.__exit__(None, None, None)
    return {"analyzer": an, "qm": qm, "unit_ids": np.asarray(sorting.unit_ids, dtype=np.int64)}


@pytest.fixture(scope="session")
def ours(si_folder: Path) -> dict[str, Any]:
    """The controller's metric columns (its defaults) and the folder's arrays."""
    from phycore.controller import TemplateController

    c = TemplateController(si_folder / "params.py", metrics=True)
    try:
        m = c.quality.metrics
        spikes = {
            "times": np.asarray(c.model.spike_times), "clusters": np.load(si_folder / "spike_clusters.npy").ravel(),
            "amplitudes": np.load(si_folder / "amplitudes.npy").ravel(),
            "templates": np.load(si_folder / "spike_templates.npy").ravel(),
            "duration": float(c.model.duration),
        }
        cols = m.as_columns()
        noise = m.template_peaks.noise
    finally:
        c.close()
    return {"cols": cols, "columns": m.columns, "noise": noise, **spikes}


def _si(si_side: dict[str, Any], name: str) -> np.ndarray:
    return si_side["qm"][name].to_numpy(dtype=float)


def _col(ours: dict[str, Any], si_side: dict[str, Any], name: str) -> np.ndarray:
    ids = ours["cols"]["id"]
    assert ids.tolist() == si_side["unit_ids"].tolist()  # unit i is cluster i in the export
    return ours["cols"][name]


def _params(**kw: Any) -> dict[str, Any]:
    from spikeinterface.metrics.quality import get_default_quality_metrics_params

    return {**get_default_quality_metrics_params(), **kw}


# Spike-train metrics: same spikes, same definitions: equal to rounding -----------------


def test_firing_rate_and_isi_violations_equal(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    np.testing.assert_allclose(_col(ours, si_side, "n_spikes"), _si(si_side, "num_spikes"), rtol=0)
    np.testing.assert_allclose(_col(ours, si_side, "firing_rate"), _si(si_side, "firing_rate"), rtol=1e-12)
    # Default tau_r = 1.5 ms: the generator's 4-ms refractory period leaves no violation.
    np.testing.assert_array_equal(_col(ours, si_side, "isi_violations"), _si(si_side, "isi_violations_count"))
    np.testing.assert_allclose(_col(ours, si_side, "isi_violation_ratio"), _si(si_side, "isi_violations_ratio"),
                               rtol=1e-12, atol=0)


def test_isi_violations_with_violations_equal(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    """A 5-ms threshold (above the 4-ms refractory period) and a 0.5-ms censored period
    give nonzero counts: the same spikes and the same formula ``V T / (2 N^2 (tau_r -
    tau_c))``."""
    from spikeinterface.metrics.quality.misc_metrics import compute_isi_violations

    ratio, count = compute_isi_violations(si_side["analyzer"], isi_threshold_ms=5.0, min_isi_ms=0.5)
    m = spike_train_metrics(ours["times"], si_side["unit_ids"], duration=ours["duration"],
                            refractory_period=5e-3, censored_period=0.5e-3, spike_clusters=ours["clusters"])
    expected_count = np.array([count[u] for u in si_side["unit_ids"]])
    assert expected_count.sum() > 20  # the comparison is not trivial
    np.testing.assert_array_equal(m.isi_violations, expected_count)
    np.testing.assert_allclose(m.isi_violation_ratio, [ratio[u] for u in si_side["unit_ids"]], rtol=1e-12)


@pytest.mark.parametrize("bin_s", [60.0, 1.0, 7.0])
def test_presence_ratio_with_si_bins_equal(ours: dict[str, Any], si_side: dict[str, Any], bin_s: float) -> None:
    """``presence_bin_duration`` gives SpikeInterface's bins (whole bins of ``bin_s``; 7 s
    leaves an incomplete last bin, whose spikes count nowhere). Our default (100 equal
    bins, Allen's choice) is a different parameter, not compared."""
    from spikeinterface.metrics.quality.misc_metrics import compute_presence_ratios

    expected = compute_presence_ratios(si_side["analyzer"], bin_duration_s=bin_s)
    m = spike_train_metrics(ours["times"], si_side["unit_ids"], duration=ours["duration"],
                            presence_bin_duration=bin_s, spike_clusters=ours["clusters"])
    exp = np.array([expected[u] for u in si_side["unit_ids"]])
    np.testing.assert_allclose(m.presence_ratio, exp, rtol=1e-12)
    if bin_s == 60.0:
        np.testing.assert_allclose(exp, _si(si_side, "presence_ratio"))
    if bin_s == 1.0:
        assert exp.min() < 1.0  # not trivial: low-rate units miss some 1-s bins


def test_firing_range_equal(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    np.testing.assert_allclose(_col(ours, si_side, "firing_range"), _si(si_side, "firing_range"), rtol=1e-12)
    from spikeinterface.metrics.quality.misc_metrics import compute_firing_ranges

    expected = compute_firing_ranges(si_side["analyzer"], bin_size_s=7, percentiles=(10, 80))
    got = firing_ranges(ours["times"], si_side["unit_ids"], duration=ours["duration"], bin_size=7.0,
                        percentiles=(10, 80), spike_clusters=ours["clusters"])
    np.testing.assert_allclose(got, [expected[u] for u in si_side["unit_ids"]], rtol=1e-12)


# Amplitude cutoff ----------------------------------------------------------------------


def test_amplitude_cutoff_spikeinterface_method_equal(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    """Definition: ``method="spikeinterface"`` on the same amplitudes (the folder's
    ``amplitudes.npy``, SpikeInterface's ``spike_amplitudes``) equals its
    ``amplitude_cutoff``, NaN rule (< 5 spikes per bin) included."""
    from spikeinterface.metrics.quality.misc_metrics import amplitude_cutoff

    amp, sc = ours["amplitudes"], ours["clusters"]
    got = amplitude_cutoffs(amp, si_side["unit_ids"], n_bins=100, method="spikeinterface", spike_clusters=sc)
    # compute_amplitude_cutoffs negates amplitudes with a negative median, as we do.
    ctx = _si_quiet()
    try:
        exp = [amplitude_cutoff(-amp[sc == u] if np.median(amp[sc == u]) < 0 else amp[sc == u])
               for u in si_side["unit_ids"]]
    finally:
        ctx.__exit__(None, None, None)
    np.testing.assert_allclose(got, exp, rtol=1e-12, equal_nan=True)
    assert np.count_nonzero(np.asarray(exp) > 0) >= 4  # not all zeros
    assert np.isnan(exp).any() or min(np.bincount(sc)) >= 500


def test_amplitude_cutoff_end_to_end(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    """End to end, SpikeInterface recomputes the amplitudes from the int16 raw data with
    its own templates (the folder's were computed on the float recording): the per-spike
    values differ by the quantisation (< 1 µV of ~50-300 µV), which moves a few spikes
    across histogram bins. Both cutoffs are near zero for these complete ground-truth
    units; they must agree within 0.01 (1% of the spikes). Our default column is Allen's
    definition (500 density bins), documented as a different parameter set."""
    m = ClusterMetrics(ours["times"], duration=ours["duration"], amplitudes=ours["amplitudes"],
                       params=MetricParams.spikeinterface())
    m.compute_all(ours["clusters"])
    np.testing.assert_allclose(m.column("amplitude_cutoff", si_side["unit_ids"]), _si(si_side, "amplitude_cutoff"),
                               atol=0.01, equal_nan=True)
    # The same parameters give SpikeInterface's presence ratio (60-s bins) in the table.
    np.testing.assert_allclose(m.column("presence_ratio", si_side["unit_ids"]), _si(si_side, "presence_ratio"))
    assert np.nanmax(_col(ours, si_side, "amplitude_cutoff")) < 0.05  # Allen's: also near zero


# SNR -----------------------------------------------------------------------------------


def test_snr_definition_equal(si_side: dict[str, Any], ours: dict[str, Any]) -> None:
    """Definition: :class:`TemplatePeaks` on SpikeInterface's templates and noise levels
    equals its ``snr`` (``method="extremum"``) wherever both take the same channel. Ours
    is the extremum channel of the mean template; SpikeInterface 0.105's "main channel"
    is fixed when the analyzer is created, from a template of 100 random spikes, so for a
    unit with two channels of nearly equal peaks it may be the other one."""
    an = si_side["analyzer"]
    templates = an.get_extension("templates").get_templates(operator="average")
    noise = an.get_extension("noise_levels").get_data()
    tp = TemplatePeaks(templates, ours["templates"], noise, n_channels=32)
    got = np.array([tp.snr(np.flatnonzero(ours["clusters"] == u)) for u in si_side["unit_ids"]])
    same = an.get_main_channels() == np.abs(templates).max(axis=1).argmax(axis=1)
    assert same.sum() >= 15
    np.testing.assert_allclose(got[same], _si(si_side, "snr")[same], rtol=1e-6)


def test_noise_levels_definition_equal(si_side: dict[str, Any]) -> None:
    """Definition: :func:`noise_levels` with ``chunk_size`` on SpikeInterface's chunks
    (its seeded random slices) equals ``get_noise_levels``."""
    from spikeinterface.core import get_noise_levels
    from spikeinterface.core.time_series_tools import get_random_sample_slices

    rec = si_side["analyzer"].recording
    kw = {"num_chunks_per_segment": 20, "chunk_size": 10_000, "seed": 7}
    slices = get_random_sample_slices(rec, **kw)
    ctx = _si_quiet()
    try:
        expected = get_noise_levels(rec, return_in_uV=False, random_slices_kwargs=kw, force_recompute=True,
                                    progress_bar=False)
    finally:
        ctx.__exit__(None, None, None)
    chunks = np.concatenate([rec.get_traces(start_frame=a, end_frame=b) for _, a, b in slices]).astype(np.float64)
    np.testing.assert_allclose(noise_levels(chunks, chunk_size=10_000), expected, rtol=1e-12)


def test_snr_end_to_end(ours: dict[str, Any], si_side: dict[str, Any], si_folder: Path) -> None:
    """End to end, split into its two factors.

    Noise: the raw data are int16 with a noise of ~4.5 units, so a chunk's MAD is a
    multiple of 0.5 (3 or 3.5: a noise level of 4.45 or 5.19, 17% apart); our 8 evenly
    spaced chunks of 4096 samples and SpikeInterface's 20 random ones of 10,000 mix the
    two values in different proportions: per channel within 17%.

    Amplitude: with the noise factored out (our SNR times our noise over
    SpikeInterface's, on the template's extremum channel), within 5%: the folder's
    templates (500 random spikes of the float recording) and SpikeInterface's (every
    spike of the int16 one) differ by up to 3%; a unit whose SpikeInterface "main
    channel" is another channel of nearly equal peak (see the definition test) within 10%.
    """
    si_noise = si_side["analyzer"].get_extension("noise_levels").get_data()
    np.testing.assert_allclose(ours["noise"], si_noise, rtol=0.17)
    templates, tind = np.load(si_folder / "templates.npy"), np.load(si_folder / "template_ind.npy")
    ch = np.array([tind[u][np.abs(templates[u]).max(axis=0).argmax()] for u in si_side["unit_ids"]])
    got, exp = _col(ours, si_side, "snr"), _si(si_side, "snr")
    rescaled = got * ours["noise"][ch] / si_noise[ch]
    same = si_side["analyzer"].get_main_channels() == ch
    assert same.sum() >= 15
    np.testing.assert_allclose(rescaled[same], exp[same], rtol=0.05)
    np.testing.assert_allclose(rescaled, exp, rtol=0.10)
    assert np.corrcoef(got, exp)[0, 1] > 0.98


# Drift ---------------------------------------------------------------------------------


def test_drift_definition_equal(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    """Definition: :func:`drift_metrics` on SpikeInterface's spike locations equals its
    drift metrics, with its default parameters and with shorter bins (10 s, 20 spikes)
    that give a nonzero spread."""
    from spikeinterface.metrics.quality.misc_metrics import compute_drift_metrics

    an = si_side["analyzer"]
    y = an.get_extension("spike_locations").get_data()["y"]  # in the order of the sorting's spike vector
    vec = an.sorting.to_spike_vector()
    depth = np.empty(y.size)
    # The folder's spikes are in time order like the spike vector (ties by unit index).
    order = np.lexsort((vec["unit_index"], vec["sample_index"]))
    ours_order = np.lexsort((ours["clusters"], np.round(ours["times"] * FS).astype(np.int64)))
    depth[ours_order] = y[order]
    for kw, ours_kw in [({}, {}), ({"interval_s": 10, "min_spikes_per_interval": 20},
                                   {"interval": 10.0, "min_spikes_per_interval": 20})]:
        ctx = _si_quiet()
        try:
            ptp, std, mad = compute_drift_metrics(an, **kw)
        finally:
            ctx.__exit__(None, None, None)
        d = drift_metrics(ours["times"], depth, si_side["unit_ids"], duration=ours["duration"],
                          spike_clusters=ours["clusters"], **ours_kw)
        ids = si_side["unit_ids"]
        # SpikeInterface takes its medians in the float32 of its locations, we in float64:
        # 1e-4 µm is a few float32 ulps at these depths (one ulp is 3e-5 µm at 300 µm).
        for got, exp in [(d.ptp, ptp), (d.std, std), (d.mad, mad)]:
            np.testing.assert_allclose(got, [exp[u] for u in ids], rtol=0, atol=1e-4, equal_nan=True)
    assert np.nanmax(d.ptp) > 0.5  # 10-s bins: a visible spread


def test_drift_end_to_end(ours: dict[str, Any], si_side: dict[str, Any]) -> None:
    """End to end the depth estimators differ (ours: phylib's PC-feature depth on the
    PC features' pool; SpikeInterface: centre of mass of the waveform amplitudes here,
    monopolar triangulation by default), so only the conclusion is compared: the
    generated units do not drift, and both ranges stay far below the 20-µm electrode
    pitch (5 µm). Ours is noisier (up to ~2 µm): the PC depth of a single spike
    scatters more than a centre of mass, and the pool holds 500 spikes per template."""
    got, exp = _col(ours, si_side, "drift_ptp"), _si(si_side, "drift_ptp")
    assert np.nanmax(got) < 5.0 and np.nanmax(exp) < 5.0


# Isolation distance and L-ratio --------------------------------------------------------


def _ours_space(ours: dict[str, Any], si_folder: Path, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix our metrics use for ``unit``: 3 PCs on the first 4 channels of
    its template, spikes of templates with features on all 4."""
    feats = np.load(si_folder / "pc_features.npy")
    ind = np.load(si_folder / "pc_feature_ind.npy")
    chans = ind[unit][:4]
    rows, x = [], []
    for s in range(ind.shape[0]):
        pos = [list(ind[s]).index(c) if c in ind[s] else -1 for c in chans]
        if min(pos) < 0:
            continue
        sp = np.flatnonzero(ours["templates"] == s)
        rows.append(sp)
        x.append(feats[sp][:, :3, :][:, :, pos].transpose(0, 2, 1).reshape(sp.size, -1))
    r = np.concatenate(rows)
    return np.concatenate(x).astype(np.float64), ours["clusters"][r]


def test_isolation_definition_equal(ours: dict[str, Any], si_folder: Path, si_side: dict[str, Any]) -> None:
    """Definition: our isolation distance and L-ratio from every spike (pool and caps
    larger than the data) equal SpikeInterface's ``mahalanobis_metrics`` on the same
    feature matrix (same spikes, channels and PCs). Where a unit has fewer other spikes
    than own spikes SpikeInterface takes the farthest other spike, we return NaN."""
    from spikeinterface.metrics.quality.pca_metrics import mahalanobis_metrics

    feats = np.load(si_folder / "pc_features.npy")
    ind = np.load(si_folder / "pc_feature_ind.npy")
    big = 10**7
    pc = PCFeatures(feats, ind, ours["templates"], pool_per_template=big, max_pool_spikes=big,
                    max_cluster_spikes=big, max_other_spikes=big)
    checked = 0
    for u in si_side["unit_ids"].tolist():
        x, labels = _ours_space(ours, si_folder, u)
        iso_si, lr_si = mahalanobis_metrics(x, labels, u)
        iso, lr = pc.compute(u, np.flatnonzero(ours["clusters"] == u))
        n_self, n_other = int((labels == u).sum()), int((labels != u).sum())
        np.testing.assert_allclose(lr, lr_si, rtol=1e-6, atol=1e-12)
        if n_other >= n_self:
            np.testing.assert_allclose(iso, iso_si, rtol=1e-6)
            checked += 1
        else:
            assert np.isnan(iso)
    assert checked >= 5


@pytest.fixture(scope="session")
def si_isolation(si_folder: Path, ours: dict[str, Any], si_side: dict[str, Any]) -> np.ndarray:
    """SpikeInterface's pipeline, ``(n_units, 2)``: on its "random spikes" (500 per unit,
    its default ``max_spikes_per_unit``, drawn with a seed), the unit's sparse channels,
    all 5 PCs, the spikes of the units whose main channel is one of them
    (``_prepare_data``), then its ``mahalanobis_metrics``."""
    from spikeinterface.metrics.quality.pca_metrics import mahalanobis_metrics

    feats = np.load(si_folder / "pc_features.npy")
    ind = np.load(si_folder / "pc_feature_ind.npy")
    templates = np.load(si_folder / "templates.npy")
    tind = np.load(si_folder / "template_ind.npy")
    main = np.array([tind[t][np.argmax(np.abs(templates[t]).max(0))] for t in range(ind.shape[0])])
    rng = np.random.default_rng(0)
    sub = np.sort(np.concatenate([rng.choice(np.flatnonzero(ours["clusters"] == u), 500, replace=False)
                                  for u in si_side["unit_ids"].tolist()]))
    st, labels, feats = ours["templates"][sub], ours["clusters"][sub], feats[sub]
    dense = np.zeros((st.size, 5, 32), np.float32)  # SpikeInterface's dense projections
    for t in range(ind.shape[0]):
        sp = np.flatnonzero(st == t)
        ok = ind[t] >= 0
        dense[np.ix_(sp, np.arange(5), ind[t][ok])] = feats[sp][:, :, ok]
    out = []
    for unit in si_side["unit_ids"].tolist():
        chans = ind[unit][ind[unit] >= 0]
        keep = np.isin(st, [t for t in range(ind.shape[0]) if main[t] in chans])
        x = dense[keep][:, :, chans].reshape(int(keep.sum()), -1).astype(np.float64)
        out.append(mahalanobis_metrics(x, labels[keep], unit))
    return np.array(out, dtype=np.float64)


def test_isolation_end_to_end_rank(ours: dict[str, Any], si_isolation: np.ndarray, si_side: dict[str, Any]) -> None:
    """End to end the feature spaces differ (ours 4 channels x 3 PCs = 12 dimensions,
    SpikeInterface's the unit's ~16 sparse channels x 5 PCs = 80, and other neighbours):
    isolation distances scale with the dimension and are not comparable in value. Both
    must rank the units alike (Spearman correlation > 0.5)."""
    si_iso = si_isolation[:, 0]
    got = _col(ours, si_side, "isolation_distance")
    ok = np.isfinite(si_iso) & np.isfinite(got)
    assert ok.sum() >= 10
    rank = np.corrcoef(np.argsort(np.argsort(got[ok])), np.argsort(np.argsort(si_iso[ok])))[0, 1]
    assert rank > 0.5, rank


# The table of docs/metrics.md ----------------------------------------------------------


def comparison_table(ours: dict[str, Any], si_side: dict[str, Any], si_iso: np.ndarray) -> str:
    """Markdown rows: metric, our mean (range) vs SpikeInterface's, largest difference."""
    rows = []
    pairs = [("firing_rate", "firing_rate"), ("isi_violation_ratio", "isi_violations_ratio"),
             ("isi_violations", "isi_violations_count"), ("firing_range", "firing_range"),
             ("snr", "snr"), ("amplitude_cutoff", "amplitude_cutoff"), ("presence_ratio", "presence_ratio"),
             ("drift_ptp", "drift_ptp")]
    for a, b in pairs:
        x, y = _col(ours, si_side, a), _si(si_side, b)
        rows.append(f"| {a} | {np.nanmean(x):.4g} [{np.nanmin(x):.4g}, {np.nanmax(x):.4g}] | "
                    f"{np.nanmean(y):.4g} [{np.nanmin(y):.4g}, {np.nanmax(y):.4g}] | {np.nanmax(np.abs(x - y)):.3g} |")
    for j, a in enumerate(["isolation_distance", "l_ratio"]):
        x, y = _col(ours, si_side, a), si_iso[:, j]
        rows.append(f"| {a} | {np.nanmean(x):.4g} [{np.nanmin(x):.4g}, {np.nanmax(x):.4g}] | "
                    f"{np.nanmean(y):.4g} [{np.nanmin(y):.4g}, {np.nanmax(y):.4g}] | {np.nanmax(np.abs(x - y)):.3g} |")
    return "\n".join(rows)


def test_print_comparison_table(ours: dict[str, Any], si_side: dict[str, Any], si_isolation: np.ndarray,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the comparison table that docs/metrics.md shows."""
    table = comparison_table(ours, si_side, si_isolation)
    assert table.count("\n") == 9
    with capsys.disabled():
        print("\n| metric (column) | phycore mean [min, max] | SpikeInterface mean [min, max] | max abs diff |")
        print("|---|---|---|---|")
        print(table)
