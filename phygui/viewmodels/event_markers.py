"""Event markers: a vertical line at each event time in the views whose x axis is time.

The trace, raster, amplitude and firing-rate view models add these lines to their frames
when the controller has events (``controller.events``, see :mod:`phycore.model.events`);
without events they add nothing, so the frame costs nothing more. One
:class:`~phygui.viewmodels.items.Polyline` per event type (NaN-separated segments: one
line series for the drawer), only for the events inside the shown x range and at most
one per :data:`MIN_SPACING_PX` pixels (a line series costs per vertex under software
OpenGL: 10,000 stimuli over an hour-long recording would otherwise cost ~60 ms a frame,
and would paint the plot solid anyway). Each event type has its colour
(:func:`event_color`, by its rank among the sorted type names).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import numpy.typing as npt

from phygui.viewmodels.items import Polyline

__all__ = ["EVENT_COLORS", "MIN_SPACING_PX", "event_color", "event_lines", "marker_lines"]

#: Colours of the event types (magenta, cyan, yellow, lavender, pink), translucent: they
#: differ from the selection palette (blue, red, lime, orange...) and the grey background.
EVENT_COLORS: tuple[tuple[float, float, float, float], ...] = (
    (1.0, 0.3, 1.0, 0.8), (0.3, 1.0, 1.0, 0.8), (1.0, 1.0, 0.4, 0.8), (0.7, 0.7, 1.0, 0.8), (1.0, 0.6, 0.6, 0.8))
#: Least distance in pixels between two drawn markers of one type (closer ones are merged).
MIN_SPACING_PX = 2.0


def event_color(names: Any, name: str) -> tuple[float, float, float, float]:
    """Colour of the event type ``name`` among the types ``names``."""
    order = sorted(str(n) for n in names)
    k = order.index(name) if name in order else 0
    return EVENT_COLORS[k % len(EVENT_COLORS)]


def marker_lines(events: Mapping[str, npt.NDArray[np.float64]], x0: float, x1: float, y0: float, y1: float,
                 width_px: int | None = None) -> list[Polyline]:
    """Vertical lines ``y0..y1`` at the event times in ``[x0, x1]``, one Polyline per type.

    Parameters
    ----------
    events : mapping
        ``{event type: sorted times}`` (``controller.events``).
    x0, x1, y0, y1 : float
        The shown x range and the height of the lines, in data coordinates.
    width_px : int, optional
        Plot width in pixels: events closer than :data:`MIN_SPACING_PX` pixels are drawn once.
    """
    out: list[Polyline] = []
    if not events or not x1 > x0:
        return out
    for name in sorted(events):
        t = np.asarray(events[name], dtype=np.float64)
        v = t[int(np.searchsorted(t, x0, side="left")):int(np.searchsorted(t, x1, side="right"))]
        if not v.size:
            continue
        if width_px:
            cols = np.floor((v - x0) * (float(width_px) / MIN_SPACING_PX / (x1 - x0))).astype(np.int64)
            v = v[np.unique(cols, return_index=True)[1]]
        x = np.repeat(v, 3)
        x[2::3] = np.nan
        y = np.tile(np.array([y0, y1, np.nan]), v.size)
        out.append(Polyline(x, y, event_color(events, name), kind="event", box=name))
    return out


def event_lines(model: Any, x0: float, x1: float, y0: float, y1: float) -> list[Polyline]:
    """:func:`marker_lines` of a view model's controller events, at the model's width.

    Reads ``model.controller.events`` (none: no lines) and ``model.size``.
    """
    events = getattr(model.controller, "events", None)
    if not events:
        return []
    return marker_lines(events, x0, x1, y0, y1, int(model.size[0]))
