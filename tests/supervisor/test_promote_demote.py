"""promote_similar / demote_cluster: a row moves between the two table selections."""

from __future__ import annotations

from typing import Any

from phycore import connect, unconnect
from tests.supervisor.test_supervisor import make_supervisor


def test_promote_similar_moves_the_row_and_keeps_the_others() -> None:
    s = make_supervisor()
    s.select(1)
    s.select_similar(0, 2)
    events: list[Any] = []

    def on_select(sender: Any, cluster_ids: Any, **kwargs: Any) -> None:
        events.append(list(cluster_ids))

    connect(on_select, event="select")
    try:
        assert s.promote_similar(2) == [1, 2, 0]
    finally:
        unconnect(on_select)
    assert s.selected_clusters == [1, 2] and s.selected_similar == [0]
    assert events == [[1, 2, 0]]
    # the similarity table now follows the promoted cluster (the last selected one)
    assert 2 not in s.similarity_table and 1 not in s.similarity_table
    assert s.promote_similar(3) == [1, 2, 0]  # not a selected similar row: nothing happens


def test_demote_cluster_moves_the_row_back() -> None:
    s = make_supervisor()
    s.select(1, 2)
    s.select_similar(3)
    assert s.demote_cluster(2) == [1, 2, 3]
    assert s.selected_clusters == [1] and s.selected_similar == [2, 3]
    assert s.demote_cluster(1) == [1, 2, 3]  # the only cluster-table row stays
    assert s.demote_cluster(0) == [1, 2, 3]  # not selected: nothing happens
    assert s.promote_similar(2) == [1, 2, 3]  # and back
