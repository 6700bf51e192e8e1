"""Writers for the files a curation session saves, byte-compatible with phy 2.1.

phy writes its tables with :mod:`csv` (so lines end with ``\\r\\n``), a header row,
rows sorted by cluster id, missing values omitted (two-column files) or left empty
(``cluster_info.tsv``), and floats formatted with a fixed number of *decimals*
(``'%.8f'`` in ``cluster_info.tsv``). Every file here is written atomically: a temporary
file in the same folder, flushed, fsynced and renamed over the old one.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.paths import atomic_write_bytes

__all__ = ["format_npy", "spike_clusters_bytes", "write_atomic"]


def format_npy(arr: npt.ArrayLike) -> bytes:
    """The bytes ``np.save`` writes for an array."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr))
    return buf.getvalue()


def spike_clusters_bytes(spike_clusters: npt.NDArray[np.integer[Any]]) -> bytes:
    """``spike_clusters.npy`` content: int32 like phylib's loader gives phy."""
    a = np.asarray(spike_clusters)
    if a.size and (a.min() < np.iinfo(np.int32).min or a.max() > np.iinfo(np.int32).max):
        return format_npy(a.astype(np.int64))
    return format_npy(a.astype(np.int32))


def write_atomic(path: str | os.PathLike[str], data: bytes, backup_dir: str | os.PathLike[str] | None = None,
                 keep: int = 5) -> Path:
    """Write ``data`` to ``path`` atomically, first copying the old file into ``backup_dir``.

    At most ``keep`` backups per file name are kept (oldest removed first).
    """
    path = Path(path)
    if backup_dir is not None and path.exists():
        backup_dir = Path(backup_dir)
        backup_dir.mkdir(parents=True, exist_ok=True)
        target = backup_dir / f"{path.name}.{os.stat(path).st_mtime_ns}"
        if not target.exists():
            try:
                # A hard link keeps the old content for free: the new file gets a new inode.
                os.link(path, target)
            except OSError:
                atomic_write_bytes(target, path.read_bytes())
        olds = sorted(backup_dir.glob(f"{path.name}.*"), key=lambda p: p.name.rsplit(".", 1)[-1])
        for old in olds[: max(0, len(olds) - keep)]:
            old.unlink()
    atomic_write_bytes(path, data)
    return path
