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

``N_C`` and the number ``M`` of other spikes are exact counts; spikes of the cluster
whose template lacks one of the chosen channels are left out of ``N_C``. When the
features exist only for a subset of the spikes (``pc_feature_spike_ids.npy``),
everything is computed within that subset.

**Bounded sample (memory and I/O).** ``pc_features.npy`` is the largest file of a
folder (3.8 GB for 10M spikes). The metrics read it once, into a fixed *pool*: per
template, at most ``pool_per_template`` (default 500) of its spikes, evenly spaced in
spike order (deterministic), fewer when ``n_templates * pool_per_template`` exceeds
``max_pool_spikes`` (default 250,000; never fewer than 50 per template). The pool is
read in increasing row order through a private memory map advised ``MADV_RANDOM``
whose pages are dropped after each 64 MB stretch, so the process's resident memory
grows by the pool (about 100 MB for 10M spikes) and not by the file.

Every cluster's estimate comes from the pool rows of the templates involved, as a
*stratified* sample (stratum = template): a pool row of template ``t`` stands for
``n_t / k_t`` spikes, ``n_t`` the cluster's (or the others') spikes of ``t`` and ``k_t``
their pool rows. ``mu`` and ``S`` are the weighted mean and covariance (reliability
weights) of the cluster's pool rows; the isolation distance is the ``D2`` at which the
cumulated weight of the other rows, sorted by ``D2``, reaches ``N_C``; the L-ratio sums
the weighted chi-square tails. Clusters made by merges and splits use the pool rows of
their spikes (membership is decided from the cluster's spike ids, so no cluster
assignment array is needed). When the pool holds too few of a cluster's spikes
(fewer than ``min(N_C, 200)``, or strata with pool rows covering less than 90% of
``N_C``: a small piece split off a large cluster), ``mu`` and ``S`` come instead from a
direct read of at most ``max_cluster_spikes`` (default 2000) of its spikes, evenly
spaced; likewise for the other spikes (at most ``max_other_spikes``) when fewer than
90% of them are in strata with pool rows. At most ``max_other_spikes`` (default
10,000) pool rows of other spikes are evaluated (evenly spaced among them; weights
are recomputed per stratum). Strata without any pool row (a few spikes each) are
represented by the others: the weights are scaled so that they add up to ``M``.

Live sessions (spikes appended): :meth:`PCFeatures.extend_from` adds some of the
appended rows to the pool (every ``ceil(n_t / pool_per_template)``-th of a template's
new rows) instead of reading a new pool from the whole file, so a refresh reads only
the appended data.

Differences. Before version 0.3 each cluster read 2000 of its own spikes and 10,000
other spikes evenly spaced over the whole file, so that computing the table touched
every page of ``pc_features.npy``; the estimates now come from the pool (a template
larger than the pool share contributes a systematic sample of its spikes instead of
every spike), and are identical to the full-data values when every template has at
most ``pool_per_template`` spikes and a cluster at most ``max_other_spikes`` others.
SpikeInterface computes these metrics on its "random spikes" (``max_spikes_per_unit``
500 per unit, drawn at random with a seed) without re-weighting: its isolation
distance is the ``min(n_C, n_other)``-th smallest ``D2`` among the sampled spikes and
its L-ratio divides by the sampled ``n_C``, so every unit weighs the same whatever its
size; here the sample is re-weighted to stand for all the spikes, as in the published
definitions.

References
----------
.. [Schmitzer2005] Schmitzer-Torbert et al. (2005), Neuroscience 131(1), 1-11.
.. [Harris2001] Harris et al. (2001), Neuron 32(1), 141-149.

.. versionadded:: 0.1.0
.. versionchanged:: 0.3
   Bounded pool sample; ``spike_clusters`` is no longer needed.
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.analysis._jit import get_num_threads
from phycore.analysis._metric_kernels import _gather_features, _isolation_weighted, _pool_rows
from phycore.analysis._validate import as_1d, positive_int
from phycore.analysis.amplitudes import _spike_depths
from phycore.errors import DataFormatError

__all__ = ["PCFeatures"]

_CHUNK_BYTES = 64 * 2**20  # file stretch read between two drops of the mapped pages
_MIN_PER_TEMPLATE = 50  # pool rows per template whatever max_pool_spikes says
_MIN_POOL_SPIKES = 200  # fewer pool rows of a cluster than this: read its spikes directly
_MIN_COVERAGE = 0.9  # share of the spikes the strata with pool rows must hold


