"""Synthetic Kilosort/phy folders in the exact on-disk formats, streamed to disk.

``make_dataset`` writes ``params.py``, the spike, template, channel, feature and
similarity ``.npy`` files, cluster ``.tsv`` files and optionally an int16 raw ``.dat``
with every spike's template injected into Gaussian noise. Arrays are written in
chunks through ``np.lib.format.open_memmap`` with per-chunk seeds, so 10,000,000
spikes × 384 channels never sit in memory at once. ``flavor`` emulates the
conventions of other tools (dtypes, ``(n, 1)`` shapes, optional files, padding).

Ground truth (``realistic=False``, the default): spike ``i`` of template ``t`` is
``amplitudes[i] * templates[t] @ whitening_mat_inv`` in the raw data (dense templates),
rounded to int16, plus noise. Spikes are uniform in time (no refractory period) and the
templates 1 and 2 are merged into cluster ``n_templates`` in ``spike_clusters.npy``.

Realistic data (``realistic=True``, what ``phygui --demo`` shows)
-----------------------------------------------------------------
Each cluster id (``spike_clusters == spike_templates``) gets a role, shuffled over ids:

- **good units** (most): one neuron each, with an absolute refractory period drawn in
  1.6-2.0 ms (``refractory_ms`` in the truth is the shortest), so auto-correlograms show
  a dip and ISI violations at 1.5 ms are 0; log-normal firing rates (median 5 Hz, narrow
  spiking units twice faster), drawn within 0.1-50 Hz (the common factor that fits
  ``n_spikes`` in ``duration``, at most x2, can move a rate past those bounds; the
  truth's ``firing_rates_hz`` are the rates used); about 20% are **bursting**
  (half of their spikes in bursts of 2-5 spikes 3-7 ms apart, each next spike smaller:
  shoulders at 3-7 ms in the auto-correlogram) and 25% **respond to the stimulus**: about
  15-40 Hz more during 100 ms starting 10-50 ms after each event;
- **over-split units** (``n_templates // 12`` pairs): one neuron whose spikes the sorter
  split in two clusters, either in time (the second template follows the drift) or by
  amplitude (the smaller spikes); both templates are alike. These are the merge review's
  ground truth (``oversplit_pairs``);
- **multi-unit clusters** (``n_templates // 10``): 2-5 neurons pooled, so refractory
  violations, lower and more variable amplitudes (``mua_clusters``);
- **noise clusters** (``n_templates // 15``): no refractory period, 10-40 Hz, low
  amplitude, a slow wobble spread over many channels (``noise_clusters``).

With fewer than 8 templates all clusters are good units. Waveforms: a negative trough
(Gaussian, 0.1-0.16 ms wide, 0.06-0.09 ms for narrow units), then a slower positive peak
0.5-0.9 ms later (0.2-0.4 ms for narrow units), a small bump before the trough; the
amplitude decays as ``exp(-d / lambda)`` (``lambda`` 18-35 µm) with the distance from
the neuron's position on the probe, and far channels see the spike later and broader.
The probe drifts along depth (30 µm peak to peak, a trend plus a slow oscillation): in
the raw data each spike is its neuron's waveform at the depth of the moment (quantised in
9 levels), and ``amplitudes.npy`` is the least-squares scaling of the cluster's template
(its mean waveform) to it, so amplitudes follow the drift (by ~5-10%, more on the peak
channel); the relation above holds only on average. ``spike_positions.npy`` (flavor
``ks4``) moves with the drift too.

Spike count and duration: ``n_spikes`` is honoured exactly. The drawn rates are scaled by
one common factor, at most ×2 up or down, so that ``n_spikes`` fit in ``duration``;
beyond that the duration changes instead (the rates stay physiological; a 10M-spike,
600-unit folder lasts ~15 minutes). ``n_spikes=None`` takes ``duration`` as given and
as many spikes as the rates give. Read the actual duration from the truth
(``duration_s``) or ``params.py``'s raw data length.

The folder also holds ``events.tsv`` (``time``, ``name`` = ``stimulus``, one every 1-3 s),
the sorter-style ``cluster_KSLabel.tsv`` (``good``, or ``mua`` for the mua and noise
clusters: the sorter cannot tell them apart nor see over-splits), ``cluster_ContamPct.tsv``,
``cluster_Amplitude.tsv``, no ``cluster_group.tsv`` (nothing curated yet), and
``synthetic_truth.json`` (:func:`read_truth`)::

    {"oversplit_pairs": [[a, b], ...],
     "responsive_clusters": {"<id>": {"event": "stimulus", "latency_ms": float,
                                      "rate_hz": float}},  # rate during the response
     "noise_clusters": [...], "mua_clusters": [...],
     "firing_rates_hz": {"<id>": float}, "refractory_ms": float,
     # extras: "good_clusters", "oversplit_kinds" ("drift"/"amplitude" per pair),
     # "bursting_clusters", "narrow_clusters", "positions_um", "drift_um",
     # "duration_s", "n_events"}

Cost: the realistic spikes are drawn in memory (10,000,000 spikes hold ~0.5 GB), then
written in chunks like the uniform ones. For 10,000,000 spikes × 384 channels × 600
templates without raw data, drawing them takes ~6 s of CPU; writing the ~5 GB of
per-spike files (PC and template features) dominates and is shared with the uniform
generator: both took 32-45 s of CPU and, back to back on 2 shared cores, 56 s (realistic)
and 60 s (uniform) of wall time.

.. versionadded:: 0.1
.. versionchanged:: 0.2
   ``realistic=True``, :func:`read_truth`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
from numpy.lib.format import open_memmap

from phycore.model import _synth_ks4 as _k4
from phycore.model import _synth_parts as _p
from phycore.model import _synth_real as _r
from phycore.model._fields import FIELD, FIELDS

__all__ = ["make_dataset", "read_truth", "FLAVORS", "TRUTH_FILE", "EVENTS_FILE"]

#: Ground truth of a realistic folder (JSON) and its stimulus times (``events.tsv``).
TRUTH_FILE = _r.TRUTH_FILE
EVENTS_FILE = _r.EVENTS_FILE

#: Tool conventions ``make_dataset`` can emulate.
FLAVORS = ("phy", "ks25", "ks3", "ks4", "spikeinterface")

_A0 = 20.0  # typical Kilosort amplitude scale: raw = amplitude * unwhitened template
_SPIKES_PER_CHUNK = 500_000


def _flavor_spec(flavor: str, sparse: bool | None) -> dict[str, Any]:
    if flavor not in FLAVORS:
        raise ValueError(f"flavor must be one of {FLAVORS}, got {flavor!r}.")
    spec: dict[str, Any] = dict(
        times=np.int64, times_col=False, st=np.int32, st_col=False, sc=np.int32, amp=np.float32,
        amp_col=False, chmap=np.int32, chmap_shape="n", ind=np.int32, n_pcs=3, pc=True, tf=True,
        wmi=True, identity_whitening=False, sparse=False, pad=False, ks_files=False,
        shanks=True, hp=False, positions_attr=False, templates_ind_s=False, ks4_files=False,
        floats=np.float64)
    if flavor == "ks25":
        spec.update(times=np.uint64, times_col=True, st=np.uint32, st_col=True, amp=np.float64,
                    amp_col=True, chmap_shape="1n", ind=np.uint32, ks_files=True, shanks=False,
                    templates_ind_s=True)
    elif flavor == "ks3":
        spec.update(times=np.uint64, times_col=True, st=np.uint32, st_col=True, amp=np.float64,
                    amp_col=True, chmap_shape="n1", ind=np.uint32, pc=False, ks_files=True,
                    shanks=False, templates_ind_s=True)
    elif flavor == "ks4":
        # As the real Kilosort 4.1 writes them (tests/realdata/test_ks4_model.py compares),
        # but for the whitening matrices, float64 here (float32 there): the synthetic
        # templates have exact amplitude ties between channels, which float32 rounding
        # breaks differently in phylib (float32 products) and phycore (float64).
        spec.update(times=np.int64, st=np.int32, sc=np.int32, amp=np.float32, chmap=np.int64,
                    ind=np.uint32, n_pcs=6, ks_files=True, shanks=False, positions_attr=True,
                    templates_ind_s=True, tf=False, ks4_files=True, floats=np.float32)
    elif flavor == "spikeinterface":
        spec.update(times=np.int64, st=np.int64, sc=np.int64, amp=np.float32, chmap=np.int64,
                    ind=np.int64, identity_whitening=True, sparse=True, pad=True, tf=False,
                    wmi=True, hp=True)
    if sparse is not None:
        spec["sparse"] = bool(sparse)
    return spec


def _save(out: Path, field: str, arr: np.ndarray) -> None:
    """Write the file of a field (its name from the field table)."""
    np.save(out / FIELD[field].file, arr)


def _vec(n: int, dtype: Any, col: bool) -> tuple[int, ...]:
    return (n, 1) if col else (n,)


def make_dataset(
    out_dir: str | Path,
    n_spikes: int | None = 20_000,
    n_channels: int = 32,
    n_templates: int = 20,
    duration: float = 10.0,
    *,
    raw: bool = True,
    sparse: bool | None = None,
    seed: int = 0,
    flavor: str = "phy",
    sample_rate: float = 30_000.0,
    n_samples_waveforms: int = 82,
    n_channels_loc: int | None = None,
    n_template_features: int | None = None,
    n_shanks: int = 1,
    noise_std: float = 8.0,
    spike_clusters: bool = True,
    progress: Callable[[str, float], None] | None = None,
    realistic: bool = False,
) -> Path:
    """Write a complete, valid synthetic Kilosort/phy folder.

    Parameters
    ----------
    out_dir : str or Path
        Folder to create or fill.
    n_spikes, n_channels, n_templates : int
        Sizes. With ``realistic=True``, ``n_spikes=None`` means "as many spikes as the
        drawn firing rates give in ``duration``".
    duration : float
        Recording duration in seconds (spikes are spread uniformly over it). With
        ``realistic=True`` the duration may change to keep firing rates physiological
        (see the module docstring).
    raw : bool
        Write ``raw.dat`` (int16, ``n_channels`` interleaved) with templates injected
        into Gaussian noise.
    sparse : bool, optional
        Sparse templates (``template_ind.npy``); default depends on ``flavor``.
    seed : int
        Everything is deterministic given the seed.
    flavor : {'phy', 'ks25', 'ks3', 'ks4', 'spikeinterface'}
        Emulate another tool's conventions: dtypes, ``(n, 1)`` shapes, optional files
        (no ``pc_features`` for ks3, no template features for spikeinterface and ks4), ``-1``
        padding in ``template_ind``, identity whitening, extra files (ks4: spike positions,
        ``kept_spikes.npy``, ``ops.npy``..., see ``_synth_ks4.py``).
    sample_rate : float
        Hz.
    n_samples_waveforms : int
        Template length.
    n_channels_loc : int, optional
        Channels per template in sparse arrays and PC features (default min(32, n_channels)).
    n_template_features : int, optional
        Columns of ``template_features.npy`` (default min(32, n_templates)).
    n_shanks : int
        Number of shanks (``channel_shanks.npy`` is written when > 1 or flavor 'phy').
    noise_std : float
        Standard deviation of the raw-data noise (0 for noiseless data).
    spike_clusters : bool
        Write ``spike_clusters.npy`` (templates 1 and 2 merged into a new cluster).
    progress : callable, optional
        ``progress(step, fraction)``.
    realistic : bool
        Neurons with refractory periods, physiological and bursting firing, realistic
        waveforms, drift, noise/mua clusters, over-split units and stimulus responses,
        with ``events.tsv`` and ``synthetic_truth.json`` (see the module docstring).
        False (the default) keeps the original uniform generator that the tests and
        benchmarks were written against.

    Returns
    -------
    Path
        Path of the written ``params.py``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = _flavor_spec(flavor, sparse)
    rng = np.random.default_rng([seed, 0])
    nc, nt, ns = int(n_channels), int(n_templates), int(n_samples_waveforms)
    nloc = min(32, nc) if n_channels_loc is None else min(int(n_channels_loc), nc)
    ntf = min(32, nt) if n_template_features is None else min(int(n_template_features), nt)
    report = progress or (lambda step, frac: None)

    # Probe, templates, whitening (and, realistic, all the spikes).
    rec: _r.Recording | None = None
    if realistic:
        rec = _r.realistic_recording(
            seed=seed, n_spikes=n_spikes, n_channels=nc, n_templates=nt, duration=duration, n_samples=ns,
            n_channels_loc=nloc, n_shanks=n_shanks, identity_whitening=spec["identity_whitening"],
            sample_rate=sample_rate, a0=_A0, report=report)
        ts, n_samples_total, n_spikes = rec.ts, rec.n_samples, len(rec.samples)
    elif n_spikes is None:
        raise ValueError("n_spikes=None needs realistic=True.")
    else:
        n_samples_total = int(round(duration * sample_rate))
        ts = _p.template_set(rng, nc, nt, ns, nloc, n_shanks, spec["identity_whitening"], _A0)
    pos, shanks, peaks, local, unwhitened = ts.pos, ts.shanks, ts.peaks, ts.local, ts.unwhitened
    wm, wmi, templates_w, sim, weights = ts.wm, ts.wmi, ts.templates_w, ts.sim, ts.weights

    # Channels.
    chmap = np.arange(nc, dtype=spec["chmap"])
    chmap = {"n": chmap, "1n": chmap[None, :], "n1": chmap[:, None]}[spec["chmap_shape"]]
    _save(out, "channel_map", chmap)
    _save(out, "channel_positions", pos.astype(spec["floats"]))
    if spec["shanks"] or n_shanks > 1:
        _save(out, "channel_shanks", shanks.astype(np.int32))
    _save(out, "whitening_mat", wm)
    if spec["wmi"]:
        _save(out, "whitening_mat_inv", wmi)
    _save(out, "similar_templates", sim)

    # Templates.
    if spec["sparse"]:
        ind = local.astype(np.int64).copy()
        data = np.ascontiguousarray(np.take_along_axis(templates_w, local[:, None, :], axis=2))
        if spec["pad"] and nloc > 2:
            odd = np.arange(nt) % 2 == 1
            ind[odd, -2:] = -1
            data[odd, :, -2:] = 0
        _save(out, "templates", data)
        _save(out, "template_ind", ind.astype(spec["ind"] if not spec["pad"] else np.int64))
    else:
        _save(out, "templates", templates_w)
        if spec["templates_ind_s"]:
            # Kilosort also writes templates_ind.npy (no model reads it): not a field.
            ti = np.int64 if spec["ks4_files"] else np.float64  # Kilosort 4: int64; 2.5/3 (MATLAB): double
            np.save(out / "templates_ind.npy", np.tile(np.arange(nc, dtype=ti), (nt, 1)))

    # Per-spike files, streamed: one memory-mapped file per per-spike field of the table
    # that this flavor writes, as (dtype, shape).
    n = int(n_spikes)
    n_pcs = spec["n_pcs"]
    layout: dict[str, tuple[Any, tuple[int, ...]] | None] = {
        "spike_samples": (spec["times"], _vec(n, 0, spec["times_col"])),
        "spike_templates": (spec["st"], _vec(n, 0, spec["st_col"])),
        "spike_clusters": (spec["sc"], (n,)) if spike_clusters else None,
        "amplitudes": (spec["amp"], _vec(n, 0, spec["amp_col"])),
        "pc_features": (np.float32, (n, n_pcs, nloc)) if spec["pc"] else None,
        "template_features": (np.float32, (n, ntf)) if spec["tf"] else None,
    }
    files = {f.name: open_memmap(out / f.file, "w+", *spec_) for f in FIELDS
             if f.per_spike and (spec_ := layout.get(f.name)) is not None}
    f_pos = open_memmap(out / "spike_positions.npy", "w+", np.float32, (n, 2)) if spec["positions_attr"] else None
    tf_ind = np.argsort(-sim, axis=1, kind="stable")[:, :ntf]
    sim_tf = np.take_along_axis(sim, tf_ind, axis=1)
    ch_amp = np.abs(np.take_along_axis(unwhitened, local[:, None, :], axis=2)).max(axis=1)  # (nt, nloc)
    pc_base = (ch_amp[:, None, :] * np.linspace(1.0, -0.3, n_pcs)[None, :, None]).astype(np.float32)
    counts = np.zeros(nt, dtype=np.int64)
    i0 = 0
    n_chunks = max(1, int(np.ceil(n / _SPIKES_PER_CHUNK)))
    margin = ns
    chunks = (_p.spike_chunks(n, n_samples_total, n_chunks, seed, weights, margin) if rec is None
              else _r.chunks(rec, n_chunks))
    for k, (s, t, a) in enumerate(chunks):
        i1 = i0 + len(s)
        r = np.random.default_rng([seed, 3, k])
        # Values of each field for this chunk (random draws in a fixed order: pc, tf, pos).
        rows: dict[str, np.ndarray] = {
            "spike_samples": s, "spike_templates": t,
            "spike_clusters": t if rec is not None else np.where((t == 1) | (t == 2), nt, t),
            "amplitudes": (_A0 * a).astype(spec["amp"])}
        if "pc_features" in files:
            rows["pc_features"] = pc_base[t] * a[:, None, None].astype(np.float32) + \
                r.standard_normal((len(s), n_pcs, nloc), dtype=np.float32) * 2.0
        if "template_features" in files:
            rows["template_features"] = (_A0 * a[:, None] * sim_tf[t]
                                         + r.standard_normal((len(s), ntf), dtype=np.float32)).astype(np.float32)
        for name, f in files.items():
            f[i0:i1] = rows[name].reshape(f[i0:i1].shape)
        if f_pos is not None:
            where = pos[peaks[t]] if rec is None else _r.positions(rec, i0, i1)
            f_pos[i0:i1] = where + r.standard_normal((len(s), 2)) * 5
        counts += np.bincount(t, minlength=nt)
        i0 = i1
        report("spikes", i1 / max(1, n))
    for mm in files.values():
        mm.flush()
    if f_pos is not None:
        f_pos.flush()
    if "pc_features" in files:
        _save(out, "pc_feature_ind", local.astype(spec["ind"]))
    if "template_features" in files:
        _save(out, "template_feature_ind", tf_ind.astype(spec["ind"]))
    del f_pos
    if spec["ks4_files"]:
        _k4.write_ks4_files(out, wm, files["spike_templates"], shanks, pos, sample_rate, n_samples_total, seed)

    # Cluster tables.
    if rec is not None:
        _r.write_extras(out, rec, counts)
    crng = np.random.default_rng([seed, 4])
    cluster_ids = [int(c) for c in np.nonzero(counts)[0] if not (spike_clusters and c in (1, 2))]
    if spike_clusters and counts[1:3].any():
        cluster_ids.append(nt)
    labels = np.array(["good", "mua", "noise"])
    if rec is None:
        _p.write_tsv(out / "cluster_group.tsv", "group",
                     {c: labels[crng.integers(0, 3)] for c in cluster_ids if crng.random() < 0.5})
    if spec["ks_files"] and rec is None:
        _p.write_tsv(out / "cluster_KSLabel.tsv", "KSLabel",
                     {c: labels[crng.integers(0, 2)] for c in cluster_ids})
        if spec["ks4_files"]:  # Kilosort 4's cluster_group.tsv is a copy (header KSLabel)
            (out / "cluster_group.tsv").write_bytes((out / "cluster_KSLabel.tsv").read_bytes())
        _p.write_tsv(out / "cluster_ContamPct.tsv", "ContamPct",
                     {c: round(float(crng.uniform(0, 100)), 1) for c in cluster_ids})
        _p.write_tsv(out / "cluster_Amplitude.tsv", "Amplitude",
                     {c: round(float(crng.uniform(10, 100)), 1) for c in cluster_ids})

    # Raw data and params.py.
    dat_name = "raw.dat" if raw else ""
    if raw and rec is None:
        templates_loc = np.take_along_axis(unwhitened, local[:, None, :], axis=2)
        _write_raw(out / "raw.dat", files["spike_samples"], files["spike_templates"], files["amplitudes"], _A0,
                   templates_loc, local, nc, sample_rate, n_samples_total, noise_std, seed, report)
    elif raw and rec is not None:
        # Each spike injects its neuron's waveform at the current drift level: virtual
        # template ``cluster * K + level`` of the stacked waveform tables.
        nk = rec.tables.shape[1]
        _write_raw(out / "raw.dat", rec.samples, rec.templates * nk + rec.level, rec.raw_amp, 1.0,
                   rec.tables.reshape(-1, *rec.tables.shape[2:]), np.repeat(local, nk, axis=0), nc,
                   sample_rate, n_samples_total, noise_std, seed, report)
    del files
    _p.write_params(out / "params.py", dat_path=dat_name, n_channels_dat=nc, dtype="int16",
                    offset=0, sample_rate=float(sample_rate), hp_filtered=spec["hp"])
    return out / "params.py"


