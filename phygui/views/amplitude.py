"""AmplitudeView: the drawer of :class:`~phygui.viewmodels.amplitude.AmplitudeModel`."""

from __future__ import annotations

from typing import Any

from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.views._plot import PlotView

__all__ = ["AmplitudeView"]


class AmplitudeView(PlotView):
    """Amplitudes over time (one raster) with the marginal histograms, and lasso split.

    ctrl+left click adds a lasso vertex, ctrl+right click clears it, alt+click emits
    ``select_time``; it follows ``select_feature`` from the feature view.
    """

    model_class = AmplitudeModel
    phy_names = ("amplitudes_type", "amplitudes_types", "cluster_ids", "duration", "marker_size", "max_n_clusters",
                 "n_bins", "next_amplitudes_type", "on_request_split", "previous_amplitudes_type", "quantile",
                 "shortcuts", "status")
    ticks = (True, True)
    has_lasso = True
    listens = {"select_feature": "on_select_feature"}

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        if alt and not ctrl:
            return self.model.time_click(x)
        return super().click(x, y, button, ctrl=ctrl, alt=alt)
