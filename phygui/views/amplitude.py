"""AmplitudeView: the drawer of :class:`~phygui.viewmodels.amplitude.AmplitudeModel`."""

from __future__ import annotations

import functools
from typing import Any

import dearpygui.dearpygui as dpg

from phygui.viewmodels.amplitude import TIME_RANGE_COLOR, AmplitudeModel
from phygui.views._plot import PlotView

__all__ = ["AmplitudeView"]

#: The submenu of the dock menu choosing a type (phy's ``view_submenu``).
TYPE_SUBMENU = "Change amplitudes type"


class AmplitudeView(PlotView):
    """Amplitudes over time (one raster) with the marginal histograms, and lasso split.

    ``a`` / ``shift+a`` cycle the amplitude types, the "Change amplitudes type" submenu of
    the view's menu picks one. ctrl+left click adds a lasso vertex, ctrl+right click clears
    it, alt+click emits ``select_time`` (the trace view goes there). The trace view's
    window is a translucent yellow band behind the points (``time_range_selected``),
    moved without re-rasterising the points. It follows ``select_feature`` (feature view)
    and ``select_channel`` (waveform and trace views; phy's amplitude view follows only the
    waveform view's, phygui's also the trace view's shift+click, which picks a channel for
    the feature view just the same).
    """

    model_class = AmplitudeModel
    phy_names = ("amplitudes_type", "amplitudes_types", "cluster_ids", "duration", "marker_size", "max_n_clusters",
                 "n_bins", "next_amplitudes_type", "on_request_split", "previous_amplitudes_type", "quantile",
                 "shortcuts", "status")
    ticks = (True, True)
    has_lasso = True
    listens = {"select_feature": "on_select_feature", "select_channel": "on_select_channel",
               "time_range_selected": "on_time_range_selected", "toggle_spike_reorder": "on_toggle_spike_reorder",
               "events_changed": "on_events_changed"}

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        self._band: int | str = 0
        self._band_shown: Any = None

    def build(self, parent: int | str) -> None:
        super().build(parent)
        # Behind the points, as phy's patch visual: inserted before the image series.
        self._band = dpg.add_shade_series([0.0], [0.0], y2=[0.0], parent=self._axes[1], before=self._image,
                                          show=False)
        dpg.bind_item_theme(self._band, self._theme(dpg.mvShadeSeries, TIME_RANGE_COLOR))

    def _add_actions(self) -> None:
        super()._add_actions()
        for kind in self.model.amplitudes_types:
            self.actions.add(functools.partial(self.model.set_amplitudes_type, kind),
                             name=f"change_amplitudes_type_to_{kind}", docstring=f"Show the {kind} amplitudes.",
                             submenu=TYPE_SUBMENU, show_shortcut=False, menu=self.name)

    def update(self) -> None:
        super().update()
        if self._band:
            self._update_band()

    def _update_band(self) -> None:
        band = self.model.time_band()
        x_axis, y_axis = self._axes
        # Full height: the home bounds and whatever is shown (panned or zoomed out).
        y0, y1 = dpg.get_axis_limits(y_axis)
        if self._home is not None:
            y0, y1 = min(y0, self._home[1]), max(y1, self._home[3])
        key = (band, y0, y1)
        if key == self._band_shown:
            return
        self._band_shown = key
        if band is None:
            dpg.configure_item(self._band, show=False)
            return
        x0, x1 = band[0] * self.x_scale, band[1] * self.x_scale
        dpg.configure_item(self._band, x=[x0, x1], y1=[y1, y1], y2=[y0, y0], show=True)

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        if alt and not ctrl:
            return self.model.time_click(x)
        return super().click(x, y, button, ctrl=ctrl, alt=alt)
