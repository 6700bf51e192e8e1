"""What the view models hand to the drawers.

A view model's ``compute()`` returns a frame-data object made of these items: a
rasterised dense layer (:class:`~phygui.render.raster.RasterLayer`, made by
:mod:`phygui.render`), a few light vector items (:class:`Polyline`, :class:`Label`) and
the plot's home bounds. The base classes of the view models are in
:mod:`phygui.viewmodels._base`.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.render.raster import RasterLayer

__all__ = ["RasterLayer", "Polyline", "Label", "BACKGROUND_COLOR", "AXIS_COLOR", "Bounds"]

#: Colour of background spikes (phy's 50 % grey).
BACKGROUND_COLOR = (0.5, 0.5, 0.5, 0.5)
#: Colour of axes, zero lines, ticks, baselines.
AXIS_COLOR = (0.75, 0.75, 0.75, 1.0)

Bounds = tuple[float, float, float, float]


@attrs.define(eq=False)
class Polyline:
    """A light vector line (mean waveform, template, baseline, refractory line, axis).

    ``x`` and ``y`` have the same length; NaN breaks the line. ``box`` says which
    subplot it belongs to when the view has several (None otherwise).
    """

    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    color: tuple[float, ...]
    kind: str = ""
    box: Any = None
    cluster_id: int | None = None


@attrs.define(eq=False)
class Label:
    """A text label at a data position (``anchor`` in ``{'left', 'right', 'center'}``)."""

    x: float
    y: float
    text: str
    color: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    anchor: str = "right"
    box: Any = None


