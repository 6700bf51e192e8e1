"""Synthetic Kilosort/phy folders in the exact on-disk formats, streamed to disk.

``make_dataset`` writes ``params.py``, the spike, template, channel, feature and
similarity ``.npy`` files, cluster ``.tsv`` files and optionally an int16 raw ``.dat``
with every spike's template injected into Gaussian noise. Arrays are written in
chunks through ``np.lib.format.open_memmap`` with per-chunk seeds, so 10,000,000
spikes × 384 channels never sit in memory at once. ``flavor`` emulates the
conventions of other tools (dtypes, ``(n, 1)`` shapes, optional files, padding).

Ground truth: spike ``i`` of template ``t`` is ``amplitudes[i] * templates[t] @
whitening_mat_inv`` in the raw data (dense templates), rounded to int16, plus noise.

.. versionadded:: 0.1
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
from numpy.lib.format import open_memmap

from phycore.model import _synth_parts as _p
from phycore.model._fields import FIELD, FIELDS

__all__ = ["make_dataset", "FLAVORS"]

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
        shanks=True, hp=False, positions_attr=False, templates_ind_s=False)
    if flavor == "ks25":
        spec.update(times=np.uint64, times_col=True, st=np.uint32, st_col=True, amp=np.float64,
                    amp_col=True, chmap_shape="1n", ind=np.uint32, ks_files=True, shanks=False,
                    templates_ind_s=True)
    elif flavor == "ks3":
        spec.update(times=np.uint64, times_col=True, st=np.uint32, st_col=True, amp=np.float64,
                    amp_col=True, chmap_shape="n1", ind=np.uint32, pc=False, ks_files=True,
                    shanks=False, templates_ind_s=True)
    elif flavor == "ks4":
        spec.update(times=np.int64, st=np.int64, sc=np.int64, amp=np.float32, chmap=np.int64,
                    ind=np.int64, n_pcs=6, ks_files=True, shanks=False, positions_attr=True,
                    templates_ind_s=True)
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
    n_spikes: int = 20_000,
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
) -> Path:
    """Write a complete, valid synthetic Kilosort/phy folder.

    Parameters
    ----------
    out_dir : str or Path
        Folder to create or fill.
    n_spikes, n_channels, n_templates : int
        Sizes.
    duration : float
        Recording duration in seconds (spikes are spread uniformly over it).
    raw : bool
        Write ``raw.dat`` (int16, ``n_channels`` interleaved) with templates injected
        into Gaussian noise.
    sparse : bool, optional
        Sparse templates (``template_ind.npy``); default depends on ``flavor``.
    seed : int
        Everything is deterministic given the seed.
    flavor : {'phy', 'ks25', 'ks3', 'ks4', 'spikeinterface'}
        Emulate another tool's conventions: dtypes, ``(n, 1)`` shapes, optional files
        (no ``pc_features`` for ks3, no template features for spikeinterface), ``-1``
        padding in ``template_ind``, identity whitening, extra files.
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
    n_samples_total = int(round(duration * sample_rate))
    report = progress or (lambda step, frac: None)

    # Probe, templates, whitening.
    ts = _p.template_set(rng, nc, nt, ns, nloc, n_shanks, spec["identity_whitening"], _A0)
    pos, shanks, peaks, local, unwhitened = ts.pos, ts.shanks, ts.peaks, ts.local, ts.unwhitened
    wm, wmi, templates_w, sim, weights = ts.wm, ts.wmi, ts.templates_w, ts.sim, ts.weights

    # Channels.
    chmap = np.arange(nc, dtype=spec["chmap"])
    chmap = {"n": chmap, "1n": chmap[None, :], "n1": chmap[:, None]}[spec["chmap_shape"]]
    _save(out, "channel_map", chmap)
    _save(out, "channel_positions", pos.astype(np.float64))
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
            np.save(out / "templates_ind.npy", np.tile(np.arange(nc, dtype=np.float64), (nt, 1)))

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
    for k, (s, t, a) in enumerate(_p.spike_chunks(n, n_samples_total, n_chunks, seed, weights, margin)):
        i1 = i0 + len(s)
        r = np.random.default_rng([seed, 3, k])
        # Values of each field for this chunk (random draws in a fixed order: pc, tf, pos).
        rows: dict[str, np.ndarray] = {
            "spike_samples": s, "spike_templates": t,
            "spike_clusters": np.where((t == 1) | (t == 2), nt, t),
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
            f_pos[i0:i1] = pos[peaks[t]] + r.standard_normal((len(s), 2)) * 5
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

    # Cluster tables.
    crng = np.random.default_rng([seed, 4])
    cluster_ids = [int(c) for c in np.nonzero(counts)[0] if not (spike_clusters and c in (1, 2))]
    if spike_clusters and (counts[1] or counts[2]):
        cluster_ids.append(nt)
    labels = np.array(["good", "mua", "noise"])
    _p.write_tsv(out / "cluster_group.tsv", "group",
                 {c: labels[crng.integers(0, 3)] for c in cluster_ids if crng.random() < 0.5})
    if spec["ks_files"]:
        _p.write_tsv(out / "cluster_KSLabel.tsv", "KSLabel",
                     {c: labels[crng.integers(0, 2)] for c in cluster_ids})
        _p.write_tsv(out / "cluster_ContamPct.tsv", "ContamPct",
                     {c: round(float(crng.uniform(0, 100)), 1) for c in cluster_ids})
        _p.write_tsv(out / "cluster_Amplitude.tsv", "Amplitude",
                     {c: round(float(crng.uniform(10, 100)), 1) for c in cluster_ids})

    # Raw data and params.py.
    dat_name = "raw.dat" if raw else ""
    if raw:
        _write_raw(out / "raw.dat", files["spike_samples"], files["spike_templates"], files["amplitudes"],
                   unwhitened, local, nc, sample_rate, n_samples_total, noise_std, seed, report)
    del files
    _p.write_params(out / "params.py", dat_path=dat_name, n_channels_dat=nc, dtype="int16",
                    offset=0, sample_rate=float(sample_rate), hp_filtered=spec["hp"])
    return out / "params.py"


def _write_raw(path: Path, times: np.ndarray, st: np.ndarray, amps: np.ndarray,
               unwhitened: np.ndarray, local: np.ndarray, nc: int, sample_rate: float,
               n_samples: int, noise_std: float, seed: int,
               report: Callable[[str, float], None]) -> None:
    """Noise + ``amplitude / A0 * unwhitened template`` at every spike, int16, chunk by chunk."""
    times = times.reshape(-1)
    st = st.reshape(-1)
    amps = amps.reshape(-1)
    ns = unwhitened.shape[1]
    templates_loc = np.ascontiguousarray(
        np.take_along_axis(unwhitened, local[:, None, :], axis=2), dtype=np.float64)
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
            a = np.asarray(amps[lo:hi], dtype=np.float64) / _A0
            _p.inject_chunk(buf, c0, s, np.asarray(st[lo:hi], dtype=np.int64), a, templates_loc, local)
        raw[c0:c1] = np.clip(np.round(buf), -32768, 32767).astype(np.int16)
        report("raw", c1 / max(1, n_samples))
    raw.flush()
    del raw
