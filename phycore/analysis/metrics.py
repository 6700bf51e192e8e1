"""Per-cluster quality metrics (beyond phy, which only shows what the sorter wrote).

Each function computes one family of metrics for many clusters at once; the numba
kernels live in ``_metric_kernels.py``. :class:`phycore.analysis.ClusterMetrics`
assembles them into cluster-table columns and keeps them up to date after actions.

References
----------
.. [Hill2011] Hill, D. N., Mehta, S. B., & Kleinfeld, D. (2011). Quality metrics to
   accompany spike sorting of extracellular signals. J. Neurosci. 31(24), 8699-8705.
.. [Schmitzer2005] Schmitzer-Torbert, N., Jackson, J., Henze, D., Harris, K., &
   Redish, A. D. (2005). Quantitative measures of cluster quality for use in
   extracellular recordings. Neuroscience 131(1), 1-11.
.. [Harris2001] Harris, K. D., Hirase, H., Leinekugel, X., Henze, D. A., & Buzsaki, G.
   (2001). Temporal interaction between single spikes and complex spike bursts in
   hippocampal pyramidal cells. Neuron 32(1), 141-149.
.. [Siegle2021] Siegle, J. H. et al. (2021). Survey of spiking in the mouse visual
   system reveals functional hierarchy. Nature 592, 86-92 (Allen Institute
   ``ecephys_spike_sorting`` quality metrics).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import check_sorted_within_groups, group_spikes
from phycore.analysis._metric_kernels import _amplitude_cutoffs, gaussian_weights, _spike_train_metrics
from phycore.analysis._validate import SpikeLookup, as_1d, positive, positive_int, spike_times_arg
from phycore.errors import ActionError, DataFormatError

__all__ = [
    "SpikeTrainMetrics",
    "spike_train_metrics",
    "hill_contamination",
    "amplitude_cutoffs",
    "snr",
    "noise_levels",
]


@attrs.define(frozen=True)
class SpikeTrainMetrics:
    """Spike-train metrics of a set of clusters (one array entry per cluster).

    Attributes
    ----------
    cluster_ids : ndarray of int64
    n_spikes : ndarray of int64
    firing_rate : ndarray of float64
        ``n_spikes / duration`` in Hz.
    presence_ratio : ndarray of float64
        Fraction of the ``n_presence_bins`` equal bins of ``[0, duration]`` holding at
        least one spike of the cluster.
    isi_violations : ndarray of int64
        Number of consecutive-spike intervals shorter than the refractory period.
    isi_violation_ratio : ndarray of float64
        ``V * T / (2 * N**2 * (tau_r - tau_c))`` [Hill2011]_: the rate of violations
        relative to the rate expected if the whole train were Poisson-contaminated.
    contamination : ndarray of float64
        Hill's estimate of the fraction of spikes from other neurons: the root ``c`` of
        ``c * (1 - c) = isi_violation_ratio`` in ``[0, 0.5]``, 1.0 when no root exists.
    """

    cluster_ids: npt.NDArray[np.int64]
    n_spikes: npt.NDArray[np.int64]
    firing_rate: npt.NDArray[np.float64]
    presence_ratio: npt.NDArray[np.float64]
    isi_violations: npt.NDArray[np.int64]
    isi_violation_ratio: npt.NDArray[np.float64]
    contamination: npt.NDArray[np.float64]


def hill_contamination(ratio: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Contamination fraction from the ISI violation ratio [Hill2011]_.

    With ``N`` spikes in ``T`` seconds of which a fraction ``c`` comes from independent
    Poisson neurons, the expected number of refractory violations is
    ``2 (tau_r - tau_c) N**2 c (1 - c) / T``; so ``c (1 - c) = ratio`` and
    ``c = (1 - sqrt(1 - 4 ratio)) / 2``. When ``ratio > 1/4`` there is no real root
    and the cluster is reported as fully contaminated (1.0). NaN stays NaN.

    .. versionadded:: 0.1.0
    """
    r = np.asarray(ratio, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        c = 0.5 * (1.0 - np.sqrt(np.clip(1.0 - 4.0 * r, 0.0, None)))
    return np.where(r > 0.25, 1.0, c)


def spike_train_metrics(
    spike_times: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    duration: float,
    refractory_period: float = 1.5e-3,
    censored_period: float = 0.0,
    n_presence_bins: int = 100,
    presence_bin_duration: float | None = None,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> SpikeTrainMetrics:
    """Firing rate, presence ratio, ISI violations and Hill contamination.

    Notes
    -----
    - firing rate = ``N / T`` with ``T = duration``.
    - presence ratio [Siegle2021]_: ``[0, T]`` is cut into ``n_presence_bins`` equal
      bins (default 100, Allen's choice; SpikeInterface uses 60-s bins instead);
      the ratio is the fraction of bins with at least one spike. Spikes outside
      ``[0, T]`` count in the first/last bin. With ``presence_bin_duration = b``
      (SpikeInterface's ``bin_duration_s``, 60 s there), the bins are instead the
      ``floor(T / b)`` whole bins ``[k b, (k + 1) b)`` (the last one closed); spikes in
      the incomplete bin at the end count nowhere, as in SpikeInterface.
    - ISI violations [Hill2011]_: ``V`` = number of intervals between consecutive
      spikes of the cluster shorter than ``tau_r = refractory_period`` (default
      1.5 ms). ``tau_c = censored_period`` (default 0) is the dead time after a spike
      during which the sorter could not detect another one; it shortens the window in
      which violations can occur to ``tau_r - tau_c``. As in SpikeInterface (and unlike
      Allen's code, which first deletes spikes closer than ``tau_c``), every interval
      shorter than ``tau_r`` counts. ratio = ``V T / (2 N**2 (tau_r - tau_c))``;
      contamination: see :func:`hill_contamination`. Empty clusters give NaN.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        In seconds, sorted within each cluster.
    cluster_ids : array-like of int, optional
    duration : float
        Recording duration in seconds.
    refractory_period, censored_period : float
        ``tau_r`` and ``tau_c`` in seconds (``0 <= tau_c < tau_r``).
    n_presence_bins : int
    presence_bin_duration : float, optional
        Bin width in seconds (SpikeInterface's rule, see Notes); overrides
        ``n_presence_bins``. The presence ratio is NaN when ``T < b``.

        .. versionadded:: 0.4
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    SpikeTrainMetrics

    .. versionadded:: 0.1.0
    """
    dur = positive(duration, "duration")
    tau_r = positive(refractory_period, "refractory_period")
    tau_c = positive(censored_period, "censored_period", allow_zero=True)
    if tau_c >= tau_r:
        raise ActionError(
            f"`censored_period` ({tau_c}) must be shorter than `refractory_period` ({tau_r}).",
            argument="censored_period",
        )
    nb = positive_int(n_presence_bins, "n_presence_bins")
    pbd = None if presence_bin_duration is None else positive(presence_bin_duration, "presence_bin_duration")
    t = spike_times_arg(spike_times, check_sorted=False)
    cids, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    arg = "spikes_per_cluster" if spike_clusters is None else "spike_times"
    check_sorted_within_groups(t, spike_ids, offsets, arg)
    return _train_metrics(cids, t, spike_ids, offsets, dur, tau_r, tau_c, nb, pbd)


def _train_metrics(
    cids: npt.NDArray[np.int64],
    t: npt.NDArray[np.float64],
    spike_ids: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    dur: float,
    tau_r: float,
    tau_c: float,
    nb: int,
    presence_bin_duration: float | None = None,
) -> SpikeTrainMetrics:
    """:func:`spike_train_metrics` on an already validated grouping."""
    if presence_bin_duration is None:
        n, occupied, n_viol = _spike_train_metrics(t, spike_ids, offsets, dur, np.int64(nb), tau_r)
        presence = occupied / float(nb)
    else:
        # Whole bins of width b only (SpikeInterface): the kernel's [0, span] cut into
        # n_whole equal bins; spikes beyond span are clipped out below.
        n_whole = int(np.floor(dur / presence_bin_duration + 1e-9))
        span = n_whole * presence_bin_duration
        n, occupied, n_viol = _spike_train_metrics(t, spike_ids, offsets, max(span, 1e-300),
                                                   np.int64(max(n_whole, 1)), tau_r)
        if n_whole == 0:
            presence = np.full(n.shape, np.nan)
        else:
            late = _late_bin_corrections(t, spike_ids, offsets, span, presence_bin_duration, n_whole)
            presence = (occupied - late) / float(n_whole)
    nf = n.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n > 0, n_viol * dur / (2.0 * nf * nf * (tau_r - tau_c)), np.nan)
    return SpikeTrainMetrics(
        cluster_ids=cids,
        n_spikes=n,
        firing_rate=nf / dur,
        presence_ratio=np.where(n > 0, presence, np.nan) if presence_bin_duration is not None else presence,
        isi_violations=n_viol,
        isi_violation_ratio=ratio,
        contamination=hill_contamination(ratio),
    )


def _late_bin_corrections(t: npt.NDArray[np.float64], spike_ids: npt.NDArray[np.int64],
                          offsets: npt.NDArray[np.int64], span: float, width: float,
                          n_whole: int) -> npt.NDArray[np.int64]:
    """Per cluster, 1 if its last whole bin counts as occupied only because of spikes
    after ``span`` (which the kernel clips into it), else 0."""
    out = np.zeros(offsets.size - 1, np.int64)
    tt = t[spike_ids]
    for c in range(offsets.size - 1):
        seg = tt[offsets[c]: offsets[c + 1]]
        if seg.size and seg[-1] > span:
            last = (n_whole - 1) * width
            out[c] = int(not np.any((seg >= last) & (seg <= span)))
    return out


def amplitude_cutoffs(
    amplitudes: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    n_bins: int = 500,
    smoothing: float = 3.0,
    method: str = "allen",
    min_spikes_per_bin: float = 5.0,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> npt.NDArray[np.float64]:
    """Estimated fraction of spikes missed below the detection threshold [Hill2011]_.

    Allen Institute definition (``ecephys_spike_sorting`` ``amplitude_cutoff``,
    [Siegle2021]_), on Kilosort's per-spike template scaling amplitudes
    (``amplitudes.npy``): the density histogram of the cluster's amplitudes
    (``n_bins`` equal bins between their min and max) is smoothed with a Gaussian of
    ``smoothing`` bins (scipy ``gaussian_filter1d``, reflect mode, truncate 4); from the
    peak upwards, the bin ``G`` whose density is closest to that of the lowest bin is
    found; the mass above ``G`` mirrors the mass missing below the lowest amplitude if
    the distribution is symmetric. The result is capped at 0.5. Clusters with fewer
    than 2 finite amplitudes, or all equal, give NaN. Amplitudes whose median is
    negative (peak amplitudes of negative spikes, as SpikeInterface exports them) are
    negated first, as SpikeInterface does.

    ``method="spikeinterface"`` is SpikeInterface's variant (``amplitude_cutoff``,
    0.101 to 0.105; use ``n_bins=100``, its default): NaN when there are fewer than
    ``min_spikes_per_bin`` amplitudes per bin on average; the *counts* histogram is
    smoothed in ``nearest`` mode and truncated to integers; ``G`` is the last bin whose
    smoothed count is at least that of the lowest bin; the result is
    ``M / (N + M)`` with ``M`` the smoothed counts above ``G``, capped at 0.5.

    Parameters
    ----------
    amplitudes : array-like of float, shape (n_spikes,)
    cluster_ids : array-like of int, optional
    n_bins : int
        Histogram bins (default 500, as Allen).
    smoothing : float
        Gaussian sigma in bins (default 3, as Allen).
    method : {"allen", "spikeinterface"}
        Definition (see above).

        .. versionadded:: 0.4
    min_spikes_per_bin : float
        ``method="spikeinterface"`` only: its ``amplitudes_bins_min_ratio``.
    spike_clusters, spikes_per_cluster
        Cluster assignment or per-cluster spike ids (exactly one).

    Returns
    -------
    ndarray of float64, shape (n_clusters,)

    .. versionadded:: 0.1.0
    """
    nb = positive_int(n_bins, "n_bins")
    sigma = positive(smoothing, "smoothing")
    ratio = _cutoff_min_ratio(method, min_spikes_per_bin)
    amp = as_1d(amplitudes, "amplitudes", np.float64)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, amp.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    return _amplitude_cutoffs(amp, spike_ids, offsets, np.int64(nb), gaussian_weights(sigma), ratio)


def _cutoff_min_ratio(method: str, min_spikes_per_bin: float) -> float:
    """The kernel's switch: -1 for Allen's definition, else SpikeInterface's minimum ratio."""
    if method == "allen":
        return -1.0
    if method == "spikeinterface":
        return positive(min_spikes_per_bin, "min_spikes_per_bin", allow_zero=True)
    raise ActionError(f"`method` must be 'allen' or 'spikeinterface', got {method!r}.", argument="method")


def snr(mean_templates: npt.ArrayLike, noise: npt.ArrayLike, *, method: str = "peak_to_peak") -> npt.NDArray[np.float64]:
    """Signal-to-noise ratio of each cluster from its mean template.

    ``method="peak_to_peak"``: ``SNR = ptp(W[:, p]) / noise[p]`` where ``W`` is the
    cluster's mean template ``(n_samples, n_channels)`` (e.g. the spike-count-weighted
    mean of its unwhitened templates, see :class:`phycore.analysis.WaveformSummary`),
    ``p`` the channel with the largest peak-to-peak amplitude, and ``noise`` the
    per-channel noise standard deviation in the same units (e.g. :func:`noise_levels`
    of filtered raw data). ``method="extremum"`` is SpikeInterface's default
    (``compute_snrs(method="extremum")``): ``max |W[:, p]| / noise[p]`` with ``p`` the
    channel of the largest absolute value; about half the peak-to-peak value for
    biphasic spikes.

    Parameters
    ----------
    mean_templates : array-like, shape (n_clusters, n_samples, n_channels)
    noise : float or array-like of shape (n_channels,)
    method : {"peak_to_peak", "extremum"}

        .. versionadded:: 0.4

    Returns
    -------
    ndarray of float64, shape (n_clusters,)
        NaN where the noise is zero or the template is all-NaN.

    .. versionadded:: 0.1.0
    """
    w = np.asarray(mean_templates, dtype=np.float64)
    if w.ndim != 3:
        raise DataFormatError(f"`mean_templates` must be 3-D, got shape {w.shape}.", argument="mean_templates")
    nz = np.broadcast_to(np.asarray(noise, dtype=np.float64), (w.shape[2],))
    if w.shape[0] == 0:
        return np.zeros(0)
    if method == "peak_to_peak":
        ptp = np.ptp(w, axis=1)
    elif method == "extremum":
        ptp = np.abs(w).max(axis=1)
    else:
        raise ActionError(f"`method` must be 'peak_to_peak' or 'extremum', got {method!r}.", argument="method")
    peak = np.argmax(np.nan_to_num(ptp, nan=-np.inf), axis=1)
    amp = ptp[np.arange(w.shape[0]), peak]
    den = nz[peak]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, amp / den, np.nan)


def noise_levels(traces: npt.ArrayLike, *, chunk_size: int | None = None) -> npt.NDArray[np.float64]:
    """Robust per-channel noise standard deviation: ``median(|x - median(x)|) / 0.6745``.

    With ``chunk_size``, the traces are cut into consecutive chunks of that many samples
    and the result is the mean of the chunks' values: SpikeInterface's
    ``get_noise_levels(method="mad")`` (constant 0.6744897501960817), which averages
    over random chunks of 10,000 samples.

    Parameters
    ----------
    traces : array-like, shape (n_samples, n_channels)
        A chunk (or several concatenated chunks) of *filtered* raw data, in the units
        of the templates.
    chunk_size : int, optional

        .. versionadded:: 0.4

    Returns
    -------
    ndarray of float64, shape (n_channels,)

    .. versionadded:: 0.1.0
    """
    x = np.asarray(traces, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise DataFormatError(f"`traces` must be (n_samples, n_channels), got {x.shape}.", argument="traces")
    if chunk_size is not None:
        k = positive_int(chunk_size, "chunk_size")
        chunks = [x[i: i + k] for i in range(0, x.shape[0], k)]
        mean: npt.NDArray[np.float64] = np.mean([_mad(c) / 0.6744897501960817 for c in chunks], axis=0)
        return mean
    return _mad(x) / 0.6745


def _mad(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    med = np.median(x, axis=0)
    out: npt.NDArray[np.float64] = np.median(np.abs(x - med), axis=0)
    return out

