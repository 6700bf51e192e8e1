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
    ticks = (True, True)
    has_lasso = True
    listens = {"select_feature": "on_select_feature"}

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        if alt and not ctrl:
            return self.model.time_click(x)
        return super().click(x, y, button, ctrl=ctrl, alt=alt)
