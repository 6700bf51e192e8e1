"""The files only Kilosort 4 writes, for the ``ks4`` synthetic flavour (private; see ``synthetic.py``).

Compared with a folder the real Kilosort 4 (4.1) wrote (tests/realdata): its float32
``channel_shanks.npy`` (the probe's ``kcoords``), ``whitening_mat_dat.npy`` (a copy of
the whitening matrix), ``spike_detection_templates.npy`` (int32, the template each spike
was detected with), ``kept_spikes.npy`` (False for the duplicates it removed) and
``ops.npy`` (a pickled dict of settings, with the drift estimate ``dshift`` per batch and
probe block at the block centres ``yblk``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__: list[str] = []

_BATCH = 60_000  # Kilosort 4's default batch size (samples)


def write_ks4_files(out: Path, wm: np.ndarray, spike_templates: np.ndarray, shanks: np.ndarray,
                    positions: np.ndarray, sample_rate: float, n_samples: int, seed: int) -> None:
    """Write Kilosort 4's extra files into ``out`` (see the module docstring)."""
    rng = np.random.default_rng([seed, 44])
    np.save(out / "channel_shanks.npy", shanks.astype(np.float32))
    np.save(out / "whitening_mat_dat.npy", wm)  # the same matrix as whitening_mat.npy
    st = np.asarray(spike_templates).reshape(-1)
    np.save(out / "spike_detection_templates.npy", st.astype(np.int32))
    # Kilosort detected a few more spikes (duplicates) than it kept: one True per spike.
    n = len(st)
    kept = np.ones(n + max(1, n // 100), dtype=bool)
    kept[np.sort(rng.choice(len(kept), len(kept) - n, replace=False))] = False
    np.save(out / "kept_spikes.npy", kept)
    n_batches = max(1, int(np.ceil(n_samples / _BATCH)))
    y = positions[:, 1]
    yblk = np.array([float(y.min() + y.max()) / 2]) if len(y) else np.zeros(1)
    dshift = np.cumsum(rng.normal(0, 0.5, size=(n_batches, 1)), axis=0).astype(np.float32)
    ops = {"fs": float(sample_rate), "batch_size": _BATCH, "nblocks": 1, "Nbatches": n_batches,
           "settings": {"fs": float(sample_rate), "batch_size": _BATCH, "n_chan_bin": int(len(shanks))},
           "dshift": dshift, "yblk": yblk, "Wrot": np.asarray(wm, dtype=np.float32)}
    np.save(out / "ops.npy", np.array(ops, dtype=object), allow_pickle=True)
