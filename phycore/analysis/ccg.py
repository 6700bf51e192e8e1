"""Cross- and auto-correlograms, their baseline and refractory-period shading.

The conventions are phylib's (``phylib.stats.ccg.correlograms``, phylib 2.7.1), so a
view fed by :func:`correlograms` draws exactly what phy draws:

- spike times (s) become samples with ``int64(t * sample_rate)`` (truncation);
- the bin width in samples is ``int(sample_rate * bin_size)`` and must be >= 1;
- ``bin_size`` and ``window_size`` are clipped to ``[1e-5, 1e5]`` s and the number of
  bins is odd: ``2 * int(window_size / 2 / bin_size) + 1``;
- for every pair of spikes ``a`` before ``b`` in the (time-sorted) input whose lag
  ``d = (s_b - s_a) // binsize`` is at most ``n_bins // 2``, the half-correlogram
  ``h[c_a, c_b, d]`` is incremented;
- the symmetric output is ``out[i, j, half + d] = h[i, j, d]`` and
  ``out[i, j, half - d] = h[j, i, d]`` for ``d >= 1``; the centre bin is
  ``max(h[i, j, 0], h[j, i, 0])`` (phylib takes the max, not the sum, because the
  split of simultaneous spikes between ``h[i, j, 0]`` and ``h[j, i, 0]`` depends on
  their input order).

Note that phylib does **not** zero the zero-lag bin of auto-correlograms: it counts
pairs of *distinct* spikes of the cluster that are less than one bin apart (never a
spike with itself). We do the same.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from phycore.analysis._grouping import check_sorted_within_groups, cluster_index, group_spikes
from phycore.analysis._jit import get_num_threads, njit, parallel_chunksize, prange
from phycore.analysis._validate import SpikeLookup, as_1d, cluster_ids_arg, positive, spike_times_arg
from phycore.errors import ActionError

__all__ = [
    "correlograms",
    "firing_rate",
    "autocorrelograms",
    "correlogram_bins",
    "correlogram_lags",
    "correlogram_baseline",
    "refractory_lines",
]

# Above this many int64 cells for the per-chunk partial histograms, run single-threaded.
_MAX_PARTIAL_CELLS = 20_000_000
# Longest window (in samples) for which the lag -> bin lookup table is used.
_MAX_LUT = 1 << 22
# The counting kernel (see `_ccg_counting`): spikes per chunk, the largest count table a
# chunk may build (int32 cells), and the most int64 cells of all groups' sums.
_CHUNK_SPIKES = 4096
_MAX_TABLE_CELLS = 8_000_000
_MAX_GROUP_CELLS = 8_000_000
# Cost (ns, measured on one core of the bench machine, 10 clusters of the 10M-spike
# folder) of visiting one spike pair in the pair kernel, and of writing / adding one cell
# in the counting kernel; they choose the kernel (both give the same counts).
_NS_PAIR = 2.0
_NS_TABLE_CELL = 0.8
_NS_ADD_CELL = 0.13


def correlogram_bins(sample_rate: float, bin_size: float, window_size: float) -> tuple[int, int]:
    """Return ``(binsize_samples, n_bins)`` with phylib's conventions.

    Parameters
    ----------
    sample_rate : float
        Sampling rate in Hz.
    bin_size, window_size : float
        Bin and full window width in seconds (clipped to ``[1e-5, 1e5]``).

    Returns
    -------
    binsize : int
        Bin width in samples, ``int(sample_rate * bin_size)``.
    n_bins : int
        Odd number of bins, ``2 * int(window_size / 2 / bin_size) + 1``.

    Raises
    ------
    phycore.errors.ActionError
        If an argument is not positive or the bin is shorter than one sample.
    """
    sr = positive(sample_rate, "sample_rate")
    b = float(np.clip(positive(bin_size, "bin_size"), 1e-5, 1e5))
    w = float(np.clip(positive(window_size, "window_size"), 1e-5, 1e5))
    binsize = int(sr * b)
    if binsize < 1:
        raise ActionError(
            f"`bin_size` ({bin_size} s) is shorter than one sample at {sr} Hz.", argument="bin_size"
        )
    return binsize, 2 * int(0.5 * w / b) + 1


def correlogram_lags(bin_size: float, window_size: float) -> npt.NDArray[np.float64]:
    """Lag in seconds of the left edge of each correlogram bin (length ``n_bins + 1``).

    Bin ``half + d`` holds lags in ``[d * bin_size, (d + 1) * bin_size)``; the edges are
    returned symmetrically around zero: ``(k - half - 0.5) * bin_size`` for display.
    """
    b = float(np.clip(positive(bin_size, "bin_size"), 1e-5, 1e5))
    w = float(np.clip(positive(window_size, "window_size"), 1e-5, 1e5))
    n = 2 * int(0.5 * w / b) + 1
    return (np.arange(n + 1, dtype=np.float64) - n / 2.0) * b


@njit(cache=True, parallel=True, nogil=True)
def _ccg_partial(
    samples: npt.NDArray[np.int64], offset: npt.NDArray[np.int64], n_clusters: int, nb: int, binsize: int, lut: npt.NDArray[np.int64], n_chunks: int
) -> npt.NDArray[np.int64]:
    # Spikes are time-sorted, so the inner loop stops at the first spike beyond the
    # window (lag >= nb * binsize). offset[a] = (cluster index of spike a) * nb, and a
    # pair goes to cell offset[a] * n_clusters + offset[b] + lag bin of the chunk's
    # partial histogram. The lag bin (s_b - s_a) // binsize is read from `lut` when it
    # covers the window (an integer division costs more than the rest of the inner
    # loop). The prange is the only parallel loop (no array expressions), so dynamic
    # scheduling set by the caller applies to it alone.
    n = samples.shape[0]
    lim = nb * binsize
    use_lut = lut.shape[0] >= lim
    n_cells = n_clusters * n_clusters * nb
    partial = np.empty((n_chunks, n_cells), np.int64)
    step = (n + n_chunks - 1) // n_chunks
    for k in prange(n_chunks):
        acc = partial[k]
        for c in range(n_cells):
            acc[c] = 0
        stop = min(n, (k + 1) * step)
        for a in range(k * step, stop):
            sa = samples[a]
            base = offset[a] * n_clusters
            if use_lut:
                for b in range(a + 1, n):
                    diff = samples[b] - sa
                    if diff >= lim:
                        break
                    acc[base + offset[b] + lut[diff]] += 1
            else:
                for b in range(a + 1, n):
                    diff = samples[b] - sa
                    if diff >= lim:
                        break
                    acc[base + offset[b] + diff // binsize] += 1
    return partial


@njit(cache=True, nogil=True, boundscheck=False)
def _count_table(
    samples: npt.NDArray[np.int64], index: npt.NDArray[np.int64], a0: int, length: int, width: int,
    cum: npt.NDArray[np.int32], run: npt.NDArray[np.int32],
) -> None:  # pragma: no cover - compiled
    # Row t (of `width` cells) of `cum`: how many spikes of each cluster, among spikes
    # a0, a0 + 1, ..., have a sample < samples[a0] + t. Rows are filled spike by spike (a
    # row is the running count, copied), so the loop branches once per spike, not per
    # sample. `cum` and `run` are the caller's buffers, reused from chunk to chunk.
    n = samples.shape[0]
    t0 = samples[a0]
    run[:] = 0
    t = 0
    for q in range(a0, n):
        s = min(samples[q] - t0, length - 1)
        while t <= s:
            o = t * width
            for j in range(width):
                cum[o + j] = run[j]
            t += 1
        if samples[q] - t0 >= length:
            break
        run[index[q]] += 1
    while t < length:
        o = t * width
        for j in range(width):
            cum[o + j] = run[j]
        t += 1


@njit(cache=True, nogil=True, boundscheck=False)
def _count_chunk(
    samples: npt.NDArray[np.int64], index: npt.NDArray[np.int64], a0: int, a1: int, nk: int, width: int,
    binsize: int, acc: npt.NDArray[np.int64], cum: npt.NDArray[np.int32], own: npt.NDArray[np.int32],
) -> None:  # pragma: no cover - compiled
    # acc[(i * nk + k) * width + j] += number of spikes of cluster j before the lag
    # k * binsize of spike a, for every spike a of cluster i in [a0, a1) (k = 0: the spikes
    # up to a itself, in input order). Unsigned offsets and a run-time row width let LLVM
    # vectorize the row additions (signed indices would need numba's wraparound checks).
    t0 = samples[a0]
    length = samples[a1 - 1] - t0 + (nk - 1) * binsize + 1
    _count_table(samples, index, a0, length, width, cum, own)
    own[:] = 0
    w = np.uint64(width)
    for a in range(a0, a1):
        i = index[a]
        own[i] += 1
        ro = np.uint64(i * nk * width)
        for j in range(width):
            acc[ro + np.uint64(j)] += own[j]
        r = samples[a] - t0
        for k in range(1, nk):
            co = np.uint64(r + k * binsize) * w
            rk = ro + np.uint64(k) * w
            for j in range(width):
                acc[rk + np.uint64(j)] += cum[co + np.uint64(j)]


@njit(cache=True, parallel=True, nogil=True)
def _ccg_counting(
    samples: npt.NDArray[np.int64], index: npt.NDArray[np.int64], nk: int, width: int, binsize: int,
    bounds: npt.NDArray[np.int64], max_length: int, acc: npt.NDArray[np.int64],
) -> None:  # pragma: no cover - compiled
    # Group g sums the chunks [g * per, (g + 1) * per) of `bounds` into acc[g], with one
    # count table allocated per group (fresh pages cost page faults).
    n_groups = acc.shape[0]
    n_chunks = bounds.shape[0] - 1
    per = (n_chunks + n_groups - 1) // n_groups
    for g in prange(n_groups):
        cum = np.empty(max_length * width, np.int32)
        own = np.empty(width, np.int32)
        for c in range(g * per, min(n_chunks, (g + 1) * per)):
            if bounds[c + 1] > bounds[c]:
                _count_chunk(samples, index, bounds[c], bounds[c + 1], nk, width, binsize, acc[g], cum, own)


@njit(cache=True, parallel=True, nogil=True)
def _acg_half(
    samples: npt.NDArray[np.int64], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], binsize: np.int64, half: np.int64
) -> npt.NDArray[np.int64]:
    n_clusters = offsets.shape[0] - 1
    out = np.zeros((n_clusters, half + 1), np.int64)
    for c in prange(n_clusters):
        i0, i1 = offsets[c], offsets[c + 1]
        for a in range(i0, i1):
            sa = samples[spike_ids[a]]
            for b in range(a + 1, i1):
                d = (samples[spike_ids[b]] - sa) // binsize
                if d > half:
                    break
                out[c, d] += 1
    return out


def _counting_plan(
    samples: npt.NDArray[np.int64], nc: int, nb: int, binsize: int
) -> tuple[npt.NDArray[np.int64] | None, int]:
    """Chunk bounds and row width for the counting kernel, or None for the pair kernel.

    The pair kernel visits every pair of spikes less than a window apart (its cost grows
    with the spike density); the counting kernel reads, for each spike, one row of
    cluster counts per lag bin from a per-sample table (its cost grows with the number of
    clusters, bins and recorded samples). Both give the same counts; the cheaper one runs.
    """
    n = samples.shape[0]
    width = -(-nc // 8) * 8  # rows of whole 8-cell vectors
    if n < 2:
        return None, width
    lim = nb * binsize
    bounds = np.append(np.arange(0, n, _CHUNK_SPIKES, dtype=np.int64), np.int64(n))
    spans = samples[bounds[1:] - 1] - samples[bounds[:-1]] + lim + 1
    if int(spans.max()) * width > _MAX_TABLE_CELLS:
        return None, width
    # Pairs per spike, from a sample of spikes spread over the recording.
    probe = np.unique(np.linspace(0, n - 1, min(n, 2048)).astype(np.int64))
    per_spike = float(np.mean(np.searchsorted(samples, samples[probe] + lim) - probe - 1))
    pair_cost = _NS_PAIR * per_spike * n
    counting_cost = width * (_NS_TABLE_CELL * float(spans.sum()) + _NS_ADD_CELL * n * (nb + 1))
    return (bounds if counting_cost < pair_cost else None), width


def _counts_by_lag(
    samples: npt.NDArray[np.int64], index: npt.NDArray[np.int64], nc: int, nb: int, binsize: int,
    bounds: npt.NDArray[np.int64], width: int,
) -> npt.NDArray[np.int64]:
    """Half correlograms ``(nc, nc, nb)`` from the counting kernel.

    With ``C_j(x)`` the number of spikes of cluster ``j`` at samples ``< x``, the pairs
    at lag bin ``d >= 1`` of a spike ``a`` are ``C_j(s_a + (d + 1) b) - C_j(s_a + d b)``;
    at ``d = 0``, ``C_j(s_a + b)`` minus the spikes of ``j`` up to ``a`` in input order
    (phylib's rule for simultaneous spikes). The kernel sums these counts per cluster of
    ``a`` (``S[i, k, j]``), so the histogram is a difference along ``k``. Counts are
    relative to each chunk's first spike: the offset is the same for every ``k`` and cancels.
    """
    nk = nb + 1
    cells = nc * nk * width
    n_chunks = bounds.shape[0] - 1
    n_groups = max(1, min(n_chunks, 4 * get_num_threads(), _MAX_GROUP_CELLS // cells))
    acc = np.zeros((n_groups, cells), np.int64)
    spans = samples[bounds[1:] - 1] - samples[bounds[:-1]]
    max_length = int(spans.max()) + nb * binsize + 1
    with parallel_chunksize(1):
        _ccg_counting(samples, index, nk, width, binsize, bounds, max_length, acc)
    s = acc.sum(axis=0).reshape(nc, nk, width)[:, :, :nc]
    return np.ascontiguousarray(np.diff(s, axis=1).transpose(0, 2, 1))


def _symmetrize(half_ccg: np.ndarray) -> np.ndarray:
    c0 = half_ccg[..., 0]
    centre = np.maximum(c0, c0.T)
    left = np.transpose(half_ccg[..., 1:][..., ::-1], (1, 0, 2))
    right = half_ccg.copy()
    right[..., 0] = centre
    return np.concatenate((left, right), axis=2)


def correlograms(
    spike_times: npt.ArrayLike,
    spike_clusters: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    sample_rate: float = 1.0,
    bin_size: float | None = None,
    window_size: float | None = None,
    symmetrize: bool = True,
) -> npt.NDArray[np.int64]:
    """Cross-correlograms of all ordered pairs of clusters (phylib-compatible).

    Same signature, conventions and values as ``phylib.stats.ccg.correlograms`` (see
    the module docstring); the result is int64 instead of phylib's int32. Two kernels,
    both in parallel over chunks of the time-sorted spikes, give the same counts; the
    cheaper one for the data runs: the pair kernel visits, for each spike, the following
    spikes inside the window (``O(n_spikes * spikes_per_window)``, sparse trains); the
    counting kernel reads per-cluster spike counts at each lag bin from a per-sample
    table (``O(n_spikes * n_bins * n_clusters)`` plus the recording's span, dense trains;
    see ``_counts_by_lag``).

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        Spike times in seconds, non-decreasing.
    spike_clusters : array-like of int, shape (n_spikes,)
        Cluster of each spike. Spikes whose cluster is not in ``cluster_ids`` are
        ignored (phylib would count them in the wrong cluster).
    cluster_ids : array-like of int, optional
        Clusters in output order; default: the sorted unique ``spike_clusters``.
    sample_rate : float
        Sampling rate in Hz.
    bin_size, window_size : float
        Bin width and full window width, in seconds.
    symmetrize : bool
        If False, return phylib's half correlograms ``(n, n, n_bins // 2 + 1)``.

    Returns
    -------
    ndarray of int64, shape (n_clusters, n_clusters, n_bins)
        ``ccg[i, j, half + d]`` counts spikes of ``cluster_ids[j]`` occurring ``d`` bins
        after a spike of ``cluster_ids[i]``.

    Raises
    ------
    phycore.errors.DataFormatError
        If the arrays have different lengths or the times are not sorted.
    phycore.errors.ActionError
        If ``sample_rate``, ``bin_size`` or ``window_size`` is invalid.

    .. versionadded:: 0.1.0
    """
    if bin_size is None or window_size is None:
        raise ActionError("`bin_size` and `window_size` are required.", argument="bin_size")
    binsize, n_bins = correlogram_bins(sample_rate, bin_size, window_size)
    t = spike_times_arg(spike_times)
    sc = as_1d(spike_clusters, "spike_clusters", length=t.shape[0])
    cids = cluster_ids_arg(np.unique(sc) if cluster_ids is None else cluster_ids)
    index = cluster_index(sc, cids)
    keep = index >= 0
    if not keep.all():
        t, index = t[keep], index[keep]
    samples = (t * float(sample_rate)).astype(np.int64)
    half = n_bins // 2
    nc = cids.size
    nb = half + 1
    bounds, width = _counting_plan(samples, nc, nb, binsize)
    if bounds is not None:
        h = _counts_by_lag(samples, index, nc, nb, binsize, bounds, width)
        return _symmetrize(h) if symmetrize else h
    lim = nb * binsize
    lut = np.arange(lim, dtype=np.int64) // binsize if lim <= _MAX_LUT else np.zeros(0, np.int64)
    n_chunks = 1
    if samples.size > 20_000:
        n_chunks = 16 * get_num_threads()
        if n_chunks * nc * nc * nb > _MAX_PARTIAL_CELLS:
            n_chunks = 1
    # Dynamic scheduling (one chunk at a time per thread) copes with a busy core.
    with parallel_chunksize(1):
        partial = _ccg_partial(samples, index * nb, nc, nb, binsize, lut, n_chunks)
    h = partial.sum(axis=0).reshape(nc, nc, nb)
    return _symmetrize(h) if symmetrize else h


def autocorrelograms(
    spike_times: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    *,
    sample_rate: float,
    bin_size: float,
    window_size: float,
    spike_clusters: npt.ArrayLike | None = None,
    spikes_per_cluster: SpikeLookup | None = None,
) -> npt.NDArray[np.int64]:
    """Auto-correlograms of many clusters at once (the diagonal of :func:`correlograms`).

    Only pairs of spikes of the same cluster are visited, in parallel over clusters,
    so this is cheap enough for every cluster of a recording.

    Parameters
    ----------
    spike_times : array-like of float, shape (n_spikes,)
        Spike times in seconds, non-decreasing.
    cluster_ids : array-like of int, optional
        Clusters in output order (default: all, sorted).
    sample_rate, bin_size, window_size : float
        As in :func:`correlograms`.
    spike_clusters : array-like of int, optional
        Cluster of each spike (one pass over all spikes).
    spikes_per_cluster : mapping or callable, optional
        ``cluster_id -> sorted spike ids`` (touches only the requested clusters).

    Returns
    -------
    ndarray of int64, shape (n_clusters, n_bins)

    .. versionadded:: 0.1.0
    """
    binsize, n_bins = correlogram_bins(sample_rate, bin_size, window_size)
    t = spike_times_arg(spike_times)
    _, spike_ids, offsets = group_spikes(
        cluster_ids, t.shape[0], spike_clusters=spike_clusters, spikes_per_cluster=spikes_per_cluster
    )
    if spikes_per_cluster is not None:
        check_sorted_within_groups(t, spike_ids, offsets, "spikes_per_cluster")
    samples = (t * float(sample_rate)).astype(np.int64)
    h = _acg_half(samples, spike_ids, offsets, np.int64(binsize), np.int64(n_bins // 2))
    return np.concatenate((h[:, 1:][:, ::-1], h), axis=1)


def correlogram_baseline(
    n_spikes: npt.ArrayLike, bin_size: float, duration: float
) -> npt.NDArray[np.float64]:
    """Expected count per bin of each correlogram for independent Poisson trains.

    ``baseline[i, j] = n_i * n_j * bin_size / duration``: the grey horizontal line of
    phy's CorrelogramView (``phylib.stats.ccg.firing_rate``). Pass the spike counts
    that were used to compute the correlograms (after any spike sub-sampling).

    Parameters
    ----------
    n_spikes : array-like of int, shape (n_clusters,)
    bin_size, duration : float
        In seconds. A zero duration is treated as 1 s, like phylib.

    Returns
    -------
    ndarray of float64, shape (n_clusters, n_clusters)

    .. versionadded:: 0.1.0
    """
    n = as_1d(n_spikes, "n_spikes", np.float64)
    b = positive(bin_size, "bin_size")
    d = positive(duration, "duration", allow_zero=True) or 1.0
    return np.outer(n, n) * (b / d)


def firing_rate(
    spike_clusters: npt.ArrayLike,
    cluster_ids: npt.ArrayLike | None = None,
    bin_size: float | None = None,
    duration: float | None = None,
) -> npt.NDArray[np.float64]:
    """Expected coincidences per correlogram bin of each pair of clusters (phylib's).

    Same signature and values as ``phylib.stats.ccg.firing_rate``: for spike counts
    ``n_i``, ``out[i, j] = n_i * n_j * bin_size / duration`` (``duration`` None or 0
    counts as 1), the baseline of the cross-correlogram of clusters ``i`` and ``j``.
    For a rate in Hz, see :func:`phycore.analysis.mean_firing_rates`.

    Parameters
    ----------
    spike_clusters : array-like of int, shape (n_spikes,)
        Cluster of each spike. Spikes of clusters not in ``cluster_ids`` are not counted
        (phylib counts them in a wrong cluster or fails).
    cluster_ids : array-like of int, optional
        Clusters in output order; default: the sorted unique ``spike_clusters``.
    bin_size : float
        Correlogram bin width in seconds, > 0 (required, as in phylib).
    duration : float, optional
        Recording duration in seconds.

    Returns
    -------
    ndarray of float64, shape (n_clusters, n_clusters)

    Raises
    ------
    phycore.errors.ActionError
        If ``bin_size`` is missing or not positive, or ``duration`` is negative.

    .. versionadded:: 0.2
    """
    if bin_size is None:
        raise ActionError("`bin_size` is required.", argument="bin_size")
    sc = as_1d(spike_clusters, "spike_clusters")
    cids = cluster_ids_arg(np.unique(sc) if cluster_ids is None else cluster_ids)
    index = cluster_index(sc, cids)
    counts = np.bincount(index[index >= 0], minlength=cids.size)
    return correlogram_baseline(counts, bin_size, duration or 0.0)


def refractory_lines(window_size: float, bin_size: float, refractory_period: float) -> tuple[int, int]:
    """Bin positions of the two vertical refractory lines drawn by phy.

    ``(round((W/2 - rp) / bin), round((W/2 + rp) / bin) + 1)`` in bin units from the
    left edge of the correlogram, exactly as phy's ``CorrelogramView._plot_pair``.

    Returns
    -------
    tuple of int
        Left and right x positions (bin-edge units).

    .. versionadded:: 0.1.0
    """
    w = positive(window_size, "window_size")
    b = positive(bin_size, "bin_size")
    rp = positive(refractory_period, "refractory_period", allow_zero=True)
    return round((w * 0.5 - rp) / b), round((w * 0.5 + rp) / b) + 1
