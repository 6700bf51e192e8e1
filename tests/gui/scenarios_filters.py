"""GUI scenarios of phy's raw-data filters (issue #17, "Filtered waveforms"): ``alt+r`` cycles
``raw`` / ``high_pass`` / plugins' filters in the trace and waveform views, whose statuses
name the filter, driven by real X key events (xdotool). Each runs in its own process
(``test_gui_filters.py``); any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_filters alt_r /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from phycore.plugin_registry import IPlugin
from tests.gui.helpers import ARTIFACTS, grab, hold, keyboard, region
from tests.gui.strict import controller_scenarios, scenario_main


class ZeroedRawFilterPlugin(IPlugin):
    """phy's raw-data filter plugin pattern, with a filter that zeroes the data."""

    def attach_to_controller(self, controller: Any) -> None:
        @controller.raw_data_filter.add_filter
        def zeroed(arr: Any, axis: int = 0) -> Any:
            return np.zeros_like(arr)


def _alt_r(gui: Any) -> None:
    """Press alt+r as a person does: alt held down over several frames around the r (xdotool's
    plain ``key alt+r`` releases alt within microseconds, and the key router reads the
    modifiers when the r press is handled)."""
    hold(gui, "alt", "r", delay_ms=None, pause_s=0.15)


def _views(gui: Any) -> tuple[Any, Any]:
    return gui.get_view("WaveformView"), gui.get_view("TraceView")


def _shown_status(view: Any) -> str:
    import dearpygui.dearpygui as dpg

    return str(dpg.get_value(view._text))


def _save(pixels: np.ndarray, name: str) -> None:
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    Image.fromarray(pixels[..., :3].copy()).save(ARTIFACTS / f"{name}.png")


def _coloured(pixels: np.ndarray) -> int:
    """Pixels of the selection's colours (saturated), not the grey traces, labels or axes."""
    rgb = pixels[..., :3].astype(np.int32)
    return int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())


def _select_and_show(gui: Any) -> tuple[Any, Any]:
    sup = gui.supervisor
    sup.select(*sup.cluster_table.visible_ids[:1])
    gui.render(4)
    return _views(gui)


def scenario_alt_r(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.render(3)
        keys = keyboard(gui)
        wv, tv = _select_and_show(gui)
        rdf = controller.raw_data_filter
        assert rdf.names == ["raw", "high_pass"] and rdf.current == "high_pass"
        action = gui.view_actions.get("switch_raw_data_filter")
        assert action is not None and action.shortcuts == ("alt+r",)
        frame = grab(gui, "filters_window_high_pass")
        assert _shown_status(wv).startswith("waveforms high_pass"), _shown_status(wv)
        assert tv.model.status.endswith("  high_pass") and "high_pass" in _shown_status(tv)
        w_hp, t_hp = region(gui, wv, frame), region(gui, tv, frame)
        _save(w_hp, "filters_waveform_high_pass")

        _alt_r(gui)
        gui.render(4)
        assert rdf.current == "raw", gui.status.error
        frame = grab(gui, "filters_window_raw")
        assert _shown_status(wv).startswith("waveforms raw"), _shown_status(wv)
        assert tv.model.status.endswith("  raw") and _shown_status(tv).split("   ")[0].endswith("raw")
        w_raw, t_raw = region(gui, wv, frame), region(gui, tv, frame)
        _save(w_raw, "filters_waveform_raw")
        # Both views redrew: the waveforms (raw: low-frequency wander kept) and the traces changed.
        changed = np.abs(w_raw.astype(np.int32) - w_hp.astype(np.int32)).max(axis=2) > 30
        assert changed.sum() > 500, changed.sum()
        assert (np.abs(t_raw.astype(np.int32) - t_hp.astype(np.int32)).max(axis=2) > 30).sum() > 500
        np.testing.assert_array_equal(wv.model._waves[0].data,
                                      controller.get_waveforms(wv.model.cluster_ids[0]).data)

        _alt_r(gui)  # only two filters: back to high_pass, the same picture
        gui.render(4)
        assert rdf.current == "high_pass" and _shown_status(wv).startswith("waveforms high_pass")
        again = region(gui, wv, grab(gui))
        same = np.abs(again.astype(np.int32) - w_hp.astype(np.int32)).max(axis=2) <= 30
        assert same.mean() > 0.99, same.mean()
        # The waveform type still leads the status (phy: "<type> <filter>").
        keys("m")
        gui.render(3)
        assert _shown_status(wv).startswith("mean_waveforms high_pass"), _shown_status(wv)
    finally:
        gui.destroy()


def scenario_plugin_filter(controller: Any, dataset: Path) -> None:
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    # A second session of the folder (read-only: the first holds the lock) with the plugin.
    other = TemplateController(dataset / "params.py", plugins=["ZeroedRawFilterPlugin"])
    try:
        rdf = other.raw_data_filter
        assert rdf.names == ["raw", "high_pass", "zeroed"] and rdf.current == "high_pass"
        gui = create_gui(other)
        try:
            gui.render(3)
            wv, tv = _select_and_show(gui)
            w_hp = region(gui, wv, grab(gui))
            _alt_r(gui)  # raw -> high_pass -> the plugins' filters
            gui.render(4)
            assert rdf.current == "zeroed", (rdf.current, gui.status.error)
            frame = grab(gui, "filters_window_zeroed")
            assert _shown_status(wv).startswith("waveforms zeroed"), _shown_status(wv)
            assert "zeroed" in _shown_status(tv)
            w_zero = region(gui, wv, frame)
            _save(w_zero, "filters_waveform_zeroed")
            # Zeroed data: each waveform is a flat line on its box's zero line.
            assert not np.abs(wv.model._waves[0].data).any()
            assert _coloured(w_zero) < 0.5 * _coloured(w_hp), (_coloured(w_zero), _coloured(w_hp))
            assert not tv.model.painter.read(0, 100)[0].any()
            _alt_r(gui)  # after the last filter comes raw
            gui.render(3)
            assert rdf.current == "raw" and _shown_status(wv).startswith("waveforms raw")
            _alt_r(gui)
            gui.render(3)
            assert rdf.current == "high_pass", (rdf.current, gui.status.error)
            assert _shown_status(wv).startswith("waveforms high_pass"), _shown_status(wv)
        finally:
            gui.destroy()
    finally:
        other.close()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
