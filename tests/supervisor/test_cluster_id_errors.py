"""Unknown or malformed cluster ids raise ClusterIdError (a KeyError) naming the id, from every public entry."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from phycore.errors import ClusterIdError, PhyCoreError
from phycore.supervisor import Supervisor

SPIKE_CLUSTERS = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])

CALLS: dict[str, Callable[[Supervisor, Any], Any]] = {
    "get_cluster_info": lambda s, c: s.get_cluster_info(c),
    "select": lambda s, c: s.select(c),
    "select_similar": lambda s, c: s.select_similar(c),
    "merge": lambda s, c: s.merge(0, c),
    "label": lambda s, c: s.label("quality", "good", [c]),
    "move": lambda s, c: s.move("noise", [c]),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_unknown_cluster_id(name: str) -> None:
    s = Supervisor(SPIKE_CLUSTERS)
    before = s.clustering.spike_clusters.copy()
    with pytest.raises(ClusterIdError) as info:
        CALLS[name](s, 99999)
    assert isinstance(info.value, KeyError) and isinstance(info.value, PhyCoreError)
    assert "99999" in str(info.value) and info.value.argument
    assert (s.clustering.spike_clusters == before).all() and not s.is_dirty()


@pytest.mark.parametrize("bad", ["three", 1.5, True])
def test_cluster_info_of_a_non_integer(bad: object) -> None:
    s = Supervisor(SPIKE_CLUSTERS)
    with pytest.raises(ClusterIdError, match="integers") as info:
        s.get_cluster_info(bad)  # type: ignore[arg-type]
    assert info.value.argument == "cluster_ids"


def test_cluster_info_takes_one_id() -> None:
    s = Supervisor(SPIKE_CLUSTERS)
    assert s.get_cluster_info(np.int64(1))["n_spikes"] == 20  # numpy ids are fine
    with pytest.raises(ClusterIdError, match="one cluster id"):
        s.get_cluster_info([0, 1])  # type: ignore[arg-type]
    with pytest.raises(ClusterIdError, match="one cluster id"):
        s.get_cluster_info(None)  # type: ignore[arg-type]
