"""ClusterScatterView: the drawer of :class:`~phygui.viewmodels.scatter.ClusterScatterModel`."""

from __future__ import annotations

from typing import Any, ClassVar

from phycore.signals import emit
from phygui.viewmodels.scatter import ClusterScatterModel
from phygui.views._plot import PlotView

__all__ = ["ClusterScatterView"]


class ClusterScatterView(PlotView):
    """One marker per cluster; a click selects the nearest cluster, shift+click adds it,
    a ctrl+click lasso selects the clusters inside it (ctrl+right click clears it)."""

    model_class = ClusterScatterModel
    phy_names = ("cluster_ids", "decrease_marker_size", "increase_marker_size", "marker_size", "max_n_clusters",
                 "next_color_scheme", "previous_color_scheme", "set_x_axis", "set_y_axis", "shortcuts",
                 "size_log_scale", "status", "x_axis", "x_axis_log_scale", "y_axis", "y_axis_log_scale")
    ticks: ClassVar[tuple[bool, bool]] = (True, True)
    listens = {"table_filter": "on_table_filter", "color_mapping_changed": "on_color_mapping_changed"}

    # phy's names for the size binding (the model's set_size is the viewport's).
    @property
    def size(self) -> str:
        """phy's ``size``: the cluster-table column bound to the marker size."""
        return str(self.model.options.size)

    @size.setter
    def size(self, field: str) -> None:
        self.set_size(field)

    def set_size(self, field: str) -> None:
        """phy's ``set_size(field)``: bind the marker size to a cluster-table column."""
        self.model.set_size_axis(field)

    def on_select(self, cluster_ids: list[int]) -> None:
        if self.auto_update:
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
        """Add a lasso vertex; from the third one on, ask to select the clusters inside
        (phy's ``request_select``, which the GUI answers)."""
        self.add_lasso_point(x, y)
        ids = self.model.clusters_in_lasso()
        if ids:
            emit("request_select", self, [int(c) for c in ids])
        return ids
