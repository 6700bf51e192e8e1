"""GUI scenarios of phy's keyboard habits (issue step 12): ``:wn``, ``:sfr``/``:sde``/``:sam``,
the main-row ``+``/``-`` keys with modifiers, ``ctrl+space`` and phy's column order, driven by
real X key events (xdotool). Each runs in its own process (``test_gui_phy_habits.py``); any
logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_phy_habits snippets /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from tests.gui.helpers import keyboard
from tests.gui.strict import controller_scenarios, scenario_main


def _snippet(keys: Callable[..., None], text: str) -> None:
    keys("colon")
    keys(text, command="type")
    keys("Return")


def scenario_snippets(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        wv = gui.get_view("WaveformView")
        _snippet(keys, "wn 23")
        assert wv.model.options.n_spikes_waveforms == 23, gui.status.error
        for snippet, column in (("sfr", "fr"), ("sde", "depth"), ("sam", "amp"), ("sch", "ch")):
            _snippet(keys, snippet)
            assert sup.cluster_table.current_sort == (column, "desc"), (snippet, gui.status.error)
        # A column added later (background metrics, plugins) gets its sort action and snippet.
        sup.add_column("zz_late", lambda cid: -cid)
        assert gui.select_actions.get("sort_by_zz_late") is not None
        _snippet(keys, "szz")
        assert sup.cluster_table.current_sort == ("zz_late", "desc"), gui.status.error
        # Every menu action is reachable by a snippet: its alias or, as phy, its name (two
        # columns may share an alias, e.g. amp and amplitude_cutoff: the first keeps it).
        for group in gui.action_groups():
            for action in group:
                assert action in (group.get(action.alias or ""), group.get(action.name)), action.name
    finally:
        gui.destroy()


def scenario_plus_minus_keys(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        sup.select(*sup.cluster_table.visible_ids[:1])
        gui.render(3)
        fv, tv = gui.get_view("FeatureView").model, gui.get_view("TraceView")
        scaling = fv.options.feature_scaling
        keys("ctrl+plus")  # shift+= on a US keyboard: phy's ctrl++
        assert fv.options.feature_scaling > scaling * 1.05, (scaling, fv.options.feature_scaling)
        scaling = fv.options.feature_scaling
        keys("ctrl+KP_Add")
        assert fv.options.feature_scaling > scaling * 1.05
        scaling = fv.options.feature_scaling
        keys("ctrl+minus")
        assert fv.options.feature_scaling < scaling / 1.05
        width = tv.half_duration
        keys("alt+minus")  # phy's alt+-: widen
        assert tv.half_duration > width * 1.1, (width, tv.half_duration)
        width = tv.half_duration
        keys("alt+plus")  # phy's alt++: narrow
        assert tv.half_duration < width / 1.1, (width, tv.half_duration)
    finally:
        gui.destroy()


def scenario_ctrl_space(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        assert sup.n_similar_clusters_to_select == 15
        keys("Down")
        best = sup.selected_clusters
        assert len(best) == 1
        keys("ctrl+space")
        assert sup.selected_clusters == best and len(sup.selected_similar) == 15, sup.selected
        assert gui.select_actions.get("select_n_similar").shortcuts == ("ctrl+space",)
    finally:
        gui.destroy()


def scenario_column_order(controller: Any, dataset: Path) -> None:
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    ids = controller.supervisor.clustering.cluster_ids.tolist()
    (dataset / "cluster_channel_group.tsv").write_text(
        "cluster_id\tchannel_group\n" + "".join(f"{c}\t{c % 2}\n" for c in ids))
    (dataset / "cluster_isi_violations_count.tsv").write_text(
        "cluster_id\tisi_violations_count\n" + "".join(f"{c}\t{c}\n" for c in ids))
    other = TemplateController(dataset / "params.py")
    try:
        gui = create_gui(other)
        try:
            gui.render(3)
            columns = gui.supervisor.cluster_table.columns
            assert columns[:7] == ["id", "ch", "sh", "depth", "fr", "amp", "n_spikes"], columns
            assert {"channel_group", "isi_violations_count"} <= set(columns[7:]), columns
            assert gui.supervisor.similarity_table.columns[:7] == columns[:7]
            assert gui.select_actions.get("sort_by_channel_group") is not None
        finally:
            gui.destroy()
    finally:
        other.close()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
