"""Table view model: rows in view, colours, click/ctrl/shift selection, sorting (no display)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from phycore.supervisor import Supervisor
from phygui.viewmodels.status import StatusModel, describe_result, selection_text
from phygui.viewmodels.cluster_table import (TableViewModel, click_selection, format_cell, group_color, next_sort,
                                     selection_color)


def _sup(n: int = 30) -> Supervisor:
    sc = np.concatenate([np.full(k + 1, k) for k in range(n)])  # cluster k has k+1 spikes
    return Supervisor(sc, cluster_groups={0: "good", 1: "mua", 2: "noise"},
                      similarity=lambda c: [(o, 1 / (1 + abs(o - c))) for o in range(n) if o != c])


def test_colours_match_phy() -> None:
    assert group_color("good") == (0x86, 0xD1, 0x6D, 255)
    assert group_color("mua") == (0xAF, 0xAF, 0xAF, 255)
    assert group_color("noise") == (0x77, 0x77, 0x77, 255)
    assert group_color(None) == group_color("unsorted") == (255, 255, 255, 255)
    assert selection_color(0) == (0x08, 0x92, 0xFC, 255)
    assert selection_color(1) == (0xFF, 0x02, 0x02, 255)


def test_format_cell() -> None:
    assert format_cell("n_spikes", 1234567) == "1,234,567"
    assert format_cell("similarity", 0.98765) == "0.988"
    assert format_cell("fr", 12.3456789) == "12.35"
    assert format_cell("x", None) == ""
    assert format_cell("x", np.float32(2.5)) == "2.5"
    assert format_cell("group", "good") == "good"


def test_rows_window_only() -> None:
    sup = _sup()
    vm = TableViewModel(sup.cluster_table)
    assert vm.n_rows == 30
    rows = vm.rows(0, 5, [])
    assert [r.cluster_id for r in rows] == [29, 28, 27, 26, 25]  # n_spikes desc
    assert rows[0].cells[0] == "29" and rows[0].cells[1] == "30"
    assert vm.rows(28, 10, []) and len(vm.rows(28, 10, [])) == 2
    sup.select(2, 0)
    rows = {r.cluster_id: r for r in vm.rows(25, 10, sup.selected_clusters)}
    assert rows[2].selected_color == selection_color(0)
    assert rows[0].selected_color == selection_color(1)
    assert rows[1].selected_color is None and rows[1].color == group_color("mua")
    assert rows[0].color == group_color("good")


def test_similarity_colours_follow_cluster_selection() -> None:
    sup = _sup()
    sup.select(10)
    sup.select_similar(11)
    vm = TableViewModel(sup.similarity_table)
    assert "similarity" in vm.columns
    rows = {r.cluster_id: r for r in vm.rows(0, 50, sup.selected_similar, color_offset=1)}
    assert rows[11].selected_color == selection_color(1)


def test_click_rules() -> None:
    visible = [5, 4, 3, 2, 1]
    assert click_selection([], None, 3, visible) == ([3], 3)
    assert click_selection([3], 3, 1, visible, ctrl=True) == ([3, 1], 1)
    assert click_selection([3, 1], 1, 3, visible, ctrl=True) == ([1], 3)
    assert click_selection([4], 4, 2, visible, shift=True) == ([4, 3, 2], 4)
    assert click_selection([2], 2, 5, visible, shift=True) == ([2, 3, 4, 5], 2)
    assert click_selection([1], 2, 4, visible, shift=True, ctrl=True) == ([1, 2, 3, 4], 2)
    assert click_selection([1], None, 4, visible, shift=True) == ([4], 4)  # no anchor: plain click


@given(st.lists(st.integers(0, 9), unique=True, max_size=10), st.integers(0, 9), st.booleans(), st.booleans(),
       st.one_of(st.none(), st.integers(0, 9)))
def test_click_properties(selection, clicked, ctrl, shift, anchor) -> None:
    visible = list(range(10))
    new, new_anchor = click_selection(selection, anchor, clicked, visible, ctrl=ctrl, shift=shift)
    assert len(new) == len(set(new))
    assert set(new) <= set(visible)
    if not ctrl and not shift:
        assert new == [clicked]
    if ctrl and not shift:
        assert (clicked in new) != (clicked in selection)
    if shift and anchor is not None:
        assert clicked in new and anchor in new


def test_view_model_click_and_header_sort() -> None:
    sup = _sup()
    vm = TableViewModel(sup.cluster_table)
    assert vm.click([], 7) == [7]
    assert vm.click([7], 5, shift=True) == [7, 6, 5]
    assert vm.header()[1] == "n_spikes v"
    assert next_sort(("n_spikes", "desc"), "n_spikes") == ("n_spikes", "asc")
    assert next_sort(("n_spikes", "desc"), "id") == ("id", "desc")
    assert vm.header_click("n_spikes") == ("n_spikes", "asc")
    assert sup.cluster_table.visible_ids[0] == 0 and vm.header()[1] == "n_spikes ^"


def test_scroll_to_show() -> None:
    sup = _sup()
    vm = TableViewModel(sup.cluster_table)
    # visible order 29..0; cluster 0 is at position 29
    assert vm.scroll_to_show(0, 0, 10) == 20
    assert vm.scroll_to_show(25, 0, 10) == 0
    assert vm.scroll_to_show(29, 15, 10) == 0


def test_large_table_rows_are_cheap() -> None:
    sup = _sup(5000)
    vm = TableViewModel(sup.cluster_table)
    assert vm.n_rows == 5000
    assert len(vm.rows(2500, 40, [])) == 40


def test_status_model() -> None:
    assert selection_text([], {}) == "no selection"
    assert selection_text([3, 7], {3: 1200, 7: 5}) == "clusters: 3 (1,200 spikes), 7 (5 spikes)"
    s = StatusModel()
    v = s.version
    s.set_message("merge: 3, 7 -> 42")
    s.set_dirty(True)
    s.set_progress("saving", 0.5)
    assert s.version > v
    assert s.text().startswith("* no selection") and "saving 50%" in s.text() and "merge" in s.text()
    s.set_error("bad")
    assert s.error == "bad"
    s.set_message("ok")
    assert s.error == ""
    sup = _sup()
    sup.select(3, 4)
    up = sup.merge()
    assert describe_result("merge", up).startswith("merge: 3, 4 -> ")
    assert describe_result("undo", None) == "nothing to undo"
    assert describe_result("select", [1, 2]) == "select: 1, 2"
