"""Vectorised per-cluster / per-template computations and id checks (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import ChannelIdError, ClusterIdError, PhyCoreError, SpikeIdError
from phycore.model._features import SparseData, spike_depths
from phycore.model._templates import _TemplateStore

__all__: list[str] = []

_BINCOUNT_LIMIT = 50_000_000


def check_id(value: Any, argument: str, error: type[PhyCoreError] = ClusterIdError) -> int:
    """Return ``value`` as an int, or raise ``error`` naming ``argument``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise error(f"{argument} must be an integer, got {value!r}.", argument=argument)
    return int(value)


def check_spike_ids(spike_ids: npt.ArrayLike, n_spikes: int) -> npt.NDArray[np.int64]:
    """Return spike ids as an int64 vector, or raise :class:`SpikeIdError`."""
    arr = np.asarray(spike_ids)
    if arr.dtype == bool:
        if arr.shape != (n_spikes,):
            raise SpikeIdError(f"a boolean spike_ids mask must have {n_spikes} elements.",
                               argument="spike_ids")
        return np.nonzero(arr)[0]
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise SpikeIdError(f"spike_ids must be integers, got dtype {arr.dtype}.", argument="spike_ids")
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= n_spikes:
        raise SpikeIdError(f"spike_ids must be in 0..{n_spikes - 1}, got {lo if lo < 0 else hi}.",
                           argument="spike_ids")
    return arr


def check_channel_ids(channel_ids: npt.ArrayLike, n_channels: int,
                      argument: str = "channel_ids") -> npt.NDArray[np.int64]:
    """Return model channel ids as an int64 vector, or raise :class:`ChannelIdError`.

    Shared by every public method taking ``channel_ids``: numpy would raise a bare
    IndexError for ids >= ``n_channels`` and silently wrap negative ones.
    """
    arr = np.asarray(channel_ids).reshape(-1)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise ChannelIdError(f"{argument} must be integers, got {arr[:10].tolist()} "
                             f"(dtype {arr.dtype}).", argument=argument)
    arr = arr.astype(np.int64, copy=False)
    bad = np.unique(arr[(arr < 0) | (arr >= n_channels)])
    if bad.size:
        raise ChannelIdError(f"{argument} {bad[:10].tolist()} out of range: valid channel ids are "
                             f"0..{n_channels - 1} (the model has {n_channels} channels).",
                             argument=argument)
    return arr


