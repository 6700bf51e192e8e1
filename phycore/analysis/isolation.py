"""Isolation distance and L-ratio from PC features [Schmitzer2005]_.

Notes
-----
For a cluster ``C`` with ``N_C`` spikes, pick the ``n_channels`` (default 4) first
feature channels of its main template (the template owning most of its spikes;
Kilosort orders ``pc_feature_ind`` by decreasing template amplitude) and the first
``n_pcs`` (default 3) principal components on each: a ``d = n_channels * n_pcs``
dimensional feature space. The *other* spikes are the spikes of other clusters whose
template has features on all these channels (other spikes cannot be placed in the
same space). With ``mu`` and ``S`` the mean and covariance of the cluster's features,
``D2(x) = (x - mu)^T S^-1 (x - mu)`` is the squared Mahalanobis distance.

- Isolation distance [Harris2001]_: ``D2`` of the ``N_C``-th closest other spike; NaN
  when there are fewer other spikes than cluster spikes.
- L-ratio [Schmitzer2005]_: ``sum over other spikes of (1 - CDF_chi2_d(D2)) / N_C``.

Spike sub-sampling (to keep the full table fast on 10M-spike recordings): at most
``max_cluster_spikes`` (default 2000) cluster spikes estimate ``mu`` and ``S`` and at
most ``max_other_spikes`` (default 10000) other spikes are evaluated, taken evenly
spaced in spike order (deterministic). With ``M`` other spikes in total and ``m``
evaluated, the isolation distance is the ``round(N_C * m / M)``-th smallest evaluated
``D2`` and the L-ratio sum is multiplied by ``M / m``: both are unbiased estimates of
the full-data values. Spikes of the cluster whose template lacks one of the chosen
channels are left out of ``N_C``. When the features exist only for a subset of the
spikes (``pc_feature_spike_ids.npy``), everything is computed within that subset.

References
----------
.. [Schmitzer2005] Schmitzer-Torbert et al. (2005), Neuroscience 131(1), 1-11.
.. [Harris2001] Harris et al. (2001), Neuron 32(1), 141-149.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import _counting_sort
from phycore.analysis._metric_kernels import _gather_features, _isolation
from phycore.analysis._validate import as_1d, positive_int
from phycore.errors import DataFormatError

__all__ = ["PCFeatures"]


def _even_sample(n: int, k: int) -> npt.NDArray[np.int64]:
    """``min(n, k)`` evenly spaced indices in ``range(n)`` (all of them if n <= k)."""
    if n <= k:
        return np.arange(n, dtype=np.int64)
    return np.linspace(0, n - 1, k).astype(np.int64)


class PCFeatures:
    """Kilosort PC features indexed for per-cluster isolation metrics.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    features : array-like, shape (n_rows, n_pcs, n_channels_loc)
        ``pc_features.npy`` as written by Kilosort (a memmap is fine: only the rows of
        the sampled spikes are read).
    channel_ind : array-like of int, shape (n_templates, n_channels_loc)
        ``pc_feature_ind.npy``: the channel of each feature column, per template.
    spike_templates : array-like of int, shape (n_spikes,)
        Original template of each spike (never changes during curation).
    spike_ids : array-like of int, shape (n_rows,), optional
        ``pc_feature_spike_ids.npy``: the spike of each row when only a subset has
        features; default: row ``i`` is spike ``i``.
    n_channels, n_pcs : int
        Dimensions used: first ``n_channels`` feature channels of the main template,
        first ``n_pcs`` PCs (defaults 4 and 3).
    max_cluster_spikes, max_other_spikes : int
        Sub-sampling caps (see the module docstring).
    """

    def __init__(
        self,
        features: npt.ArrayLike,
        channel_ind: npt.ArrayLike,
        spike_templates: npt.ArrayLike,
        spike_ids: npt.ArrayLike | None = None,
        *,
        n_channels: int = 4,
        n_pcs: int = 3,
        max_cluster_spikes: int = 2000,
        max_other_spikes: int = 10000,
    ) -> None:
        f = features if isinstance(features, np.ndarray) else np.asarray(features)
        if f.ndim != 3:
            raise DataFormatError(f"`features` must be (n_rows, n_pcs, n_channels_loc), got {f.shape}.",
                                  argument="features")
        ind = np.asarray(channel_ind).astype(np.int64)
        if ind.ndim != 2 or ind.shape[1] != f.shape[2]:
            raise DataFormatError(
                f"`channel_ind` must be (n_templates, {f.shape[2]}), got {ind.shape}.", argument="channel_ind"
            )
        st = as_1d(spike_templates, "spike_templates").astype(np.int64, copy=False)
        if st.size and (st.min() < 0 or st.max() >= ind.shape[0]):
            raise DataFormatError("`spike_templates` refers to templates missing from `channel_ind`.",
                                  argument="spike_templates")
        self.features = f
        self.channel_ind = ind
        self.spike_templates = st
        self.n_spikes = st.shape[0]
        self.n_channels = min(positive_int(n_channels, "n_channels"), f.shape[2])
        self.n_pcs = min(positive_int(n_pcs, "n_pcs"), f.shape[1])
        self.max_cluster_spikes = positive_int(max_cluster_spikes, "max_cluster_spikes", minimum=2)
        self.max_other_spikes = positive_int(max_other_spikes, "max_other_spikes")
        if spike_ids is None:
            if f.shape[0] != self.n_spikes:
                raise DataFormatError(
                    f"`features` has {f.shape[0]} rows for {self.n_spikes} spikes; pass `spike_ids`.",
                    argument="features",
                )
            self._row_of_spike: npt.NDArray[np.int64] | None = None
            self._spike_of_row = np.arange(self.n_spikes, dtype=np.int64)
        else:
            sid = as_1d(spike_ids, "spike_ids", length=f.shape[0]).astype(np.int64)
            if sid.size and (sid.min() < 0 or sid.max() >= self.n_spikes):
                raise DataFormatError("`spike_ids` contains ids outside the spike range.", argument="spike_ids")
            self._row_of_spike = np.full(self.n_spikes, -1, np.int64)
            self._row_of_spike[sid] = np.arange(sid.size)
            self._spike_of_row = sid
        # Feature rows grouped by template (static: templates never change).
        rows_by_t, self._t_offsets = _counting_sort(st[self._spike_of_row], ind.shape[0])
        self._rows_by_template = rows_by_t

    def rows_of(self, spike_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Feature rows of the given spikes (spikes without features are dropped)."""
        if self._row_of_spike is None:
            return spike_ids
        r = self._row_of_spike[spike_ids]
        return r[r >= 0]

    def compute(
        self,
        cluster_id: int,
        spike_ids: npt.NDArray[np.int64],
        spike_clusters: npt.NDArray[np.integer],
    ) -> tuple[float, float]:
        """Return ``(isolation_distance, l_ratio)`` of one cluster.

        Parameters
        ----------
        cluster_id : int
        spike_ids : ndarray of int64
            All spikes of the cluster.
        spike_clusters : ndarray of int
            Current cluster of every spike (to exclude the cluster's own spikes from
            the "other" sample).
        """
        rows = self.rows_of(spike_ids)
        if rows.size < 2:
            return float("nan"), float("nan")
        tmpl = self.spike_templates[self._spike_of_row[rows]]
        main = int(np.argmax(np.bincount(tmpl, minlength=self.channel_ind.shape[0])))
        chans = self.channel_ind[main]
        chans = chans[chans >= 0][: self.n_channels]  # -1 marks an unused column
        if chans.size == 0:
            return float("nan"), float("nan")
        eq = self.channel_ind[:, :, None] == chans[None, None, :]
        positions = np.where(eq.any(axis=1), eq.argmax(axis=1), -1).astype(np.int64)
        covers: npt.NDArray[np.bool_] = np.all(positions >= 0, axis=1)
        # Cluster sample.
        n_c_total = int(covers[tmpl].sum())
        sel = rows[_even_sample(rows.size, self.max_cluster_spikes)]
        xc, _ = _gather_features(self.features, sel, self.spike_templates[self._spike_of_row[sel]],
                                 positions, self.n_pcs)
        # Other sample: feature rows of covering templates, minus the cluster's own.
        tids = np.flatnonzero(covers)
        lens = self._t_offsets[tids + 1] - self._t_offsets[tids]
        total = int(lens.sum())
        if total == 0:
            xo = np.zeros((0, xc.shape[1]))
            n_other_total = 0.0
        else:
            pick = _even_sample(total, self.max_other_spikes + min(n_c_total, self.max_other_spikes))
            cum = np.concatenate(([0], np.cumsum(lens)))
            seg = np.searchsorted(cum, pick, side="right") - 1
            orow = self._rows_by_template[self._t_offsets[tids[seg]] + (pick - cum[seg])]
            mine = spike_clusters[self._spike_of_row[orow]] == cluster_id
            n_other_total = total * (1.0 - mine.mean())
            orow = orow[~mine]
            orow = orow[_even_sample(orow.size, self.max_other_spikes)]
            xo, _ = _gather_features(self.features, orow, self.spike_templates[self._spike_of_row[orow]],
                                     positions, self.n_pcs)
        iso, lr = _isolation(xc, xo, float(n_c_total), float(n_other_total))
        return float(iso), float(lr)

    def compute_many(
        self,
        cluster_ids: npt.NDArray[np.int64],
        spike_ids: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.int64],
        spike_clusters: npt.NDArray[np.integer],
        progress: Callable[[str, float], None] | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Isolation distance and L-ratio of clusters given as a grouping.

        ``progress("isolation", fraction)`` is called after each cluster.
        """
        n = cluster_ids.size
        iso = np.full(n, np.nan)
        lr = np.full(n, np.nan)
        ids = cluster_ids.tolist()

        def one(i: int) -> tuple[float, float]:
            return self.compute(ids[i], spike_ids[offsets[i]: offsets[i + 1]], spike_clusters)

        # The numba kernels release the GIL: overlap clusters on the available threads.
        n_workers = min(numba.get_num_threads(), n)
        results: Iterator[tuple[float, float]]
        if n_workers <= 1:
            results = map(one, range(n))
        else:
            pool = ThreadPoolExecutor(max_workers=n_workers)
            results = pool.map(one, range(n))
        try:
            for i, (a, b) in enumerate(results):
                iso[i], lr[i] = a, b
                if progress is not None:
                    progress("isolation", (i + 1) / n)
        finally:
            if n_workers > 1:
                pool.shutdown()
        return iso, lr
