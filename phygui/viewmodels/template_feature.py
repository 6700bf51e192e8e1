"""Template feature view model: two clusters' spikes projected on their templates, with lasso split.

phy's TemplateFeatureView (parity.md §1.10). It draws only when exactly two clusters are
selected: for the sampled spikes of each (phy's feature budget, 2,500 evenly spaced
spikes), x is the spike's template features averaged over the *first* cluster's
templates (weighted by that cluster's spike count per template) and y the same for the
second cluster (``controller.get_template_features``). A spike sits far along the axis
of the template it matches: two clusters that are one neuron overlap on the diagonal,
two neurons form two arms. The first cluster is blue, the second red; a lasso split
tests every spike of the two clusters. Without ``template_features.npy`` the view
says so and draws nothing.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.viewmodels._base import LassoViewModel, scatter_bounds
from phygui.viewmodels.recent import RecentResults, cluster_key
from phygui.viewmodels.items import RasterLayer
from phygui.viewmodels.lasso import LassoState
from phygui.render.raster import Raster, draw_points

__all__ = ["TemplateFeatureModel", "TemplateFeatureOptions", "TemplateFeatureFrame"]



@attrs.define(frozen=True)
class TemplateFeatureOptions:
    """Options (global state: ``marker_size``, phy's packaged default 5)."""

    marker_size: int = 5


@attrs.define(eq=False)
class TemplateFeatureFrame:
    """The points as an image, the home bounds, the lasso polygon (data coordinates)."""

    raster: RasterLayer
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    lasso: npt.NDArray[np.float64]


class TemplateFeatureModel(LassoViewModel):
    """View model of the template feature view.

    Parameters
    ----------
    controller : TemplateController (duck-typed)
        Needs ``model`` and ``get_template_features(cluster_ids, load_all)``.
    options : TemplateFeatureOptions, optional
    """

    default_size = (500, 400)
    max_n_clusters = 8  # phy's cap; only a selection of exactly two is drawn
    options_class = TemplateFeatureOptions
    wheel = {"alt": "change_marker_size"}
    menu = ("clear_lasso", "split")

    def __init__(self, controller: Any, options: TemplateFeatureOptions | None = None) -> None:
        super().__init__(controller, options)
        self.lasso = LassoState()
        self._points: list[Any] = []
        self._bounds = (0.0, 0.0, 1.0, 1.0)
        self._recent = RecentResults(16)  # the points of the last pairs (an undo finds them)

    @property
    def has_template_features(self) -> bool:
        """Whether the dataset has ``template_features.npy``."""
        return getattr(self.controller.model, "sparse_template_features", None) is not None

    @property
    def is_pair(self) -> bool:
        """Whether exactly two clusters are selected (the only case drawn)."""
        return len(self.cluster_ids) == 2

    # Data ---------------------------------------------------------------------------

    def _load(self) -> None:
        self._points = []
        if self.has_template_features and self.is_pair:
            key = tuple(cluster_key(self.controller, c) for c in self.cluster_ids)
            points = self._recent.get(key)
            if points is None:
                points = list(self.controller.get_template_features(self.cluster_ids) or [])
                self._recent.put(key, points)
            self._points = list(points)
        self._bounds = scatter_bounds([p.data for p in self._points])
        self._data_valid = True

    def points(self) -> list[Any]:
        """The drawn spikes of the two clusters (:class:`SpikeData`, ``data`` is ``(n, 2)``)."""
        if not self._data_valid:
            self._load()
        return list(self._points)

    # Frame ---------------------------------------------------------------------------

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> TemplateFeatureFrame:
        """Rasterise the two clusters' points (the first cluster under the second)."""
        points = self.points()
        home = self._bounds
        ext = self._extent(extent, home)
        image = Raster(self.size[1], self.size[0], self.layer_palette(0.75), ext)
        for i, p in enumerate(points):
            draw_points(image, p.data[:, 0], p.data[:, 1], i + 1, self.options.marker_size)
        self.is_dirty = False
        return TemplateFeatureFrame(RasterLayer(image.rgba(), ext), home,
                                    list(self.cluster_ids), self.lasso.polygon)

    @property
    def status(self) -> str:
        """What the axes are, or why nothing is drawn."""
        if not self.has_template_features:
            return "no template features in this dataset (template_features.npy is absent)"
        if not self.is_pair:
            return "select exactly two clusters"
        a, b = self.cluster_ids
        return f"x: templates of {a}, y: templates of {b}"

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the projections under the mouse."""
        if not self.is_pair:
            return ""
        a, b = self.cluster_ids
        return f"on {a}: {x:.4g}, on {b}: {y:.4g}"

    # Lasso and split -------------------------------------------------------------------

    def add_lasso_point(self, x: float, y: float) -> bool:
        """ctrl+left click (data coordinates)."""
        ok = self.lasso.add(x, y, box=0)
        self.is_dirty = True
        return ok

    def spikes_in_lasso(self, load_all: bool = True) -> npt.NDArray[np.int64]:
        """Spikes of the two clusters inside the lasso (all their spikes with ``load_all``)."""
        if not self.lasso.is_closed or not self.is_pair or not self.has_template_features:
            return np.zeros(0, dtype=np.int64)
        points = self.controller.get_template_features(self.cluster_ids, load_all=load_all)
        inside = [p.spike_ids[self.lasso.contains(p.data)] for p in points]
        return np.unique(np.concatenate(inside)).astype(np.int64)

    # Commands --------------------------------------------------------------------------

    def change_marker_size(self, delta: float) -> None:
        """alt+wheel: marker size in pixels (1..20)."""
        size = int(np.clip(self.options.marker_size + (1 if delta > 0 else -1), 1, 20))
        self._set(False, marker_size=size)
