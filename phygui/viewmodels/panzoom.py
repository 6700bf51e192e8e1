"""Pan and zoom of one plot: the visible data rectangle and data <-> pixel transforms.

Shared by all views so that the mouse does the same thing everywhere (phy's PanZoom,
parity.md §1.0): wheel zooms about the cursor, left-drag pans, right-drag zooms about
the press point (:class:`RightDrag`: a right press that stays within 5 px is a click
instead), ``+``/``-`` zoom about the centre, double-click / ``R`` resets. Pixels have
their origin at the top left of the plot area, ``y`` downwards; data ``y`` goes up.
"""

from __future__ import annotations

from typing import Sequence

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["PanZoom", "RightDrag", "CLICK_SLOP"]

#: A right press released within this many pixels is a click, not a zoom (phy: 5 px).
CLICK_SLOP = 5.0

Bounds = tuple[float, float, float, float]


def _bounds(b: Sequence[float]) -> Bounds:
    x0, y0, x1, y1 = (float(v) for v in b)
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"bounds must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {tuple(b)}.")
    return (x0, y0, x1, y1)


@attrs.define
class PanZoom:
    """The data rectangle shown in a ``width`` x ``height`` pixel area.

    Parameters
    ----------
    home : (x0, y0, x1, y1)
        Bounds shown after :meth:`reset`.
    width, height : int
        Size of the plot area in pixels.
    min_zoom, max_zoom : float
        Limits of the zoom factor relative to ``home``.
    """

    home: Bounds = attrs.field(default=(-1.0, -1.0, 1.0, 1.0), converter=_bounds)
    width: int = 400
    height: int = 300
    min_zoom: float = 0.1
    max_zoom: float = 1000.0
    bounds: Bounds = attrs.field(default=None)
    wheel_factor: float = 1.1

    def __attrs_post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = self.home
        else:
            self.bounds = _bounds(self.bounds)

    # Geometry ------------------------------------------------------------------

    def set_home(self, home: Sequence[float], reset: bool = True) -> None:
        """Change the bounds of :meth:`reset` (and reset, by default)."""
        self.home = _bounds(home)
        if reset:
            self.reset()

    def set_size(self, width: int, height: int) -> None:
        """Resize the pixel area (the data bounds are kept)."""
        self.width, self.height = max(1, int(width)), max(1, int(height))

    @property
    def zoom(self) -> tuple[float, float]:
        """Zoom factors along x and y relative to ``home``."""
        h, b = self.home, self.bounds
        return ((h[2] - h[0]) / (b[2] - b[0]), (h[3] - h[1]) / (b[3] - b[1]))

    def data_to_pixel(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates -> pixel coordinates (float)."""
        x0, y0, x1, y1 = self.bounds
        px = (np.asarray(x, dtype=np.float64) - x0) / (x1 - x0) * self.width
        py = (y1 - np.asarray(y, dtype=np.float64)) / (y1 - y0) * self.height
        return px, py

    def pixel_to_data(self, px: npt.ArrayLike, py: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates -> data coordinates."""
        x0, y0, x1, y1 = self.bounds
        x = x0 + np.asarray(px, dtype=np.float64) / self.width * (x1 - x0)
        y = y1 - np.asarray(py, dtype=np.float64) / self.height * (y1 - y0)
        return x, y

    # Gestures ------------------------------------------------------------------

    def _clamped(self, fx: float, fy: float) -> tuple[float, float]:
        zx, zy = self.zoom
        fx = min(max(fx, self.min_zoom / zx), self.max_zoom / zx)
        fy = min(max(fy, self.min_zoom / zy), self.max_zoom / zy)
        return fx, fy

    def zoom_at(self, px: float, py: float, fx: float, fy: float | None = None) -> None:
        """Zoom by ``fx`` (and ``fy``) keeping the data point under pixel ``(px, py)`` fixed."""
        fy = fx if fy is None else fy
        fx, fy = self._clamped(float(fx), float(fy))
        cx, cy = (float(v) for v in self.pixel_to_data(px, py))
        x0, y0, x1, y1 = self.bounds
        self.bounds = (cx - (cx - x0) / fx, cy - (cy - y0) / fy, cx + (x1 - cx) / fx, cy + (y1 - cy) / fy)

    def wheel(self, px: float, py: float, delta: float) -> None:
        """Mouse wheel at ``(px, py)``: zoom in (``delta > 0``) or out about the cursor."""
        f = self.wheel_factor ** float(delta)
        self.zoom_at(px, py, f, f)

    def drag(self, dpx: float, dpy: float) -> None:
        """Left-drag by ``(dpx, dpy)`` pixels: the content follows the mouse."""
        x0, y0, x1, y1 = self.bounds
        dx = -float(dpx) / self.width * (x1 - x0)
        dy = float(dpy) / self.height * (y1 - y0)
        self.bounds = (x0 + dx, y0 + dy, x1 + dx, y1 + dy)

    def zoom_drag(self, px: float, py: float, dpx: float, dpy: float) -> None:
        """Right-drag by ``(dpx, dpy)`` pixels from the press point ``(px, py)``:
        right/up zooms in along x/y (phy's right-drag zoom)."""
        fx = float(np.exp(2.0 * dpx / self.width))
        fy = float(np.exp(-2.0 * dpy / self.height))
        self.zoom_at(px, py, fx, fy)

    def key_zoom(self, zoom_in: bool) -> None:
        """``+`` / ``-``: zoom in or out by :attr:`wheel_factor` about the centre."""
        f = self.wheel_factor if zoom_in else 1.0 / self.wheel_factor
        self.zoom_at(0.5 * self.width, 0.5 * self.height, f, f)

    def reset(self) -> None:
        """Show ``home`` again (double-click, ``R``)."""
        self.bounds = self.home


@attrs.define
class RightDrag:
    """One right-button gesture: a drag zooms about the press point, a press released
    within :data:`CLICK_SLOP` pixels is a click (the correlogram's promote, phy's rule).

    Parameters
    ----------
    start : PanZoom
        The bounds shown at the press (kept: every move zooms from them, so the result
        depends only on the total drag, not on the frame rate).
    anchor : (px, py)
        The press point in plot-area pixels (the point that stays under the mouse).
    press : (x, y)
        The press position in screen pixels (moves are measured from it).
    """

    start: PanZoom
    anchor: tuple[float, float]
    press: tuple[float, float]
    zooming: bool = False

    def move(self, x: float, y: float) -> Bounds | None:
        """The mouse is at screen ``(x, y)``, button down: the bounds to show, or None while
        the mouse has not left the click slop."""
        dx, dy = float(x) - self.press[0], float(y) - self.press[1]
        if not self.zooming and max(abs(dx), abs(dy)) < CLICK_SLOP:
            return None
        self.zooming = True
        pz = attrs.evolve(self.start)
        pz.zoom_drag(self.anchor[0], self.anchor[1], dx, dy)
        return pz.bounds

    def release(self, x: float, y: float) -> bool:
        """The button was released at screen ``(x, y)``: True when the gesture was a click."""
        self.move(x, y)
        return not self.zooming
