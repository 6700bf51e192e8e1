"""Sparse per-spike arrays (PC features, template features, waveform subset) (private).

Only the requested rows are read from the memory-mapped files.
"""

from __future__ import annotations

import weakref

import numpy as np
import numpy.typing as npt

from phycore.model._rowread import file_rows, read_rows

__all__ = ["SparseData"]

#: Keep each column table's kept-columns mask (False: computed on every projection, the
#: path before; the same values, for benchmarks).
_KEEP = True


class SparseData:
    """A possibly sparse per-row array: ``data`` with optional ``cols`` and ``rows``.

    Attributes
    ----------
    data : ndarray
        The (memory-mapped) values.
    cols : ndarray or None
        Per-template channel (or template) index of each column; None = dense.
    rows : ndarray or None
        Spike id of each row; None = one row per spike.
    """

    def __init__(self, data: np.ndarray, cols: np.ndarray | None = None,
                 rows: np.ndarray | None = None) -> None:
        self.data, self.cols, self.rows = data, cols, rows

    def __repr__(self) -> str:
        return f"SparseData(data={self.data.shape}, sparse={self.cols is not None})"


def scatter_columns(data: np.ndarray, cols: np.ndarray, wanted: np.ndarray, n_total: int) -> np.ndarray:
    """Place ``data[i, j, ...]`` at column ``k`` of the output where ``cols[i, j] == wanted[k]``.

    ``data`` is ``(n, n_loc, ...)``, ``cols`` ``(n, n_loc)`` channel/template indices
    (``-1`` = unused); columns of ``wanted`` a row does not have stay 0. When a row lists
    a channel twice, the last occurrence wins, as in phylib's ``from_sparse``.
    """
    wanted = np.asarray(wanted, dtype=np.int64)
    if len(np.unique(wanted)) != len(wanted):
        raise ValueError("channel_ids must not contain duplicates.")
    out = np.zeros((data.shape[0], len(wanted)) + data.shape[2:], dtype=data.dtype)
    lut = np.full(max(n_total, int(wanted.max(initial=-1)) + 1) + 1, -1, dtype=np.int64)
    lut[wanted] = np.arange(len(wanted))
    c = np.where((cols >= 0) & (cols < len(lut) - 1), cols, len(lut) - 1)
    pos = lut[c]
    ii, jj = np.nonzero(pos >= 0)
    out[ii, pos[ii, jj]] = data[ii, jj]
    return out


