"""Cluster-id arguments of the Supervisor's public methods: flattened, checked, deduplicated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, SupportsInt, cast

import numpy as np

from phycore.errors import ClusterIdError

__all__ = ["check_ids", "flatten_ids"]


def flatten_ids(args: Iterable[object]) -> list[int]:
    """``(3, [7, 8], None, np.array([9]))`` -> ``[3, 7, 8, 9]``; anything but integers raises."""
    out: list[int] = []
    for a in args:
        if a is None:
            continue
        if isinstance(a, (list, tuple, np.ndarray, range)):
            out.extend(flatten_ids(a))
        else:
            try:
                value = int(cast(SupportsInt, a))  # 3, np.int64(3) and 3.0 are cluster 3
                if isinstance(a, bool) or value != a:
                    raise ValueError
            except (TypeError, ValueError):
                raise ClusterIdError(f"Cluster ids must be integers, got {a!r}.", argument="cluster_ids") from None
            out.append(value)
    return out


def check_ids(ids: Sequence[int], known: Mapping[int, Any], argument: str = "cluster_ids") -> list[int]:
    """``ids`` without duplicates, in order; raises naming ``argument`` if one is not in ``known``."""
    missing = [c for c in ids if c not in known]
    if missing:
        raise ClusterIdError(f"Unknown cluster id(s) {missing} in {argument}.", argument=argument)
    return list(dict.fromkeys(ids))
