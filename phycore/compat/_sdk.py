"""Small phy/phylib helpers that plugins import, written for phycore (private).

``from_sparse``, ``add_alpha``, ``save_metadata``, JSON helpers, the user
directory helpers and ``template_gui``: same names and calling conventions as phy's
``phy.utils`` / ``phylib``; the data they read and write are phycore's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.frontends import get_frontend

__all__ = ["from_sparse", "add_alpha", "save_metadata", "load_json", "save_json", "phy_config_dir",
           "ensure_dir_exists", "template_gui"]


def from_sparse(data: npt.ArrayLike, cols: npt.ArrayLike, channel_ids: npt.ArrayLike) -> np.ndarray:
    """Dense ``(n, len(channel_ids), ...)`` array from per-row channel lists (phylib's ``from_sparse``).

    Parameters
    ----------
    data : array, shape (n, k, ...)
        Values of each row on its own ``k`` channels.
    cols : array of int, shape (n, k)
        The channel of each value (``-1`` or channels not in ``channel_ids`` are dropped).
    channel_ids : array of int
        Channels of the output, in that order; missing values are 0.

    Returns
    -------
    ndarray
    """
    data = np.asarray(data)
    cols = np.asarray(cols, dtype=np.int64)
    channel_ids = np.asarray(channel_ids, dtype=np.int64)
    if cols.shape != data.shape[:2]:
        raise DataFormatError(f"from_sparse: cols has shape {cols.shape}, expected {data.shape[:2]} "
                              "(the first two dimensions of data).", argument="cols")
    out = np.zeros((data.shape[0], channel_ids.size) + data.shape[2:], dtype=data.dtype)
    if channel_ids.size == 0:
        return out
    order = np.argsort(channel_ids, kind="stable")
    ordered = channel_ids[order]
    pos = np.clip(np.searchsorted(ordered, cols), 0, ordered.size - 1)
    rows, ks = np.nonzero(ordered[pos] == cols)
    out[rows, order[pos[rows, ks]]] = data[rows, ks]
    return out


def add_alpha(color: npt.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """RGB colour(s) with an alpha channel added (RGBA inputs are returned unchanged)."""
    c = np.asarray(color, dtype=np.float64)
    if c.shape[-1] == 3:
        c = np.concatenate([c, np.full(c.shape[:-1] + (1,), float(alpha))], axis=-1)
    return c


def save_metadata(filename: str | os.PathLike[str], field_name: str, metadata: Mapping[int, object]) -> None:
    """Write ``{cluster_id: value}`` as a ``cluster_<field>.tsv`` file (phy's format), atomically."""
    from phycore.paths import atomic_write_text
    from phycore.model.tables import write_cluster_tsv

    values = {int(k): (v.item() if isinstance(v, np.generic) else v) for k, v in metadata.items()}
    atomic_write_text(filename, write_cluster_tsv(field_name, values))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def load_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file (``{}`` when it does not exist, as phy)."""
    p = Path(path)
    if not p.exists():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


def save_json(path: str | os.PathLike[str], data: object) -> None:
    """Write JSON (numpy values converted), atomically."""
    from phycore.paths import atomic_write_text

    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=_json_default))


def phy_config_dir() -> Path:
    """The user directory (``$PHY_USER_DIR`` or ``~/.phy``)."""
    from phycore.paths import user_dir

    return user_dir()


def ensure_dir_exists(path: str | os.PathLike[str]) -> Path:
    """Create a folder (and its parents) if needed."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p


def template_gui(params_path: str | os.PathLike[str], **kwargs: Any) -> Any:
    """Open phygui on a folder (phy's ``template_gui``); needs phygui installed."""
    return get_frontend().template_gui(params_path, **kwargs)
