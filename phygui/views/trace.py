"""TraceView: the drawer of :class:`~phygui.viewmodels.trace.TraceModel`.

The model hands over the picture as tiles (fixed time strips, see
:mod:`phygui.render.tiles`); each tile becomes one static texture and one
image series at its data position, made once and kept while it stays in view, so a
scroll uploads only the strips that came into view. Each tile's overlay (the selected
clusters' spikes, the rows they cover) is one more small texture and image series over
it, made again when the overlay changes: a new selection uploads only those (drawn on
the model's drawing threads meanwhile, the previous picture dimmed). Channel labels are annotations
clamped to the plot's left edge: they are rebuilt only when the rows shown change.
On idle frames the model has the tiles next to the window drawn ahead of time (in
the background: the view only collects them).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

import dearpygui.dearpygui as dpg
import numpy as np

from phycore.signals import emit
from phygui.viewmodels.trace import TraceModel
from phygui.viewmodels.async_data import jobs_running
from phygui.views._plot import DIMMED, PlotView

__all__ = ["TimeWindowProperties", "TraceView"]


class TimeWindowProperties:
    """phy's time-window attributes of its trace views, read from ``self.model.interval``."""

    model: Any

    @property
    def time(self) -> float:
        """phy's ``time``: the centre of the window, in seconds."""
        return float(sum(self.model.interval) / 2)

    @property
    def half_duration(self) -> float:
        """phy's ``half_duration``: half the window's duration, in seconds."""
        t0, t1 = self.model.interval
        return float(t1 - t0) / 2


_FAR_LEFT = -1e6  # seconds: a label placed here is clamped to the plot's left edge
_LABEL_BACKGROUND = (0, 0, 0, 170)  # white labels stay readable over the grey traces
_HIDDEN_TILES = 12  # tiles whose items are kept hidden (~1.8 MB of texture each at 866 rows)


