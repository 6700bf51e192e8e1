"""FeatureView: the drawer of :class:`~phygui.viewmodels.feature.FeatureModel`."""

from __future__ import annotations

from typing import Any

from phygui.viewmodels.async_data import jobs_running
from phygui.viewmodels.feature import FeatureModel
from phygui.views._plot import PlotView

__all__ = ["FeatureView"]


class FeatureView(PlotView):
    """The grid of PC-feature scatter plots (one raster), with lasso split.

    ctrl+left click adds a lasso vertex, ctrl+right click clears it, alt+click emits
    ``select_feature`` (the amplitude view follows it); it follows ``select_channel``
    (waveform and trace views).
    """

    model_class = FeatureModel
    phy_names = ("channel_ids", "clear_channels", "cluster_ids", "decrease", "feature_scaling", "fixed_channels",
                 "increase", "marker_size", "max_n_clusters", "on_request_split", "shortcuts", "status",
                 "toggle_automatic_channel_selection")
    has_lasso = True
    center_label_offset = (0.0, -8.0)
    listens = {"select_channel": "on_channel_click",  # channel_click, its alias, would repeat it
               "toggle_spike_reorder": "on_toggle_spike_reorder"}

    def update(self) -> None:
        super().update()
        if self.plot and not self.data_pending and not jobs_running():
            # Idle: the next similar clusters' features read ahead once the views of this
            # selection have their data (they get the cores first).
            self.model.prefetch()

    def set_grid_dim(self, grid: Any) -> None:
        """Replace the subplot grid spec, e.g. ``[['0A,1A', '1A,2A'], ...]`` (phy's API)."""
        self.model.set_grid_dim(grid)
        self.dirty = True

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        if alt and not ctrl:
            return self.model.feature_click(x, y, button=button)
        return super().click(x, y, button, ctrl=ctrl, alt=alt)
