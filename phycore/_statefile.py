"""Reading and writing GUI state files as phy does (private; public names are in :mod:`phycore.state`).

Indented JSON with sorted keys and no final newline (byte for byte what phylib's
``save_json`` writes for the same data); integer keys written as strings and read back as
ints; 1-D numpy arrays of up to 10 numbers as lists, others as phy's
``{"__ndarray__": base64, "dtype", "shape"}``; bytes as ``{"__bytes__": base64}``; atomic writes.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from phycore.paths import atomic_write_text
from phycore.errors import StateFileError

__all__ = ["read_state_file", "write_state_file"]

_SMALL_ARRAY = 10  # 1-D arrays up to this size are written as plain lists (phylib's limit)
_DROPPED = object()


def _to_json(obj: Any, where: str = "", dropped: list[str] | None = None) -> Any:
    """Convert ``obj`` into JSON-ready types (phy-compatible).

    A value JSON cannot hold raises ``TypeError``, or, when ``dropped`` is a list, is
    left out and its dotted key appended to ``dropped``.
    """
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            key = k if isinstance(k, str) else str(k)
            value = _to_json(v, f"{where}.{key}" if where else key, dropped)
            if value is not _DROPPED:
                out[key] = value
        return out
    if isinstance(obj, (list, tuple)):
        items = [_to_json(v, f"{where}[{i}]", dropped) for i, v in enumerate(obj)]
        return [v for v in items if v is not _DROPPED]
    if isinstance(obj, (set, frozenset)):
        return sorted(v for v in (_to_json(x, where, dropped) for x in obj) if v is not _DROPPED)
    if isinstance(obj, np.ndarray):
        if obj.ndim <= 1 and obj.size <= _SMALL_ARRAY and obj.dtype.kind in "biuf":
            return obj.tolist()
        if obj.dtype.kind in "biufc":
            arr = np.ascontiguousarray(obj)
            return {"__ndarray__": base64.b64encode(arr.data).decode("ascii"),
                    "dtype": str(arr.dtype), "shape": list(arr.shape)}
    elif isinstance(obj, np.generic):
        return obj.item()
    elif isinstance(obj, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(obj)).decode("ascii")}
    elif isinstance(obj, os.PathLike):
        return os.fspath(obj)
    elif obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if dropped is None:
        raise TypeError(f"cannot store the {type(obj).__name__} at {where or 'the top level'} in a GUI state file")
    dropped.append(where)
    return _DROPPED


def _from_json(d: dict[str, Any]) -> Any:
    """``object_hook``: decode arrays and bytes, turn digit keys back into ints."""
    if "__ndarray__" in d and "dtype" in d and "shape" in d:
        data = base64.b64decode(d["__ndarray__"])
        return np.frombuffer(data, dtype=d["dtype"]).reshape(d["shape"]).copy()
    if set(d) == {"__bytes__"}:
        return base64.b64decode(d["__bytes__"])
    return {(int(k) if isinstance(k, str) and k.isdigit() else k): v for k, v in d.items()}


def read_state_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a state file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``state.json`` file.

    Returns
    -------
    dict
        Its content; ``{}`` for an empty file.

    Raises
    ------
    StateFileError
        The file is not valid JSON, not UTF-8, or not a JSON object. The message
        names the file.
    FileNotFoundError
        The file does not exist.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), object_hook=_from_json)
    except (UnicodeDecodeError, ValueError) as exc:
        raise StateFileError(f"The GUI state file {path} is corrupt: {exc}.", path=path) from exc
    if not isinstance(data, dict):
        raise StateFileError(
            f"The GUI state file {path} holds a JSON {type(data).__name__}, not an object.", path=path)
    return data


def write_state_file(path: str | os.PathLike[str], data: Mapping[str, Any], *, strict: bool = True) -> list[str]:
    """Write ``data`` to ``path`` atomically as indented JSON with sorted keys (as phylib).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; its folder is created if needed.
    data : Mapping
        Nested dicts of JSON values, numpy arrays/scalars, tuples, sets, bytes, paths.
    strict : bool
        If False, values JSON cannot hold are left out instead of raising.

    Returns
    -------
    list of str
        Dotted keys of the values left out (always empty when ``strict``).

    Raises
    ------
    TypeError
        ``strict`` and a value cannot be stored (the message names its key).
    OSError
        The file cannot be written.
    """
    path = Path(path)
    dropped: list[str] | None = None if strict else []
    # json.dump's own layout, as phylib's save_json: phy's files and ours compare equal.
    text = json.dumps(_to_json(data, "", dropped), indent=2, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return dropped or []
