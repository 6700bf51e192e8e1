"""TemplateFeatureView: the drawer of :class:`~phygui.viewmodels.template_feature.TemplateFeatureModel`."""

from __future__ import annotations

from typing import ClassVar

from phygui.viewmodels.template_feature import TemplateFeatureModel
from phygui.views._plot import PlotView

__all__ = ["TemplateFeatureView"]


class TemplateFeatureView(PlotView):
    """Two selected clusters' spikes projected on their templates, with lasso split
    (ctrl+left click adds a vertex, ctrl+right click clears, ``k`` splits)."""

    model_class = TemplateFeatureModel
    ticks: ClassVar[tuple[bool, bool]] = (True, True)
    has_lasso = True