def _even_sample(n: int, k: int) -> npt.NDArray[np.int64]:
    """``min(n, k)`` evenly spaced indices in ``range(n)`` (all of them if n <= k)."""
    if n <= k:
        return np.arange(n, dtype=np.int64)
    return np.linspace(0, n - 1, k).astype(np.int64)


def _private_map(f: np.ndarray) -> np.memmap | None:
    """A new read-only mapping of the file behind the memmap ``f``, or None."""
    filename = getattr(f, "filename", None)
    if not isinstance(f, np.memmap) or filename is None or not f.flags.c_contiguous or f.shape[0] == 0:
        return None
    try:
        m = np.memmap(filename, dtype=f.dtype, mode="r", offset=int(f.offset), shape=f.shape, order="C")
    except (OSError, ValueError):
        return None
    # ``f`` may be a view into a larger mapping: then its offset does not locate it.
    if m[0].tobytes() != f[0].tobytes() or m[-1].tobytes() != f[-1].tobytes():
        return None
    return m


def _advise(m: np.memmap, option: str) -> None:
    mm = getattr(m, "_mmap", None)
    opt = getattr(mmap, option, None)
    if mm is not None and opt is not None and hasattr(mm, "madvise"):
        mm.madvise(opt)


def read_rows(features: np.ndarray, rows: npt.NDArray[np.int64], n_pcs: int) -> np.ndarray:
    """``features[rows, :n_pcs]`` for sorted ``rows``, without keeping the file mapped.

    For a memory-mapped file the rows are read through a private mapping advised
    ``MADV_RANDOM`` (no read-around) whose pages are dropped after each 64 MB stretch:
    the resident memory grows by the rows read, not by the pages they sit in.
    """
    out = np.empty((rows.size, n_pcs) + features.shape[2:], features.dtype)
    if rows.size == 0:
        return out
    m = _private_map(features)
    if m is None:
        for a in range(0, rows.size, 65536):
            out[a:a + 65536] = features[rows[a:a + 65536], :n_pcs]
        return out
    _advise(m, "MADV_RANDOM")
    span = max(1, _CHUNK_BYTES // max(1, m.strides[0]))
    a = 0
    while a < rows.size:
        b = max(a + 1, int(np.searchsorted(rows, rows[a] + span)))
        out[a:b] = m[rows[a:b], :n_pcs]
        _advise(m, "MADV_DONTNEED")  # read-only file pages: dropping them loses nothing
        a = b
    del m
    return out


class _Pool:
    """The pool: template, spike and features of each of its rows, in file order, the
    number of rows of every template, the per-template cap it was read with, and how many
    appended rows of each template it has seen (see :meth:`PCFeatures.extend_from`).

    The arrays may be views of longer buffers that a later :meth:`extended` pool fills
    beyond their end: a pool's own rows never change, so a worker may keep using it.
    """

    def __init__(self, templates: npt.NDArray[np.int64], spikes: npt.NDArray[np.int64], features: np.ndarray,
                 n_per_template: npt.NDArray[np.int64], per: int, seen: npt.NDArray[np.int64] | None = None,
                 buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.templates = templates
        self.spikes = spikes
        self.features = features
        self.n_per_template = n_per_template
        self.per = per
        self.seen = np.zeros_like(n_per_template) if seen is None else seen
        self._buffers = buffers or (templates, spikes, features)

    def extended(self, templates: npt.NDArray[np.int64], spikes: npt.NDArray[np.int64], features: np.ndarray,
                 n_per_template: npt.NDArray[np.int64], seen: npt.NDArray[np.int64]) -> _Pool:
        """A pool with these rows after this one's (amortized: buffers grow by doubling)."""
        n0 = self.spikes.size
        n1 = n0 + spikes.size
        bt, bs, bf = self._buffers
        if bs.size < n1:  # (only the latest pool is ever extended: rows beyond n0 are free)
            cap = max(n1, 2 * n0)
            bt, bs = np.empty(cap, np.int64), np.empty(cap, np.int64)
            bf = np.empty((cap,) + self.features.shape[1:], self.features.dtype)
            bt[:n0], bs[:n0], bf[:n0] = self.templates, self.spikes, self.features
        bt[n0:n1], bs[n0:n1], bf[n0:n1] = templates, spikes, features
        return _Pool(bt[:n1], bs[:n1], bf[:n1], n_per_template, self.per, seen, (bt, bs, bf))


class PCFeatures:
    """Kilosort PC features indexed for per-cluster isolation metrics.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    features : array-like, shape (n_rows, n_pcs, n_channels_loc)
        ``pc_features.npy`` as written by Kilosort (a memmap is fine: only the rows of
        the pool are read, once, on the first computation or :meth:`prepare`).
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
        Sample caps (see the module docstring).
    pool_per_template, max_pool_spikes : int
        Size of the pool (see the module docstring).

        .. versionadded:: 0.3
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
        pool_per_template: int = 500,
        max_pool_spikes: int = 250_000,
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
        self.pool_per_template = positive_int(pool_per_template, "pool_per_template")
        self.max_pool_spikes = positive_int(max_pool_spikes, "max_pool_spikes")
        if spike_ids is None:
            if f.shape[0] != self.n_spikes:
                raise DataFormatError(
                    f"`features` has {f.shape[0]} rows for {self.n_spikes} spikes; pass `spike_ids`.",
                    argument="features",
                )
            self._row_of_spike: npt.NDArray[np.int64] | None = None
            self._spike_of_row: npt.NDArray[np.int64] | None = None
        else:
            sid = as_1d(spike_ids, "spike_ids", length=f.shape[0]).astype(np.int64)
            if sid.size and (sid.min() < 0 or sid.max() >= self.n_spikes):
                raise DataFormatError("`spike_ids` contains ids outside the spike range.", argument="spike_ids")
            self._row_of_spike = np.full(self.n_spikes, -1, np.int64)
            self._row_of_spike[sid] = np.arange(sid.size)
            self._spike_of_row = sid
        self._pool: _Pool | None = None
        self._depths: tuple[_Pool, npt.NDArray[np.float64]] | None = None
        self._lock = threading.Lock()

    # Pool -----------------------------------------------------------------------------

    def _templates_of_rows(self, rows: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.int64]:
        spikes = self._spike_of_row if rows is None or self._spike_of_row is None else self._spike_of_row[rows]
        if spikes is None:
            return self.spike_templates if rows is None else self.spike_templates[rows]
        return self.spike_templates[spikes]

    def prepare(self) -> None:
        """Read the pool now (otherwise the first computation does); thread-safe."""
        self._get_pool()

    @property
    def pool_size(self) -> int:
        """Number of rows in the pool (0 before it is read)."""
        return 0 if self._pool is None else int(self._pool.spikes.size)

    def _get_pool(self) -> _Pool:
        with self._lock:
            if self._pool is None:
                self._pool = self._read_pool()
            return self._pool

    def _read_pool(self) -> _Pool:
        n_templates = self.channel_ind.shape[0]
        trow = self._templates_of_rows()
        n_t = np.bincount(trow, minlength=n_templates).astype(np.int64)
        n_used = max(1, int(np.count_nonzero(n_t)))
        per = min(self.pool_per_template, max(_MIN_PER_TEMPLATE, self.max_pool_spikes // n_used))
        k_t = np.minimum(n_t, per)
        rows = np.sort(_pool_rows(trow, n_t, k_t))  # in file order: one pass over the file
        feats = read_rows(self.features, rows, self.n_pcs)
        spikes = rows if self._spike_of_row is None else self._spike_of_row[rows]
        return _Pool(trow[rows], spikes.astype(np.int64), feats, n_t, per)

    def extend_from(self, old: PCFeatures) -> None:
        """Adopt the pool of ``old`` (the same features before spikes were appended),
        extended with some of the appended rows, instead of reading a new pool.

        Live sessions: of the rows appended to a template that had ``n_t`` rows, every
        ``ceil(n_t / pool_per_template)``-th is added (every one while the template is
        small), read from the appended data only. The estimates stay stratified by
        template (weights from the current counts) but may differ slightly from those of
        a pool read afresh from the grown data. Does nothing when ``old`` has not read
        its pool yet or does not describe the same features.

        .. versionadded:: 0.3
        """
        pool = old._pool
        if (pool is None or self._pool is not None or old.channel_ind.shape != self.channel_ind.shape
                or old.n_pcs != self.n_pcs or self.n_spikes < old.n_spikes):
            return
        n_templates = self.channel_ind.shape[0]
        if self._spike_of_row is None:
            rows = np.arange(old.n_spikes, self.n_spikes, dtype=np.int64)
        else:
            rows = np.flatnonzero(self._spike_of_row >= old.n_spikes).astype(np.int64)
        t = self._templates_of_rows(rows)
        order = np.argsort(t, kind="stable")
        ts = t[order]
        rank = np.arange(ts.size) - np.searchsorted(ts, ts, side="left")  # within the template, in row order
        stride = np.maximum(1, -(-pool.n_per_template // pool.per))  # from the sizes before this batch
        keep = np.sort(rows[order][(pool.seen[ts] + rank) % stride[ts] == 0])
        added = np.bincount(t, minlength=n_templates).astype(np.int64)
        spikes = keep if self._spike_of_row is None else self._spike_of_row[keep]
        with self._lock:
            self._pool = pool.extended(self._templates_of_rows(keep), spikes.astype(np.int64),
                                       read_rows(self.features, keep, self.n_pcs),
                                       pool.n_per_template + added, pool.seen + added)

    def depth_sample(self, spike_ids: npt.NDArray[np.int64], channel_y: npt.ArrayLike
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The pool rows of a cluster for its drift: ``(spikes, depths, weights)``.

        ``depths`` is phylib's ``get_depths`` (channel y positions ``channel_y`` weighted
        by the squared positive first PC, :func:`phycore.analysis.spike_depths`) of each
        pool row among ``spike_ids``; ``weights`` the number of the cluster's spikes each
        row stands for (``n_t / k_t`` for a row of template ``t``, as for the isolation
        metrics), so that a drift bin's spike count can be estimated from the sample.
        Spikes in the order of ``spikes`` (increasing ids). Thread-safe.

        .. versionadded:: 0.4
        """
        sid = np.asarray(spike_ids, dtype=np.int64)
        if sid.size > 1 and np.any(sid[1:] <= sid[:-1]):
            sid = np.unique(sid)
        pool = self._get_pool()
        with self._lock:
            if self._depths is None or self._depths[0] is not pool:
                y = np.ascontiguousarray(np.asarray(channel_y, dtype=np.float64))
                self._depths = (pool, _spike_depths(pool.features, pool.templates, self.channel_ind, y))
            depths = self._depths[1]
        if sid.size == 0 or pool.spikes.size == 0:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        n_templates = self.channel_ind.shape[0]
        cnt = np.bincount(self._templates_of_rows(self.rows_of(sid)), minlength=n_templates)
        cand = np.flatnonzero(cnt[pool.templates] > 0)  # pool rows of the cluster's templates
        ps = pool.spikes[cand]
        at = np.minimum(np.searchsorted(sid, ps), sid.size - 1)
        idx = cand[sid[at] == ps]
        t = pool.templates[idx]
        k = np.bincount(t, minlength=n_templates)
        return pool.spikes[idx], depths[idx], (cnt[t] / np.maximum(k[t], 1)).astype(np.float64)

    # Computation ----------------------------------------------------------------------

    def rows_of(self, spike_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Feature rows of the given spikes (spikes without features are dropped)."""
        if self._row_of_spike is None:
            return spike_ids
        r = self._row_of_spike[spike_ids]
        return r[r >= 0]

    def _gather(self, features: np.ndarray, rows: npt.NDArray[np.int64], templates: npt.NDArray[np.int64],
                positions: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        x, _ = _gather_features(features, rows, templates, positions, self.n_pcs)
        return x

    def _read(self, rows: npt.NDArray[np.int64], positions: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Features of some rows read directly from the file (a bounded number)."""
        rows = np.sort(rows)
        data = read_rows(self.features, rows, self.n_pcs)
        return self._gather(data, np.arange(rows.size, dtype=np.int64), self._templates_of_rows(rows), positions)

    def compute(
        self,
        cluster_id: int,
        spike_ids: npt.NDArray[np.int64],
        spike_clusters: Any = None,
    ) -> tuple[float, float]:
        """Return ``(isolation_distance, l_ratio)`` of one cluster; thread-safe.

        Parameters
        ----------
        cluster_id : int
        spike_ids : ndarray of int64
            All spikes of the cluster.
        spike_clusters : ignored
            Kept for compatibility: since 0.3 the cluster's pool rows are found from
            ``spike_ids``.
        """
        sid = np.asarray(spike_ids, dtype=np.int64)
        if sid.size > 1 and np.any(sid[1:] <= sid[:-1]):
            sid = np.unique(sid)
        rows = self.rows_of(sid)
        if rows.size < 2:
            return float("nan"), float("nan")
        n_templates = self.channel_ind.shape[0]
        tmpl = self._templates_of_rows(rows)
        cnt = np.bincount(tmpl, minlength=n_templates)
        main = int(np.argmax(cnt))
        chans = self.channel_ind[main]
        chans = chans[chans >= 0][: self.n_channels]  # -1 marks an unused column
        if chans.size == 0:
            return float("nan"), float("nan")
        eq = self.channel_ind[:, :, None] == chans[None, None, :]
        positions = np.where(eq.any(axis=1), eq.argmax(axis=1), -1).astype(np.int64)
        covers: npt.NDArray[np.bool_] = np.all(positions >= 0, axis=1)
        n_c = int(cnt[covers].sum())
        pool = self._get_pool()
        cand = np.flatnonzero(covers[pool.templates])
        ps = pool.spikes[cand]
        at = np.minimum(np.searchsorted(sid, ps), sid.size - 1)
        member = sid[at] == ps
        xc, wc = self._cluster_sample(pool, cand[member], cnt, covers, rows, tmpl, n_c, positions)
        xo, wo = self._other_sample(pool, cand[~member], cnt, covers, rows, positions)
        iso, lr = _isolation_weighted(xc, wc, xo, wo, float(n_c))
        return float(iso), float(lr)

    def _cluster_sample(self, pool: _Pool, idx: npt.NDArray[np.int64], cnt: npt.NDArray[np.int64],
                        covers: npt.NDArray[np.bool_], rows: npt.NDArray[np.int64], tmpl: npt.NDArray[np.int64],
                        n_c: int, positions: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
        """Cluster rows and weights: from the pool, or read directly (module docstring)."""
        n_templates = covers.size
        k = np.bincount(pool.templates[idx], minlength=n_templates)
        held = int(cnt[k > 0].sum())
        if idx.size < min(n_c, _MIN_POOL_SPIKES) or held < _MIN_COVERAGE * n_c:
            own = rows[covers[tmpl]]
            own = own[_even_sample(own.size, self.max_cluster_spikes)]
            return self._read(own, positions), np.ones(own.size)
        if idx.size > self.max_cluster_spikes:
            idx = idx[_even_sample(idx.size, self.max_cluster_spikes)]
            k = np.bincount(pool.templates[idx], minlength=n_templates)
        t = pool.templates[idx]
        return self._gather(pool.features, idx, t, positions), cnt[t] / k[t]

    def _other_sample(self, pool: _Pool, idx: npt.NDArray[np.int64], cnt: npt.NDArray[np.int64],
                      covers: npt.NDArray[np.bool_], rows: npt.NDArray[np.int64],
                      positions: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray]:
        """Other rows and weights adding up to the number of other spikes."""
        n_templates = covers.size
        n_o = np.where(covers, pool.n_per_template - cnt, 0)
        total = int(n_o.sum())
        d = positions.shape[1] * self.n_pcs
        if total == 0:
            return np.zeros((0, d)), np.zeros(0)
        if idx.size > self.max_other_spikes:
            idx = idx[_even_sample(idx.size, self.max_other_spikes)]
        k = np.bincount(pool.templates[idx], minlength=n_templates)
        held = int(n_o[k > 0].sum())
        if held < _MIN_COVERAGE * total:
            other = np.flatnonzero(covers[self._templates_of_rows()])
            other = np.setdiff1d(other, rows, assume_unique=True)
            other = other[_even_sample(other.size, self.max_other_spikes)]
            return self._read(other, positions), np.full(other.size, total / max(1, other.size))
        t = pool.templates[idx]
        return self._gather(pool.features, idx, t, positions), n_o[t] / k[t] * (total / held)

    def compute_many(
        self,
        cluster_ids: npt.NDArray[np.int64],
        spike_ids: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.int64],
        spike_clusters: Any = None,
        progress: Callable[[str, float], None] | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Isolation distance and L-ratio of clusters given as a grouping.

        ``progress("isolation", fraction)`` is called after each cluster;
        ``spike_clusters`` is ignored.
        """
        self.prepare()
        n = cluster_ids.size
        iso = np.full(n, np.nan)
        lr = np.full(n, np.nan)
        ids = cluster_ids.tolist()

        def one(i: int) -> tuple[float, float]:
            return self.compute(ids[i], spike_ids[offsets[i]: offsets[i + 1]], spike_clusters)

        # The numba kernels release the GIL: overlap clusters on the available threads.
        n_workers = min(get_num_threads(), n)
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
