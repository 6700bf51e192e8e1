"""Which drawer implements which view name (like napari's ``layer_to_visual``).

Views not listed here (trace image...) stay placeholders until their step lands; a GUI
without a controller (a bare Supervisor) also gets placeholders, since the data views
need the controller's data.
"""

from __future__ import annotations

from typing import Any, Callable

from phygui.views.amplitude import AmplitudeView
from phygui.views.base import View
from phygui.views.correlogram import CorrelogramView
from phygui.views.feature import FeatureView
from phygui.views.histogram import FiringRateView, ISIView
from phygui.views.placeholder import PlaceholderView
from phygui.views.probe import ProbeView
from phygui.views.raster import RasterView
from phygui.views.scatter import ClusterScatterView
from phygui.views.template import TemplateView
from phygui.views.template_feature import TemplateFeatureView
from phygui.views.trace import TraceView
from phygui.views.waveform import WaveformView

__all__ = ["DATA_VIEWS", "view_factory"]

#: View name -> drawer class.
DATA_VIEWS: dict[str, type[View]] = {
    "WaveformView": WaveformView,
    "FeatureView": FeatureView,
    "AmplitudeView": AmplitudeView,
    "CorrelogramView": CorrelogramView,
    "ISIView": ISIView,
    "FiringRateView": FiringRateView,
    "TemplateView": TemplateView,
    "TraceView": TraceView,
    "ProbeView": ProbeView,
    "RasterView": RasterView,
    "ClusterScatterView": ClusterScatterView,
    "TemplateFeatureView": TemplateFeatureView,
}


def view_factory(name: str, has_controller: bool) -> Callable[[Any], View]:
    """A factory ``f(gui) -> View`` for a view name: its drawer, or a placeholder (the
    factory also takes a :class:`~phygui.views.context.ViewContext` instead of the GUI)."""
    cls = DATA_VIEWS.get(name)
    if cls is not None and has_controller:
        return lambda context: cls(context, name)
    return lambda context: PlaceholderView(context, name)
