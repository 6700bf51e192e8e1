from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore import connect
from phycore.errors import ActionError, ClusterIdError, FilterExpressionError
from phycore.supervisor import Journal, Supervisor, run_snippet

# Cluster sizes: 0 -> 10 spikes, 1 -> 20, 2 -> 5, 3 -> 30 (noise).
SPIKE_CLUSTERS = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])


def _similarity(cluster_id: int) -> list[tuple[int, float]]:
    # Deterministic toy similarity: closer ids are more similar.
    return [(c, 1.0 / (1 + abs(c - cluster_id))) for c in range(100) if c != cluster_id]


def make_supervisor(**kwargs: Any) -> Supervisor:
    kwargs.setdefault("cluster_groups", {3: "noise"})
    kwargs.setdefault("cluster_metrics", {"fr": lambda c: 0.5 * c})
    kwargs.setdefault("similarity", _similarity)
    return Supervisor(SPIKE_CLUSTERS, **kwargs)


def test_tables_and_default_sort() -> None:
    s = make_supervisor()
    assert s.cluster_table.visible_ids == [3, 1, 0, 2]
    assert s.columns[:3] == ["id", "n_spikes", "fr"]
    assert s.get_cluster_info(3)["group"] == "noise"
    assert s.get_cluster_info(3)["is_masked"] is True
    assert s.get_cluster_info(1)["n_spikes"] == 20


def test_wizard_walks_in_table_order_skipping_noise() -> None:
    s = make_supervisor()
    assert s.next_best() == [1]
    assert s.next_best() == [0]
    assert s.next_best() == [2]
    assert s.next_best() == [2]  # end of the table: no-op
    assert s.previous_best() == [0]
    s.toggle_skip_masked(False)
    assert s.first() == [3]


def test_similarity_table_follows_last_selected() -> None:
    s = make_supervisor()
    s.select(1)
    # Clusters 0 and 2 are equally similar to 1; 3 is noise but still listed.
    assert s.similarity_table.visible_ids[:2] == [0, 2]
    assert 1 not in s.similarity_table
    assert s.next() == [1, 0]
    assert s.next() == [1, 2]
    assert s.previous() == [1, 0]
    assert s.unselect_similar() == [1]


def test_merge_undo_redo_restores_ids_and_selection() -> None:
    s = make_supervisor()
    seen: list[tuple[Any, Any]] = []

    @connect
    def on_cluster(sender: Any, up: Any) -> None:
        if sender is s:
            seen.append((up.description, up.history))

    s.select(0, 1)
    up = s.merge()
    new = up.added[0]
    assert new == 4
    assert s.selected == [4]
    assert s.get_cluster_info(new)["n_spikes"] == 30
    assert 0 not in s.cluster_table and 1 not in s.cluster_table
    assert s.is_dirty()

    s.undo()
    assert s.selected == [0, 1]
    assert s.cluster_table.visible_ids == [3, 1, 0, 2]
    np.testing.assert_array_equal(s.clustering.spike_clusters, SPIKE_CLUSTERS)
    assert not s.is_dirty()

    s.redo()
    assert s.selected == [4]
    assert s.clustering.spike_counts[4] == 30
    assert seen == [("merge", None), ("assign", "undo"), ("merge", "redo")]


def test_nothing_to_undo_or_redo_says_so() -> None:
    s = make_supervisor()
    assert s.undo() is None
    assert s.redo() is None
    assert not s.can_undo and not s.can_redo


def test_bad_actions_change_nothing() -> None:
    s = make_supervisor()
    s.select(1)
    with pytest.raises(ActionError, match="at least two"):
        s.merge()
    with pytest.raises(ClusterIdError, match="99"):
        s.merge(1, 99)
    with pytest.raises(ClusterIdError):
        s.select(1.5)
    with pytest.raises(FilterExpressionError):
        s.filter("fr >")
    np.testing.assert_array_equal(s.clustering.spike_clusters, SPIKE_CLUSTERS)
    assert not s.can_undo
    assert s.cluster_table.filter_text is None


def test_split_selects_new_clusters() -> None:
    s = make_supervisor()
    up = s.split(np.arange(3))  # three spikes of cluster 0
    assert sorted(up.deleted) == [0]
    assert len(up.added) == 2
    assert s.selected == sorted(up.added)
    sizes = sorted(s.clustering.spike_counts[c] for c in up.added)
    assert sizes == [3, 7]
    s.undo()
    assert s.clustering.spike_counts[0] == 10


def test_split_asks_lasso_views_when_no_spikes_given() -> None:
    s = make_supervisor()
    assert s.split() is None  # nobody answers: nothing happens

    @connect
    def on_request_split(sender: Any) -> np.ndarray:
        return np.array([10, 11])

    up = s.split()
    assert up is not None and sorted(up.deleted) == [1]


def test_labels_new_column_and_inheritance_survives_undo() -> None:
    s = make_supervisor()
    s.select(0, 1)
    s.move("good", "all")
    assert s.get_cluster_info(0)["group"] == "good"
    s.label("quality", "great", cluster_ids=[2])
    assert "quality" in s.columns
    assert s.get_cluster_info(2)["quality"] == "great"

    up = s.merge(0, 1)
    new = up.added[0]
    assert s.get_cluster_info(new)["group"] == "good"  # inherited from both parents
    s.label("quality", "meh", cluster_ids=[2])
    s.undo()  # undoes the label change only
    assert s.get_cluster_info(2)["quality"] == "great"
    assert s.cluster_meta.get("group", new) == "good"  # phy loses this; we do not
    s.undo()  # undoes the merge together with its inherited labels
    assert new not in s.cluster_table
    assert s.cluster_meta.get("group", 0) == "good"


