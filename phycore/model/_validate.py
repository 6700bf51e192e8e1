"""Cross-file consistency checks of a :class:`_Arrays` bundle (private).

Each error names the files (or ``from_arrays`` arguments) that disagree.
"""

from __future__ import annotations

import logging

import numpy as np

from phycore.errors import DataFormatError
from phycore.model._loader import _Arrays

__all__: list[str] = []

logger = logging.getLogger("phycore.model")


def _err(a: _Arrays, key: str, msg: str) -> DataFormatError:
    name = a.name(key)
    return DataFormatError(f"{name}: {msg}", path=name if name.endswith(".npy") else None,
                           argument=None if name.endswith(".npy") else name)


def _check_len(a: _Arrays, key: str, n: int) -> None:
    arr = getattr(a, key)
    if arr is not None and arr.shape[0] != n:
        raise _err(a, key, f"has {arr.shape[0]} rows but {a.name('spike_templates')} has {n} spikes.")


def _int_range(arr: np.ndarray) -> tuple[int, int]:
    return (int(arr.min()), int(arr.max())) if arr.size else (0, -1)


def validate(a: _Arrays, n_channels_dat: int | None) -> None:
    """Check shapes, dtypes and index ranges across arrays; normalize in place."""
    n = a.spike_templates.shape[0]
    if a.spike_templates.ndim != 1:
        raise _err(a, "spike_templates", f"must be a vector, got shape {a.spike_templates.shape}.")
    s = a.spike_samples
    if a.spike_seconds is None or len(s):
        if s.ndim != 1 or s.shape[0] != n:
            raise _err(a, "spike_samples",
                       f"has {s.shape[0]} spikes but {a.name('spike_templates')} has {n}.")
        if n and (s[1:] < s[:-1]).any():
            i = int(np.argmax(s[1:] < s[:-1]))
            raise _err(a, "spike_samples", f"spike times must be non-decreasing; spike {i + 1} "
                       f"(sample {int(s[i + 1])}) comes before spike {i} (sample {int(s[i])}).")
        if n and s[0] < 0:
            raise _err(a, "spike_samples", "spike times must be >= 0.")
    if a.spike_seconds is not None:
        t = a.spike_seconds
        if t.shape[0] != n:
            raise _err(a, "spike_samples", f"has {t.shape[0]} spikes but spike_templates has {n}.")
        if n and (t[1:] < t[:-1]).any():
            raise _err(a, "spike_samples", "spike times must be non-decreasing.")
    lo, hi = _int_range(a.spike_templates)
    if lo < 0:
        raise _err(a, "spike_templates", f"template ids must be >= 0, found {lo}.")
    if a.templates is not None:
        nt = a.templates.shape[0]
        if hi >= nt:
            raise _err(a, "spike_templates", f"references template {hi} but "
                       f"{a.name('templates')} has only {nt} templates (ids 0..{nt - 1}).")
    else:
        nt = hi + 1
    for key in ("spike_clusters", "amplitudes", "spike_times_reordered"):
        _check_len(a, key, n)
    if a.spike_clusters is not None and n and int(a.spike_clusters.min()) < 0:
        raise _err(a, "spike_clusters", f"cluster ids must be >= 0, found {int(a.spike_clusters.min())}.")

    # Channels.
    if a.channel_map is None:
        raise _err(a, "channel_map", "is required.")
    nc = a.channel_map.shape[0]
    clo, chi = _int_range(a.channel_map)
    if clo < 0:
        raise _err(a, "channel_map", f"channel indices must be >= 0, found {clo}.")
    if n_channels_dat and chi >= n_channels_dat:
        raise _err(a, "channel_map", f"refers to channel {chi} but params.py has "
                   f"n_channels_dat = {n_channels_dat}.")
    if a.channel_positions is None:
        raise _err(a, "channel_positions", "is required.")
    if a.channel_positions.shape[0] != nc:
        raise _err(a, "channel_positions", f"has {a.channel_positions.shape[0]} rows but "
                   f"{a.name('channel_map')} has {nc} channels.")
    if a.channel_positions.shape[1] == 1:
        a.channel_positions = np.c_[np.zeros(nc), a.channel_positions]
    a.channel_positions = np.asarray(a.channel_positions[:, :2], dtype=np.float64)
    if len({tuple(r) for r in a.channel_positions.tolist()}) != nc:
        logger.error("Some channels are on the same position in %s; using a linear layout.",
                     a.name("channel_positions"))
        a.channel_positions = np.c_[np.zeros(nc), np.linspace(0.0, 1.0, nc)]
    for key in ("channel_shanks", "channel_probes"):
        arr = getattr(a, key)
        if arr is None:
            setattr(a, key, np.zeros(nc, dtype=np.int64))
        elif arr.shape != (nc,):
            raise _err(a, key, f"has shape {arr.shape}, expected ({nc},) like {a.name('channel_map')}.")

    # Templates.
    if a.templates is not None:
        ns, ncl = a.templates.shape[1:]
        if a.template_ind is not None:
            if a.template_ind.shape != (nt, ncl):
                raise _err(a, "template_ind", f"has shape {a.template_ind.shape}, expected "
                           f"({nt}, {ncl}) to match {a.name('templates')} {a.templates.shape}.")
            tlo, thi = _int_range(a.template_ind)
            if tlo < -1 or thi >= nc:
                raise _err(a, "template_ind", f"has channel indices outside -1..{nc - 1}.")
        elif ncl != nc:
            raise _err(a, "templates", f"has {ncl} channels but {a.name('channel_map')} has {nc} "
                       "(dense templates need one column per channel, or add template_ind.npy).")
    for key in ("whitening_mat", "whitening_mat_inv"):
        arr = getattr(a, key)
        if arr is not None and arr.shape != (nc, nc):
            raise _err(a, key, f"has shape {arr.shape}, expected ({nc}, {nc}).")
    if a.similar_templates is not None and a.similar_templates.shape != (nt, nt):
        raise _err(a, "similar_templates", f"has shape {a.similar_templates.shape}, "
                   f"expected ({nt}, {nt}) for {nt} templates.")

    # Features.
    _check_features(a, "pc_features", "pc_feature_ind", "pc_feature_spike_ids", n, nt, nc, axis=2)
    _check_features(a, "template_features", "template_feature_ind", "template_feature_spike_ids",
                    n, nt, nt, axis=1)
    if a.subset_waveforms is not None:
        k = a.subset_spikes.shape[0] if a.subset_spikes is not None else -1
        ok = (a.subset_waveforms.ndim == 3 and a.subset_channels is not None
              and a.subset_channels.shape == (k, a.subset_waveforms.shape[2])
              and a.subset_waveforms.shape[0] == k)
        if not ok or (k and (a.subset_spikes.min() < 0 or a.subset_spikes.max() >= n)):
            logger.warning("Ignoring inconsistent _phy_spikes_subset.*.npy files.")
            a.subset_waveforms = a.subset_channels = a.subset_spikes = None