def unique_ids(ids: np.ndarray) -> npt.NDArray[np.int64]:
    """Sorted unique non-negative ids, O(n) with bincount when the id range is small."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    hi = int(ids.max())
    if hi < _BINCOUNT_LIMIT:
        return np.nonzero(np.bincount(ids, minlength=hi + 1))[0]
    return np.unique(ids)


def mean_per_id(ids: np.ndarray, values: np.ndarray | None) -> npt.NDArray[np.float64]:
    """Mean of ``values`` per id, for the ids present (sorted), like phylib ``_amplitudes``."""
    if values is None:
        return np.zeros(0)
    n = np.bincount(ids)
    s = np.bincount(ids, weights=np.asarray(values, dtype=np.float64))
    present = np.nonzero(n)[0]
    return s[present] / n[present]


def dominant_templates(spike_clusters: np.ndarray, spike_templates: np.ndarray,
                       n_templates: int) -> npt.NDArray[np.int64]:
    """Template with the most spikes per cluster id (smallest on ties); -1 for empty ids."""
    if not len(spike_clusters):
        return np.zeros(0, dtype=np.int64)
    n_cl = int(spike_clusters.max()) + 1
    nt = max(1, n_templates)
    if n_cl * nt <= _BINCOUNT_LIMIT:
        counts = np.bincount(spike_clusters * nt + spike_templates, minlength=n_cl * nt).reshape(n_cl, nt)
        dom = counts.argmax(axis=1)
        dom[counts.max(axis=1) == 0] = -1
        return np.asarray(dom, dtype=np.int64)
    keys, counts = np.unique(spike_clusters * nt + spike_templates, return_counts=True)
    cl, tp = keys // nt, keys % nt
    order = np.lexsort((tp, -counts, cl))
    first = order[np.r_[True, cl[order][1:] != cl[order][:-1]]]
    out = np.full(n_cl, -1, dtype=np.int64)
    out[cl[first]] = tp[first]
    return out


def templates_peak_channels(data: np.ndarray, cols: np.ndarray | None) -> npt.NDArray[np.int64]:
    """phylib ``templates_channels``: whitened p2p argmax (dense) or ``cols[:, 0]`` (sparse)."""
    if cols is not None:
        return cols[:, 0].astype(np.int64)
    out = np.empty(data.shape[0], dtype=np.int64)
    for i0 in range(0, data.shape[0], 256):
        d = np.asarray(data[i0:i0 + 256])
        out[i0:i0 + 256] = np.argmax(d.max(axis=1) - d.min(axis=1), axis=1)
    return out


def waveform_durations(data: np.ndarray, sample_rate: float) -> npt.NDArray[np.float64]:
    """Argmax-minus-argmin time (ms) on each template's whitened peak channel (phylib)."""
    nt = data.shape[0]
    if not nt:
        return np.zeros(0)
    peak = np.argmax(data.max(axis=1) - data.min(axis=1), axis=1)
    d = data[np.arange(nt), :, peak]
    return np.asarray((d.argmax(axis=1) - d.argmin(axis=1)) / sample_rate * 1e3, dtype=np.float64)


def cluster_mean_waveforms(store: _TemplateStore, counts: np.ndarray, n_samples: int,
                           n_channels: int, unwhiten: bool) -> dict[str, Any]:
    """Spike-count-weighted mean of a cluster's templates on its best template's channels.

    ``counts`` is the cluster's number of spikes in each template.
    """
    best = int(np.argmax(counts))
    tids = np.nonzero(counts)[0]
    w = counts[tids]
    channel_ids = store.get(best, unwhiten=unwhiten).channel_ids
    data = np.zeros((len(tids), n_samples, n_channels))
    for i, t in enumerate(tids):
        b = store.get(int(t), unwhiten=unwhiten)
        data[i][:, b.channel_ids] = b.template
    mean = np.average(data[..., channel_ids], axis=0, weights=w)
    return {"mean_waveforms": mean, "channel_ids": channel_ids}


def depths(features: SparseData | None, n_spikes: int, spike_templates: np.ndarray,
           channel_y: np.ndarray) -> npt.NDArray[np.float64] | None:
    """phylib ``get_depths``: y positions weighted by the squared positive first PC."""
    if features is None or features.data.shape[0] != n_spikes or features.cols is None:
        return None
    return spike_depths(features.data, features.cols, spike_templates, channel_y)


def amplitudes_true(store: _TemplateStore, amplitudes: np.ndarray | None, spike_templates: np.ndarray,
                    sample2unit: float, use: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phylib ``get_amplitudes_true`` for ``use='templates'``."""
    if use != "templates":
        raise ValueError(f"use must be 'templates', got {use!r}.")
    if amplitudes is None:
        raise ValueError("get_amplitudes_true needs amplitudes.npy.")
    n_templates = store.n_templates
    wfs = store.unwhitened_dense()
    ch_amps = wfs.max(axis=1) - wfs.min(axis=1)
    amps_au = ch_amps.max(axis=1)
    spike_amps = amps_au[spike_templates] * np.asarray(amplitudes)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_amps = (np.bincount(spike_templates, weights=spike_amps, minlength=n_templates)
                  / np.bincount(spike_templates, minlength=n_templates))
        t_units = wfs * (t_amps / amps_au)[:, np.newaxis, np.newaxis]
    return spike_amps * sample2unit, t_units * sample2unit, t_amps * sample2unit
