"""Which drawer implements which view name (like napari's ``layer_to_visual``), and which
views a dataset can show.

A GUI without a controller (a bare Supervisor) gets placeholders, since the data views
need the controller's data. With a controller, phy's creation rules apply
(:func:`view_available`, parity.md §1.0): a view whose data the folder lacks is neither
opened nor offered in View > Add view (a saved state naming it opens nothing), so no
view ever shows zeros for missing data. Besides :data:`DATA_VIEWS`, the controller's
session offers the Python console (``IPythonView``) and one Spike``<Name>``View per
``spike_<name>.npy`` attribute (:func:`offered_views`).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from phygui.views.amplitude import AmplitudeView
from phygui.viewmodels.spike_attribute import attribute_of_view, spike_attribute_view_name
from phygui.views.base import View
from phygui.views.console import IPythonView
from phygui.views.correlogram import CorrelogramView
from phygui.views.feature import FeatureView
from phygui.views.merge_review import MergeReviewView
from phygui.views.histogram import FiringRateView, ISIView
from phygui.views.placeholder import PlaceholderView
from phygui.views.probe import ProbeView
from phygui.views.psth import PSTHView
from phygui.views.raster import RasterView
from phygui.views.scatter import ClusterScatterView
from phygui.views.spike_attribute import SpikeAttributeView
from phygui.views.spike_position import SpikePositionView
from phygui.views.template import TemplateView
from phygui.views.template_feature import TemplateFeatureView
from phygui.views.trace import TraceView
from phygui.views.trace_image import TraceImageView
from phygui.views.waveform import WaveformView

__all__ = ["DATA_VIEWS", "view_factory", "view_available", "offered_views", "spike_attribute_views"]

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
    "TraceImageView": TraceImageView,
    "SpikePositionView": SpikePositionView,
    "PSTHView": PSTHView,
}

#: Views of a session with a controller that have no view model options (no state schema).
SESSION_VIEWS: dict[str, type[View]] = {"IPythonView": IPythonView, "MergeReviewView": MergeReviewView}


def spike_attribute_views(controller: Any) -> list[str]:
    """phy's Spike``<Name>``View names of the model's spike attributes (``spike_<name>.npy``
    with one row per spike)."""
    attributes = getattr(getattr(controller, "model", None), "spike_attributes", None) or {}
    return [spike_attribute_view_name(k) for k in attributes]  # view_available drops non-numeric ones


def view_available(name: str, controller: Any) -> bool:
    """Whether the dataset has the data of a view (phy's creation rules; True for views
    without a rule, and for every view when there is no controller: placeholders).

    FeatureView needs PC features or the ``_phy_spikes_subset`` waveforms, TemplateFeatureView
    template features, TraceView and TraceImageView readable raw data, WaveformView a
    waveform type (templates, raw data or the subset), AmplitudeView amplitudes; a
    Spike``<Name>``View its attribute; SpikePositionView spike positions (Kilosort 4).
    """
    if controller is None:
        return True
    m = getattr(controller, "model", None)
    base = name.split(" (")[0]

    def has(attr: str) -> bool:
        return getattr(m, attr, None) is not None

    if base == "FeatureView":
        return has("sparse_features") or has("spike_waveforms")
    if base == "TemplateFeatureView":
        return has("sparse_template_features")
    if base in ("TraceView", "TraceImageView"):
        return has("traces")
    if base == "WaveformView":
        return has("sparse_templates") or has("traces") or has("spike_waveforms")
    if base == "AmplitudeView":
        return has("amplitudes") or has("sparse_features") or has("sparse_template_features") or has("traces")
    if base == "SpikePositionView":  # Kilosort 4's spike_positions.npy
        return has("spike_positions")
    if base.startswith("Spike") and base.endswith("View") and base not in DATA_VIEWS:
        attributes = getattr(m, "spike_attributes", None) or {}
        key = attribute_of_view(base, list(attributes))
        return key is not None and np.issubdtype(np.asarray(attributes[key]).dtype, np.number)
    return True


def offered_views(controller: Any) -> list[str]:
    """The view names View > Add view offers: every data view (placeholders without a
    controller); with one, only those :func:`view_available` allows, the console and the
    spike attribute views."""
    if controller is None:
        return list(DATA_VIEWS)
    names = [*DATA_VIEWS, *SESSION_VIEWS, *spike_attribute_views(controller)]
    return [n for n in names if view_available(n, controller)]


def view_factory(name: str, has_controller: bool) -> Callable[[Any], View]:
    """A factory ``f(gui) -> View`` for a view name: its drawer, or a placeholder (the
    factory also takes a :class:`~phygui.views.context.ViewContext` instead of the GUI)."""
    cls = DATA_VIEWS.get(name) or SESSION_VIEWS.get(name)
    if cls is None and name.startswith("Spike") and name.endswith("View"):
        cls = SpikeAttributeView  # the view finds its attribute from its name
    if cls is not None and has_controller:
        return lambda context: cls(context, name)
    return lambda context: PlaceholderView(context, name)
