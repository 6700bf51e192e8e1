"""UpdateInfo against phy's own (``phy.cluster._utils.UpdateInfo``) as an oracle, and
through a Supervisor: ``description``, ``spike_ids`` (all spikes affected) and
``undo_state`` (the answers to ``request_undo_state``, given back on undo) as phy defines
them; list fields compare equal to plain lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import signals
from phycore.clustering import UpdateInfo
from phycore.supervisor import Supervisor

from tests._phy_reference import phy_cluster_module, phy_clustering_class

_phy = phy_cluster_module("_utils")
if _phy is None:
    pytest.skip("phy is not installed", allow_module_level=True)
PhyClustering = phy_clustering_class()

SPIKE_CLUSTERS = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])


def test_defaults_match_phy() -> None:
    ours, theirs = UpdateInfo(), _phy.UpdateInfo()
    for key in theirs:
        value = ours[key]
        assert (value.tolist() if isinstance(value, np.ndarray) else value) == theirs[key], key
    assert set(theirs) <= set(ours) and not ours
    assert repr(ours) == repr(theirs) == "<UpdateInfo>"


@pytest.mark.parametrize("fields", [
    dict(description="merge", added=[12], deleted=[3, 7], descendants=[(3, 12), (7, 12)]),
    dict(description="assign", history="undo", added=[4, 5], deleted=[9]),
    dict(description="metadata_group", metadata_changed=[1, 2], metadata_value="good"),
    dict(description="metadata_group", history="redo", metadata_changed=[1], metadata_value=2),
])
def test_fields_and_repr_match_phy(fields: dict[str, Any]) -> None:
    ours, theirs = UpdateInfo(**fields), _phy.UpdateInfo(**fields)
    assert repr(ours) == repr(theirs)
    for key, value in fields.items():
        assert ours[key] == theirs[key] == value and getattr(ours, key) == value  # plain lists
        assert key in ours
    assert dict(ours)["added"] == theirs["added"]


def test_merge_and_split_through_supervisor_report_all_spikes() -> None:
    s = Supervisor(SPIKE_CLUSTERS.copy())
    theirs = PhyClustering(SPIKE_CLUSTERS.copy())
    a, b = s.merge(0, 2), theirs.merge([0, 2])
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    np.testing.assert_array_equal(a.spike_ids, np.flatnonzero(np.isin(SPIKE_CLUSTERS, [0, 2])))
    assert (a.description, a.added, a.deleted) == (b.description, b.added, b.deleted)
    a, b = s.split([12, 13]), theirs.split([12, 13])  # the rest of cluster 1 moves too
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    assert len(a.spike_ids) == 20 and a.description == b.description == "assign"
    for op in ("undo", "undo", "redo"):
        a, b = getattr(s, op)(), getattr(theirs, op)()
        np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
        assert (a.description, a.history, a.added) == (b.description, b.history, list(b.added))


def test_label_description_through_supervisor() -> None:
    s = Supervisor(SPIKE_CLUSTERS.copy())
    seen: list[str] = []
    signals.connect(lambda sender, up: seen.append(up.description), event="cluster", sender=s)
    assert s.label("group", "good", [1]).description == "metadata_group"
    assert s.move("noise", [2]).description == "metadata_group"
    assert s.label("quality", 3, [1]).description == "metadata_quality"
    assert s.undo().description == "metadata_quality"
    assert seen == ["metadata_group", "metadata_group", "metadata_quality", "metadata_quality"]


def test_undo_state_through_supervisor() -> None:
    """phy's contract: subscribers to request_undo_state answer when an action is done;
    the undo of that action gives their answers back in ``up.undo_state``."""
    s = Supervisor(SPIKE_CLUSTERS.copy())
    asked: list[Any] = []

    def answer(sender: Any, up: UpdateInfo) -> tuple[str, list[int]]:
        asked.append((sender, up.description))
        return ("selected", list(s.selected))

    signals.connect(answer, event="request_undo_state")
    s.select([0, 1])
    merged = s.merge()
    assert merged.undo_state is None and asked == [(s, "merge")]
    s.label("group", "good", merged.added)
    assert asked[-1] == (s, "metadata_group")
    assert s.undo().undo_state == [("selected", merged.added)]  # the label's
    u = s.undo()
    assert u.undo_state == [("selected", [0, 1])] and u.history == "undo"
    assert s.selected == [0, 1]  # the Supervisor still restores the selection itself
    r = s.redo()
    assert r.undo_state is None and s.selected == merged.added


def test_undo_state_matches_phy_clustering() -> None:
    from phylib.utils import event as phy_event

    s = Supervisor(SPIKE_CLUSTERS.copy())
    theirs = PhyClustering(SPIKE_CLUSTERS.copy())
    signals.connect(lambda sender, up: up.description, event="request_undo_state")
    phy_event.connect(lambda sender, up: up.description, event="request_undo_state")
    try:
        s.merge(0, 1)
        theirs.merge([0, 1])
        s.split([30, 31])
        theirs.split([30, 31])
        for _ in range(2):
            assert s.undo().undo_state == theirs.undo().undo_state
    finally:
        phy_event.reset()


def test_phy_reference_helper_loads_pure_modules() -> None:
    assert phy_cluster_module("_history").GlobalHistory is not None
    assert Path(phy_cluster_module("clustering").__file__).name == "clustering.py"
