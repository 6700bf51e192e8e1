"""Probe layout of the waveform and template views: one box per channel.

Boxes are centred on the channels' ``channel_positions``, normalised to ``[-1, 1]``,
and made as large as possible without overlapping, with phylib's algorithm
(``phylib.utils.geometry.get_non_overlapping_boxes``: half-height = half-width / 2,
then widened as far as possible, 10 % margins, 0.95 / 0.9 shrink). Box scaling
(``ctrl+arrows``) scales each box about its centre; probe scaling (``shift+arrows``)
scales the box centres.
"""

from __future__ import annotations

from typing import Callable

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import kernels_ready, njit

__all__ = ["BoxLayout", "non_overlapping_boxes", "SCALING_STEP"]

#: Factor of one widen / narrow / extend / shrink step (phy's 1.1).
SCALING_STEP = 1.1


def _range(pos: np.ndarray, lo: np.ndarray, hi: np.ndarray, offset: bool = True) -> np.ndarray:
    # phylib's range_transform to [-1, 1]: degenerate axes map to the middle.
    span = hi - lo
    degenerate = np.abs(span) < 1e-8
    lo = np.where(degenerate, -1.0, lo)
    span = np.where(degenerate, 2.0, span)
    out = (pos - lo) if offset else pos.copy()
    out = out * (2.0 / span)
    return out - 1.0 if offset else out


@njit(cache=True)
def _overlap_kernel(x, y, w, h):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # The numpy path's comparisons, pair by pair, in one call that keeps the GIL: a few
    # microseconds, so releasing it would cost a retake (a switch interval) per call.
    n = len(x)
    for i in range(n):
        for j in range(n):
            if (i != j and x[i] - w < x[j] + w and x[i] + w > x[j] - w
                    and y[i] - h < y[j] + h and y[i] + h > y[j] - h):
                return True
    return False


def _overlap(x: np.ndarray, y: np.ndarray, w: float, h: float) -> bool:
    n = len(x)
    if n < 2:
        return False
    if kernels_ready() and x.dtype == y.dtype == np.float64:
        # A layout runs ~70 of these tests on a view's worker. In numpy each is ~15
        # operations on n x n arrays, large enough that numpy releases the GIL for each:
        # with another Python thread busy (the GUI's), every retake waits for a switch
        # interval, and the 2 ms of work took 0.17 s (session 25's profile). Same result.
        # The copies below are n floats: too small for numpy to release the GIL.
        return bool(_overlap_kernel(np.ascontiguousarray(x), np.ascontiguousarray(y), float(w), float(h)))
    m = ((x - w)[:, None] < (x + w)[None, :]) & ((x + w)[:, None] > (x - w)[None, :]) \
        & ((y - h)[:, None] < (y + h)[None, :]) & ((y + h)[:, None] > (y - h)[None, :])
    np.fill_diagonal(m, False)
    return bool(m.any())


def _largest(f: Callable[[float], bool], lo: float, hi: float, eps: float = 1e-9) -> float:
    # Largest x in [lo, hi] with f(x) True (phylib's _binary_search). f is memoised: the
    # search re-tests its previous midpoints as the new bounds (3x fewer overlap tests).
    seen: dict[float, bool] = {}

    def ok(v: float) -> bool:
        if v not in seen:
            seen[v] = f(v)
        return seen[v]

    mid = (lo + hi) / 2.0
    while hi - lo > eps:
        mid = (lo + hi) / 2.0
        if mid == lo or mid == hi:
            break
        if ok(hi):
            return hi
        if not ok(lo):
            return lo
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return mid


