"""GUI scenarios of the amplitude view (issue #17, "Amplitude view"): phy's amplitude types
cycled with real ``a`` / ``shift+a`` key events, the "Change amplitudes type" submenu, the
type kept in the GUI state, the trace view's window drawn as a yellow band that follows
alt+right / shift+alt+right in the trace view and alt+click in the amplitude view, and the
``select_feature`` / ``select_channel`` links. Each runs in its own process
(``test_gui_amplitude.py``); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_amplitude types_band_links /path/to/data
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, keyboard, region, window_id, xdotool_while_rendering
from tests.gui.scenarios_views2 import _plot_mapping
from tests.gui.strict import controller_scenarios, scenario_main

BLUE = (0x08, 0x92, 0xFC)


def _status(view: Any) -> str:
    import dearpygui.dearpygui as dpg

    return str(dpg.get_value(view._text))


def _yellow_columns(pixels: np.ndarray) -> np.ndarray:
    """Columns (in ``pixels``) of the band: phy's yellow at 25 % over the black plot, at
    least 30 such pixels high (the band spans the plot's height)."""
    rgb = pixels[..., :3].astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    yellow = (r > 40) & (np.abs(r - g) < 14) & (b < 0.5 * r)
    return np.flatnonzero(yellow.sum(axis=0) >= 30)


def _band_px(gui: Any, view: Any, name: str | None = None) -> tuple[float, float, float]:
    """``(left, right, centre)`` of the band in viewport pixels (from a screenshot)."""
    import dearpygui.dearpygui as dpg

    frame = grab(gui, name)
    pix = region(gui, view, frame)
    cols = _yellow_columns(pix)
    assert cols.size, "no yellow band in the amplitude view"
    assert cols.max() - cols.min() + 1 == cols.size, f"the band is not one strip: {cols}"
    x = int(dpg.get_item_pos(view.window)[0])
    return x + float(cols.min()), x + float(cols.max()), x + (cols.min() + cols.max()) / 2


def _check_band(gui: Any, view: Any, to_px: Any, trace: Any, name: str | None = None) -> float:
    """The band is where the trace view's window is; returns its centre in pixels."""
    t0, t1 = trace.model.interval
    assert view.model.time_range == (t0, t1), (view.model.time_range, (t0, t1))
    left, right, centre = _band_px(gui, view, name)
    expected = to_px((t0 + t1) / 2, 0.0)[0]
    assert abs(centre - expected) <= 3, (centre, expected)
    lo, hi = view.model.time_band()
    width = to_px(hi, 0.0)[0] - to_px(lo, 0.0)[0]
    assert 2 <= right - left + 1 <= width + 3, (left, right, width)  # >= 1 % of the plot, as phy
    return centre


def scenario_types_band_links(controller: Any, dataset: Path) -> None:
    import dearpygui.dearpygui as dpg

    from phycore.signals import emit
    from phygui.app import create_gui
    from phygui.views.amplitude import TYPE_SUBMENU

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        keys("Down")  # select the best cluster
        gui.render(3)
        assert sup.selected_clusters, "Down selected nothing"
        av, trace = gui.get_view("AmplitudeView"), gui.get_view("TraceView")
        fv, wv = gui.get_view("FeatureView"), gui.get_view("WaveformView")
        first = sup.selected_clusters[0]
        best = controller.get_best_channel(first)

        # phy's types and order; a first session starts on `template` (phy's packaged state);
        # a / shift+a cycle them.
        assert av.model.amplitudes_types == ["feature", "template", "template_feature"]
        assert av.model.amplitudes_type == "template", av.model.amplitudes_type
        keys("shift+a")
        assert av.model.amplitudes_type == "feature", (av.model.amplitudes_type, gui.status.error)
        assert _status(av).startswith(f"feature: channel {best}, PC 0"), _status(av)
        shots = {}
        for key, kind in (("a", "template"), ("a", "template_feature"), ("a", "feature"),
                          ("shift+a", "template_feature")):
            keys(key)
            assert av.model.amplitudes_type == kind, (key, av.model.amplitudes_type, gui.status.error)
            assert _status(av).startswith(kind), _status(av)
            if kind not in shots:
                shots[kind] = region(gui, av, grab(gui, f"amplitude_{kind}"))
                assert has_color(shots[kind], BLUE, tol=40, min_count=20), f"{kind}: no blue points"
        assert not np.array_equal(shots["template"], shots["template_feature"])
        # The dock menu's "Change amplitudes type" submenu offers every type; an item switches to it.
        menu = gui.docks.dock_menu(av).menu
        subs = {dpg.get_item_label(i): i for i in dpg.get_item_children(menu, 1)
                if dpg.get_item_type(i) == "mvAppItemType::mvMenu"}
        assert TYPE_SUBMENU in subs, subs
        labels = [dpg.get_item_label(i) for i in dpg.get_item_children(subs[TYPE_SUBMENU], 1)]
        assert labels == [f"change amplitudes type to {k.replace('_', ' ')}" for k in av.model.amplitudes_types], labels
        gui.run_action(av.actions.get("change_amplitudes_type_to_template"))
        gui.render(2)
        assert av.model.amplitudes_type == "template" and _status(av).startswith("template")

        # The band: the trace view's first window, from the start.
        wid = window_id()
        to_px = _plot_mapping(gui, av, wid)
        _check_band(gui, av, to_px, trace)
        keys("alt+Right", "alt+Right", "alt+Right")  # the trace view moves by 10 % of its window
        t0 = trace.model.interval[0]
        assert av.model.time_range == trace.model.interval
        keys("shift+alt+Right")  # 10 % of the recording: the band moves too
        assert trace.model.interval[0] > t0 + 1.0, trace.model.interval
        centre = _check_band(gui, av, to_px, trace, "amplitude_band")
        # alt+click in the amplitude view: the trace view goes there, the band follows.
        target = 0.2 * controller.model.duration
        x, y = to_px(target, 0.5 * (av.model.home[1] + av.model.home[3]))
        xdotool_while_rendering(gui, "mousemove", "--window", wid, str(int(round(x))), str(int(round(y))))
        clicked = float(dpg.get_plot_mouse_pos()[0])
        xdotool_while_rendering(gui, "keydown", "alt", "click", "1", "keyup", "alt")
        t0, t1 = trace.model.interval
        assert abs((t0 + t1) / 2 - clicked) < 1e-3 * controller.model.duration, ((t0, t1), clicked)
        assert _check_band(gui, av, to_px, trace, "amplitude_band_alt_click") < centre - 50

        # select_feature (feature view alt+click): the feature type on that channel and PC.
        ch = int(fv.model.channel_ids[1])
        emit("select_feature", fv, dim="1B", channel_id=ch, pc=1)
        gui.render(3)
        assert av.model.amplitudes_type == "feature" and _status(av).startswith(f"feature: channel {ch}, PC 1")
        layer = av.model._layers[0]
        np.testing.assert_allclose(layer.amplitudes, controller.get_spike_feature_amplitudes(
            layer.spike_ids, channel_id=ch, pc=1))
        grab(gui, "amplitude_select_feature")
        # select_channel (waveform ctrl+click, trace shift+click): the channel of feature/raw;
        # the type does not change (phy's selected_channel_changed).
        keys("a")
        assert av.model.amplitudes_type == "template"
        other = next(c for c in controller.get_best_channels(first) if int(c) != ch)
        emit("select_channel", wv, channel_id=int(other), key=None, button="left")
        gui.render(2)
        assert av.model.amplitudes_type == "template" and av.model.channel_id == int(other)
        keys("shift+a")
        assert _status(av).startswith(f"feature: channel {other}, PC 1"), _status(av)
        layer = av.model._layers[0]
        np.testing.assert_allclose(layer.amplitudes, controller.get_spike_feature_amplitudes(
            layer.spike_ids, channel_id=int(other), pc=1))
        row = trace.model.row_of[best]
        picked = trace.click(float(sum(trace.model.interval) / 2), float(row), "left", shift=True)
        gui.render(2)
        assert picked == best and _status(av).startswith(f"feature: channel {best}, PC 1"), (picked, _status(av))

        # The type is kept in the GUI state (restored by scenario_type_restored).
        keys("a", "a")
        assert av.model.amplitudes_type == "template_feature"
        gui.save_state()
        assert gui.state["AmplitudeView"]["amplitudes_type"] == "template_feature"
    finally:
        gui.destroy()


def scenario_type_restored(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        av = gui.get_view("AmplitudeView")
        assert av.model.amplitudes_type == "template_feature", av.model.amplitudes_type
        assert _status(av).startswith("template_feature")
    finally:
        gui.destroy()


def _stripped(dataset: Path, name: str, patterns: tuple[str, ...]) -> Path:
    """A copy of the folder without the files matching ``patterns``."""
    out = dataset.parent / name
    shutil.copytree(dataset, out, ignore=shutil.ignore_patterns(".phy", *patterns))
    return out / "params.py"


def scenario_types_without_pc_features(controller: Any, dataset: Path) -> None:
    """Kilosort 3's folders have no pc_features.npy: no feature type, a cycles the other two."""
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    other = TemplateController(_stripped(dataset, "no_pc", ("pc_feature*.npy",)))
    try:
        gui = create_gui(other)
        try:
            gui.render(3)
            keys = keyboard(gui)
            keys("Down")
            av = gui.get_view("AmplitudeView")
            assert av.model.amplitudes_types == ["template", "template_feature"]
            assert av.model.amplitudes_type == "template" and _status(av) == "template"
            keys("a")
            assert av.model.amplitudes_type == "template_feature" and _status(av) == "template_feature"
            keys("a")
            assert av.model.amplitudes_type == "template"
            keys("shift+a")
            assert av.model.amplitudes_type == "template_feature"
            assert has_color(region(gui, av, grab(gui, "amplitude_no_pc_features")), BLUE, tol=40, min_count=20)
        finally:
            gui.destroy()
    finally:
        other.close()


def scenario_raw_only(controller: Any, dataset: Path) -> None:
    """Without amplitudes.npy and features, phy's raw amplitudes (peak-to-peak on the best
    channel, through the current raw-data filter) are the one type."""
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    params = _stripped(dataset, "raw_only", ("pc_feature*.npy", "template_feature*.npy", "amplitudes.npy"))
    other = TemplateController(params)
    try:
        gui = create_gui(other)
        try:
            gui.render(3)
            keys = keyboard(gui)
            keys("Down")
            av = gui.get_view("AmplitudeView")
            assert av.model.amplitudes_types == ["raw"]
            cid = gui.supervisor.selected_clusters[0]
            ch = other.get_best_channel(cid)
            assert _status(av).startswith(f"raw: channel {ch}"), _status(av)
            keys("a")  # one type: stays
            assert av.model.amplitudes_type == "raw"
            layer = av.model._layers[0]
            np.testing.assert_allclose(layer.amplitudes, other.get_spike_raw_amplitudes(layer.spike_ids, channel_id=ch))
            assert layer.amplitudes.min() > 0  # the cluster's own spikes have a peak-to-peak
            assert has_color(region(gui, av, grab(gui, "amplitude_raw")), BLUE, tol=40, min_count=20)
        finally:
            gui.destroy()
    finally:
        other.close()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
