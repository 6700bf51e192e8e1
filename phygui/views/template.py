"""TemplateView: the drawer of :class:`~phygui.viewmodels.template.TemplateViewModel`."""

from __future__ import annotations

from typing import Any

from phygui.viewmodels.template import TemplateViewModel
from phygui.views._plot import PlotView

__all__ = ["TemplateView"]


class TemplateView(PlotView):
    """The templates of every (visible) cluster at the probe positions.

    Follows the cluster table's filter and the colour mapping; ctrl+click on a template
    emits ``cluster_click`` then phy's ``request_select`` (ctrl+shift+click: ``select_more``,
    adding it), which the GUI answers by selecting the cluster.
    """

    model_class = TemplateViewModel
    phy_names = ("cluster_ids", "decrease", "increase", "max_n_clusters", "scaling", "shortcuts")
    local_state_attrs = ("scaling",)
    listens = {"table_filter": "on_table_filter", "color_mapping_changed": "on_color_mapping_changed"}

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """ctrl+click: select the template's cluster (ctrl+shift+click: add it)."""
        if not ctrl:
            return None
        return self.select_cluster(self.model.click(x, y, button=button), add=shift)