def non_overlapping_boxes(positions: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], tuple[float, float]]:
    """Box centres in ``[-1, 1]`` and the half size ``(w, h)`` of every box.

    Parameters
    ----------
    positions : array-like, shape (n, 2)
        Channel positions (any unit).

    Returns
    -------
    centres : ndarray, shape (n, 2)
    half_size : (float, float)
    """
    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    if not len(pos):
        return np.zeros((0, 2)), (1.0, 1.0)
    pos = _range(pos, pos.min(axis=0), pos.max(axis=0))
    x, y = np.ascontiguousarray(pos[:, 0]), np.ascontiguousarray(pos[:, 1])  # for _overlap_kernel
    wmax = 1.0 if x.min() == x.max() else float(x.max() - x.min())
    w = _largest(lambda v: not _overlap(x, y, v, v * 0.5), 0.0, wmax) * 0.9
    h = w * 0.5
    w = _largest(lambda v: not _overlap(x, y, v, h), w, wmax) * 0.9
    size = np.array([w, h])
    lo, hi = (pos - size).min(axis=0), (pos + size).max(axis=0)
    centres = _range(pos, lo, hi)
    w, h = _range(size[None, :], lo, hi, offset=False).ravel()
    return centres, (float(w) * 0.95, float(h) * 0.9)


def _positions(positions: npt.ArrayLike) -> npt.NDArray[np.float64]:
    # attrs converter of BoxLayout.positions: any (n, 2) array-like as float64.
    return np.asarray(positions, dtype=np.float64).reshape(-1, 2)


@attrs.define
class BoxLayout:
    """Boxes of some channels at their probe positions, with phy's two scalings.

    Parameters
    ----------
    positions : array-like, shape (n_boxes, 2)
        Channel positions of the boxes, in box order.
    box_scaling : (float, float)
        Width and height factors of each box (state ``box_scaling``).
    probe_scaling : (float, float)
        Horizontal and vertical factors of the box centres (state ``probe_scaling``).
    """

    positions: npt.NDArray[np.float64] = attrs.field(converter=_positions)
    box_scaling: tuple[float, float] = (1.0, 1.0)
    probe_scaling: tuple[float, float] = (1.0, 1.0)
    _centres: npt.NDArray[np.float64] = attrs.field(init=False)
    _half: tuple[float, float] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._centres, self._half = non_overlapping_boxes(self.positions)

    @property
    def n_boxes(self) -> int:
        """Number of boxes."""
        return len(self.positions)

    @property
    def centres(self) -> npt.NDArray[np.float64]:
        """Box centres ``(n, 2)`` after probe scaling."""
        return self._centres * np.asarray(self.probe_scaling, dtype=np.float64)

    @property
    def half_size(self) -> tuple[float, float]:
        """Half width and half height of every box after box scaling."""
        return (self._half[0] * self.box_scaling[0], self._half[1] * self.box_scaling[1])

    @property
    def bounds(self) -> npt.NDArray[np.float64]:
        """``(n, 4)`` boxes as ``x0, y0, x1, y1``."""
        c = self.centres
        w, h = self.half_size
        return np.c_[c[:, 0] - w, c[:, 1] - h, c[:, 0] + w, c[:, 1] + h]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Rectangle holding every box (with a small margin): the plot's home bounds."""
        if not self.n_boxes:
            return (-1.0, -1.0, 1.0, 1.0)
        b = self.bounds
        x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
        mx, my = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        return (float(x0 - mx), float(y0 - my), float(x1 + mx), float(y1 + my))

    def box_at(self, x: float, y: float) -> int:
        """Index of the box nearest to a point (phylib's ``get_closest_box``); -1 if none."""
        if not self.n_boxes:
            return -1
        c = self.centres
        w, h = self.half_size
        dx = np.maximum(np.abs(c[:, 0] - x) - w, 0)
        dy = np.maximum(np.abs(c[:, 1] - y) - h, 0)
        return int(np.argmin(dx * dx + dy * dy))

    # Commands (phy's keys) -------------------------------------------------------

    def scale_boxes(self, fx: float = 1.0, fy: float = 1.0) -> None:
        """Multiply the box width / height (``ctrl+left/right``, ``ctrl+up/down``)."""
        self.box_scaling = (self.box_scaling[0] * fx, self.box_scaling[1] * fy)

    def scale_probe(self, fx: float = 1.0, fy: float = 1.0) -> None:
        """Multiply the spread of the box centres (``shift+arrows``)."""
        self.probe_scaling = (self.probe_scaling[0] * fx, self.probe_scaling[1] * fy)
