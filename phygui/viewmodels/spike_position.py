"""Spike position view model: where on the probe the selected clusters' spikes are.

Kilosort 4 writes each spike's estimated position on the probe (``spike_positions.npy``,
x and y in µm, :attr:`phycore.TemplateModel.spike_positions`) and shows them in its own
diagnostics as an x/y scatter coloured by cluster. This view draws them the same way:
the selected clusters' spikes in the selection colours over a grey background of every
spike of the recording (evenly subsampled), so a cluster is seen where it sits among its
neighbours. The home bounds are those of the whole background (the probe's spikes), so
changing the selection does not move the axes. A ctrl+click lasso and ``k`` split off
the selected clusters' spikes inside it, as in the feature and amplitude views.

It is a phygui addition (phy has no such view: its ``SpikePositionsView``, one of the
spike attribute views, draws only the selected clusters' spikes, in their own bounds);
it shares that view model's data access, drawing and lasso and adds the background.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.render.raster import Raster, draw_points
from phygui.viewmodels._base import scatter_bounds
from phygui.viewmodels.items import RasterLayer
from phygui.viewmodels.spike_attribute import SpikeAttributeFrame, SpikeAttributeModel, SpikeAttributeOptions

__all__ = ["SpikePositionModel", "SpikePositionOptions", "spike_positions_of"]


def spike_positions_of(model: Any) -> npt.NDArray[Any] | None:
    """The ``(n_spikes, 2)`` spike positions of a model, or None when it has none."""
    pos = getattr(model, "spike_positions", None)
    return None if pos is None else np.asarray(pos)


@attrs.define(frozen=True)
class SpikePositionOptions(SpikeAttributeOptions):
    """Options (global state): ``marker_size`` and the number of background spikes."""

    n_spikes_background: int = 20_000


class SpikePositionModel(SpikeAttributeModel):
    """View model of the spike position view (see the module docstring).

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.spike_positions``,
        ``get_spike_ids(cluster_id, n)``, ``n_spikes_amplitudes``)
    options : SpikePositionOptions, optional
    """

    options_class = SpikePositionOptions

    def __init__(self, controller: Any, options: SpikePositionOptions | None = None) -> None:
        super().__init__(controller, options, attribute="positions")
        self._background: npt.NDArray[np.float64] | None = None
        self._background_key = (0, 0)

    @property
    def array(self) -> npt.NDArray[Any] | None:
        """The model's spike positions ``(n_spikes, 2)``, or None."""
        return spike_positions_of(self.controller.model)

    @property
    def is_1d(self) -> bool:
        """Never: positions are drawn as (x, y)."""
        return False

    def background(self) -> npt.NDArray[np.float64]:
        """``(k, 2)`` positions of every ``n / n_spikes_background``-th spike (finite ones)."""
        arr = self.array
        if arr is None or not len(arr):
            return np.zeros((0, 2))
        n_max = max(1, int(self.options.n_spikes_background))
        if self._background is None or self._background_key != (len(arr), n_max):
            step = max(1, int(np.ceil(len(arr) / n_max)))
            xy = np.asarray(arr[::step, :2], dtype=np.float64)
            self._background = xy[np.isfinite(xy).all(axis=1)]
            self._background_key = (len(arr), n_max)
        return self._background

    def _load(self) -> None:
        super()._load()
        # The whole probe's spikes set the axes: a new selection does not move them.
        self._bounds = scatter_bounds([self.background()] + [p.xy for p in self._points])

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> SpikeAttributeFrame:
        """Rasterise the background (layer 0, grey) and the selected clusters' spikes."""
        points = self.points()
        ext = self._extent(extent, self._bounds)
        image = Raster(self.size[1], self.size[0], self.layer_palette(0.75), ext)
        bg = self.background()
        draw_points(image, bg[:, 0], bg[:, 1], 0, max(1, self.options.marker_size - 1))
        for i, p in enumerate(points):
            draw_points(image, p.xy[:, 0], p.xy[:, 1], i + 1, self.options.marker_size)
        self.is_dirty = False
        return SpikeAttributeFrame(RasterLayer(image.rgba(), ext), self._bounds, list(self.cluster_ids),
                                   self.lasso.polygon)

    @property
    def status(self) -> str:
        """What is drawn."""
        if self.array is None:
            return "no spike positions in this dataset"
        n = sum(len(p.spike_ids) for p in self.points())
        return (f"spike positions (µm): {n} spikes of {len(self.cluster_ids)} clusters "
                f"over {len(self.background())} of all spikes")

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the position under the mouse."""
        return f"x={x:.1f} µm, y={y:.1f} µm"
