"""Spike amplitudes and depths: histograms and drift over time.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import group_spikes
from phycore.analysis._hist_kernels import _binned_mean, _values_hist
from phycore.analysis._jit import njit, prange
from phycore.analysis._validate import SpikeLookup, as_1d, positive_int, spike_times_arg
from phycore.analysis.rates import time_bin_edges
from phycore.errors import ActionError, DataFormatError

__all__ = ["amplitude_histograms", "binned_mean_over_time", "spike_depths", "template_depths"]


def amplitude_histograms(
    amplitudes: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    n_bins: int = 100,
    value_range: tuple[float, float] | None = None,
    ignore_zeros: bool = True,
    density: bool = True,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Histogram of spike amplitudes per cluster, on common bins.

    Defaults match the marginal histogram of phy's AmplitudeView: 100 bins, unit area,
    zero amplitudes ignored.

    Parameters
    ----------
    amplitudes : array-like of float, shape (n_spikes,)
    cluster_ids : array-like of int, optional
    n_bins : int
    value_range : (float, float), optional
        Histogram range; default: min and max over the requested clusters' spikes
        (zeros excluded when ``ignore_zeros``).
    ignore_zeros : bool
    density : bool
        Unit area per row (``numpy.histogram(density=True)``); else raw counts.
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    hist : ndarray of float64, shape (n_clusters, n_bins)
    edges : ndarray of float64, shape (n_bins + 1,)

    .. versionadded:: 0.1.0
    """
    nb = positive_int(n_bins, "n_bins")
    amp = as_1d(amplitudes, "amplitudes", np.float64)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, amp.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    if value_range is None:
        vals = amp[spike_ids]
        vals = vals[np.isfinite(vals)]
        if ignore_zeros:
            vals = vals[vals != 0]
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
    else:
        lo, hi = (float(v) for v in value_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            raise ActionError(f"`value_range` must be finite with min <= max, got {value_range}.",
                              argument="value_range")
    if hi == lo:  # numpy.histogram's rule for an empty range
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, nb + 1)
    out = _values_hist(amp, spike_ids, offsets, edges, bool(ignore_zeros)).astype(np.float64)
    if density:
        total = out.sum(axis=1, keepdims=True) * np.diff(edges)[None, :]
        out = np.divide(out, total, out=np.zeros_like(out), where=total > 0)
    return out, edges


