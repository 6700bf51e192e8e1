"""ProbeView: the drawer of :class:`~phygui.viewmodels.probe.ProbeModel`."""

from __future__ import annotations

from phygui.viewmodels.probe import ProbeModel
from phygui.views._plot import PlotView

__all__ = ["ProbeView"]


class ProbeView(PlotView):
    """The probe's sites, the selected clusters' best channels in their colours."""

    model_class = ProbeModel
    phy_names = ("best_channels", "cluster_ids", "do_show_labels", "max_n_clusters", "positions", "shortcuts",
                 "toggle_show_labels")
