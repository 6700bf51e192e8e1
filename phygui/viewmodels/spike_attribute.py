"""Spike attribute view model: a ``spike_<name>.npy`` attribute of the selected clusters' spikes.

phy's Spike``<Name>``View (parity.md §1.10), one per extra per-spike array the model
loads (``model.spike_attributes``, e.g. ``spike_positions.npy`` of SpikeInterface
exports): a 1-D attribute is drawn as (spike time, value), a 2-D or more one as its first
two columns (x, y). Each selected cluster's spikes (up to ``n_spikes_amplitudes``, phy's
budget, evenly spaced) in the selection colours, the first cluster under the next ones,
rasterised like the other scatter views; a lasso split tests every spike of the selected
clusters.
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phygui.render.raster import Raster, draw_points
from phygui.viewmodels._base import LassoViewModel, scatter_bounds
from phygui.viewmodels.items import RasterLayer
from phygui.viewmodels.lasso import LassoState

__all__ = ["SpikeAttributeModel", "SpikeAttributeOptions", "SpikeAttributeFrame", "SpikePoints",
           "spike_attribute_view_name", "attribute_of_view"]


def spike_attribute_view_name(key: str) -> str:
    """phy's view name of a spike attribute: ``'positions'`` -> ``'SpikePositionsView'``."""
    return f"Spike{key.title()}View"


def attribute_of_view(name: str, keys: Sequence[str]) -> str | None:
    """The attribute key among ``keys`` whose view is called ``name`` (None if none)."""
    base = name.split(" (")[0]  # a second view of the same attribute: 'SpikePositionsView (1)'
    return next((k for k in keys if spike_attribute_view_name(k) == base), None)


@attrs.define(frozen=True)
class SpikeAttributeOptions:
    """Options (global state: ``marker_size``)."""

    marker_size: int = 3


@attrs.define(eq=False)
class SpikePoints:
    """One cluster's drawn spikes: ids and ``(n, 2)`` coordinates."""

    cluster_id: int
    spike_ids: npt.NDArray[np.int64]
    xy: npt.NDArray[np.float64]


@attrs.define(eq=False)
class SpikeAttributeFrame:
    """The points as an image, the home bounds, the lasso polygon (data coordinates)."""

    raster: RasterLayer
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    lasso: npt.NDArray[np.float64]


class SpikeAttributeModel(LassoViewModel):
    """View model of one spike attribute view.

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.spike_attributes``,
        ``model.spike_times``, ``get_spike_ids(cluster_id, n)``, ``n_spikes_amplitudes``)
    options : SpikeAttributeOptions, optional
    attribute : str, optional
        The attribute key (default: the first one the model has).
    """

    default_size = (500, 400)
    max_n_clusters = 8
    options_class = SpikeAttributeOptions
    wheel = {"alt": "change_marker_size"}
    menu = ("clear_lasso", "split")

    def __init__(self, controller: Any, options: SpikeAttributeOptions | None = None,
                 attribute: str | None = None) -> None:
        super().__init__(controller, options)
        attrs_ = dict(getattr(controller.model, "spike_attributes", {}) or {})
        self.attribute = attribute if attribute is not None else next(iter(attrs_), "")
        self.lasso = LassoState()
        self._points: list[SpikePoints] = []
        self._bounds = (0.0, 0.0, 1.0, 1.0)

    @property
    def array(self) -> npt.NDArray[Any] | None:
        """The attribute's array (one row per spike), or None when the model lacks it."""
        arr = (getattr(self.controller.model, "spike_attributes", {}) or {}).get(self.attribute)
        return None if arr is None else np.asarray(arr)

    @property
    def is_1d(self) -> bool:
        """Whether the attribute has one value per spike (drawn against spike time)."""
        arr = self.array
        return arr is not None and (arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1))

    # Data ------------------------------------------------------------------------------

    def coords(self, cluster_id: int, load_all: bool = False) -> SpikePoints:
        """The cluster's spikes (``n_spikes_amplitudes`` of them, all with ``load_all``) and
        their (x, y): (spike time, value) for a 1-D attribute, its first two columns otherwise."""
        arr = self.array
        n = None if load_all else int(getattr(self.controller, "n_spikes_amplitudes", 10_000))
        ids = np.asarray(self.controller.get_spike_ids(int(cluster_id), n), dtype=np.int64)
        if arr is None:
            return SpikePoints(int(cluster_id), ids[:0], np.zeros((0, 2)))
        ids = ids[ids < len(arr)]  # live sessions: spikes appended after the file was read have no value
        if self.is_1d:
            x = np.asarray(self.controller.model.spike_times, np.float64)[ids]
            y = arr[ids].reshape(-1).astype(np.float64)
        else:
            sub = arr[ids].reshape(len(ids), -1)[:, :2].astype(np.float64)
            x, y = sub[:, 0], sub[:, 1]
        return SpikePoints(int(cluster_id), ids, np.column_stack([x, y]))

    def _load(self) -> None:
        self._points = [self.coords(c) for c in self.cluster_ids]
        self._bounds = scatter_bounds([p.xy for p in self._points])
        self._data_valid = True

    def points(self) -> list[SpikePoints]:
        """The drawn spikes of each selected cluster."""
        if not self._data_valid:
            self._load()
        return list(self._points)

    # Frame ------------------------------------------------------------------------------

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> SpikeAttributeFrame:
        """Rasterise the selected clusters' points (the first cluster under the next ones)."""
        points = self.points()
        home = self._bounds
        ext = self._extent(extent, home)
        image = Raster(self.size[1], self.size[0], self.layer_palette(0.75), ext)
        for i, p in enumerate(points):
            draw_points(image, p.xy[:, 0], p.xy[:, 1], i + 1, self.options.marker_size)
        self.is_dirty = False
        return SpikeAttributeFrame(RasterLayer(image.rgba(), ext), home, list(self.cluster_ids), self.lasso.polygon)

    @property
    def status(self) -> str:
        """What the axes are."""
        arr = self.array
        if arr is None:
            return f"no spike attribute {self.attribute!r} in this dataset"
        what = "x: time (s), y: value" if self.is_1d else "x, y: the first two columns"
        return f"spike_{self.attribute}.npy  {what}"

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the coordinates under the mouse."""
        return f"{x:.4g}, {y:.4g}"

    # Lasso and split ------------------------------------------------------------------------

    def add_lasso_point(self, x: float, y: float) -> bool:
        """ctrl+left click (data coordinates)."""
        ok = self.lasso.add(x, y, box=0)
        self.is_dirty = True
        return ok

    def spikes_in_lasso(self, load_all: bool = True) -> npt.NDArray[np.int64]:
        """Spikes of the selected clusters inside the lasso (all their spikes with ``load_all``)."""
        if not self.lasso.is_closed or not self.cluster_ids or self.array is None:
            return np.zeros(0, dtype=np.int64)
        inside = [p.spike_ids[self.lasso.contains(p.xy)] for p in
                  (self.coords(c, load_all=load_all) for c in self.cluster_ids)]
        return np.unique(np.concatenate(inside)).astype(np.int64)

    # Commands ------------------------------------------------------------------------------

    def change_marker_size(self, delta: float) -> None:
        """alt+wheel: marker size in pixels (1..20)."""
        size = int(np.clip(self.options.marker_size + (1 if delta > 0 else -1), 1, 20))
        self._set(False, marker_size=size)
