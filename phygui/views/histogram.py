"""ISIView and FiringRateView: drawers of the histogram view models."""

from __future__ import annotations

from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.views._plot import PlotView

__all__ = ["ISIView", "FiringRateView"]

# phy's HistogramView names the view models hold (see PlotView.phy_names).
_PHY_NAMES = ("bin_size", "cluster_ids", "decrease", "increase", "max_n_clusters", "n_bins", "set_bin_size",
              "set_n_bins", "set_x_max", "set_x_min", "shortcuts", "status", "x_max", "x_min")


class ISIView(PlotView):
    """Inter-spike-interval histogram of each selected cluster (one row each), x in ms."""

    model_class = ISIModel
    phy_names = _PHY_NAMES
    x_scale = 1000.0
    ticks = (True, False)


class FiringRateView(PlotView):
    """Firing rate over time of each selected cluster (one row each)."""

    model_class = FiringRateModel
    phy_names = _PHY_NAMES
    listens = {"events_changed": "on_events_changed"}  # the event markers
    ticks = (True, False)
    local_state_attrs = ("x_max",)  # phy: it depends on the duration of the dataset
