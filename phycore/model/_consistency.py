"""Cross-file consistency checks of a :class:`FieldSet` (private).

Each error names the files (or ``from_arrays`` arguments) that disagree. Row counts of
per-spike vectors and shapes made only of known dimensions are checked from the rules of
:data:`~phycore.model._fields.FIELDS`; the rest (index ranges, sparse column indices,
feature row maps) are relations between fields, checked one by one below.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.model._fields import FIELDS, FieldSet

__all__: list[str] = []

logger = logging.getLogger("phycore.model")


def _err(a: FieldSet, key: str, msg: str) -> DataFormatError:
    name = a.name(key)
    return DataFormatError(f"{name}: {msg}", path=name if name.endswith(".npy") else None,
                           argument=None if name.endswith(".npy") else name)


def _int_range(arr: np.ndarray) -> tuple[int, int]:
    return (int(arr.min()), int(arr.max())) if arr.size else (0, -1)


def max_cluster_id(n_spikes: int) -> int:
    """Largest cluster id accepted for ``n_spikes`` spikes: ``max(2**24, 4 * n_spikes) - 1``.

    The clustering and its views size per-cluster tables by the largest id, so one stray
    id of 2**40 would ask for terabytes. Real sortings number their clusters densely: ids
    stay far below either bound (Kilosort's are < the number of templates, and merges add
    one id each).
    """
    return max(2 ** 24, 4 * int(n_spikes)) - 1


def bad_cluster_ids(ids: np.ndarray, n_spikes: int) -> str | None:
    """Why ``ids`` are not acceptable cluster ids (negative, or above :func:`max_cluster_id`
    for ``n_spikes``), or None when they are."""
    lo, hi = _int_range(ids)
    limit = max_cluster_id(n_spikes)
    if lo < 0:
        return f"cluster ids must be >= 0, found {lo} (spike {int(np.argmax(ids < 0))})."
    if hi > limit:
        return (f"cluster id {hi} (spike {int(np.argmax(ids > limit))}) is too large: ids must be at "
                f"most {limit:,} (max(2**24, 4 x {n_spikes:,} spikes) - 1) because per-cluster tables "
                "are sized by the largest id. Renumber the clusters, e.g. with "
                "np.unique(spike_clusters, return_inverse=True)[1].")
    return None


def validate(a: FieldSet, n_channels_dat: int | None) -> None:
    """Check shapes, dtypes and index ranges across arrays; normalize in place."""
    st = a["spike_templates"]
    n = st.shape[0]
    if st.ndim != 1:
        raise _err(a, "spike_templates", f"must be a vector, got shape {st.shape}.")
    _check_spike_times(a, n)
    lo, hi = _int_range(st)
    if lo < 0:
        raise _err(a, "spike_templates", f"template ids must be >= 0, found {lo}.")
    templates = a.get("templates")
    if templates is not None:
        nt = templates.shape[0]
        if hi >= nt:
            raise _err(a, "spike_templates", f"references template {hi} but "
                       f"{a.name('templates')} has only {nt} templates (ids 0..{nt - 1}).")
    else:
        nt = hi + 1
    for f in FIELDS:
        arr = a.get(f.name)
        if f.is_spike_vector and not f.required and arr is not None and arr.shape[0] != n:
            raise _err(a, f.name, f"has {arr.shape[0]} rows but {a.name('spike_templates')} has {n} spikes.")
    sc = a.get("spike_clusters")
    why = None if sc is None else bad_cluster_ids(sc, n)
    if why:
        raise _err(a, "spike_clusters", why)
    nc = _check_channels(a, n_channels_dat)
    dims = {"n_channels": nc, "n_templates": nt}
    names = {f.name: a.name(f.name) for f in FIELDS}
    for f in FIELDS:
        arr = a.get(f.name)
        if not f.per_spike and all(d in dims for d in f.shape):
            if arr is None:
                if f.shape == ("n_channels",):  # shanks, probes: all channels on shank/probe 0
                    a.set(f.name, np.zeros(nc, dtype=np.int64))
                continue
            expected = tuple(dims[d] for d in f.shape)
            if arr.shape != expected:
                hint = (f.shape_hint or "").format(**dims, **names)
                raise _err(a, f.name, f"has shape {arr.shape}, expected {expected}{hint}.")
    _check_templates(a, nt, nc)
    _check_features(a, "pc_features", "pc_feature_ind", "pc_feature_spike_ids", n, nt, nc, axis=2)
    _check_features(a, "template_features", "template_feature_ind", "template_feature_spike_ids",
                    n, nt, nt, axis=1)
    _check_subset(a, n)


def _check_spike_times(a: FieldSet, n: int) -> None:
    s = a["spike_samples"]
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


def _check_channels(a: FieldSet, n_channels_dat: int | None) -> int:
    """Check the channel map and positions (normalized to float64 ``(n, 2)``); returns
    the number of channels."""
    cm = a.get("channel_map")
    if cm is None:
        raise _err(a, "channel_map", "is required.")
    nc = int(cm.shape[0])
    clo, chi = _int_range(cm)
    if clo < 0:
        raise _err(a, "channel_map", f"channel indices must be >= 0, found {clo}.")
    if n_channels_dat and chi >= n_channels_dat:
        raise _err(a, "channel_map", f"refers to channel {chi} but params.py has "
                   f"n_channels_dat = {n_channels_dat}.")
    pos = a.get("channel_positions")
    if pos is None:
        raise _err(a, "channel_positions", "is required.")
    if pos.shape[0] != nc:
        raise _err(a, "channel_positions", f"has {pos.shape[0]} rows but "
                   f"{a.name('channel_map')} has {nc} channels.")
    if pos.shape[1] == 1:
        pos = np.c_[np.zeros(nc), pos]
    pos = np.asarray(pos[:, :2], dtype=np.float64)
    if len({tuple(r) for r in pos.tolist()}) != nc:
        logger.error("Some channels are on the same position in %s; using a linear layout.",
                     a.name("channel_positions"))
        pos = np.c_[np.zeros(nc), np.linspace(0.0, 1.0, nc)]
    a.set("channel_positions", pos)
    return nc


def _check_templates(a: FieldSet, nt: int, nc: int) -> None:
    templates = a.get("templates")
    if templates is None:
        return
    ncl = templates.shape[2]
    ind = a.get("template_ind")
    if ind is not None:
        if ind.shape != (nt, ncl):
            raise _err(a, "template_ind", f"has shape {ind.shape}, expected "
                       f"({nt}, {ncl}) to match {a.name('templates')} {templates.shape}.")
        tlo, thi = _int_range(ind)
        if tlo < -1 or thi >= nc:
            raise _err(a, "template_ind", f"has channel indices outside -1..{nc - 1}.")
    elif ncl != nc:
        raise _err(a, "templates", f"has {ncl} channels but {a.name('channel_map')} has {nc} "
                   "(dense templates need one column per channel, or add template_ind.npy).")


def _check_subset(a: FieldSet, n: int) -> None:
    """Drop (with a warning) ``_phy_spikes_subset.*`` files that disagree."""
    w, ch, sp = a.get("subset_waveforms"), a.get("subset_channels"), a.get("subset_spikes")
    if w is None:
        return
    k = sp.shape[0] if sp is not None else -1
    ok = (w.ndim == 3 and ch is not None and ch.shape == (k, w.shape[2]) and w.shape[0] == k)
    if not ok or (k and sp is not None and (sp.min() < 0 or sp.max() >= n)):
        logger.warning("Ignoring inconsistent _phy_spikes_subset.*.npy files.")
        for key in ("subset_waveforms", "subset_channels", "subset_spikes"):
            a.set(key, None)


def whitening_matrices(a: FieldSet, n_channels: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The whitening matrix (identity when absent) and its inverse (computed in memory
    when ``whitening_mat_inv`` is absent; never written)."""
    wm_in = a.get("whitening_mat")
    wm = np.asarray(wm_in if wm_in is not None else np.eye(n_channels), dtype=np.float64)
    wmi = a.get("whitening_mat_inv")
    if wmi is not None:
        return wm, np.asarray(wmi, dtype=np.float64)
    try:
        return wm, np.asarray(np.linalg.inv(wm), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise DataFormatError(f"{a.name('whitening_mat')} is not invertible.",
                              path=a.name("whitening_mat")) from None


def _check_features(a: FieldSet, key: str, ind_key: str, rows_key: str, n: int, nt: int,
                    n_cols: int, axis: int) -> None:
    data = a.get(key)
    if data is None:
        return
    rows = a.get(rows_key)
    if rows is not None:
        rows = rows.reshape(-1)
        a.set(rows_key, rows)
        if rows.shape[0] != data.shape[0]:
            raise _err(a, rows_key, f"has {rows.shape[0]} rows but {a.name(key)} has {data.shape[0]}.")
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise _err(a, rows_key, f"has spike ids outside 0..{n - 1}.")
    elif data.shape[0] != n:
        raise _err(a, key, f"has {data.shape[0]} rows but there are {n} spikes "
                   f"(and no {rows_key}.npy maps rows to spikes).")
    ind = a.get(ind_key)
    n_loc = data.shape[axis]
    if ind is not None:
        if ind.ndim == 1:
            ind = ind.reshape(-1, 1)
            a.set(ind_key, ind)
        if ind.shape != (nt, n_loc):
            raise _err(a, ind_key, f"has shape {ind.shape}, expected ({nt}, {n_loc}) "
                       f"({nt} templates, {n_loc} columns in {a.name(key)}).")
        lo, hi = _int_range(ind)
        if lo < -1 or hi >= n_cols:
            raise _err(a, ind_key, f"has indices outside -1..{n_cols - 1}.")
    elif n_loc > n_cols:
        raise _err(a, key, f"has {n_loc} columns but no {ind_key}.npy; expected at most {n_cols}.")
