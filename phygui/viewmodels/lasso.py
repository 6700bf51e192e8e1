"""Lasso: a polygon drawn with ctrl+click, and the points inside it.

phy's gesture (parity.md §1.0): ``ctrl+left click`` adds a vertex, in the subplot of
the first click only; ``ctrl+right click`` clears; at least three vertices make a
polygon. :func:`points_in_polygon` is the even-odd rule, vectorised over points.
"""

from __future__ import annotations

from typing import Any, Hashable

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["LassoState", "points_in_polygon"]


def points_in_polygon(points: npt.ArrayLike, polygon: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each point is inside the polygon (even-odd rule).

    Parameters
    ----------
    points : array-like, shape (n, 2)
    polygon : array-like, shape (m, 2)
        Vertices in order; the polygon is closed implicitly. Fewer than 3 vertices
        contain nothing.

    Returns
    -------
    ndarray of bool, shape (n,)
        Points exactly on an edge may fall either side; NaN points are outside.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    inside = np.zeros(len(pts), dtype=bool)
    if len(poly) < 3 or not len(pts):
        return inside
    x, y = pts[:, 0], pts[:, 1]
    # Only points inside the bounding box need the edge loop.
    (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
    cand = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    if not cand.size:
        return inside
    cx, cy = x[cand], y[cand]
    odd = np.zeros(cand.size, dtype=bool)
    xj, yj = poly[-1]
    for xi, yi in poly:
        if yi != yj:
            crosses = (yi > cy) != (yj > cy)
            x_cross = xi + (cy - yi) * (xj - xi) / (yj - yi)
            odd ^= crosses & (cx < x_cross)
        xj, yj = xi, yi
    inside[cand] = odd
    return inside


@attrs.define
class LassoState:
    """Vertices of the lasso polygon and the subplot they belong to.

    Attributes
    ----------
    box : hashable or None
        Subplot of the first vertex (e.g. ``(row, col)`` in the feature grid); later
        clicks in another subplot are ignored, as in phy.
    vertices : list of (float, float)
        In the subplot's data coordinates.
    """

    box: Hashable | None = None
    vertices: list[tuple[float, float]] = attrs.field(factory=list)

    @property
    def count(self) -> int:
        """Number of vertices."""
        return len(self.vertices)

    @property
    def is_closed(self) -> bool:
        """Whether the lasso has at least 3 vertices (a polygon)."""
        return len(self.vertices) >= 3

    @property
    def polygon(self) -> npt.NDArray[np.float64]:
        """Vertices ``(n, 2)``."""
        return np.asarray(self.vertices, dtype=np.float64).reshape(-1, 2)

    def add(self, x: float, y: float, box: Hashable | None = None) -> bool:
        """Add a vertex (ctrl+left click); False if it is in another subplot."""
        if self.vertices and box != self.box:
            return False
        if not self.vertices:
            self.box = box
        self.vertices.append((float(x), float(y)))
        return True

    def clear(self) -> None:
        """Forget the polygon (ctrl+right click, or after a split)."""
        self.vertices.clear()
        self.box = None

    def contains(self, points: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Which points are inside (all False if the lasso is not closed)."""
        if not self.is_closed:
            return np.zeros(len(np.asarray(points).reshape(-1, 2)), dtype=bool)
        return points_in_polygon(points, self.polygon)

    def to_dict(self) -> dict[str, Any]:
        """Plain value (for tests and logging)."""
        return {"box": self.box, "vertices": list(self.vertices)}
