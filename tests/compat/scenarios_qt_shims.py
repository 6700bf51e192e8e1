"""GUI scenarios of the Qt stand-ins on phygui's frame loop (timers, modal dialogs) and of the
phy names forwarded to phygui's views; run one process each by ``test_qt_shims_gui.py``:

    xvfb-run -a python -m tests.compat.scenarios_qt_shims timers /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.compat import scenarios_phy
from tests.gui.helpers import grab
from tests.gui.strict import scenario_main

scenarios_phy.SCENARIOS.update({
    "timers": (["autosave_timer.py"], ["PhyStyleAutosavePlugin"], []),
    "dialogs": (["autosave_timer.py"], ["PhyStyleAutosavePlugin"], []),
    "view_forwards": (["hello.py"], ["PhyStyleHelloPlugin"], ["WaveformView", "FeatureView", "RasterView"]),
})


def scenario_timers(gui: Any, controller: Any, dataset: Path) -> None:
    from phycore import compat

    now = [0.0]
    compat.set_clock(lambda: now[0])
    controller.autosave_timer.start()  # restart on the fake clock
    for _ in range(3):
        now[0] += 30.0
        gui.render(1)
    assert len(controller.autosaves) == 1 and gui.status_message == "autosave 1"
    now[0] += 60.0
    gui.render(1)
    assert len(controller.autosaves) == 2
    controller.autosave_timer.stop()
    now[0] += 600.0
    gui.render(2)
    assert len(controller.autosaves) == 2
    compat.set_clock(None)


def scenario_dialogs(gui: Any, controller: Any, dataset: Path) -> None:
    import dearpygui.dearpygui as dpg

    dialogs = gui.compat_shims.dialogs
    shown: list[tuple[str, str]] = []
    replies = iter(["ok", "yes"])

    def press_next() -> None:  # one frame of the modal loop: the user presses a button
        dpg.render_dearpygui_frame()
        name = next(replies)
        titles = dpg.get_item_label(dialogs.window)
        shown.append((titles, name))
        button = dialogs.buttons[name]
        dpg.get_item_callback(button)(button, None, dpg.get_item_user_data(button))

    dialogs._frame = press_next
    cluster = int(controller.supervisor.clustering.cluster_ids[0])
    controller.supervisor.select([cluster])
    gui.render(2)
    gui.run_action(gui.edit_actions.get("label_selected_as"))
    gui.render(2)
    assert shown == [("Label", "ok"), ("Label", "yes")]
    assert controller.supervisor.get_labels("group").get(cluster) == "good"
    assert gui.status_message == "Label: labelled good"  # message_box, also in the status bar
    assert dialogs.window and dpg.does_item_exist(dialogs.window)  # the message box, until OK
    # Drawn where a user looks, not in a corner over the tables (artifact: phy_plugin_message_box.png).
    grab(gui, "phy_plugin_message_box")
    x, y = (int(v) for v in dpg.get_item_pos(dialogs.window))
    w, h = (int(v) for v in dpg.get_item_rect_size(dialogs.window))
    vw, vh = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    assert vw / 4 < x + w / 2 < 3 * vw / 4 and vh / 6 < y + h / 2 < 2 * vh / 3, (x, y, w, h, vw, vh)
    dialogs.close()


def scenario_view_forwards(gui: Any, controller: Any, dataset: Path) -> None:
    view = gui.get_view("WaveformView")
    assert callable(view.next_waveforms_type) and view.next_waveforms_type.__self__ is view.model
    before = view.model.options.waveforms_type
    view.next_waveforms_type()
    gui.render(2)
    assert view.model.options.waveforms_type != before
    assert view.overlap is view.model.options.overlap  # an option read through the view
    # The members every phy view has, written once for phygui's views.
    assert "overlap" in view.state_attrs and "box_scaling" not in view.state_attrs  # local state
    assert all(isinstance(k, str) for k in view.default_shortcuts) and isinstance(view.default_snippets, dict)
    assert view.sample_rate == controller.model.sample_rate and view.n_channels == controller.model.n_channels
    n_views = len(gui.views)
    view.attach(gui)  # already there: nothing added
    view.update_color()
    gui.render(1)
    assert len(gui.views) == n_views and isinstance(view.status, str)
    feature = gui.get_view("FeatureView")
    size = feature.model.options.marker_size
    feature.increase_marker_size()
    assert feature.model.options.marker_size > size
    feature.reset_marker_size()
    assert feature.model.options.marker_size == size
    raster = gui.get_view("RasterView")
    scheme = raster.color_scheme
    assert raster.next_color_scheme() != scheme == gui.supervisor.color_selector.previous_color_scheme()
    gui.render(2)


def run(name: str, dataset: Path) -> None:
    """Run one scenario (see :func:`tests.compat.scenarios_phy.run`)."""
    scenarios_phy.__dict__[f"scenario_{name}"] = globals()[f"scenario_{name}"]
    scenarios_phy.run(name, dataset)


if __name__ == "__main__":
    scenario_main(run)
