"""Firing rate over time per cluster, and mean firing rates.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import group_spikes
from phycore.analysis._hist_kernels import _values_hist
from phycore.analysis._validate import SpikeLookup, as_1d, positive, spike_times_arg

__all__ = ["time_bin_edges", "firing_rate_over_time", "mean_firing_rates"]


def time_bin_edges(duration: float, bin_size: float) -> npt.NDArray[np.float64]:
    """Edges ``0, b, 2b, ...`` covering ``[0, duration]``; the last bin may be shorter.

    Parameters
    ----------
    duration, bin_size : float
        In seconds.

    Returns
    -------
    ndarray of float64
        At least two edges; the last one is ``duration`` exactly.

    .. versionadded:: 0.1.0
    """
    d = positive(duration, "duration")
    b = positive(bin_size, "bin_size")
    n = max(1, int(np.ceil(d / b - 1e-9)))
    edges = np.arange(n + 1, dtype=np.float64) * b
    edges[-1] = d
    return edges


def firing_rate_over_time(
    spike_times: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    duration: float,
    bin_size: float = 1.0,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Firing rate (Hz) of each cluster in consecutive time bins.

    The rate of a bin is its spike count divided by its width (the last bin, which
    may be shorter than ``bin_size``, is divided by its true width). Spikes at exactly
    ``duration`` count in the last bin; spikes outside ``[0, duration]`` are dropped.
    phy's FiringRateView instead shows a unit-area histogram of spike times with
    200 bins; divide a row by its sum times the bin width to get that shape.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
    cluster_ids : array-like of int, optional
    duration : float
        Recording duration in seconds.
    bin_size : float
        Bin width in seconds (default 1 s).
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    rates : ndarray of float64, shape (n_clusters, n_bins)
    edges : ndarray of float64, shape (n_bins + 1,)

    .. versionadded:: 0.1.0
    """
    edges = time_bin_edges(duration, bin_size)
    t = spike_times_arg(spike_times, check_sorted=False)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    counts = _values_hist(t, spike_ids, offsets, edges, False)
    return counts / np.diff(edges)[None, :], edges


def mean_firing_rates(n_spikes: npt.ArrayLike, duration: float) -> npt.NDArray[np.float64]:
    """``n_spikes / duration`` (Hz), phy's ``fr`` column (duration floored at 1 s like phy).

    .. versionadded:: 0.1.0
    """
    n = as_1d(n_spikes, "n_spikes", np.float64)
    d = positive(duration, "duration", allow_zero=True)
    return n / max(1.0, d)
