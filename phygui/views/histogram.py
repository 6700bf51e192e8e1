"""ISIView and FiringRateView: drawers of the histogram view models."""

from __future__ import annotations

from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.views._plot import PlotView

__all__ = ["ISIView", "FiringRateView"]


class ISIView(PlotView):
    """Inter-spike-interval histogram of each selected cluster (one row each), x in ms."""

    model_class = ISIModel
    x_scale = 1000.0
    ticks = (True, False)


class FiringRateView(PlotView):
    """Firing rate over time of each selected cluster (one row each)."""

    model_class = FiringRateModel
    ticks = (True, False)
