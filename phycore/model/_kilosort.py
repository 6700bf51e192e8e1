"""Kilosort 4's own files in its results folder, beyond phy's (private; see ``TemplateModel``).

- ``ops.npy``: Kilosort's settings and intermediate results, a pickled dict (``np.save``
  of an object array). Unpickling a file received with a dataset could run code, and
  unlike our own caches (:mod:`phycore._trust`) it cannot carry our signature, so it is
  read by a restricted unpickler that rebuilds only plain containers, numbers, strings
  and numpy arrays/dtypes/scalars and refuses anything else (no import, no call of any
  other function), as torch's ``weights_only`` loading does.
- The drift data Kilosort 4 keeps in ``ops``: ``dshift`` (the estimated vertical shift,
  in µm, of each batch and each block of the probe) at the block centres ``yblk``.
- ``kept_spikes.npy``: one boolean per spike Kilosort detected, False for the duplicates
  it removed before writing the phy files (its ``True`` count is the number of spikes).
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.bunch import Bunch

__all__: list[str] = []

logger = logging.getLogger("phycore.model")

#: The only globals an ``ops.npy`` pickle may name: numpy's array, dtype and scalar
#: reconstructors (numpy 1 and 2 module names) and inert builtin types.
_ALLOWED = frozenset({
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("builtins", "slice"), ("builtins", "complex"), ("builtins", "set"), ("builtins", "frozenset"),
    ("collections", "OrderedDict"),
})


class _DataUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds data and refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED or (module.startswith("numpy.dtypes") and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"it refers to {module}.{name}, which is not plain data")


def read_ops(path: Path) -> dict[str, Any] | None:
    """Kilosort's ``ops.npy`` as a dict, read without running code (None, with a warning,
    when the file is not a pickled dict of plain data)."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            obj = _DataUnpickler(f).load() if dtype.hasobject else None
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, TypeError) as e:
        logger.warning("Not reading %s: %s.", path.name, e)
        return None
    ops = obj.item() if isinstance(obj, np.ndarray) and obj.shape == () else obj
    if not isinstance(ops, dict):
        logger.warning("Not reading %s: it holds %s, not Kilosort's dict of settings.", path.name,
                       type(ops).__name__)
        return None
    return ops


def drift(ops: dict[str, Any] | None, sample_rate: float) -> Bunch | None:
    """Kilosort 4's drift estimate from ``ops``, or None when it has none.

    Returns
    -------
    Bunch
        ``times`` (n_batches,) s, centre of each batch; ``depths`` (n_blocks,) µm, centre
        of each block of the probe; ``shifts`` (n_batches, n_blocks) µm.
    """
    if not ops or ops.get("dshift") is None:
        return None
    shifts = np.asarray(ops["dshift"], dtype=np.float64)
    if shifts.ndim == 1:
        shifts = shifts[:, None]
    if shifts.ndim != 2:
        return None
    batch = float(ops.get("batch_size") or ops.get("settings", {}).get("batch_size") or 60_000)
    fs = float(ops.get("fs") or sample_rate)
    times = (np.arange(shifts.shape[0]) + 0.5) * batch / fs
    yblk = ops.get("yblk")
    depths = (np.asarray(yblk, dtype=np.float64).reshape(-1) if yblk is not None
              else np.zeros(shifts.shape[1]))
    if len(depths) != shifts.shape[1]:
        depths = np.full(shifts.shape[1], np.nan)
    return Bunch(times=times, depths=depths, shifts=shifts)


def read_kept_spikes(path: Path, n_spikes: int) -> npt.NDArray[np.bool_] | None:
    """``kept_spikes.npy`` (a boolean per detected spike, ``n_spikes`` of them True), or
    None with a warning when it does not fit the folder's spikes."""
    try:
        kept = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        logger.warning("Not reading %s: %s.", path.name, e)
        return None
    if kept.ndim != 1 or kept.dtype.kind not in "biu" or int(np.count_nonzero(kept)) != n_spikes:
        logger.warning("Not reading %s: it should be a boolean vector with one True per spike "
                       "(%d), got %s %s with %d set.", path.name, n_spikes, kept.dtype, kept.shape,
                       int(np.count_nonzero(kept)) if kept.ndim == 1 else -1)
        return None
    out: npt.NDArray[np.bool_] = kept.astype(bool, copy=False)
    return out
