"""CorrelogramView: the drawer of :class:`~phygui.viewmodels.correlogram.CorrelogramModel`."""

from __future__ import annotations

from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.views._plot import PlotView

__all__ = ["CorrelogramView"]


class CorrelogramView(PlotView):
    """Auto- and cross-correlograms of the selected clusters (filled bars, baselines,
    refractory lines; few vertices, so vector series rather than a raster)."""

    model_class = CorrelogramModel
    phy_names = ("bin_size", "cluster_ids", "decrease", "increase", "max_n_clusters", "refractory_period", "set_bin",
                 "set_refractory_period", "set_window", "shortcuts", "status", "toggle_labels",
                 "toggle_normalization", "uniform_normalization", "window_size")
    pad = (0.08, 0.07, 0.01, 0.01)