def _write_raw(path: Path, times: np.ndarray, st: np.ndarray, amps: np.ndarray, amp_div: float,
               templates_loc: np.ndarray, local: np.ndarray, nc: int, sample_rate: float,
               n_samples: int, noise_std: float, seed: int,
               report: Callable[[str, float], None]) -> None:
    """Noise + ``amplitude / amp_div * template`` at every spike, int16, chunk by chunk.

    ``templates_loc`` is ``(n_templates, n_samples, n_channels_loc)`` in raw units on the
    channels ``local`` of each template; ``st`` indexes it.
    """
    times = times.reshape(-1)
    st = st.reshape(-1)
    amps = amps.reshape(-1)
    ns = templates_loc.shape[1]
    templates_loc = np.ascontiguousarray(templates_loc, dtype=np.float64)
    local = np.ascontiguousarray(local, dtype=np.int64)
    chunk = max(ns * 4, int(sample_rate))
    raw = np.memmap(path, dtype=np.int16, mode="w+", shape=(max(1, n_samples), nc))
    for k, c0 in enumerate(range(0, n_samples, chunk)):
        c1 = min(n_samples, c0 + chunk)
        r = np.random.default_rng([seed, 5, k])
        buf = (r.standard_normal((c1 - c0, nc), dtype=np.float32) * noise_std if noise_std
               else np.zeros((c1 - c0, nc), dtype=np.float32))
        lo = int(np.searchsorted(times, c0 - ns, side="left"))
        hi = int(np.searchsorted(times, c1 + ns, side="right"))
        if hi > lo:
            s = np.asarray(times[lo:hi], dtype=np.int64)
            a = np.asarray(amps[lo:hi], dtype=np.float64) / amp_div
            _p.inject_chunk(buf, c0, s, np.asarray(st[lo:hi], dtype=np.int64), a, templates_loc, local)
        raw[c0:c1] = np.clip(np.round(buf), -32768, 32767).astype(np.int16)
        report("raw", c1 / max(1, n_samples))
    raw.flush()
    del raw


def read_truth(folder: str | Path) -> dict[str, Any]:
    """The ground truth ``make_dataset(..., realistic=True)`` wrote in ``folder``.

    Parameters
    ----------
    folder : str or Path
        The dataset folder, or its ``params.py``.

    Returns
    -------
    dict
        ``oversplit_pairs`` (list of ``[a, b]`` cluster ids of one neuron),
        ``responsive_clusters`` (``{"<id>": {"event", "latency_ms", "rate_hz"}}``),
        ``noise_clusters``, ``mua_clusters``, ``firing_rates_hz`` (``{"<id>": Hz}``),
        ``refractory_ms``, and the extras described in the module docstring.

    Raises
    ------
    FileNotFoundError
        The folder has no ``synthetic_truth.json`` (not a realistic synthetic folder).
    """
    p = Path(folder)
    if p.is_file():
        p = p.parent
    return dict(json.loads((p / TRUTH_FILE).read_text()))
