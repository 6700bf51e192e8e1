"""CorrelogramView: the drawer of :class:`~phygui.viewmodels.correlogram.CorrelogramModel`."""

from __future__ import annotations

from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.views._plot import PlotView

__all__ = ["CorrelogramView"]


class CorrelogramView(PlotView):
    """Auto- and cross-correlograms of the selected clusters (filled bars, baselines,
    refractory lines; few vertices, so vector series rather than a raster)."""

    model_class = CorrelogramModel
    pad = (0.08, 0.07, 0.01, 0.01)