def _check_features(a: _Arrays, key: str, ind_key: str, rows_key: str, n: int, nt: int,
                    n_cols: int, axis: int) -> None:
    data = getattr(a, key)
    if data is None:
        return
    rows = getattr(a, rows_key)
    if rows is not None:
        rows = rows.reshape(-1)
        setattr(a, rows_key, rows)
        if rows.shape[0] != data.shape[0]:
            raise _err(a, rows_key, f"has {rows.shape[0]} rows but {a.name(key)} has {data.shape[0]}.")
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise _err(a, rows_key, f"has spike ids outside 0..{n - 1}.")
    elif data.shape[0] != n:
        raise _err(a, key, f"has {data.shape[0]} rows but there are {n} spikes "
                   f"(and no {rows_key}.npy maps rows to spikes).")
    ind = getattr(a, ind_key)
    n_loc = data.shape[axis]
    if ind is not None:
        if ind.ndim == 1:
            ind = ind.reshape(-1, 1)
            setattr(a, ind_key, ind)
        if ind.shape != (nt, n_loc):
            raise _err(a, ind_key, f"has shape {ind.shape}, expected ({nt}, {n_loc}) "
                       f"({nt} templates, {n_loc} columns in {a.name(key)}).")
        lo, hi = _int_range(ind)
        if lo < -1 or hi >= n_cols:
            raise _err(a, ind_key, f"has indices outside -1..{n_cols - 1}.")
    elif n_loc > n_cols:
        raise _err(a, key, f"has {n_loc} columns but no {ind_key}.npy; expected at most {n_cols}.")