def test_move_advances_the_wizard() -> None:
    s = make_supervisor()
    s.next_best()
    assert s.selected == [1]
    s.move("good", "best")
    assert s.selected == [0]
    assert s.get_cluster_info(1)["group"] == "good"
    s.undo()
    assert s.selected == [1]
    assert s.get_cluster_info(1)["group"] is None


def test_filter_sort_and_events() -> None:
    s = make_supervisor()
    events: list[tuple[str, list[int]]] = []
    connect(lambda sender, ids: events.append(("sort", ids)), event="table_sort")
    connect(lambda sender, ids: events.append(("filter", ids)), event="table_filter")
    assert s.filter("n_spikes >= 10 and group != 'noise'") == [1, 0]
    assert s.sort("id", "asc") == [0, 1]
    assert s.clear_filter() == [0, 1, 2, 3]
    assert events == [("filter", [1, 0]), ("sort", [0, 1]), ("filter", [0, 1, 2, 3])]
    with pytest.raises(FilterExpressionError, match="unknown column"):
        s.sort("nope")


def test_snippets_and_shortcuts() -> None:
    s = make_supervisor()
    run_snippet(":c 0-1", s.action_groups)
    assert s.selected == [0, 1]
    run_snippet(":g", s.action_groups)
    assert s.selected == [4]
    run_snippet(":l quality good", s.action_groups)
    assert s.get_cluster_info(4)["quality"] == "good"
    run_snippet(":sns", s.action_groups)
    assert s.cluster_table.current_sort == ("n_spikes", "desc")
    run_snippet(""":f "group == 'noise'" """, s.action_groups)
    assert s.cluster_table.visible_ids == [3]
    assert s.actions.get("merge").shortcuts == ("g",)
    assert s.actions.get("move_best_to_noise").shortcuts == ("alt+n",)
    assert s.actions.get("redo").shortcuts == ("ctrl+shift+z", "ctrl+y")
    assert s.select_actions.get("next_best").shortcuts == ("down",)
    assert s.select_actions.get("reset_wizard").shortcuts == ("ctrl+alt+space",)


def test_save_and_dirty_tracking() -> None:
    saved: list[dict[str, Any]] = []
    s = make_supervisor(save_callback=lambda **kw: saved.append(kw) or ["x"])
    s.merge(0, 1)
    assert s.save() == ["x"]
    assert not s.is_dirty()
    np.testing.assert_array_equal(saved[0]["spike_clusters"], s.clustering.spike_clusters)
    assert saved[0]["labels"]["group"][3] == "noise"
    assert {r["id"] for r in saved[0]["cluster_info"]} == {2, 3, 4}
    s.undo()
    assert s.is_dirty()  # phy's flag stays False after the first save; ours does not
    s.redo()
    assert not s.is_dirty()


def test_journal_replay_reaches_the_same_state(tmp_path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.start({"new_cluster_id": 4})
    s = make_supervisor(journal=journal)
    s.merge(0, 1)
    s.split(np.arange(40, 45))
    s.label("quality", "ok", cluster_ids=[2])
    s.undo()
    s.undo()
    s.redo()
    s.move("mua", [2])
    journal.close()
    _, entries = Journal.read(tmp_path / "journal.jsonl")
    assert len(entries) == 7

    t = make_supervisor(new_cluster_id=4)
    t.replay(entries)
    np.testing.assert_array_equal(t.clustering.spike_clusters, s.clustering.spike_clusters)
    for field in s.fields:
        assert t.get_labels(field) == s.get_labels(field)
    assert t.cluster_table.visible_ids == s.cluster_table.visible_ids


def test_color_selector_follows_fields_and_emits() -> None:
    from phycore.supervisor.colors import hex_to_rgba, selected_cluster_color

    s = make_supervisor()
    events = []
    connect(lambda sender: events.append(sender), event="color_mapping_changed")
    # phy's blue and red (its exact floats, 3-4 decimals).
    assert selected_cluster_color(0) == pytest.approx(hex_to_rgba("#0892FC"), abs=1e-4)
    assert selected_cluster_color(1) == pytest.approx(hex_to_rgba("#FF0202"), abs=1e-4)
    c = s.color_selector
    assert c.get(0) != c.get(1)  # categorical by id
    c.set_color_mapping(color_field="group")
    assert events == [s]
    assert c.get(3)[:3] == pytest.approx(hex_to_rgba("#666666")[:3])  # noise
    c.set_color_mapping(color_field="fr", colormap="linear", categorical=False)
    lo, hi = c.get(0), c.get(3)  # fr = 0.5 * id: 0 is the minimum, 3 the maximum
    assert lo[:3] == pytest.approx(hex_to_rgba("#FFFFFF")[:3], abs=2e-3)  # phy's linear map ends
    assert hi[:3] == pytest.approx(hex_to_rgba("#D50F1D")[:3], abs=2e-3)
    with pytest.raises(Exception, match="Unknown colormap"):
        c.set_color_mapping(colormap="nope")
