"""phy 2.1 ``Supervisor`` names served by phycore's Supervisor (phy's needs Qt: behaviour tests
following ``phy/cluster/supervisor.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from phycore.bunch import Bunch
from phycore.signals import connect, unconnect
from phycore.supervisor import Supervisor


def _supervisor() -> Supervisor:
    return Supervisor(np.array([0, 0, 1, 2, 2, 2, 5]))


def test_n_spikes_follows_the_live_clustering() -> None:
    s = _supervisor()
    assert [s.n_spikes(c) for c in (0, 1, 2, 5)] == [2, 1, 3, 1]
    assert s.n_spikes(3) == 0  # phy: len(spikes_per_cluster.get(id, []))
    new = s.merge([0, 2]).added[0]
    assert s.n_spikes(new) == 5 and s.n_spikes(0) == 0


def test_shown_cluster_ids_are_the_table_rows_as_shown() -> None:
    s = _supervisor()
    s.sort("n_spikes", "desc")
    assert s.shown_cluster_ids == [2, 0, 1, 5]
    s.filter("n_spikes > 1")
    assert s.shown_cluster_ids == [2, 0]
    s.clear_filter()
    s.sort("id", "asc")
    assert s.shown_cluster_ids == [0, 1, 2, 5]


def test_state_has_phy_keys() -> None:
    s = _supervisor()
    s.sort("id", "asc")
    s.select([1])
    state = s.state
    assert isinstance(state, Bunch) and set(state) == {"cluster_view", "similarity_view"}
    assert state.cluster_view == {"current_sort": ("id", "asc"), "selected": [1]}
    assert set(state.similarity_view) == {"current_sort", "selected"}
    assert state.similarity_view.selected == []


def test_attach_is_attach_gui() -> None:
    s = _supervisor()
    seen: list[Any] = []

    def on_attach_gui(sender: Any) -> None:
        seen.append(sender)

    connect(on_attach_gui, event="attach_gui")
    try:
        gui = object()
        s.attach(gui)
    finally:
        unconnect(on_attach_gui)
    assert s.gui is gui and seen == [s]


def test_block_and_task_logger_with_synchronous_actions() -> None:
    s = _supervisor()
    assert s.task_logger is s.task_logger and s.task_logger.has_finished()
    up = s.task_logger.enqueue(s, "merge", [0, 1])  # runs now: nothing is ever pending
    assert s.n_spikes(up.added[0]) == 3 and s.task_logger.history[-1][1] == "merge"
    s.task_logger.process()
    s.block()
    assert s.task_logger.has_finished() and s.selected == [up.added[0]]
