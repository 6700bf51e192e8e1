"""Inter-spike-interval (ISI) histograms per cluster, with linear or log bins.

phy's ISIView draws ``np.histogram(np.diff(spike_times), np.linspace(x_min, x_max,
n_bins))`` normalised to unit area, i.e. ``n_bins - 1`` bins over 0-50 ms by default.
To reproduce it, pass ``isi_bin_edges(0, 0.05, 49)`` (49 bins, 50 edges) and
``density=True``.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import group_spikes
from phycore.analysis._hist_kernels import _isi_hist
from phycore.analysis._validate import SpikeLookup, as_1d, positive, positive_int, spike_times_arg
from phycore.errors import ActionError, DataFormatError

__all__ = ["isi_bin_edges", "isi_histograms"]


def isi_bin_edges(x_min: float, x_max: float, n_bins: int, *, log: bool = False) -> npt.NDArray[np.float64]:
    """Bin edges (seconds) for :func:`isi_histograms`.

    Parameters
    ----------
    x_min, x_max : float
        Range in seconds. With ``log=True``, ``x_min`` must be > 0.
    n_bins : int
        Number of bins (the result has ``n_bins + 1`` edges).
    log : bool
        Logarithmically spaced edges (``numpy.geomspace``) instead of linear ones.

    Returns
    -------
    ndarray of float64, shape (n_bins + 1,)

    .. versionadded:: 0.1.0
    """
    lo = positive(x_min, "x_min", allow_zero=not log)
    hi = positive(x_max, "x_max")
    n = positive_int(n_bins, "n_bins")
    if hi <= lo:
        raise ActionError(f"`x_max` ({x_max}) must be greater than `x_min` ({x_min}).", argument="x_max")
    return np.geomspace(lo, hi, n + 1) if log else np.linspace(lo, hi, n + 1)


def isi_histograms(
    spike_times: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    bin_edges: npt.ArrayLike,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
    density: bool = False,
) -> npt.NDArray[np.float64]:
    """Histogram of the intervals between consecutive spikes of each cluster.

    Uses every spike of the cluster (no sub-sampling, as in phy). Intervals outside
    ``[bin_edges[0], bin_edges[-1]]`` are not counted.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        Spike times in seconds.
    cluster_ids : array-like of int, optional
        Clusters in output order (default: all, sorted).
    bin_edges : array-like of float
        Increasing edges in seconds, e.g. from :func:`isi_bin_edges`.
    spike_clusters : array-like of int, optional
        Cluster of each spike.
    spikes_per_cluster : mapping or callable, optional
        ``cluster_id -> spike ids`` sorted in time. Give exactly one of the two.
    density : bool
        Normalise each row to unit area like ``numpy.histogram(density=True)``
        (phy's ISIView); otherwise raw counts. Empty rows stay zero.

    Returns
    -------
    ndarray of float64, shape (n_clusters, n_bins)

    Raises
    ------
    phycore.errors.DataFormatError
        If a cluster's spike times are not sorted.

    .. versionadded:: 0.1.0
    """
    edges = as_1d(bin_edges, "bin_edges", np.float64)
    if edges.size < 2 or not np.all(np.diff(edges) > 0) or not np.all(np.isfinite(edges)):
        raise ActionError("`bin_edges` must be >= 2 finite, increasing values.", argument="bin_edges")
    t = spike_times_arg(spike_times, check_sorted=False)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    counts, n_negative = _isi_hist(t, spike_ids, offsets, edges)
    if n_negative:
        raise DataFormatError(
            f"`spike_times` are not sorted within clusters ({n_negative} negative intervals).",
            argument="spike_times",
        )
    out: npt.NDArray[np.float64] = counts.astype(np.float64)
    if density:
        # numpy.histogram(density=True): count / (total count * bin width).
        total = out.sum(axis=1, keepdims=True) * np.diff(edges)[None, :]
        out = np.divide(out, total, out=np.zeros_like(out), where=total > 0)
    return out
