"""GUI scenario: the trace view's tiles, drawn colour layer after colour layer
(``phygui.render.tile_pixels``), have the pixels of the Raster drawing of every layer.
Real keys scroll the high-pass filtered traces (``alt+Right``, the tiles ahead drawn on
the drawing threads) and jump (``shift+alt+Right``: every tile drawn at once); each tile
shown equals the same tile drawn through a :class:`~phygui.render.raster.Raster`, and the
screen shows the traces and the other clusters' spikes. The spikes used for hit-testing
are made on the first click, not on every scroll frame: a real ctrl+click on a spike then
selects its cluster.

Run by hand:  xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.gui.scenarios_trace_tiles scroll /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from tests.gui.helpers import grab, keyboard, region
from tests.gui.scenarios_mouse import Mouse, plot_to_window
from tests.gui.scenarios_trace_overlay import _settle
from tests.gui.strict import controller_scenarios, scenario_main


def raster_rgba(traces: np.ndarray, extent: Sequence[float], data: np.ndarray, data_start: int, sample_rate: float,
                spp: float, y_offset: Any, y_scale: float, palette: Any, channels: Sequence[np.ndarray], starts: Any,
                stops: Any, layers: Any) -> np.ndarray:
    """``tile_rgba`` through a Raster holding every layer's counts (the drawing before it)."""
    from phygui.render.raster import Raster
    from phygui.render.traces import draw_snippets

    raster = Raster(traces.shape[0], traces.shape[1], palette, extent)
    raster.counts[..., 0] = traces
    if len(starts):
        draw_snippets(raster, data, channels, y_offset, y_scale, data_start / sample_rate, 1.0 / sample_rate,
                      np.asarray(starts) - data_start, np.asarray(stops) - data_start, layers, sample0=data_start,
                      spp=spp)
    return raster.rgba()


def _tiles_equal_the_raster_drawing(tv: Any) -> int:
    """Every tile shown equals its Raster drawing; returns how many colour layers the
    tiles had at most."""
    import phygui.render.tiles as tiles_module

    painter = tv.model.painter
    grid, levels = painter.tiles.grid, painter.tiles.params
    shown = [tile for tile, *_ in tv._tile_items.values()]
    assert len(shown) >= 2, len(shown)
    fast, n_layers = tiles_module.tile_rgba, 0
    try:
        tiles_module.tile_rgba = raster_rgba
        for tile in shown:
            ref = painter.draw(tile.key[1], grid, levels, with_overlay=False)
            np.testing.assert_array_equal(tile.raster.image, ref.raster.image)
            snip, palette = painter.snippets(*grid.extent(tile.key[1])[::2], grid.spp)
            n_layers = max(n_layers, len(palette))
    finally:
        tiles_module.tile_rgba = fast
    return n_layers


def scenario_scroll(controller: Any, dataset: Path) -> None:
    from phygui.app import create_gui

    gui = create_gui(controller)
    try:
        gui.view_context.async_data = True  # as GUI.run() does
        tv = gui.get_view("TraceView")
        m = tv.model
        gui.render(3)
        keys, sup = keyboard(gui), gui.supervisor
        sup.select(*sup.cluster_table.visible_ids[:2])
        m.toggle_filter(True)
        m.toggle_show_all_spikes(True)
        _settle(gui)
        t0 = m.interval[0]
        for _ in range(3):
            keys("alt+Right")  # go_right: 10 % of the window, one new tile or two
        _settle(gui)
        assert m.interval[0] > t0
        assert _tiles_equal_the_raster_drawing(tv) > 3  # the traces, several clusters' colours
        keys("shift+alt+Right")  # jump_right: a window of new tiles
        _settle(gui)
        assert _tiles_equal_the_raster_drawing(tv) > 3
        pix = region(gui, tv, grab(gui, "trace_tiles_scrolled"))
        assert (pix[..., :3].max(axis=-1) > 150).sum() > 1000  # the traces and spikes are on the screen

        assert m._drawn is None  # hit-testing's spikes not made by the frames
        others = m.drawn_spikes[~np.isin(m.drawn_spikes["cluster"], sup.selected)]
        assert len(others)
        s = others[len(others) // 2]
        mouse = Mouse(gui)
        to_window = plot_to_window(mouse, tv)
        mouse.move(*to_window(float(s["time"]), float(m.row_of[s["channel"]])))
        import dearpygui.dearpygui as dpg

        hit = m.spike_at(*dpg.get_plot_mouse_pos())  # the drawn spike nearest to the mouse
        assert hit is not None
        mouse.click(1, "ctrl")  # selects that spike's cluster
        _settle(gui)
        assert [int(c) for c in sup.selected] == [hit[1]], (sup.selected, hit)
        grab(gui, "trace_tiles_spike_clicked")
    finally:
        gui.destroy()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
