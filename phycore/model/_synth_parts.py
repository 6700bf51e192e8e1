"""Building blocks of the synthetic dataset generator (private; see ``synthetic.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import numpy as np

__all__: list[str] = []


def probe_layout(n_channels: int, n_shanks: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Neuropixels-like staggered two-column positions (µm) and shank of each channel."""
    per = int(np.ceil(n_channels / n_shanks))
    i = np.arange(n_channels)
    shank = i // per
    j = i % per
    x = np.array([43.0, 11.0, 59.0, 27.0])[j % 4] + 250.0 * shank
    y = 20.0 * (j // 2)
    return np.c_[x, y], shank.astype(np.int32)


def nearest_channels(pos: np.ndarray, shanks: np.ndarray, peak: np.ndarray, n: int) -> np.ndarray:
    """``(n_templates, n)`` channels nearest each peak channel (same shank first), by distance."""
    out = np.empty((len(peak), n), dtype=np.int64)
    for t, c in enumerate(peak):
        d = ((pos - pos[c]) ** 2).sum(axis=1) + 1e9 * (shanks != shanks[c])
        out[t] = np.argsort(d, kind="stable")[:n]
    return out


def make_templates(rng: np.random.Generator, pos: np.ndarray, local: np.ndarray,
                   n_samples: int) -> np.ndarray:
    """Unwhitened templates (raw units), biphasic with spatial decay, zero off ``local``.

    Returns ``(n_templates, n_samples, n_channels)`` float64.
    """
    nt, nloc = local.shape
    nc = pos.shape[0]
    t = np.arange(n_samples, dtype=np.float64)
    out = np.zeros((nt, n_samples, nc))
    for k in range(nt):
        peak_amp = rng.uniform(60, 300)
        t0 = n_samples // 2 + rng.uniform(-2, 2)
        w1, w2 = rng.uniform(2.0, 4.0), rng.uniform(5.0, 9.0)
        shape = -np.exp(-((t - t0) / w1) ** 2) + 0.35 * np.exp(-((t - t0 - 2.5 * w1) / w2) ** 2)
        d = np.sqrt(((pos[local[k]] - pos[local[k, 0]]) ** 2).sum(axis=1))
        lam = rng.uniform(20.0, 45.0)
        spatial = np.exp(-d / lam)
        # A small per-channel delay makes templates less separable.
        delays = (d / 40.0)[np.newaxis, :]
        wave = np.interp((t[:, None] - delays).ravel(), t, shape).reshape(n_samples, nloc)
        out[k][:, local[k]] = peak_amp * wave * spatial
    return out


@attrs.define(eq=False)
class TemplateSet:
    """Probe, templates and whitening of a synthetic recording (see :func:`template_set`)."""

    pos: np.ndarray  # (n_channels, 2) µm
    shanks: np.ndarray  # (n_channels,)
    peaks: np.ndarray  # (n_templates,) peak channel
    local: np.ndarray  # (n_templates, n_channels_loc) channels of each template
    unwhitened: np.ndarray  # (n_templates, n_samples, n_channels) raw units
    wm: np.ndarray
    wmi: np.ndarray
    templates_w: np.ndarray  # (n_templates, n_samples, n_channels) whitened, / a0, float32
    sim: np.ndarray  # (n_templates, n_templates), 1 on the diagonal
    weights: np.ndarray  # (n_templates,) relative firing rates


def template_set(rng: np.random.Generator, n_channels: int, n_templates: int, n_samples: int,
                 n_channels_loc: int, n_shanks: int = 1, identity_whitening: bool = False,
                 a0: float = 20.0) -> TemplateSet:
    """Random templates on a Neuropixels-like probe, whitened as Kilosort writes them."""
    pos, shanks = probe_layout(n_channels, n_shanks)
    peaks = rng.integers(0, n_channels, n_templates)
    local = nearest_channels(pos, shanks, peaks, n_channels_loc)
    unwhitened = make_templates(rng, pos, local, n_samples)
    wm, wmi = whitening(pos, shanks, identity_whitening)
    templates_w = ((unwhitened.reshape(-1, n_channels) @ wm).reshape(unwhitened.shape) / a0).astype(np.float32)
    sim = similarity(templates_w)
    np.fill_diagonal(sim, 1.0)
    weights = rng.lognormal(0.0, 1.0, n_templates)
    return TemplateSet(pos, shanks, peaks, local, unwhitened, wm, wmi, templates_w, sim, weights)


def whitening(pos: np.ndarray, shanks: np.ndarray, identity: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A banded whitening matrix (neighbours within 30 µm) and its inverse."""
    nc = pos.shape[0]
    if identity:
        return np.eye(nc), np.eye(nc)
    d = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
    adj = (d < 30.0) & (d > 0) & (shanks[:, None] == shanks[None, :])
    w = np.eye(nc) * 1.2 - 0.05 * adj
    return w, np.linalg.inv(w)


def similarity(templates_w: np.ndarray) -> np.ndarray:
    """Cosine similarity of flattened templates, ``(n_templates, n_templates)`` float32."""
    flat = templates_w.reshape(templates_w.shape[0], -1)
    norm = np.linalg.norm(flat, axis=1)
    norm[norm == 0] = 1
    flat = flat / norm[:, None]
    s = flat @ flat.T
    return np.asarray(np.clip(s, -1, 1), dtype=np.float32)


def spike_chunks(n_spikes: int, n_samples: int, n_chunks: int, seed: int,
                 weights: np.ndarray, margin: int) -> Any:
    """Yield ``(spike_samples, spike_templates, amplitude_factor)`` per time chunk, sorted."""
    bounds = np.linspace(margin, n_samples - margin, n_chunks + 1).astype(np.int64)
    counts = np.random.default_rng([seed, 1]).multinomial(n_spikes, np.diff(bounds) / (bounds[-1] - bounds[0]))
    p = weights / weights.sum()
    for k in range(n_chunks):
        rng = np.random.default_rng([seed, 2, k])
        s = np.sort(rng.integers(bounds[k], max(bounds[k] + 1, bounds[k + 1]), counts[k]))
        tids = rng.choice(len(p), size=counts[k], p=p)
        amp = 1.0 + 0.1 * rng.standard_normal(counts[k])
        yield s.astype(np.int64), tids.astype(np.int64), amp


def write_tsv(path: Path, field: str, values: dict[int, Any]) -> None:
    """Two-column phy-style TSV (``cluster_id\\t<field>``)."""
    lines = [f"cluster_id\t{field}"] + [f"{k}\t{v}" for k, v in sorted(values.items())]
    path.write_text("\n".join(lines) + "\n")


def write_params(path: Path, *, dat_path: Any, n_channels_dat: int, dtype: str, offset: int,
                 sample_rate: float, hp_filtered: bool) -> None:
    """Write ``params.py`` as Kilosort/phy do."""
    path.write_text(
        f"dat_path = {dat_path!r}\n"
        f"n_channels_dat = {n_channels_dat}\n"
        f"dtype = {dtype!r}\n"
        f"offset = {offset}\n"
        f"sample_rate = {sample_rate!r}\n"
        f"hp_filtered = {hp_filtered}\n"
    )


def inject_chunk(buf: np.ndarray, chunk_start: int, samples: np.ndarray, tids: np.ndarray,
                 amp: np.ndarray, templates_loc: np.ndarray, local: np.ndarray) -> None:
    """Add each spike's template into a float32 ``(time, channels)`` buffer (numba)."""
    from phycore.model._kernels import inject_spikes

    st = np.ascontiguousarray(np.c_[samples, tids], dtype=np.int64)
    inject_spikes(buf, chunk_start, st, templates_loc, np.ascontiguousarray(amp, dtype=np.float64),
                  local)
