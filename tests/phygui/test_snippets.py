"""The ':' command line: parsing through phycore, history, errors (no display)."""

from __future__ import annotations

import numpy as np

from phycore.supervisor import Actions, Supervisor
from phygui.snippets import SnippetLine, snippet_table


def _sup() -> Supervisor:
    return Supervisor(np.repeat(np.arange(20), 5), similarity=lambda c: [(c + 1, 0.9)] if c < 19 else [])


def test_merge_select_label_snippets() -> None:
    sup = _sup()
    line = SnippetLine(lambda: sup.action_groups)
    r = line.submit(":merge 3 7")
    assert r.ok, r.message
    assert 3 not in sup.clustering.cluster_ids and 7 not in sup.clustering.cluster_ids
    r = line.submit(":c 12 15")
    assert r.ok and sup.selected_clusters == [12, 15]
    r = line.submit(":c 10-12")
    assert r.ok and sup.selected_clusters == [10, 11, 12]
    r = line.submit(":label quality good")
    assert r.ok, r.message
    assert sup.cluster_meta.get("quality", 10) == "good"
    r = line.submit(":g")
    assert r.ok and len(sup.clustering.cluster_ids) == 17
    r = line.submit(":undo")
    assert r.ok and len(sup.clustering.cluster_ids) == 19


def test_unknown_snippet_and_bad_arguments() -> None:
    sup = _sup()
    line = SnippetLine(lambda: sup.action_groups)
    r = line.submit(":frobnicate 3")
    assert not r.ok and "Unknown snippet ':frobnicate'" in r.message
    r = line.submit(":c 999")
    assert not r.ok and "999" in r.message
    r = line.submit(":")
    assert not r.ok and "Empty" in r.message


def test_history_up_down() -> None:
    sup = _sup()
    line = SnippetLine(lambda: sup.action_groups)
    for text in (":c 1", ":c 2", ":c 3"):
        line.submit(text)
    assert line.history == [":c 1", ":c 2", ":c 3"]
    line.open()
    assert line.active and line.text == ":"
    assert line.history_up() == ":c 3"
    assert line.history_up() == ":c 2"
    assert line.history_up() == ":c 1"
    assert line.history_up() == ":c 1"
    assert line.history_down() == ":c 2"
    assert line.history_down() == ":c 3"
    assert line.history_down() == ":"
    line.close()
    assert not line.active


def test_gui_groups_and_plugin_failures() -> None:
    sup = _sup()
    gui_group = Actions("View")
    seen: list[str] = []
    gui_group.add(lambda: seen.append("reset"), name="reset_layout")
    gui_group.add(lambda: 1 / 0, name="boom", alias="bm")
    line = SnippetLine(lambda: [*sup.action_groups, gui_group])
    assert line.submit(":reset_layout").ok and seen == ["reset"]
    r = line.submit(":bm")
    assert not r.ok and "ZeroDivisionError" in r.message


def test_snippet_table_lists_everything() -> None:
    sup = _sup()
    rows = snippet_table(sup.action_groups)
    names = {r[1]: r for r in rows}
    assert names["merge"][2] == "g" and names["merge"][3] == ":g"
    assert names["undo"][2] == "ctrl+z"
    assert names["select"][3] == ":c"
    assert len(rows) == sum(len(g) for g in sup.action_groups)
