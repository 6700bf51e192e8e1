"""Numba kernels behind :mod:`phycore.analysis.metrics` (private).

Each kernel has a plain-numpy reference in ``tests/analysis/reference.py``; the
definitions are documented on the public functions in ``metrics.py``.
"""

from __future__ import annotations

import math

from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.analysis._jit import njit, prange


__all__: list[str] = []


@njit(cache=True, parallel=True, nogil=True)
def _spike_train_metrics(
    times: npt.NDArray[np.float64], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], duration: float, n_presence_bins: np.int64,
    refractory: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per cluster: spike count, number of occupied presence bins, ISIs < refractory."""
    n_clusters = offsets.shape[0] - 1
    n_spikes = np.zeros(n_clusters, np.int64)
    occupied = np.zeros(n_clusters, np.int64)
    n_viol = np.zeros(n_clusters, np.int64)
    for c in prange(n_clusters):
        i0, i1 = offsets[c], offsets[c + 1]
        n_spikes[c] = i1 - i0
        seen = np.zeros(n_presence_bins, np.bool_)
        prev = 0.0
        for i in range(i0, i1):
            t = times[spike_ids[i]]
            k = np.int64(math.floor(t / duration * n_presence_bins))
            k = min(max(k, 0), n_presence_bins - 1)
            seen[k] = True
            if i > i0 and t - prev < refractory:
                n_viol[c] += 1
            prev = t
        occupied[c] = seen.sum()
    return n_spikes, occupied, n_viol


@njit(cache=True, inline="always")
def _nearest(i: int, n: int) -> int:
    # scipy.ndimage mode='nearest': (a a a a | a b c d | d d d d)
    return min(max(i, 0), n - 1)


@njit(cache=True, inline="always")
def _reflect(i: int, n: int) -> int:
    # scipy.ndimage mode='reflect': (d c b a | a b c d | d c b a)
    while i < 0 or i >= n:
        if i < 0:
            i = -i - 1
        if i >= n:
            i = 2 * n - i - 1
    return i


def gaussian_weights(sigma: float) -> npt.NDArray[np.float64]:
    """Gaussian kernel exactly as scipy.ndimage computes it (truncate=4.0)."""
    radius = int(4.0 * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    weights: npt.NDArray[np.float64] = phi / phi.sum()
    return weights


@njit(cache=True, nogil=True)
def _gaussian_smooth(x: npt.NDArray[np.float64], weights: npt.NDArray[np.float64],
                     nearest: bool = False) -> npt.NDArray[np.float64]:
    """scipy.ndimage.gaussian_filter1d(x, sigma, mode='reflect' or 'nearest') for the
    weights of :func:`gaussian_weights`, with scipy's summation order for symmetric kernels."""
    n = x.shape[0]
    radius = weights.shape[0] // 2
    out = np.zeros(n)
    for i in range(n):
        s = x[i] * weights[radius]
        for k in range(1, radius + 1):
            if nearest:
                s += (x[_nearest(i - k, n)] + x[_nearest(i + k, n)]) * weights[radius + k]
            else:
                s += (x[_reflect(i - k, n)] + x[_reflect(i + k, n)]) * weights[radius + k]
        out[i] = s
    return out


@njit(cache=True, nogil=True)
def _amplitude_cutoff_one(amps: npt.NDArray[np.float64], n_bins: np.int64, weights: npt.NDArray[np.float64],
                          si_min_ratio: float = -1.0) -> float:
    """Allen's amplitude cutoff, or SpikeInterface's when ``si_min_ratio >= 0``."""
    n = amps.shape[0]
    if si_min_ratio >= 0.0 and n / n_bins < si_min_ratio:
        return np.nan
    if n < 2:
        return np.nan
    if np.median(amps) < 0:  # negative peak amplitudes (SpikeInterface's export): flip
        amps = -amps
    lo, hi = amps.min(), amps.max()
    if not hi > lo:
        return np.nan
    edges = np.linspace(lo, hi, n_bins + 1)
    counts = np.zeros(n_bins)
    norm = n_bins / (hi - lo)
    for i in range(n):  # numpy.histogram's equal-bins algorithm (same bin for every value)
        x = amps[i]
        k = int((x - lo) * norm)
        if k == n_bins:
            k -= 1
        if x < edges[k]:
            k -= 1
        elif k != n_bins - 1 and x >= edges[k + 1]:
            k += 1
        counts[k] += 1.0
    if si_min_ratio >= 0.0:
        # SpikeInterface: counts smoothed in 'nearest' mode, truncated to integers (scipy
        # keeps the int64 dtype of np.histogram), G = last bin >= the first one, and the
        # mass above G relative to n + that mass.
        sm = np.trunc(_gaussian_smooth(counts, weights, True))
        last = 0
        for k in range(n_bins):
            if sm[k] >= sm[0]:
                last = k
        missed: float = sm[last + 1:].sum()
        frac_si: float = missed / (n + missed)
        return min(frac_si, 0.5)
    widths = edges[1:] - edges[:-1]
    pdf = counts / widths / counts.sum()
    sm = _gaussian_smooth(pdf, weights)
    peak = np.argmax(sm)
    g: int | np.intp = peak
    best = abs(sm[peak] - sm[0])
    for k in range(peak + 1, n_bins):
        dv = abs(sm[k] - sm[0])
        if dv < best:
            best = dv
            g = k
    frac: float = sm[g:].sum() * widths.mean()
    return min(frac, 0.5)


