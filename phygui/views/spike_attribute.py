"""Spike``<Name>``View: the drawer of :class:`~phygui.viewmodels.spike_attribute.SpikeAttributeModel`.

One view class serves every attribute: the view's name (``SpikePositionsView``...) says
which ``spike_<name>.npy`` it draws, as phy names its dynamically made classes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from phygui.viewmodels.spike_attribute import SpikeAttributeModel, attribute_of_view
from phygui.views._plot import PlotView

__all__ = ["SpikeAttributeView"]


class SpikeAttributeView(PlotView):
    """A per-spike attribute of the selected clusters, with lasso split (ctrl+left click
    adds a vertex, ctrl+right click clears, ``k`` splits).

    Parameters
    ----------
    context : ViewContext or GUI
    name : str
        ``Spike<Name>View``: phy's name of the attribute's view.
    """

    model_class = SpikeAttributeModel
    ticks: ClassVar[tuple[bool, bool]] = (True, True)
    has_lasso = True

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        keys = list(getattr(self.context.controller.model, "spike_attributes", {}) or {})
        key = attribute_of_view(self.name, keys)
        if key is None:
            raise ValueError(f"{self.name}: the dataset has no such spike attribute (it has {keys}).")
        self.model = SpikeAttributeModel(self.context.controller, attribute=key)
