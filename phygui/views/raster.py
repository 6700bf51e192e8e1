"""RasterView: the drawer of :class:`~phygui.viewmodels.raster.RasterModel`."""

from __future__ import annotations

from typing import Any, ClassVar

from phygui.viewmodels.raster import RasterModel
from phygui.views._plot import PlotView

__all__ = ["RasterView"]


class RasterView(PlotView):
    """Every spike of every cluster, one row per cluster in the table's order.

    ctrl+click on a row selects its cluster (ctrl+shift+click adds it) through phy's
    ``request_select`` / ``select_more``, which the GUI answers.
    """

    model_class = RasterModel
    phy_names = ("cluster_ids", "decrease_marker_size", "duration", "increase_marker_size", "marker_size",
                 "max_n_clusters", "shortcuts")
    ticks: ClassVar[tuple[bool, bool]] = (True, False)
    pad: ClassVar[tuple[float, float, float, float]] = (0.0, 0.0, 0.0, 0.0)
    listens = {"table_filter": "on_table_filter", "table_sort": "on_table_sort",
               "color_mapping_changed": "on_color_mapping_changed", "events_changed": "on_events_changed"}

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """ctrl+click: select the row's cluster (ctrl+shift+click: add it)."""
        if not ctrl:
            return None
        return self.select_cluster(self.model.click(x, y, button=button), add=shift)
