"""Incremental table of per-cluster quality metrics (cluster-table columns).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import added_spikes, check_sorted_within_groups, group_spikes
from phycore.analysis._hist_kernels import _values_hist
from phycore.analysis._metric_kernels import _amplitude_cutoffs, gaussian_weights
from phycore.analysis._validate import ClusterChange, SpikeLookup, as_1d, positive, spike_times_arg
from phycore.analysis.isolation import PCFeatures
from phycore.analysis.metrics import _cutoff_min_ratio, _train_metrics, snr
from phycore.analysis.stability import drift_one, whole_bin_edges
from phycore.analysis.template_snr import TemplatePeaks
from phycore.analysis.waveform_summary import WaveformSummary
from phycore.errors import ActionError, ClusterIdError

__all__ = ["MetricParams", "ClusterMetrics"]

#: ``progress(step, fraction)``, the convention of ``phycore.model.synthetic.make_dataset``.
Progress = Callable[[str, float], None]


def _amplitudes_arg(amplitudes: npt.ArrayLike, n_spikes: int) -> np.ndarray:
    """float32 or float64 amplitudes, not copied: ``amplitudes.npy`` is float32 and
    memory-mapped (a float64 copy would be 80 MB for 10M spikes). The kernels compute in
    float64 either way, so the values are the same."""
    a = as_1d(amplitudes, "amplitudes", length=n_spikes)
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


@attrs.define(frozen=True)
class MetricParams:
    """Parameters of the quality metrics (see :mod:`phycore.analysis.metrics`).

    Isolation parameters (channels, PCs, sub-sampling caps) are set on
    :class:`phycore.analysis.PCFeatures`.

    Attributes
    ----------
    refractory_period : float
        ``tau_r`` in seconds for ISI violations (default 1.5 ms).
    censored_period : float
        ``tau_c`` in seconds (default 0).
    n_presence_bins : int
        Number of equal time bins for the presence ratio (default 100).
    amplitude_cutoff_bins : int
        Histogram bins for the amplitude cutoff (default 500).
    amplitude_cutoff_smoothing : float
        Gaussian smoothing (bins) for the amplitude cutoff (default 3).
    presence_bin_duration : float, optional
        Presence-ratio bins of this many seconds (SpikeInterface's rule, 60 s there)
        instead of ``n_presence_bins`` equal bins.

        .. versionadded:: 0.4
    amplitude_cutoff_method : {"allen", "spikeinterface"}
        See :func:`phycore.analysis.amplitude_cutoffs` (SpikeInterface's variant with
        ``amplitude_cutoff_bins=100``).

        .. versionadded:: 0.4
    snr_method : {"peak_to_peak", "extremum"}
        SNR of the ``waveforms`` + ``noise`` column (:func:`phycore.analysis.snr`); a
        :class:`phycore.analysis.TemplatePeaks` carries its own method.

        .. versionadded:: 0.4
    firing_range_bin : float
        Bin of the firing range, seconds (default 5, as SpikeInterface).
    drift_interval : float
        Bin of the drift metrics, seconds (default 60, as SpikeInterface).
    drift_min_spikes : float
        Spikes a drift bin needs (default 100, as SpikeInterface); with a
        :class:`phycore.analysis.PCFeatures` pool, the spikes its rows stand for.
    """

    refractory_period: float = 1.5e-3
    censored_period: float = 0.0
    n_presence_bins: int = 100
    amplitude_cutoff_bins: int = 500
    amplitude_cutoff_smoothing: float = 3.0
    presence_bin_duration: float | None = None
    amplitude_cutoff_method: str = "allen"
    snr_method: str = "peak_to_peak"
    firing_range_bin: float = 5.0
    drift_interval: float = 60.0
    drift_min_spikes: float = 100.0

    @classmethod
    def spikeinterface(cls) -> MetricParams:
        """SpikeInterface's defaults where its definitions differ only by a parameter:
        60-s presence bins, its amplitude-cutoff variant with 100 bins, the extremum SNR
        (``docs/metrics.md``).

        .. versionadded:: 0.4
        """
        return cls(presence_bin_duration=60.0, amplitude_cutoff_method="spikeinterface", amplitude_cutoff_bins=100,
                   snr_method="extremum")

    def __attrs_post_init__(self) -> None:
        positive(self.refractory_period, "refractory_period")
        positive(self.censored_period, "censored_period", allow_zero=True)
        if self.censored_period >= self.refractory_period:
            raise ActionError("`censored_period` must be shorter than `refractory_period`.",
                              argument="censored_period")
        _cutoff_min_ratio(self.amplitude_cutoff_method, 5.0)
        snr(np.zeros((1, 1, 1)), [1.0], method=self.snr_method)
        if self.presence_bin_duration is not None:
            positive(self.presence_bin_duration, "presence_bin_duration")
        positive(self.firing_range_bin, "firing_range_bin")
        positive(self.drift_interval, "drift_interval")


class ClusterMetrics:
    """Quality metrics of every cluster, kept up to date after merges and splits.

    Columns (always): ``n_spikes``, ``firing_rate``, ``presence_ratio``,
    ``isi_violations``, ``isi_violation_ratio``, ``contamination``; with
    ``amplitudes``: ``amplitude_cutoff``; with ``template_peaks`` (or ``waveforms``
    and ``noise``): ``snr``; with ``pc_features``: ``isolation_distance``,
    ``l_ratio``; with ``firing_range=True``: ``firing_range``; with ``depths`` (or
    ``pc_features`` and ``channel_y``): ``drift_ptp``, ``drift_std``, ``drift_mad``.
    Definitions and references: :func:`phycore.analysis.spike_train_metrics`,
    :func:`phycore.analysis.amplitude_cutoffs`, :func:`phycore.analysis.snr`,
    :mod:`phycore.analysis.isolation`, :mod:`phycore.analysis.stability`
    (``docs/metrics.md`` compares them with SpikeInterface's).

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        Spike times in seconds (sorted).
    duration : float
        Recording duration in seconds.
    amplitudes : array-like of float, shape (n_spikes,), optional
        Kilosort's template-scaling amplitudes (``amplitudes.npy``).
    waveforms : WaveformSummary, optional
        Kept up to date by this object (computed/updated for the same clusters).
    noise : float or array-like of shape (n_channels,), optional
        Noise standard deviation per channel, in template units, for the SNR.
    pc_features : PCFeatures, optional
    params : MetricParams, optional
    template_peaks : TemplatePeaks, optional
        Templates and noise for the ``snr`` column (thread-safe, unlike ``waveforms``).

        .. versionadded:: 0.4
    firing_range : bool
        Add the ``firing_range`` column (:func:`phycore.analysis.firing_ranges`).

        .. versionadded:: 0.4
    depths : array-like of float, shape (n_spikes,), optional
        Per-spike depth (µm) for the drift columns, from all the spikes.

        .. versionadded:: 0.4
    channel_y : array-like of float, shape (n_channels,), optional
        With ``pc_features`` and no ``depths``: drift from the depths of the PC
        features' pool rows (:meth:`phycore.analysis.PCFeatures.depth_sample`), which
        reads nothing more than the isolation metrics do.

        .. versionadded:: 0.4

    Examples
    --------
    >>> m = ClusterMetrics(spike_times, duration=model.duration, amplitudes=model.amplitudes)
    >>> m.compute_all(spike_clusters, progress=lambda step, fraction: None)
    >>> m[12]["contamination"]
    >>> m.update(up)                    # after clustering.merge(...), in on_cluster
    >>> controller.cluster_metrics["isi_viol"] = m.metric("isi_violation_ratio")

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        spike_times: npt.ArrayLike,
        *,
        duration: float,
        amplitudes: npt.ArrayLike | None = None,
        waveforms: WaveformSummary | None = None,
        noise: npt.ArrayLike | float | None = None,
        pc_features: PCFeatures | None = None,
        params: MetricParams | None = None,
        template_peaks: TemplatePeaks | None = None,
        firing_range: bool = False,
        depths: npt.ArrayLike | None = None,
        channel_y: npt.ArrayLike | None = None,
    ) -> None:
        self.spike_times = spike_times_arg(spike_times)
        self.n_spikes = self.spike_times.shape[0]
        self.duration = positive(duration, "duration")
        self.amplitudes = None if amplitudes is None else _amplitudes_arg(amplitudes, self.n_spikes)
        self.waveforms = waveforms
        self.noise = noise
        self.pc_features = pc_features
        self.params = params or MetricParams()
        self.template_peaks = template_peaks
        self.firing_range = bool(firing_range)
        self.depths = None if depths is None else as_1d(depths, "depths", np.float64, length=self.n_spikes)
        self.channel_y = None if channel_y is None else as_1d(channel_y, "channel_y", np.float64)
        cols = ["n_spikes", "firing_rate", "presence_ratio", "isi_violations", "isi_violation_ratio",
                "contamination"]
        if self.amplitudes is not None:
            cols.append("amplitude_cutoff")
        if template_peaks is not None or (waveforms is not None and noise is not None):
            cols.append("snr")
        if pc_features is not None:
            cols += ["isolation_distance", "l_ratio"]
        if self.firing_range:
            cols.append("firing_range")
        if self._has_drift:
            cols += ["drift_ptp", "drift_std", "drift_mad"]
        self.columns: tuple[str, ...] = tuple(cols)
        self._col = {c: i for i, c in enumerate(cols)}
        self._rows: dict[int, npt.NDArray[np.float64]] = {}
        self._spike_clusters: np.ndarray | None = None

    # Computation ----------------------------------------------------------------------

    def _compute(
        self,
        cids: npt.NDArray[np.int64],
        spike_ids: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.int64],
        progress: Progress | None,
    ) -> None:
        out = self._matrix(cids, spike_ids, offsets, progress)
        for i, c in enumerate(cids.tolist()):
            self._rows[c] = out[i]
        if progress is not None:
            progress("done", 1.0)

    def _matrix(
        self,
        cids: npt.NDArray[np.int64],
        spike_ids: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.int64],
        progress: Progress | None,
    ) -> npt.NDArray[np.float64]:
        """The rows of some clusters, stored nowhere (the waveform summary, if any, is
        updated for them)."""
        p = self.params
        n = cids.size
        n_steps = 2 + (n if self.waveforms is not None else 0) + (n if self.pc_features is not None else 0)
        step = [0]

        def tick(name: str) -> None:
            step[0] += 1
            if progress is not None:
                progress(name, min(1.0, step[0] / n_steps))

        out = np.full((n, len(self.columns)), np.nan)
        m = _train_metrics(cids, self.spike_times, spike_ids, offsets, self.duration, p.refractory_period,
                           p.censored_period, p.n_presence_bins, p.presence_bin_duration)
        out[:, 0] = m.n_spikes
        out[:, 1] = m.firing_rate
        out[:, 2] = m.presence_ratio
        out[:, 3] = m.isi_violations
        out[:, 4] = m.isi_violation_ratio
        out[:, 5] = m.contamination
        if self.amplitudes is not None:
            out[:, self._col["amplitude_cutoff"]] = _amplitude_cutoffs(
                self.amplitudes, spike_ids, offsets, np.int64(p.amplitude_cutoff_bins),
                gaussian_weights(p.amplitude_cutoff_smoothing), _cutoff_min_ratio(p.amplitude_cutoff_method, 5.0),
            )
        if self.firing_range:
            out[:, self._col["firing_range"]] = self._firing_ranges(spike_ids, offsets)
        if self._has_drift:
            j = self._col["drift_ptp"]
            for i in range(n):
                out[i, j: j + 3] = self._drift(spike_ids[offsets[i]: offsets[i + 1]])
        if self.template_peaks is not None:
            j = self._col["snr"]
            for i in range(n):
                out[i, j] = self.template_peaks.snr(spike_ids[offsets[i]: offsets[i + 1]])
        tick("spike trains")
        if self.waveforms is not None:
            sub = {c: spike_ids[offsets[i]: offsets[i + 1]] for i, c in enumerate(cids.tolist())}
            self.waveforms.compute(cids, spikes_per_cluster=sub, progress=lambda name, f: tick(name))
            if "snr" in self._col and self.template_peaks is None:
                assert self.noise is not None  # the snr column exists only with noise
                j = self._col["snr"]
                for i, c in enumerate(cids.tolist()):  # one mean template at a time (memory)
                    out[i, j] = snr(self.waveforms.mean_template(c)[None], self.noise, method=p.snr_method)[0]
        if self.pc_features is not None:
            iso, lr = self.pc_features.compute_many(cids, spike_ids, offsets, progress=lambda name, f: tick(name))
            out[:, self._col["isolation_distance"]] = iso
            out[:, self._col["l_ratio"]] = lr
        return out

    @property
    def _has_drift(self) -> bool:
        return self.depths is not None or (self.pc_features is not None and self.channel_y is not None)

    def _firing_ranges(self, spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64]
                       ) -> npt.NDArray[np.float64]:
        """SpikeInterface's firing range (:func:`phycore.analysis.firing_ranges`)."""
        b = self.params.firing_range_bin
        edges = whole_bin_edges(self.duration, b)
        if edges.size < 2:
            return np.full(offsets.size - 1, np.nan)
        rates = _values_hist(self.spike_times, spike_ids, offsets, edges, False) / b
        out = np.percentile(rates, 95.0, axis=1) - np.percentile(rates, 5.0, axis=1)
        return np.where(np.diff(offsets) > 0, out, np.nan)

    def _drift(self, ids: npt.NDArray[np.int64]) -> tuple[float, float, float]:
        """``(ptp, std, mad)`` of one cluster (:func:`phycore.analysis.drift_metrics`)."""
        p = self.params
        edges = whole_bin_edges(self.duration, p.drift_interval)
        if self.depths is not None:
            return drift_one(self.spike_times[ids], self.depths[ids], edges,
                             min_spikes_per_interval=p.drift_min_spikes)
        assert self.pc_features is not None and self.channel_y is not None
        spikes, depths, weights = self.pc_features.depth_sample(ids, self.channel_y)
        t = self.spike_times[spikes]
        if t.size > 1 and np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            t, depths, weights = t[order], depths[order], weights[order]
        return drift_one(t, depths, edges, weights, min_spikes_per_interval=p.drift_min_spikes)

    def compute_rows(
        self, spikes_per_cluster: dict[int, npt.NDArray[np.int64]]
    ) -> dict[int, npt.NDArray[np.float64]]:
        """Rows of the given clusters from their spike ids, without storing them.

        Reads only the per-spike arrays (and the PC features' pool), so a worker thread
        may call it while another thread reads the table; the caller adopts the rows
        with :meth:`put_rows` once it knows they are still valid. The table
        must have no waveform summary (its update is not thread-safe).

        .. versionadded:: 0.3
        """
        if self.waveforms is not None:
            raise ActionError("compute_rows() needs a table without waveforms.", argument="spikes_per_cluster")
        if not spikes_per_cluster:
            return {}
        cids, spike_ids, offsets = group_spikes(list(spikes_per_cluster), self.n_spikes,
                                                spikes_per_cluster=spikes_per_cluster)
        check_sorted_within_groups(self.spike_times, spike_ids, offsets, "spikes_per_cluster")
        out = self._matrix(cids, spike_ids, offsets, None)
        return {c: out[i] for i, c in enumerate(cids.tolist())}

    def compute_all(
        self,
        spike_clusters: npt.ArrayLike,
        cluster_ids: npt.ArrayLike | None = None,
        *,
        progress: Progress | None = None,
    ) -> None:
        """Compute every metric for ``cluster_ids`` (default: all clusters, replacing
        any previous rows; with explicit ids, other rows are kept).

        Parameters
        ----------
        spike_clusters : array-like of int, shape (n_spikes,)
            Current assignment. A reference is kept (not a copy) so that a later
            :meth:`update` sees the live array when none is passed.
        cluster_ids : array-like of int, optional
        progress : callable, optional
            ``progress(step, fraction)`` (``step`` is ``"spike trains"``,
            ``"waveforms"``, ``"isolation"`` or ``"done"``; ``fraction`` goes up to 1).
        """
        sc = as_1d(spike_clusters, "spike_clusters", length=self.n_spikes)
        self._spike_clusters = sc
        if cluster_ids is None:
            self._rows.clear()
        cids, spike_ids, offsets = group_spikes(cluster_ids, self.n_spikes, spike_clusters=sc)
        self._compute(cids, spike_ids, offsets, progress)

    def update(
        self,
        up: ClusterChange,
        *,
        spike_clusters: npt.ArrayLike | None = None,
        spikes_per_cluster: SpikeLookup | None = None,
    ) -> list[int]:
        """Apply an ``UpdateInfo``: drop ``up.deleted``, compute ``up.added``.

        The spikes of the new clusters come from ``spikes_per_cluster`` if given,
        otherwise from ``up.spike_ids`` and ``spike_clusters`` (default: the array given
        to :meth:`compute_all`), so the cost is proportional to the spikes the action
        touched. Metadata-only updates (no added/deleted clusters) are no-ops.

        Returns
        -------
        list of int
            Recomputed cluster ids.
        """
        if spike_clusters is not None:
            self._spike_clusters = as_1d(spike_clusters, "spike_clusters", length=self.n_spikes)
        for c in getattr(up, "deleted", None) or ():
            self._rows.pop(int(c), None)
        if self.waveforms is not None:
            self.waveforms.discard(getattr(up, "deleted", None) or ())
        if not (getattr(up, "added", None) or ()):
            return []
        added, lookup = added_spikes(up, self.n_spikes, self._spike_clusters, spikes_per_cluster)
        cids, spike_ids, offsets = group_spikes(added, self.n_spikes, spikes_per_cluster=lookup)
        check_sorted_within_groups(self.spike_times, spike_ids, offsets, "spikes_per_cluster")
        self._compute(cids, spike_ids, offsets, None)
        return added

    def set_spikes(
        self,
        spike_times: npt.ArrayLike,
        *,
        duration: float | None = None,
        amplitudes: npt.ArrayLike | None = None,
        pc_features: PCFeatures | None = None,
        spike_clusters: npt.ArrayLike | None = None,
    ) -> None:
        """Adopt longer per-spike arrays after spikes were appended (live sessions).

        Computed rows are kept; the next computations (e.g. :meth:`update` with the
        clusters that received spikes as ``added`` and ``deleted``) use the new arrays.
        ``amplitudes`` is required when the table has an amplitude column.

        .. versionadded:: 0.2
        """
        t = spike_times_arg(spike_times)
        if t.shape[0] < self.n_spikes:
            raise ActionError(f"`spike_times` has {t.shape[0]} spikes, fewer than the {self.n_spikes} before.",
                              argument="spike_times")
        amps = None
        if self.amplitudes is not None:
            if amplitudes is None:
                raise ActionError("`amplitudes` is required: the table has an amplitude column.",
                                  argument="amplitudes")
            amps = _amplitudes_arg(amplitudes, t.shape[0])
        if self.depths is not None:
            raise ActionError("A table with per-spike `depths` cannot adopt appended spikes.", argument="spike_times")
        self.spike_times, self.n_spikes, self.amplitudes = t, t.shape[0], amps
        if duration is not None:
            self.duration = positive(duration, "duration")
        if pc_features is not None:
            self.pc_features = pc_features
        if spike_clusters is not None:
            self._spike_clusters = as_1d(spike_clusters, "spike_clusters", length=self.n_spikes)

    def rows(self) -> dict[int, npt.NDArray[np.float64]]:
        """Every computed row, ``{cluster_id: values in the order of columns}`` (copies).

        With :meth:`load_rows`, lets a caller store a computed table (e.g. in a disk
        cache) and restore it instead of recomputing it.

        .. versionadded:: 0.2
        """
        return {c: row.copy() for c, row in self._rows.items()}

    def load_rows(self, rows: dict[int, npt.NDArray[np.float64]], spike_clusters: npt.ArrayLike) -> None:
        """Replace the table by ``rows`` (from :meth:`rows`), computed for ``spike_clusters``.

        The rows must come from a table with the same :attr:`columns`, spike arrays and
        parameters: nothing here can check that they do.

        Raises
        ------
        ActionError
            A row does not have one value per column.

        .. versionadded:: 0.2
        """
        width = len(self.columns)
        if any(np.shape(r) != (width,) for r in rows.values()):
            raise ActionError(f"Every row must hold {width} values ({', '.join(self.columns)}).",
                              argument="rows")
        self._spike_clusters = as_1d(spike_clusters, "spike_clusters", length=self.n_spikes)
        self._rows = {int(c): np.array(r, dtype=np.float64) for c, r in rows.items()}

    def put_rows(self, rows: dict[int, npt.NDArray[np.float64]]) -> None:
        """Add or replace the rows of some clusters (from :meth:`compute_rows` or
        :meth:`rows`), keeping the others.

        .. versionadded:: 0.3
        """
        width = len(self.columns)
        if any(np.shape(r) != (width,) for r in rows.values()):
            raise ActionError(f"Every row must hold {width} values ({', '.join(self.columns)}).",
                              argument="rows")
        self._rows.update({int(c): np.array(r, dtype=np.float64) for c, r in rows.items()})

    # Access ---------------------------------------------------------------------------

    @property
    def cluster_ids(self) -> npt.NDArray[np.int64]:
        """Sorted ids of the clusters with metrics."""
        return np.array(sorted(self._rows), dtype=np.int64)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, cluster_id: object) -> bool:
        return cluster_id in self._rows

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._rows))

    def __getitem__(self, cluster_id: int) -> dict[str, float]:
        """All metrics of one cluster as ``{name: value}``."""
        row = self._row(cluster_id)
        return {name: float(v) for name, v in zip(self.columns, row)}

    def _row(self, cluster_id: int) -> npt.NDArray[np.float64]:
        try:
            return self._rows[int(cluster_id)]
        except KeyError:
            raise ClusterIdError(f"cluster {cluster_id} has no metrics.", argument="cluster_id") from None

    def get(self, cluster_id: int, name: str) -> float:
        """One metric of one cluster."""
        return float(self._row(cluster_id)[self._index(name)])

    def _index(self, name: str) -> int:
        try:
            return self._col[name]
        except KeyError:
            raise ActionError(f"unknown metric {name!r}; available: {', '.join(self.columns)}.",
                              argument="name") from None

    def column(self, name: str, cluster_ids: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
        """Values of one metric for ``cluster_ids`` (default: :attr:`cluster_ids`)."""
        j = self._index(name)
        ids = self.cluster_ids if cluster_ids is None else np.asarray(cluster_ids, dtype=np.int64).reshape(-1)
        return np.array([self._row(c)[j] for c in ids.tolist()], dtype=np.float64)

    def as_columns(self, cluster_ids: npt.ArrayLike | None = None) -> dict[str, npt.NDArray[Any]]:
        """``{"id": ids, metric: values, ...}`` for a table model."""
        ids = self.cluster_ids if cluster_ids is None else np.asarray(cluster_ids, dtype=np.int64).reshape(-1)
        mat = np.array([self._row(c) for c in ids.tolist()]).reshape(ids.size, len(self.columns))
        out: dict[str, npt.NDArray[Any]] = {"id": ids}
        for j, name in enumerate(self.columns):
            out[name] = mat[:, j]
        return out

    def metric(self, name: str) -> Callable[[int], float]:
        """A ``cluster_id -> value`` function, for ``controller.cluster_metrics[name]``."""
        j = self._index(name)
        return lambda cluster_id: float(self._row(cluster_id)[j])