def binned_mean_over_time(
    spike_times: npt.ArrayLike,
    values: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    duration: float,
    bin_size: float = 10.0,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Mean of a per-spike value (amplitude, depth...) per cluster and time bin.

    Used for drift displays: amplitude over time, spike depth over time. NaN values
    are skipped; empty bins are NaN.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
    values : array-like of float, shape (n_spikes,)
    cluster_ids : array-like of int, optional
    duration, bin_size : float
        In seconds; bins as in :func:`phycore.analysis.time_bin_edges`.
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    means : ndarray of float64, shape (n_clusters, n_bins)
    counts : ndarray of int64, shape (n_clusters, n_bins)
    edges : ndarray of float64, shape (n_bins + 1,)

    .. versionadded:: 0.1.0
    """
    edges = time_bin_edges(duration, bin_size)
    t = spike_times_arg(spike_times, check_sorted=False)
    v = as_1d(values, "values", np.float64, length=t.shape[0])
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    means, counts = _binned_mean(t, v, spike_ids, offsets, edges)
    return means, counts, edges


@njit(cache=True, parallel=True, nogil=True)
def _spike_depths(
    features: npt.NDArray[np.floating[Any]], spike_templates: npt.NDArray[np.integer[Any]], channel_ind: npt.NDArray[np.integer[Any]], ypos: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    n, n_loc = features.shape[0], features.shape[2]
    out = np.empty(n, np.float64)
    for i in prange(n):
        t = spike_templates[i]
        num = 0.0
        den = 0.0
        for j in range(n_loc):
            f = max(np.float64(features[i, 0, j]), 0.0)
            w = f * f
            num += ypos[channel_ind[t, j]] * w
            den += w
        out[i] = num / den if den > 0 else np.nan
    return out


def spike_depths(
    pc_features: npt.ArrayLike,
    spike_templates: npt.ArrayLike,
    pc_feature_ind: npt.ArrayLike,
    channel_positions: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Depth of each spike from its first PC feature (phylib ``TemplateModel.get_depths``).

    ``depth = sum_j y_j * max(f_j, 0)^2 / sum_j max(f_j, 0)^2`` over the spike's feature
    channels ``j`` (``pc_feature_ind[template]``), where ``f_j`` is the first PC.
    Spikes whose positive weights are all zero get NaN (phylib: NaN as well).

    Parameters
    ----------
    pc_features : array-like, shape (n_spikes, n_pcs, n_channels_loc)
        The layout of Kilosort's ``pc_features.npy`` (phylib's ``model.pc_features``
        is its transpose ``(n, n_loc, n_pcs)``).
    spike_templates : array-like of int, shape (n_spikes,)
        Original template of each spike (rows of ``pc_feature_ind``).
    pc_feature_ind : array-like of int, shape (n_templates, n_channels_loc)
    channel_positions : array-like, shape (n_channels, 2)

    Returns
    -------
    ndarray of float64, shape (n_spikes,)

    .. versionadded:: 0.1.0
    """
    f = np.asarray(pc_features)
    if f.ndim != 3:
        raise DataFormatError(f"`pc_features` must be 3-D, got shape {f.shape}.", argument="pc_features")
    st = as_1d(spike_templates, "spike_templates", length=f.shape[0]).astype(np.int64, copy=False)
    ind = np.asarray(pc_feature_ind).astype(np.int64, copy=False)
    pos = np.asarray(channel_positions, dtype=np.float64)
    if ind.ndim != 2 or ind.shape[1] != f.shape[2]:
        raise DataFormatError("`pc_feature_ind` must be (n_templates, n_channels_loc) matching `pc_features`.",
                              argument="pc_feature_ind")
    if pos.ndim != 2 or pos.shape[1] < 2:
        raise DataFormatError("`channel_positions` must be (n_channels, 2).", argument="channel_positions")
    if st.size and (st.min() < 0 or st.max() >= ind.shape[0]):
        raise DataFormatError("`spike_templates` refers to rows missing from `pc_feature_ind`.",
                              argument="spike_templates")
    if ind.size and (ind.min() < 0 or ind.max() >= pos.shape[0]):
        raise DataFormatError("`pc_feature_ind` refers to channels missing from `channel_positions`.",
                              argument="pc_feature_ind")
    return _spike_depths(f, st, ind, np.ascontiguousarray(pos[:, 1]))


def template_depths(templates: npt.ArrayLike, channel_positions: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Depth of each template: its channels' y positions weighted by squared amplitude.

    ``depth_t = sum_c y_c * ptp_tc**2 / sum_c ptp_tc**2``, with ``ptp_tc`` the
    peak-to-peak amplitude of template ``t`` on channel ``c``. Use
    ``template_depths(...)[spike_templates]`` as a per-spike depth for drift displays
    when there are no PC features (:func:`spike_depths`). All-zero templates get NaN.

    Parameters
    ----------
    templates : array-like, shape (n_templates, n_samples, n_channels)
    channel_positions : array-like, shape (n_channels, 2)

    Returns
    -------
    ndarray of float64, shape (n_templates,)

    .. versionadded:: 0.1.0
    """
    w = np.asarray(templates)
    pos = np.asarray(channel_positions, dtype=np.float64)
    if w.ndim != 3:
        raise DataFormatError(f"`templates` must be 3-D, got shape {w.shape}.", argument="templates")
    if pos.shape != (w.shape[2], 2):
        raise DataFormatError(f"`channel_positions` must be ({w.shape[2]}, 2), got {pos.shape}.",
                              argument="channel_positions")
    p2 = np.ptp(w, axis=1).astype(np.float64) ** 2
    den = p2.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (p2 @ pos[:, 1]) / den, np.nan)
