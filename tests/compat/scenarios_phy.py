"""GUI scenarios of phy-style plugins, each run in its own process by a ``subprocess``-marked
test of ``test_phy_plugins_gui.py`` (one Dear PyGui context per process). Any error logged
meanwhile (a plugin hook that raised) fails the scenario unless it declares it with
``@expect_errors``.

Each scenario installs its plugin files from ``phy_plugins/`` in the user directory
(``$PHY_USER_DIR``), lists the plugin classes in ``phy_config.py``, hides the installed phy
(``PHYCORE_PHY_COMPAT=always``) and opens phygui on the folder the way ``phygui params.py``
does (controller, then GUI). Run one by hand:

    xvfb-run -a python -m tests.compat.scenarios_phy matplotlib_view /path/to/data
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import ARTIFACTS, grab, has_color, region
from tests.gui.strict import expect_errors, expected_errors, no_logged_errors, scenario_main

A, S = 546, 564
BLUE = (0x08, 0x92, 0xFC)
VIRIDIS_MIN = (68, 1, 84)

#: scenario -> (plugin files, plugin class names, views to open)
SCENARIOS: dict[str, tuple[list[str], list[str], list[str] | None]] = {
    "custom_split": (["custom_split.py"], ["PhyStyleSplitPlugin"], []),
    "actions": (["action_status_bar.py"], ["PhyStyleActionsPlugin"], []),
    "filter_action": (["filter_action.py"], ["PhyStyleFilterPlugin"], []),
    "feature_grid": (["feature_grid.py"], ["PhyStyleFeatureGridPlugin"], ["FeatureView"]),
    "matplotlib_view": (["matplotlib_view.py"], ["PhyStyleMatplotlibViewPlugin"], []),
    "events": (["hello.py"], ["PhyStyleHelloPlugin"], ["FeatureView"]),
    "cluster_metadata": (["cluster_metadata.py"], ["PhyStyleMetadataPlugin"], []),
    "unsupported_runtime": (["custom_button.py", "opengl_canvas_view.py", "cluster_metrics.py"],
                            ["PhyStyleButtonPlugin", "PhyStyleCanvasVisualPlugin", "PhyStyleMeanIsiPlugin"],
                            ["WaveformView"]),
}


def scenario_custom_split(gui: Any, controller: Any, dataset: Path) -> None:
    """The plugin's action is in the Edit menu with its key; pressing it splits the selected
    cluster in two by amplitude, and undo brings the cluster back."""
    sup = gui.supervisor
    action = gui.edit_actions.get("custom_split")
    assert action is not None and action.shortcuts == ("s",), action
    assert gui.dispatcher.keymap.lookup("s") is action
    target = sup.cluster_table.visible_ids[0]
    spikes = sup.clustering.spikes_in_clusters([target])
    sup.select(target)
    gui.render(2)
    gui.handle_key(S)
    gui.render(2)
    assert target not in sup.clustering.cluster_ids, "the cluster was not split"
    new = sorted(set(sup.clustering.spike_clusters[spikes]))
    assert len(new) == 2, new
    amps = [np.asarray(controller.model.amplitudes[sup.clustering.spikes_in_clusters([c])]) for c in new]
    low, high = sorted(amps, key=lambda a: a.mean())
    assert low.max() < high.min(), "k-means on one dimension must split at a threshold"
    assert sum(a.size for a in amps) == spikes.size
    sup.undo()
    assert target in sup.clustering.cluster_ids


def scenario_actions(gui: Any, controller: Any, dataset: Path) -> None:
    """File > display_message on key `a` writes the status bar; Select > My submenu >
    select_n_first_clusters selects the first N rows of the table."""
    display = gui.file_actions.get("display_message")
    assert display is not None and display.shortcuts == ("a",)
    gui.handle_key(A)
    gui.render(2)
    assert gui.status.message == "Hello from a phy plugin", gui.status.message
    select_n = gui.select_actions.get("select_n_first_clusters")
    assert select_n is not None and select_n.submenu == "My submenu" and select_n.prompt
    result = gui.run_snippet(":select_n_first_clusters 3")
    assert result.ok, result.message
    gui.render(2)
    assert gui.supervisor.selected == gui.supervisor.cluster_table.visible_ids[:3]
    grab(gui, "phy_plugin_actions")


def scenario_filter_action(gui: Any, controller: Any, dataset: Path) -> None:
    """`:fr <rate>` (a View action with an alias) filters the cluster table by firing rate."""
    sup = gui.supervisor
    rates = sorted(sup.get_cluster_info(c)["fr"] for c in sup.cluster_table.visible_ids)
    threshold = float(np.median(rates))
    result = gui.run_snippet(f":fr {threshold:.1f}")
    assert result.ok, result.message
    gui.render(2)
    shown = sup.cluster_table.visible_ids
    expected = [c for c in sup.clustering.cluster_ids if sup.get_cluster_info(c)["fr"] > round(threshold, 1)]
    assert sorted(shown) == sorted(expected) and 0 < len(shown) < len(rates)
    assert sup.cluster_table.filter_text == f"fr > {threshold:.1f}"


def scenario_feature_grid(gui: Any, controller: Any, dataset: Path) -> None:
    """on_view_attached set a 3x3 grid on the feature view, which draws it."""
    view = gui.get_view("FeatureView")
    assert view.model.grid == [["0A,1A", "1A,2A", "2A,0A"], ["0B,1B", "1B,2B", "2B,0B"],
                               ["0C,1C", "1C,2C", "2C,0C"]], view.model.grid
    sup = gui.supervisor
    sup.select(sup.cluster_table.visible_ids[0])
    gui.render(6)
    assert view.n_rasterised >= 1 and view.model.grid_shape == (3, 3)
    pix = region(gui, view, grab(gui, "phy_plugin_feature_grid"))
    assert has_color(pix, BLUE, tol=40, min_count=10), "no first-cluster points in the 3x3 grid"


def scenario_matplotlib_view(gui: Any, controller: Any, dataset: Path) -> None:
    """The view from controller.view_creator opens from the View menu's factory, follows the
    selection and shows the plugin's matplotlib figure (viridis hist2d) in its dock."""
    from PIL import Image

    from phygui.views.phy_view import PhyViewHost

    assert "FeatureDensityView" in gui.view_classes
    host = gui.add_view(gui.view_classes["FeatureDensityView"](gui))
    assert isinstance(host, PhyViewHost) and gui.get_view("FeatureDensityView") is host
    gui.render(4)
    before = region(gui, host, grab(gui))
    assert not has_color(before, VIRIDIS_MIN, tol=10, min_count=50), "drew before anything was selected"
    sup = gui.supervisor
    sup.select(sup.cluster_table.visible_ids[0])
    gui.render(4)
    assert host.phy_view.cluster_ids == [sup.selected[0]] and host.n_rendered >= 2
    pix = region(gui, host, grab(gui, "phy_plugin_matplotlib_view"))
    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pix).save(ARTIFACTS / "phy_plugin_matplotlib_view_dock.png")
    assert has_color(pix, VIRIDIS_MIN, tol=10, min_count=2000), "the hist2d is not in the dock"
    bright = (pix[..., 1].astype(int) > 150) & (pix[..., 0].astype(int) < 150)  # viridis' green-teal bins
    assert int(bright.sum()) > 20, "no dense bins drawn"


