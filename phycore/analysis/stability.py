"""Stability of a cluster over the recording: firing range and drift (SpikeInterface's).

Both metrics follow SpikeInterface's ``compute_quality_metrics`` (``firing_range``, by
Simon Musall; ``drift``, from the Allen Institute's ``ecephys`` metrics) with the same
parameters and defaults; ``docs/metrics.md`` compares the values.

.. versionadded:: 0.4
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import group_spikes
from phycore.analysis._hist_kernels import _values_hist
from phycore.analysis._validate import SpikeLookup, as_1d, positive, positive_int, spike_times_arg
from phycore.errors import ActionError

__all__ = ["DriftMetrics", "drift_metrics", "firing_ranges", "whole_bin_edges"]


def whole_bin_edges(duration: float, bin_size: float) -> npt.NDArray[np.float64]:
    """Edges ``0, b, ..., n b`` of the ``n = floor(duration / b)`` whole bins of width ``b``.

    SpikeInterface's bins (``compute_bin_edges_per_unit``): an incomplete bin at the end
    is left out. Empty (no edge) when ``duration < b``.
    """
    d = positive(duration, "duration")
    b = positive(bin_size, "bin_size")
    n = int(np.floor(d / b + 1e-9))
    return np.arange(n + 1, dtype=np.float64) * b if n else np.zeros(0)


def firing_ranges(
    spike_times: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    duration: float,
    bin_size: float = 5.0,
    percentiles: tuple[float, float] = (5.0, 95.0),
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> npt.NDArray[np.float64]:
    """Spread of a cluster's firing rate over time (SpikeInterface's ``firing_range``).

    The rate in each whole bin of ``bin_size`` seconds (:func:`whole_bin_edges`; the last
    edge is inclusive as in ``numpy.histogram``) is its spike count divided by
    ``bin_size``; the firing range is the ``percentiles[1]``-th minus the
    ``percentiles[0]``-th percentile of these rates (``numpy.percentile``, linear). A
    steady unit has a small range; one that appears, vanishes or bursts has a large
    one. NaN for empty clusters or when ``duration < bin_size``.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        In seconds.
    cluster_ids : array-like of int, optional
    duration : float
        Recording duration in seconds.
    bin_size : float
        Seconds (default 5, as SpikeInterface).
    percentiles : (float, float)
        Default (5, 95), as SpikeInterface.
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    ndarray of float64, shape (n_clusters,)
    """
    lo, hi = (float(p) for p in percentiles)
    if not 0.0 <= lo <= hi <= 100.0:
        raise ActionError(f"`percentiles` must be 0 <= low <= high <= 100, got {percentiles}.",
                          argument="percentiles")
    edges = whole_bin_edges(duration, bin_size)
    t = spike_times_arg(spike_times, check_sorted=False)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    n = offsets.size - 1
    if edges.size < 2:
        return np.full(n, np.nan)
    rates = _values_hist(t, spike_ids, offsets, edges, False) / float(bin_size)
    out = np.percentile(rates, hi, axis=1) - np.percentile(rates, lo, axis=1)
    return np.where(np.diff(offsets) > 0, out, np.nan)


@attrs.define(frozen=True)
class DriftMetrics:
    """Drift of each cluster's depth, in the units of the depths (µm), one entry per cluster.

    Attributes
    ----------
    ptp, std, mad : ndarray of float64
        Peak-to-peak, standard deviation and median absolute deviation of the drift
        signal (see :func:`drift_metrics`).
    """

    ptp: npt.NDArray[np.float64]
    std: npt.NDArray[np.float64]
    mad: npt.NDArray[np.float64]


def drift_one(
    times: npt.NDArray[np.float64],
    depths: npt.NDArray[np.float64],
    edges: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64] | None = None,
    *,
    min_spikes_per_interval: float = 100,
    min_fraction_valid_intervals: float = 0.5,
    min_num_bins: int = 2,
) -> tuple[float, float, float]:
    """``(ptp, std, mad)`` of one cluster's drift signal; see :func:`drift_metrics`.

    ``times`` sorted; ``weights`` (default 1) is the number of spikes each row stands for.
    """
    nan = (np.nan, np.nan, np.nan)
    ok = np.isfinite(depths)
    times, depths = times[ok], depths[ok]
    w = np.ones(times.size) if weights is None else np.asarray(weights, np.float64)[ok]
    n_bins = edges.size - 1
    if times.size == 0 or n_bins < max(1, min_num_bins):
        return nan
    ref = float(np.median(depths))
    bounds = np.searchsorted(times, edges, side="left")  # [e_i, e_i+1), as SpikeInterface
    cum = np.concatenate([[0.0], np.cumsum(w)])
    med = np.full(n_bins, np.nan)
    for i in range(n_bins):
        i0, i1 = bounds[i], bounds[i + 1]
        if i1 > i0 and cum[i1] - cum[i0] >= min_spikes_per_interval * (1.0 - 1e-12):
            med[i] = np.median(depths[i0:i1])
    diff = med - ref
    if np.count_nonzero(np.isnan(diff)) > min_fraction_valid_intervals * n_bins:
        return nan
    ptp = float(np.nanmax(diff) - np.nanmin(diff))
    std = float(np.nanstd(diff))
    mad = float(np.nanmedian(np.abs(diff - np.nanmedian(diff))))
    return ptp, std, mad


def drift_metrics(
    spike_times: npt.ArrayLike,
    depths: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    duration: float,
    interval: float = 60.0,
    min_spikes_per_interval: int = 100,
    min_fraction_valid_intervals: float = 0.5,
    min_num_bins: int = 2,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> DriftMetrics:
    """Drift of each cluster's depth over time (SpikeInterface's ``drift`` metrics).

    The recording is cut into the whole bins of ``interval`` seconds
    (:func:`whole_bin_edges`; each bin ``[k i, (k + 1) i)`` half-open). In each bin
    holding at least ``min_spikes_per_interval`` spikes of the cluster, the median depth
    minus the cluster's overall median depth (over all its spikes) is the drift signal;
    other bins are NaN. ``drift_ptp`` is its range, ``drift_std`` its standard deviation
    (``ddof=0``), ``drift_mad`` its median absolute deviation from its median, all
    NaN-skipping. All three are NaN when there are fewer than ``min_num_bins`` bins or
    more than ``min_fraction_valid_intervals`` of the bins are NaN. Spikes whose depth
    is NaN are ignored.

    SpikeInterface takes the depths from its ``spike_locations`` extension (by default
    a monopolar triangulation from the waveforms); phycore's cluster table uses the
    depth from the PC features (phylib ``get_depths``), so the two differ by the depth
    estimator, not by this computation (``docs/metrics.md``).

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        In seconds, sorted within each cluster.
    depths : array-like of float, shape (n_spikes,)
        y position of each spike (µm).
    cluster_ids : array-like of int, optional
    duration : float
    interval : float
        Bin width in seconds (default 60, as SpikeInterface's ``interval_s``).
    min_spikes_per_interval, min_fraction_valid_intervals, min_num_bins
        SpikeInterface's parameters, same defaults (100, 0.5, 2).
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    DriftMetrics
    """
    edges = whole_bin_edges(duration, interval)
    nb = positive_int(min_num_bins, "min_num_bins", minimum=1)
    t = spike_times_arg(spike_times, check_sorted=False)
    y = as_1d(depths, "depths", np.float64, length=t.shape[0])
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    n = offsets.size - 1
    out = np.full((3, n), np.nan)
    for c in range(n):
        ids = spike_ids[offsets[c]: offsets[c + 1]]
        out[:, c] = drift_one(t[ids], y[ids], edges, min_spikes_per_interval=min_spikes_per_interval,
                              min_fraction_valid_intervals=min_fraction_valid_intervals, min_num_bins=nb)
    return DriftMetrics(ptp=out[0], std=out[1], mad=out[2])
