"""CorrelogramView: the drawer of :class:`~phygui.viewmodels.correlogram.CorrelogramModel`."""

from __future__ import annotations

from typing import Any

from phycore.signals import emit
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

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """A stationary right click (the plot calls it on release, < 5 px from the press) on a
        cross-correlogram emits ``request_promote_similar(view, a, b)`` (row's, column's cluster);
        when one of the pair is selected in the cluster table and the other in the similarity
        table, the similar one is promoted (``Supervisor.promote_similar``). Returns the
        promoted cluster, or None."""
        if button != "right" or ctrl or alt or shift:
            return None
        pair = self.model.pair_at(x, y)
        if pair is None:
            return None
        a, b = pair
        emit("request_promote_similar", self, a, b)
        sup = self.context.supervisor
        for best, similar in ((a, b), (b, a)):
            if best in sup.selected_clusters and similar in sup.selected_similar:
                sup.promote_similar(similar)
                return similar
        return None
