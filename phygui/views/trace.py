"""TraceView: the drawer of :class:`~phygui.viewmodels.trace.TraceModel`."""

from __future__ import annotations

from typing import Any, ClassVar

from phygui.viewmodels.trace import TraceModel
from phygui.views._plot import PlotView

__all__ = ["TraceView"]


class TraceView(PlotView):
    """Raw traces of all channels in a time window, selected clusters' spikes in colour.

    ctrl+click near a drawn spike emits ``spike_click`` and selects the spike's cluster.
    """

    model_class = TraceModel
    ticks: ClassVar[tuple[bool, bool]] = (True, False)
    pad: ClassVar[tuple[float, float, float, float]] = (0.0, 0.0, 0.0, 0.0)
    local_state_attrs = ("interval", "scaling")

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """ctrl+click: select the cluster of the nearest drawn spike."""
        if not ctrl:
            return None
        hit = self.model.click(x, y, button=button)
        if hit is not None:
            self.gui.supervisor.select(hit[1])
        return hit