class TraceView(TimeWindowProperties, PlotView):
    """Raw traces of all channels in a time window, selected clusters' spikes in colour.

    ctrl+click near a drawn spike emits ``select_spike`` and selects the spike's cluster;
    shift+click on a channel emits ``select_channel`` (the feature view shows it).

    Attributes
    ----------
    n_tiles_made : int
        Tile textures made so far (a scroll makes only the new strips).
    n_overlays_made : int
        Tile overlays shown so far (a new selection makes only these).
    """

    model_class = TraceModel
    phy_names = ("auto_scale", "cluster_ids", "decrease", "do_show_labels", "duration", "go_left", "go_right",
                 "go_to", "go_to_end", "go_to_next_spike", "go_to_previous_spike", "go_to_start", "increase",
                 "interval", "jump_left", "jump_right", "max_n_clusters", "n_channels", "narrow",
                 "next_color_scheme", "origin", "previous_color_scheme", "sample_rate", "scaling", "set_interval",
                 "shift", "shortcuts", "show_all_spikes", "status", "switch_origin", "toggle_auto_scale",
                 "toggle_show_labels", "widen")
    ticks: ClassVar[tuple[bool, bool]] = (True, False)
    pad: ClassVar[tuple[float, float, float, float]] = (0.0, 0.0, 0.0, 0.0)
    local_state_attrs = ("interval", "scaling")
    listens: ClassVar[dict[str, str]] = {"select_time": "on_select_time",
                                         "color_mapping_changed": "on_color_mapping_changed",
                                         "raw_data_filter_changed": "on_raw_data_filter_changed",
                                         "events_changed": "on_events_changed"}

    # phy's TraceView values derived from the window and the channel order.

    @property
    def channel_y_ranks(self) -> Any:
        """phy's ``channel_y_ranks``: rank of each channel by depth, 0 the lowest (whatever
        ``origin``, as in phy; ties by x, then id; -1 for the sync channel, not shown)."""
        ranks = np.full(self.model.n_model_channels, -1, dtype=np.int64)
        ranks[self.model.depth_order] = np.arange(self.model.n_channels)
        return ranks

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        self.n_tiles_made = 0
        self.n_overlays_made = 0
        # Tile items by tile key: (tile, series, texture); a tile redrawn after a clustering
        # change has the same key.
        self._tile_items: dict[tuple[int, int], tuple[Any, int | str, int | str]] = {}
        # Overlay items by tile key: (overlay drawn, its bands' (series, texture)).
        self._overlay_items: dict[tuple[int, int], tuple[Any, list[tuple[int | str, int | str]]]] = {}
        # Tiles replaced or scrolled out, their items hidden, not deleted (the last few, by
        # tile object): an undo brings back the tiles drawn before its action, a scroll back
        # the ones just left, and showing their items again costs no texture upload.
        self._hidden: OrderedDict[int, tuple[Any, tuple[Any, int | str, int | str],
                                             tuple[Any, list[tuple[int | str, int | str]]] | None]] = OrderedDict()
        self.n_tiles_shown_again = 0
        self._label_key: Any = None
        self._redrawn = False
        self.time_box: int | str = 0
        self._time_shown: float | None = None
        self._announced = False
        self._waiting = False
        self._tiles_dimmed = False
        self._marker_items: list[int | str] = []

    def build(self, parent: int | str) -> None:
        # The time box: the window's centre, editable (Enter goes there), like alt+t.
        with dpg.group(horizontal=True, parent=parent):
            dpg.add_text("time (s)", color=(170, 170, 170, 255))
            self.time_box = dpg.add_input_double(width=110, step=0, format="%.4f", on_enter=True,
                                                 callback=lambda s, a: self.go_to_time(a))
        super().build(parent)

    def go_to_time(self, value: Any) -> None:
        """The time box's command: centre the window on ``value`` seconds."""
        self.model.go_to(float(value))

    def update(self) -> None:
        self._redrawn = False
        super().update()
        if not self._announced and self.plot:
            # The first window (restored or default) for the views already listening, as
            # phy's set_interval at attach: the amplitude view's band shows from the start.
            self._announced = True
            emit("time_range_selected", self, self.model.interval)
        if not self._redrawn and self.plot and not jobs_running():
            # Tiles next to the window, drawn in the background once the other views have
            # their data (a new selection's views get the cores first).
            self.model.prefetch()
        centre = round(sum(self.model.interval) / 2, 4)
        if centre != self._time_shown and self.time_box and not dpg.is_item_active(self.time_box):
            self._time_shown = centre  # not while the user types in it
            dpg.set_value(self.time_box, centre)

    def close(self) -> None:
        self.model.painter.close()  # the drawing thread
        for tile_id in list(self._hidden):
            self._forget(tile_id)
        super().close()

    @property
    def data_pending(self) -> bool:
        """Whether a new selection's tiles are being drawn (the previous ones stay shown)."""
        return self._waiting

    def redraw(self) -> None:
        """Show the model's visible tiles (making textures for new ones) and labels.

        With ``context.async_data``, a new selection's or clustering's tiles are drawn on
        the drawing threads while this view keeps its previous tiles (dimmed)."""
        self._redrawn = True
        frame = self.model.compute(wait=not getattr(self.context, "async_data", False))
        self._waiting = frame is None
        self._dim_tiles(self._waiting)
        if frame is None:
            return  # asked again next frame (the model stays dirty)
        dpg.configure_item(self._image, show=False)
        self._show_tiles(frame.tiles)
        self._show_labels(frame.labels)
        self._show_markers(frame.markers)
        self.n_rasterised += 1
        self._set_home(frame.home)

    def _dim_tiles(self, dim: bool) -> None:
        if dim != self._tiles_dimmed:
            self._tiles_dimmed = dim
            tint = DIMMED if dim else (255, 255, 255, 255)
            series_all = [series for _tile, series, _texture in self._tile_items.values()]
            series_all += [series for _o, items in self._overlay_items.values() for series, _t in items]
            for series in series_all:
                dpg.configure_item(series, tint_color=tint)

    def _show_tiles(self, tiles: list[Any]) -> None:
        wanted = {t.key: t for t in tiles}
        for key in [k for k, item in self._tile_items.items() if wanted.get(k) is not item[0]]:
            self._hide(key)
        for key, tile in wanted.items():
            if key in self._tile_items:
                continue
            if not self._show_again(key, tile):
                self._tile_items[key] = (tile, *self._add_image(tile.raster))
                self._drop_overlay(key)  # drawn again over the new tile
                self.n_tiles_made += 1
        # Tiles of an earlier generation (levels, filter, zoom) never come back.
        generations = {key[0] for key in wanted}
        for tile_id in [i for i, (key, _items, _o) in self._hidden.items() if generations and key[0] not in generations]:
            self._forget(tile_id)
        for key, tile in wanted.items():  # the selected spikes over their tile
            shown = self._overlay_items.get(key)
            if shown is not None and shown[0] is tile.overlay:
                continue
            self._drop_overlay(key)
            bands = [] if tile.overlay is None else tile.overlay.bands
            self._overlay_items[key] = (tile.overlay, [self._add_image(band) for band in bands])
            self.n_overlays_made += 1

    def _add_image(self, raster: Any) -> tuple[int | str, int | str]:
        # One static texture and its image series at the raster's data rectangle.
        img = np.ascontiguousarray(raster.image, dtype=np.float32)
        h, w = img.shape[:2]
        texture = dpg.add_static_texture(w, h, img.ravel(), parent=self._registry)
        x0, y0, x1, y1 = (float(v) for v in raster.extent)
        tint = DIMMED if self._tiles_dimmed else (255, 255, 255, 255)
        series = dpg.add_image_series(texture, (x0, y0), (x1, y1), parent=self._axes[1], tint_color=tint)
        return series, texture

    def _hide(self, key: tuple[int, int]) -> None:
        # A tile no longer shown: its items (and its overlay's) hidden and kept a while.
        items = self._tile_items.pop(key)
        overlay = self._overlay_items.pop(key, None)
        for series in [items[1], *(sr for sr, _t in (overlay[1] if overlay else []))]:
            dpg.configure_item(series, show=False)
        self._hidden[id(items[0])] = (key, items, overlay)
        while len(self._hidden) > _HIDDEN_TILES:
            self._forget(next(iter(self._hidden)))

    def _forget(self, tile_id: int) -> None:
        # Delete a hidden tile's items (and its overlay's).
        _key, (_tile, series, texture), overlay = self._hidden.pop(tile_id)
        _delete([(series, texture), *(overlay[1] if overlay else [])])

    def _show_again(self, key: tuple[int, int], tile: Any) -> bool:
        # The hidden items of this very tile object at this key, shown again (their tint
        # set to the current dimming); its overlay's too if still the tile's overlay.
        kept = self._hidden.get(id(tile))
        if kept is None or kept[1][0] is not tile or kept[0] != key:
            return False
        del self._hidden[id(tile)]
        _key, items, overlay = kept
        tint = DIMMED if self._tiles_dimmed else (255, 255, 255, 255)
        self._tile_items[key] = items
        dpg.configure_item(items[1], show=True, tint_color=tint)
        if overlay is not None and overlay[0] is tile.overlay:
            self._overlay_items[key] = overlay
            for series, _texture in overlay[1]:
                dpg.configure_item(series, show=True, tint_color=tint)
        elif overlay is not None:
            _delete(overlay[1])  # the tile has another overlay now: drawn by _show_tiles
        self.n_tiles_shown_again += 1
        return True

    def _drop_overlay(self, key: tuple[int, int]) -> None:
        shown = self._overlay_items.pop(key, None)
        if shown is not None:
            _delete(shown[1])

    def _show_markers(self, markers: list[Any]) -> None:
        # The event markers of the shown range (none without events: no items at all).
        for item in self._marker_items:
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
        self._marker_items = []
        for line in markers:
            item = dpg.add_line_series(line.x.tolist(), line.y.tolist(), parent=self._axes[1])
            dpg.bind_item_theme(item, self._theme(dpg.mvLineSeries, line.color, 2.0))
            self._marker_items.append(item)

    def _show_labels(self, labels: list[Any]) -> None:
        key = tuple((lb.text, lb.y) for lb in labels)
        if key == self._label_key:
            return
        self._label_key = key
        for item in self._items:
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
        self._items = [dpg.add_plot_annotation(label=lb.text, default_value=(_FAR_LEFT, float(lb.y)),
                                               offset=(6.0, 0.0), color=_LABEL_BACKGROUND, clamped=True,
                                               parent=self.plot) for lb in labels]

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """ctrl+click: select the cluster of the nearest drawn spike; shift+click: select the
        channel under the mouse in the feature view (left: x, right: y)."""
        if ctrl:
            hit = self.model.click(x, y, button=button)
            if hit is not None:
                self.context.supervisor.select(hit[1])
            return hit
        if shift:
            return self.model.channel_click(x, y, button=button)
        return None


def _delete(images: list[tuple[int | str, int | str]]) -> None:
    """Delete image series and their textures (those still there: a view's window may be
    gone first when the GUI closes)."""
    for series, texture in images:
        for item in (series, texture):
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