def scenario_events(gui: Any, controller: Any, dataset: Path) -> None:
    """phy's events reach the plugin with phy's arguments."""
    hello = controller.phy_style_hello
    assert ("gui_ready", "GUI") in hello.events, hello.events
    assert ("view_attached", "FeatureView") in hello.events
    sup = gui.supervisor
    ids = sup.cluster_table.visible_ids[:2]
    sup.select(ids)
    assert hello.events[-1] == ("select", ids)
    up = sup.merge(ids)
    assert ("cluster", "merge", list(up.added)) in hello.events


def scenario_cluster_metadata(gui: Any, controller: Any, dataset: Path) -> None:
    """Saving from the GUI emits request_save; the plugin writes its own TSV with phylib's
    save_metadata (served by phycore)."""
    from phycore.model.tables import read_cluster_tsv

    gui.save()
    path = dataset / "cluster_best_channel.tsv"
    assert path.exists(), "request_save did not reach the plugin"
    values = read_cluster_tsv(path.read_text(), path=str(path))["best_channel"]
    sup = gui.supervisor
    assert values == {int(c): controller.get_best_channel(c) for c in sup.clustering.cluster_ids}


@expect_errors(r"WaveformView\.dock is not supported by phycore", r"canvas\.add_visual is not supported by phycore")
def scenario_unsupported_runtime(gui: Any, controller: Any, dataset: Path) -> None:
    """view.dock (Qt) in on_view_attached and canvas.add_visual (OpenGL) in a view constructor
    are recorded as failures naming the plugin files; the GUI keeps working."""
    from phycore.plugins import get_failures

    user = Path(os.environ["PHY_USER_DIR"]) / "plugins"
    failures = [f for f in get_failures() if f.stage == "unsupported"]
    assert len(failures) == 1, get_failures()
    assert failures[0].name == "PhyStyleButtonPlugin" and str(user / "custom_button.py") in failures[0].message
    assert "WaveformView.dock is not supported by phycore" in failures[0].message
    assert gui.add_view(gui.view_classes["CanvasVisualView"](gui)) is None
    failures = [f for f in get_failures() if f.stage == "unsupported"]
    assert len(failures) == 2 and str(user / "opengl_canvas_view.py") in failures[1].message
    assert "canvas.add_visual is not supported by phycore" in failures[1].message
    assert "canvas.add_visual" in (gui.status.error or "")
    sup = gui.supervisor
    sup.select(sup.cluster_table.visible_ids[0])  # the session goes on
    gui.render(4)
    assert "meanisi" in sup.columns and gui.get_view("WaveformView").n_rasterised >= 1


def _install_plugins(files: list[str], names: list[str]) -> None:
    user = Path(os.environ["PHY_USER_DIR"])
    (user / "plugins").mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(Path(__file__).parent / "phy_plugins" / f, user / "plugins" / f)
    (user / "phy_config.py").write_text(f"c = get_config()\nc.TemplateGUI.plugins = {names!r}\n")


def run(name: str, dataset: Path) -> None:
    """Install the scenario's plugins, open the session and its GUI, run the scenario in this
    process; fail on any error logged meanwhile that the scenario does not declare
    (a plugin hook that raised: :mod:`tests.gui.strict`)."""
    from phycore import signals
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    os.environ["PHYCORE_PHY_COMPAT"] = "always"  # the test venv has phy installed: hide it
    signals.set_raise_errors(False)  # logged, as in the app; no_logged_errors fails on the log
    files, names, views = SCENARIOS[name]
    func = globals()[f"scenario_{name}"]
    _install_plugins(files, names)
    with no_logged_errors(expected_errors(func)):
        controller = TemplateController(dataset / "params.py")
        try:
            attached = [type(p).__name__ for p in controller.plugins]
            assert attached == names, f"attached {attached}, expected {names}"
            gui = create_gui(controller, views=views)
            try:
                gui.render(3)
                func(gui, controller, dataset)
            finally:
                gui.destroy()
        finally:
            controller.close()


if __name__ == "__main__":
    scenario_main(run)