@njit(cache=True, parallel=True, nogil=True)
def _amplitude_cutoffs(
    amplitudes: npt.NDArray[np.floating[Any]], spike_ids: npt.NDArray[np.int64], offsets: npt.NDArray[np.int64], n_bins: np.int64, weights: npt.NDArray[np.float64],
    si_min_ratio: float = -1.0,
) -> npt.NDArray[np.float64]:
    n_clusters = offsets.shape[0] - 1
    out = np.full(n_clusters, np.nan)
    for c in prange(n_clusters):
        i0, i1 = offsets[c], offsets[c + 1]
        buf = np.empty(i1 - i0)
        m = 0
        for i in range(i0, i1):
            a = amplitudes[spike_ids[i]]
            if np.isfinite(a):
                buf[m] = a
                m += 1
        out[c] = _amplitude_cutoff_one(buf[:m], n_bins, weights, si_min_ratio)
    return out


@njit(cache=True, nogil=True)
def _gammq(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (Numerical Recipes gser/gcf)."""
    if x <= 0.0:
        return 1.0
    gln = math.lgamma(a)
    if x < a + 1.0:
        ap = a
        s = 1.0 / a
        d = s
        for _ in range(1000):
            ap += 1.0
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-15:
                break
        return max(0.0, 1.0 - s * math.exp(-x + a * math.log(x) - gln))
    b = x + 1.0 - a
    c = 1.0 / 1e-300
    d = 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < 1e-300:
            d = 1e-300
        c = b + an / c
        if abs(c) < 1e-300:
            c = 1e-300
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - gln) * h


@njit(cache=True, nogil=True)
def _chi2_sf(x: float, df: float) -> float:
    return _gammq(0.5 * df, 0.5 * x)


@njit(cache=True, nogil=True)
def _mahalanobis_sq(xc: npt.NDArray[np.float64], xo: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Squared Mahalanobis distances of rows of xo to the distribution of rows of xc.

    Returns an empty array if the covariance of xc is singular.
    """
    return _mahalanobis_sq_w(xc, np.ones(xc.shape[0]), xo)


@njit(cache=True, nogil=True)
def _mahalanobis_sq_w(xc: npt.NDArray[np.float64], wc: npt.NDArray[np.float64],
                      xo: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`_mahalanobis_sq` with the rows of xc weighted by wc (weighted mean, and
    covariance with reliability weights: ``/(V1 - V2 / V1)``, which is ``/(n - 1)`` for
    equal weights)."""
    n, d = xc.shape
    v1 = 0.0
    v2 = 0.0
    mu = np.zeros(d)
    for i in range(n):
        v1 += wc[i]
        v2 += wc[i] * wc[i]
        for j in range(d):
            mu[j] += wc[i] * xc[i, j]
    mu /= v1
    cov = np.zeros((d, d))
    for i in range(n):
        for j in range(d):
            dj = wc[i] * (xc[i, j] - mu[j])
            for k in range(j + 1):
                cov[j, k] += dj * (xc[i, k] - mu[k])
    den = v1 - v2 / v1
    if not den > 0.0:
        return np.empty(0)
    cov /= den
    # Cholesky factor (lower triangle), cov = L L^T.
    low = np.zeros((d, d))
    for j in range(d):
        s = cov[j, j]
        for k in range(j):
            s -= low[j, k] * low[j, k]
        if not s > 1e-12 * max(1.0, abs(cov[j, j])):
            return np.empty(0)
        low[j, j] = math.sqrt(s)
        for i in range(j + 1, d):
            s = cov[i, j]
            for k in range(j):
                s -= low[i, k] * low[j, k]
            low[i, j] = s / low[j, j]
    m = xo.shape[0]
    out = np.empty(m)
    z = np.empty(d)
    for r in range(m):
        acc = 0.0
        for j in range(d):  # forward substitution L z = x - mu
            s = xo[r, j] - mu[j]
            for k in range(j):
                s -= low[j, k] * z[k]
            z[j] = s / low[j, j]
            acc += z[j] * z[j]
        out[r] = acc
    return out


@njit(cache=True, nogil=True)
def _gather_features(
    features: npt.NDArray[np.floating[Any]], rows: npt.NDArray[np.int64], spike_templates_of_rows: npt.NDArray[np.integer[Any]], positions: npt.NDArray[np.int64], n_pcs: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """X[i, j * n_pcs + p] = features[rows[i], p, positions[template, j]]; drops rows
    whose template lacks one of the channels (position -1). Returns (X, kept mask)."""
    n = rows.shape[0]
    k = positions.shape[1]
    out = np.empty((n, k * n_pcs))
    kept = np.zeros(n, np.bool_)
    m = 0
    for i in range(n):
        t = spike_templates_of_rows[i]
        ok = True
        for j in range(k):
            if positions[t, j] < 0:
                ok = False
                break
        if not ok:
            continue
        kept[i] = True
        for j in range(k):
            q = positions[t, j]
            for p in range(n_pcs):
                out[m, j * n_pcs + p] = features[rows[i], p, q]
        m += 1
    return out[:m], kept


@njit(cache=True, nogil=True)
def _isolation(xc: npt.NDArray[np.float64], xo: npt.NDArray[np.float64], n_cluster_total: float, n_other_total: float) -> tuple[float, float]:
    """(isolation distance, L-ratio) from cluster / other feature samples.

    The samples stand for ``n_cluster_total`` and ``n_other_total`` spikes: the rank
    and the L-ratio sum are rescaled by the sampling fraction of the other spikes.
    """
    d = xc.shape[1]
    if xc.shape[0] <= d or n_cluster_total <= 0:
        return np.nan, np.nan
    if xo.shape[0] == 0:
        return np.nan, 0.0
    d2 = _mahalanobis_sq(xc, xo)
    if d2.shape[0] == 0:
        return np.nan, np.nan
    scale = n_other_total / xo.shape[0]
    lsum = 0.0
    for i in range(d2.shape[0]):
        lsum += _chi2_sf(d2[i], d)
    lratio = lsum * scale / n_cluster_total
    iso = np.nan
    if n_cluster_total <= n_other_total:
        rank = int(round(n_cluster_total / scale))
        rank = min(max(rank, 1), d2.shape[0])
        iso = np.sort(d2)[rank - 1]
    return iso, lratio



@njit(cache=True, nogil=True)
def _isolation_weighted(xc: npt.NDArray[np.float64], wc: npt.NDArray[np.float64], xo: npt.NDArray[np.float64],
                        wo: npt.NDArray[np.float64], n_cluster_total: float) -> tuple[float, float]:
    """(isolation distance, L-ratio) from weighted cluster / other feature samples.

    Each other row stands for ``wo[i]`` other spikes (``wo.sum()`` is the number of
    other spikes); ``wc`` weights the cluster rows in the mean and covariance. The
    isolation distance is the ``D2`` where the cumulated weight of the sorted other
    rows reaches ``n_cluster_total`` (mid-row rule: with equal weights ``s`` it is the
    ``round(n_cluster_total / s)``-th smallest); the L-ratio sums ``wo * sf(D2)``.
    """
    d = xc.shape[1]
    if xc.shape[0] <= d or n_cluster_total <= 0:
        return np.nan, np.nan
    if xo.shape[0] == 0:
        return np.nan, 0.0
    d2 = _mahalanobis_sq_w(xc, wc, xo)
    if d2.shape[0] == 0:
        return np.nan, np.nan
    lsum = 0.0
    total = 0.0
    for i in range(d2.shape[0]):
        lsum += wo[i] * _chi2_sf(d2[i], d)
        total += wo[i]
    lratio = lsum / n_cluster_total
    iso = np.nan
    if n_cluster_total <= total * (1.0 + 1e-12):
        order = np.argsort(d2)
        cum = 0.0
        iso = d2[order[-1]]
        for r in range(order.shape[0]):
            w = wo[order[r]]
            cum += w
            if cum + 0.5 * w >= n_cluster_total:
                iso = d2[order[r]]
                break
    return iso, lratio


@njit(cache=True, nogil=True)
def _pool_rows(templates_of_rows: npt.NDArray[np.integer[Any]], n_per_template: npt.NDArray[np.int64],
               k_per_template: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Rows of a per-template pool: of the ``n_t`` rows of template ``t`` (in row order),
    those of rank ``(j * (n_t - 1)) // (k_t - 1)`` for ``j < k_t`` (evenly spaced, first
    and last included; rank 0 when ``k_t == 1``). Grouped by template, in row order."""
    n_t = templates_of_rows.shape[0]
    n_templates = n_per_template.shape[0]
    starts = np.zeros(n_templates + 1, np.int64)
    for t in range(n_templates):
        starts[t + 1] = starts[t] + k_per_template[t]
    out = np.empty(starts[n_templates], np.int64)
    rank = np.zeros(n_templates, np.int64)
    picked = np.zeros(n_templates, np.int64)
    for i in range(n_t):
        t = templates_of_rows[i]
        k = k_per_template[t]
        j = picked[t]
        if j < k:
            target = 0 if k == 1 else (j * (n_per_template[t] - 1)) // (k - 1)
            if rank[t] == target:
                out[starts[t] + j] = i
                picked[t] = j + 1
        rank[t] += 1
    return out