def _rows_for(spike_ids: np.ndarray, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(indices into the data file, indices into the output) of the spikes present."""
    if rows is None:
        return spike_ids, np.arange(len(spike_ids))
    order = np.argsort(rows, kind="stable")
    srt = rows[order]
    pos = np.searchsorted(srt, spike_ids)
    pos_c = np.minimum(pos, len(srt) - 1) if len(srt) else pos
    found = (pos < len(srt)) & (srt[pos_c] == spike_ids) if len(srt) else np.zeros(len(spike_ids), bool)
    return order[pos_c[found]], np.nonzero(found)[0]


def _read_rows(arr: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Read rows ``idx`` of a memmap in increasing file order, returned in ``idx`` order."""
    if file_rows(arr) is not None:  # read-only memmap: batched pread (see _rowread)
        return read_rows(arr, idx)
    if len(idx) > 1 and np.any(idx[1:] < idx[:-1]):
        order = np.argsort(idx, kind="stable")
        out = np.empty((len(idx),) + arr.shape[1:], dtype=arr.dtype)
        out[order] = arr[idx[order]]
        return out
    return np.asarray(arr[idx])


def get_pc_features(data: np.ndarray, cols: np.ndarray | None, rows: np.ndarray | None,
                    spike_templates: np.ndarray, spike_ids: np.ndarray,
                    channel_ids: np.ndarray, n_channels: int) -> npt.NDArray[np.float32]:
    """PC features ``(n_spikes, n_channels, n_pcs)``; NaN for spikes without features."""
    n_pcs, n_loc = data.shape[1], data.shape[2]
    ns = len(spike_ids)
    idx, out_rows = _rows_for(spike_ids, rows)
    feats = np.full((ns, n_loc, n_pcs), np.nan, dtype=np.float32)
    if len(idx):
        feats[out_rows] = _read_rows(data, idx).transpose(0, 2, 1)
    if cols is not None:
        spike_cols = cols[spike_templates[spike_ids]]
    else:
        spike_cols = np.broadcast_to(np.arange(n_loc), (ns, n_loc))
    return scatter_columns(feats, spike_cols, channel_ids, n_channels)


def get_template_features(data: np.ndarray, cols: np.ndarray | None, rows: np.ndarray | None,
                          spike_templates: np.ndarray, spike_ids: np.ndarray,
                          n_templates: int) -> npt.NDArray[np.float32]:
    """Template features ``(n_spikes, n_templates)``; NaN rows for spikes without features."""
    n_loc = data.shape[1]
    ns = len(spike_ids)
    idx, out_rows = _rows_for(spike_ids, rows)
    feats = np.full((ns, n_loc), np.nan, dtype=np.float32)
    if len(idx):
        feats[out_rows] = _read_rows(data, idx)
    if cols is not None:
        spike_cols = cols[spike_templates[spike_ids]]
    else:
        spike_cols = np.broadcast_to(np.arange(n_loc), (ns, n_loc))
    return scatter_columns(feats, spike_cols, np.arange(n_templates), n_templates)



def _kept_columns(cols: np.ndarray, n_templates: int) -> npt.NDArray[np.bool_]:
    """Per row of ``cols``: the columns :func:`scatter_columns` places (a template id in
    range, and the last occurrence of a template listed twice)."""
    valid = (cols >= 0) & (cols < n_templates)
    later = np.triu(np.ones((cols.shape[1], cols.shape[1]), dtype=bool), 1)
    dup = ((cols[:, :, None] == cols[:, None, :]) & later[None]).any(axis=2)
    return np.asarray(valid & ~dup)


#: ``id(cols) -> (weak reference to cols, n_templates, kept)``: the columns of a folder's
#: template features are the same array for every projection (a selection projects two
#: clusters' spikes, in chunks), and their test costs ~1 ms per call on 600 templates.
_KEPT: dict[int, tuple[weakref.ref[np.ndarray], int, npt.NDArray[np.bool_]]] = {}


def _kept_columns_of(cols: np.ndarray, n_templates: int) -> npt.NDArray[np.bool_]:
    """:func:`_kept_columns` of a template-feature column table, kept while it lives."""
    hit = _KEPT.get(id(cols))
    if hit is not None and hit[0]() is cols and hit[1] == n_templates:
        return hit[2]
    kept = _kept_columns(np.asarray(cols).astype(np.int64), n_templates)
    kept.setflags(write=False)  # shared by every projection
    try:
        ref = weakref.ref(cols)
    except TypeError:  # pragma: no cover - not weak-referenceable: not kept
        return kept
    if len(_KEPT) >= 8:
        _KEPT.clear()
    _KEPT[id(cols)] = (ref, n_templates, kept)
    return kept


def project_template_features(data: np.ndarray, cols: np.ndarray | None, rows: np.ndarray | None,
                              spike_templates: np.ndarray, spike_ids: np.ndarray, n_templates: int,
                              weights: np.ndarray) -> npt.NDArray[np.float64]:
    """``get_template_features(...) @ weights`` (float64) from the sparse features.

    The dense ``(n_spikes, n_templates)`` array is never built: each spike's few feature
    columns are multiplied by the weights of their templates, the same sum with
    ``n_loc`` instead of ``n_templates`` terms (about 20x fewer on Kilosort folders).
    """
    w = np.asarray(weights, dtype=np.float64)
    n_loc = data.shape[1]
    ns = len(spike_ids)
    idx, out_rows = _rows_for(spike_ids, rows)
    feats = np.full((ns, n_loc), np.nan)
    if len(idx):
        feats[out_rows] = _read_rows(data, idx)
    tc = (np.arange(n_loc)[None, :] if cols is None else np.asarray(cols)).astype(np.int64)
    kept = _kept_columns(tc, n_templates) if cols is None or not _KEEP else _kept_columns_of(cols, n_templates)
    row = np.zeros(ns, dtype=np.int64) if cols is None else np.asarray(spike_templates)[spike_ids]
    k = kept[row]
    # Spikes without features (NaN) stay NaN where a column is placed, 0 where none is, as
    # in the dense product.
    x = np.where(k, feats, 0.0)
    wv = w[np.where(kept, tc, 0)[row]] * k[:, :, None]
    out: npt.NDArray[np.float64] = np.einsum("sj,sjk->sk", x, wv)
    return out


def get_subset_waveforms(waveforms: np.ndarray, channels: np.ndarray, spikes: np.ndarray,
                         spike_ids: np.ndarray, channel_ids: np.ndarray,
                         n_channels: int) -> npt.NDArray[np.float32] | None:
    """Waveforms from the ``_phy_spikes_subset`` pool, or None if a spike is not in it."""
    idx, out_rows = _rows_for(spike_ids, spikes)
    if len(out_rows) != len(spike_ids):
        return None
    w = _read_rows(waveforms, idx).transpose(0, 2, 1)  # (n, n_loc, n_samples)
    out = scatter_columns(w.astype(np.float32), channels[idx], channel_ids, n_channels)
    return np.ascontiguousarray(out.transpose(0, 2, 1))


def spike_depths(pc_features: np.ndarray, pc_feature_ind: np.ndarray,
                 spike_templates: np.ndarray, ypos: np.ndarray,
                 batch: int = 500_000) -> npt.NDArray[np.float64]:
    """Spike depth: y positions weighted by the squared positive first PC (phylib's formula)."""
    n = pc_features.shape[0]
    out = np.empty(n)
    for i0 in range(0, n, batch):
        i1 = min(n, i0 + batch)
        f = np.maximum(np.asarray(pc_features[i0:i1, 0, :]), 0) ** 2
        y = ypos[pc_feature_ind[spike_templates[i0:i1]]]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[i0:i1] = (y * f).sum(axis=1) / f.sum(axis=1)
    return out
