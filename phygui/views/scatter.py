"""ClusterScatterView: the drawer of :class:`~phygui.viewmodels.scatter.ClusterScatterModel`."""

from __future__ import annotations

from typing import Any, ClassVar

from phygui.viewmodels.scatter import ClusterScatterModel
from phygui.views._plot import PlotView

__all__ = ["ClusterScatterView"]


class ClusterScatterView(PlotView):
    """One marker per cluster; a click selects the nearest cluster, shift+click adds it,
    a ctrl+click lasso selects the clusters inside it (ctrl+right click clears it)."""

    model_class = ClusterScatterModel
    ticks: ClassVar[tuple[bool, bool]] = (True, True)
    listens = {"table_filter": "on_table_filter", "color_mapping_changed": "on_color_mapping_changed"}

    def on_select(self, cluster_ids: list[int]) -> None:
        self.model.set_selection(cluster_ids)  # a global view: the selection does not unzoom

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """Click: select the nearest cluster (shift+click: add it); ctrl+click: lasso."""
        if ctrl and not alt:
            if button == "left":
                return self.lasso_select(x, y)
            self.clear_lasso()
            return None
        if alt or button != "left":
            return None
        return self.select_cluster(self.model.cluster_at(x, y), add=shift)

    def lasso_select(self, x: float, y: float) -> list[int]:
        """Add a lasso vertex; from the third one on, select the clusters inside (phy)."""
        self.add_lasso_point(x, y)
        ids = self.model.clusters_in_lasso()
        if ids:
            self.context.supervisor.select(*ids)
        return ids
