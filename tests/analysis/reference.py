"""Plain-numpy reference implementations of the phycore.analysis kernels (tests only).

Written for clarity, not speed: each follows the documented definition directly.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.stats import chi2


def ccg(spike_times, spike_clusters, cluster_ids, sample_rate, bin_size, window_size, symmetrize=True):
    """All pairs i < j (input order), lag bin (s_j - s_i) // binsize <= half."""
    bin_size = np.clip(bin_size, 1e-5, 1e5)
    window_size = np.clip(window_size, 1e-5, 1e5)
    binsize = int(sample_rate * bin_size)
    n_bins = 2 * int(0.5 * window_size / bin_size) + 1
    half = n_bins // 2
    s = (np.asarray(spike_times, dtype=np.float64) * sample_rate).astype(np.int64)
    pos = {c: i for i, c in enumerate(cluster_ids)}
    h = np.zeros((len(cluster_ids), len(cluster_ids), half + 1), np.int64)
    for i in range(len(s)):
        for j in range(i + 1, len(s)):
            d = (s[j] - s[i]) // binsize
            if d <= half and spike_clusters[i] in pos and spike_clusters[j] in pos:
                h[pos[spike_clusters[i]], pos[spike_clusters[j]], d] += 1
    if not symmetrize:
        return h
    out = np.zeros((len(cluster_ids), len(cluster_ids), n_bins), np.int64)
    for a in range(len(cluster_ids)):
        for b in range(len(cluster_ids)):
            out[a, b, half] = max(h[a, b, 0], h[b, a, 0])
            for d in range(1, half + 1):
                out[a, b, half + d] = h[a, b, d]
                out[a, b, half - d] = h[b, a, d]
    return out


def groups(spike_clusters, cluster_ids):
    sc = np.asarray(spike_clusters)
    return [np.flatnonzero(sc == c) for c in cluster_ids]


def isi_hist(times, spike_clusters, cluster_ids, edges):
    return np.array(
        [np.histogram(np.diff(times[g]), edges)[0] for g in groups(spike_clusters, cluster_ids)]
    ).reshape(len(cluster_ids), len(edges) - 1)


def values_hist(values, spike_clusters, cluster_ids, edges, ignore_zeros=False):
    out = []
    for g in groups(spike_clusters, cluster_ids):
        v = values[g]
        if ignore_zeros:
            v = v[v != 0]
        out.append(np.histogram(v, edges)[0])
    return np.array(out).reshape(len(cluster_ids), len(edges) - 1)


def binned_mean(times, values, spike_clusters, cluster_ids, edges):
    nb = len(edges) - 1
    means = np.full((len(cluster_ids), nb), np.nan)
    counts = np.zeros((len(cluster_ids), nb), np.int64)
    for i, g in enumerate(groups(spike_clusters, cluster_ids)):
        t, v = times[g], values[g]
        ok = ~np.isnan(v)
        t, v = t[ok], v[ok]
        for k in range(nb):
            last = k == nb - 1
            m = (t >= edges[k]) & ((t <= edges[k + 1]) if last else (t < edges[k + 1]))
            counts[i, k] = m.sum()
            if m.any():
                means[i, k] = v[m].sum() / m.sum()
    return means, counts


def spike_depths(pc_features, spike_templates, pc_feature_ind, channel_positions):
    """phylib TemplateModel.get_depths, on Kilosort's (n, n_pcs, n_loc) layout."""
    f = np.maximum(pc_features[:, 0, :].astype(np.float64), 0) ** 2
    y = channel_positions[pc_feature_ind[spike_templates], 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y * f).sum(axis=1) / f.sum(axis=1)


def train_metrics(times, spike_clusters, cluster_ids, duration, tau_r, tau_c, n_bins):
    out = {k: [] for k in ("n_spikes", "presence_ratio", "isi_violations", "isi_violation_ratio",
                           "contamination")}
    for g in groups(spike_clusters, cluster_ids):
        t = times[g]
        n = len(t)
        k = np.clip(np.floor(t / duration * n_bins).astype(np.int64), 0, n_bins - 1)
        v = int((np.diff(t) < tau_r).sum())
        ratio = v * duration / (2 * n * n * (tau_r - tau_c)) if n else np.nan
        if np.isnan(ratio):
            c = np.nan
        elif ratio > 0.25:
            c = 1.0
        else:
            c = (1 - np.sqrt(1 - 4 * ratio)) / 2
        out["n_spikes"].append(n)
        out["presence_ratio"].append(len(np.unique(k)) / n_bins)
        out["isi_violations"].append(v)
        out["isi_violation_ratio"].append(ratio)
        out["contamination"].append(c)
    return {k: np.array(v, dtype=np.float64) for k, v in out.items()}


def amplitude_cutoff(amplitudes, num_histogram_bins=500, histogram_smoothing_value=3):
    """Allen Institute ecephys_spike_sorting.quality_metrics.amplitude_cutoff (+ NaN rules)."""
    a = amplitudes[np.isfinite(amplitudes)]
    if len(a) < 2 or a.min() == a.max():
        return np.nan
    pdf, support = np.histogram(a, num_histogram_bins, density=True)
    pdf_smoothed = gaussian_filter1d(pdf, histogram_smoothing_value)
    peak_index = np.argmax(pdf_smoothed)
    G = np.argmin(np.abs(pdf_smoothed[peak_index:] - pdf_smoothed[0])) + peak_index
    bin_size = np.mean(np.diff(support))
    fraction_missing = np.sum(pdf_smoothed[G:]) * bin_size
    return np.min([fraction_missing, 0.5])


def isolation(xc, xo, n_cluster_total=None, n_other_total=None):
    """Isolation distance and L-ratio on full (un-sampled) feature matrices."""
    nc = len(xc) if n_cluster_total is None else n_cluster_total
    no = len(xo) if n_other_total is None else n_other_total
    d = xc.shape[1]
    if len(xc) <= d:
        return np.nan, np.nan
    if len(xo) == 0:
        return np.nan, 0.0
    mu = xc.mean(axis=0)
    icov = np.linalg.inv(np.atleast_2d(np.cov(xc, rowvar=False)))
    diff = xo - mu
    d2 = np.einsum("ij,jk,ik->i", diff, icov, diff)
    scale = no / len(xo)
    lr = chi2.sf(d2, d).sum() * scale / nc
    iso = np.nan
    if nc <= no:
        rank = min(max(int(round(nc / scale)), 1), len(d2))
        iso = np.sort(d2)[rank - 1]
    return iso, lr
