"""Read a Kilosort/phy folder into a :class:`_Arrays` bundle, and validate any bundle.

``load_folder`` checks each file on its own (dtype, number of dimensions) and
``validate`` checks the files against each other. ``TemplateModel.from_arrays``
goes through ``validate`` too, with argument names instead of file names.
Large per-spike arrays (features, amplitudes, templates) stay memory-mapped.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from phycore.errors import DataFormatError, MissingFileError
from phycore.model._files import (
    as_vector,
    check_kind,
    find_file,
    load_npy,
    read_int_vector,
    read_metadata,
    read_small_array,
)

__all__: list[str] = []

logger = logging.getLogger("phycore.model")

_SKIP_SPIKE_ATTRS = ("clusters", "templates", "samples", "times", "times_reordered", "amplitudes")


@attrs.define
class _Arrays:
    """Everything a TemplateModel is built from (private)."""

    spike_samples: np.ndarray
    spike_templates: np.ndarray
    templates: np.ndarray | None = None
    spike_seconds: np.ndarray | None = None
    spike_clusters: np.ndarray | None = None
    amplitudes: np.ndarray | None = None
    spike_times_reordered: np.ndarray | None = None
    channel_map: np.ndarray | None = None
    channel_positions: np.ndarray | None = None
    channel_shanks: np.ndarray | None = None
    channel_probes: np.ndarray | None = None
    template_ind: np.ndarray | None = None
    whitening_mat: np.ndarray | None = None
    whitening_mat_inv: np.ndarray | None = None
    similar_templates: np.ndarray | None = None
    pc_features: np.ndarray | None = None
    pc_feature_ind: np.ndarray | None = None
    pc_feature_spike_ids: np.ndarray | None = None
    template_features: np.ndarray | None = None
    template_feature_ind: np.ndarray | None = None
    template_feature_spike_ids: np.ndarray | None = None
    subset_waveforms: np.ndarray | None = None
    subset_channels: np.ndarray | None = None
    subset_spikes: np.ndarray | None = None
    spike_attributes: dict[str, np.ndarray] = attrs.field(factory=dict)
    metadata: dict[str, dict[int, Any]] = attrs.field(factory=dict)
    files: list[str] = attrs.field(factory=list)
    names: dict[str, str] = attrs.field(factory=dict)

    def name(self, key: str) -> str:
        """File (or argument) name of a field, for error messages."""
        return self.names.get(key, key)


def _opt(dir_path: Path, name: str, files: list[str]) -> Path | None:
    p = find_file(dir_path, name)
    if p is not None:
        files.append(p.name)
    return p


def load_folder(dir_path: Path) -> _Arrays:
    """Read every file phy reads from ``dir_path`` (see formats.md), without writing."""
    if not dir_path.is_dir():
        raise MissingFileError(f"data folder {dir_path} does not exist.", path=dir_path)
    files: list[str] = []
    names: dict[str, str] = {}

    def req(name: str) -> Path:
        p = find_file(dir_path, name, mandatory=True)
        assert p is not None
        files.append(p.name)
        return p

    # Spike times, in samples (spike_times.npy) or in seconds (ALF spikes.times*.npy).
    p = dir_path / "spike_times.npy"
    if p.is_file():
        files.append(p.name)
        samples = read_int_vector(p, what="integer spike times in samples")
        names["spike_samples"] = p.name
        seconds = None
    else:
        alf = sorted(dir_path.glob("spikes.times*.npy"))
        if not alf:
            raise MissingFileError(
                f"required file spike_times.npy is missing from {dir_path}.",
                path=dir_path / "spike_times.npy")
        files.append(alf[0].name)
        names["spike_samples"] = alf[0].name
        seconds = np.asarray(as_vector(load_npy(alf[0]), alf[0]), dtype=np.float64)
        alf_s = sorted(dir_path.glob("spikes.samples*.npy"))
        samples = read_int_vector(alf_s[0]) if alf_s else np.empty(0, dtype=np.int64)
    n = len(samples) if seconds is None else len(seconds)

    pt = req("spike_templates.npy")
    names["spike_templates"] = pt.name
    spike_templates = read_int_vector(pt, n=n, what="integer template ids")
    n = len(spike_templates)
    # With ALF seconds and no samples file, the model converts once sample_rate is known.
    arrays = _Arrays(spike_samples=samples, spike_templates=spike_templates,
                     spike_seconds=seconds, files=files, names=names)

    pc = _opt(dir_path, "spike_clusters.npy", files)
    if pc is not None:
        names["spike_clusters"] = pc.name
        arrays.spike_clusters = read_int_vector(pc, n=n, what="integer cluster ids")
    pa = _opt(dir_path, "amplitudes.npy", files)
    if pa is not None:
        names["amplitudes"] = pa.name
        amp = as_vector(load_npy(pa), pa, n=n)
        check_kind(amp, pa, "fiu", "numbers")
        arrays.amplitudes = amp
    pr = dir_path / "spike_times_reordered.npy"
    if pr.is_file():
        files.append(pr.name)
        arrays.spike_times_reordered = read_int_vector(pr, n=n)

    pm = req("channel_map.npy")
    names["channel_map"] = pm.name
    arrays.channel_map = read_int_vector(pm, what="integer channel indices")
    pp = req("channel_positions.npy")
    names["channel_positions"] = pp.name
    pos = read_small_array(pp, kinds="fiu")
    if pos.ndim == 1:
        pos = pos.reshape(-1, 1)
    if pos.ndim != 2 or pos.shape[1] < 1:
        raise DataFormatError(f"{pp.name} must have shape (n_channels, 2), got {pos.shape}.", path=pp)
    arrays.channel_positions = pos
    for key, fname in (("channel_shanks", "channel_shanks.npy"), ("channel_probes", "channel_probe.npy")):
        p = _opt(dir_path, fname, files)
        if p is not None:
            names[key] = p.name
            setattr(arrays, key, read_int_vector(p))

    ptm = req("templates.npy")
    names["templates"] = ptm.name
    tmp = load_npy(ptm)
    check_kind(tmp, ptm, "f", "floating-point templates")
    if tmp.ndim == 2:
        tmp = tmp[:, :, np.newaxis]
    if tmp.ndim != 3:
        raise DataFormatError(
            f"{ptm.name} must have shape (n_templates, n_samples, n_channels), got {tmp.shape}.",
            path=ptm)
    arrays.templates = tmp
    pti = _opt(dir_path, "template_ind.npy", files)
    if pti is not None:
        names["template_ind"] = pti.name
        ind = read_small_array(pti, kinds="iuf")
        if ind.ndim == 1:
            ind = ind.reshape(-1, 1)
        arrays.template_ind = ind.astype(np.int64)

    for key, fname in (("whitening_mat", "whitening_mat.npy"),
                       ("whitening_mat_inv", "whitening_mat_inv.npy"),
                       ("similar_templates", "similar_templates.npy")):
        p = _opt(dir_path, fname, files)
        if p is not None:
            names[key] = p.name
            setattr(arrays, key, np.atleast_2d(read_small_array(p, kinds="fiu")))

    pf = _opt(dir_path, "pc_features.npy", files)
    if pf is not None:
        names["pc_features"] = pf.name
        f = load_npy(pf)
        check_kind(f, pf, "f", "floating-point features")
        if f.ndim == 2:
            f = f[:, np.newaxis, :]
        arrays.pc_features = f
        for key in ("pc_feature_ind", "pc_feature_spike_ids"):
            p = _opt(dir_path, key + ".npy", files)
            if p is not None:
                names[key] = p.name
                a = load_npy(p, mmap=False)
                check_kind(a, p, "iu", "integers")
                setattr(arrays, key, np.asarray(a, dtype=np.int64))
    ptf = _opt(dir_path, "template_features.npy", files)
    if ptf is not None:
        names["template_features"] = ptf.name
        f = load_npy(ptf)
        check_kind(f, ptf, "f", "floating-point features")
        arrays.template_features = f.reshape(-1, 1) if f.ndim == 1 else f
        for key in ("template_feature_ind", "template_feature_spike_ids"):
            p = _opt(dir_path, key + ".npy", files)
            if p is not None:
                names[key] = p.name
                a = load_npy(p, mmap=False)
                check_kind(a, p, "iu", "integers")
                setattr(arrays, key, np.asarray(a, dtype=np.int64))

    sub = [dir_path / f"_phy_spikes_subset.{k}.npy" for k in ("waveforms", "channels", "spikes")]
    if all(p.is_file() for p in sub):
        files.extend(p.name for p in sub)
        arrays.subset_waveforms = load_npy(sub[0])
        arrays.subset_channels = np.asarray(load_npy(sub[1], mmap=False), dtype=np.int64)
        arrays.subset_spikes = as_vector(np.asarray(load_npy(sub[2], mmap=False), dtype=np.int64), sub[2])

    for p in sorted(dir_path.glob("spike_*.npy")):
        key = p.stem[6:]
        if key in _SKIP_SPIKE_ATTRS:
            continue
        try:
            a = load_npy(p)
        except DataFormatError as e:
            logger.warning("Skipping %s: %s", p.name, e)
            continue
        if a.ndim == 0 or a.shape[0] != n:
            logger.warning("Skipping %s: it has %s rows, not %d.", p.name,
                           a.shape[0] if a.ndim else 0, n)
            continue
        files.append(p.name)
        arrays.spike_attributes[key] = a
    arrays.metadata, tsv_files = read_metadata(dir_path)
    files.extend(tsv_files)
    return arrays
