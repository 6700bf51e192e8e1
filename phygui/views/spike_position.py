"""SpikePositionView: the drawer of :class:`~phygui.viewmodels.spike_position.SpikePositionModel`."""

from __future__ import annotations

from typing import ClassVar

from phygui.viewmodels.spike_position import SpikePositionModel
from phygui.views._plot import PlotView

__all__ = ["SpikePositionView"]


class SpikePositionView(PlotView):
    """Kilosort 4's spike positions (x, y in µm): the selected clusters' spikes in their
    colours over all spikes in grey, with lasso split (ctrl+left click adds a vertex,
    ctrl+right click clears, ``k`` splits). A phygui view (phy has none like it); offered
    only for folders with ``spike_positions.npy``."""

    model_class = SpikePositionModel
    ticks: ClassVar[tuple[bool, bool]] = (True, True)
    has_lasso = True
