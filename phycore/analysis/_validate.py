"""Input validation shared by the public wrappers of ``phycore.analysis`` (private).

Every check raises a :mod:`phycore.errors` exception whose message names the argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, Union

import numpy as np
import numpy.typing as npt

from phycore.errors import ActionError, ClusterIdError, DataFormatError, SpikeIdError

__all__: list[str] = []

#: A per-cluster spike-id lookup: ``{cluster_id: spike_ids}`` or ``f(cluster_id) -> spike_ids``.
SpikeLookup = Union[Mapping[int, npt.ArrayLike], Callable[[int], npt.ArrayLike]]


class ClusterChange(Protocol):
    """What the analysis caches read from an action's ``UpdateInfo``: the clusters it
    created and removed and the spikes it moved."""

    @property
    def added(self) -> Sequence[int]: ...

    @property
    def deleted(self) -> Sequence[int]: ...

    @property
    def spike_ids(self) -> npt.NDArray[np.int64]: ...


def as_1d(
    arr: npt.ArrayLike, name: str, dtype: npt.DTypeLike | None = None, *, length: int | None = None
) -> np.ndarray:
    """Return ``arr`` as a 1-D array (no copy when possible) or raise DataFormatError."""
    try:
        out = np.asarray(arr) if dtype is None else np.asarray(arr, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise DataFormatError(f"`{name}` cannot be converted to a numeric array: {e}", argument=name) from e
    if out.ndim != 1:
        raise DataFormatError(f"`{name}` must be 1-D, got shape {out.shape}.", argument=name)
    if length is not None and out.shape[0] != length:
        raise DataFormatError(
            f"`{name}` has {out.shape[0]} elements but {length} were expected (one per spike).", argument=name
        )
    return out


def spike_times_arg(
    spike_times: npt.ArrayLike, name: str = "spike_times", *, check_sorted: bool = True
) -> np.ndarray:
    """Float64 spike times in seconds; finite and (optionally) non-decreasing."""
    t = as_1d(spike_times, name, np.float64)
    if check_sorted and t.size > 1 and bool(np.any(t[1:] < t[:-1])):
        raise DataFormatError(f"`{name}` must be sorted in non-decreasing order.", argument=name)
    return t


def cluster_ids_arg(cluster_ids: npt.ArrayLike, name: str = "cluster_ids") -> npt.NDArray[np.int64]:
    """Int64 1-D array of distinct cluster ids."""
    c = np.asarray(cluster_ids)
    if c.ndim == 0:
        c = c.reshape(1)
    if c.ndim != 1:
        raise ClusterIdError(f"`{name}` must be a 1-D sequence of cluster ids.", argument=name)
    if c.size and not np.issubdtype(c.dtype, np.integer):
        if not np.all(np.equal(np.mod(c, 1), 0)):
            raise ClusterIdError(f"`{name}` must contain integers, got {c.dtype}.", argument=name)
    c = c.astype(np.int64, copy=False)
    if c.size != np.unique(c).size:
        raise ClusterIdError(f"`{name}` contains duplicate cluster ids.", argument=name)
    return c


def positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """A finite, strictly positive (or non-negative) float."""
    try:
        v = float(value)
    except (TypeError, ValueError) as e:
        raise ActionError(f"`{name}` must be a number, got {value!r}.", argument=name) from e
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ActionError(f"`{name}` must be finite and {bound}, got {value!r}.", argument=name)
    return v


def positive_int(value: int, name: str, *, minimum: int = 1) -> int:
    """An int >= minimum."""
    try:
        v = int(value)
    except (TypeError, ValueError) as e:
        raise ActionError(f"`{name}` must be an integer, got {value!r}.", argument=name) from e
    if v != value or v < minimum:
        raise ActionError(f"`{name}` must be an integer >= {minimum}, got {value!r}.", argument=name)
    return v


def spike_ids_arg(ids: npt.ArrayLike, n_spikes: int, name: str) -> npt.NDArray[np.int64]:
    """Int64 spike ids inside [0, n_spikes)."""
    s = np.asarray(ids)
    if s.ndim != 1:
        s = s.reshape(-1)
    if s.size and not np.issubdtype(s.dtype, np.integer):
        raise SpikeIdError(f"`{name}` must contain integer spike ids, got {s.dtype}.", argument=name)
    s = s.astype(np.int64, copy=False)
    if s.size and (s.min() < 0 or s.max() >= n_spikes):
        raise SpikeIdError(f"`{name}` contains spike ids outside [0, {n_spikes}).", argument=name)
    return s
