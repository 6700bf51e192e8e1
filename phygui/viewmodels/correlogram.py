"""Correlogram view model: auto- and cross-correlogram grid of the selected clusters.

phy's CorrelogramView (parity.md §1.4). The counts come from
``controller.get_correlograms`` (:func:`phycore.analysis.correlograms`, phylib's
conventions); each cell is normalised to its own maximum, or to the maximum of all
cells with ``uniform_normalization``; a grey baseline at the expected count of
independent trains (:func:`phycore.analysis.correlogram_baseline`) and two refractory
lines (:func:`phycore.analysis.refractory_lines`).

Zero-lag bin: phylib does not zero the centre bin of auto-correlograms (it counts
pairs of distinct spikes less than one bin apart), and phy's CorrelogramView draws the
counts as they are. We do the same by default; ``zero_acg_center=True`` blanks it.

Grid coordinates as in the feature view: cell ``(i, j)`` covers ``x in [j, j + 1]``,
``y in [n - 1 - i, n - i]``.
"""

from __future__ import annotations

import colorsys
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis import correlogram_baseline, refractory_lines
from phycore.errors import ActionError
from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.recent import RecentResults, cluster_key
from phygui.viewmodels.items import Label, Polyline

__all__ = ["CorrelogramModel", "CorrelogramOptions", "CorrelogramFrame", "CORRELOGRAM_SHORTCUTS"]

CORRELOGRAM_SHORTCUTS = {"toggle_normalization": "n"}
CORRELOGRAM_SNIPPETS = {"set_bin": "cb", "set_window": "cw", "set_refractory_period": "cr"}

_GRAY = (0.25, 0.25, 0.25, 1.0)
_MARGIN = 0.05


def _desaturate(color: tuple[float, ...]) -> tuple[float, float, float, float]:
    # phy's _override_hsv(color, s=0.1, v=1) for cross-correlograms.
    h, _, _ = colorsys.rgb_to_hsv(*color[:3])
    r, g, b = colorsys.hsv_to_rgb(h, 0.1, 1.0)
    return (r, g, b, 1.0)


@attrs.define(frozen=True)
class CorrelogramOptions:
    """Options (state: ``bin_size``, ``window_size``, ``refractory_period`` in seconds,
    ``uniform_normalization``)."""

    bin_size: float = 1e-3
    window_size: float = 50e-3
    refractory_period: float = 2e-3
    uniform_normalization: bool = False
    show_labels: bool = True
    zero_acg_center: bool = False


@attrs.define(eq=False)
class CorrelogramFrame:
    """Grid of correlograms.

    Attributes
    ----------
    counts : ndarray (n, n, n_bins)
        Raw counts (``counts[i, j]`` = spikes of cluster j after spikes of cluster i).
    heights : ndarray (n, n, n_bins)
        Counts divided by each cell's normalisation (0..1).
    baseline : ndarray (n, n)
        Expected count per bin, in the same normalised units as ``heights``.
    bin_edges : ndarray (n_bins + 1,)
        Lags of the bin edges, in seconds.
    """

    counts: npt.NDArray[np.int64]
    heights: npt.NDArray[np.float64]
    baseline: npt.NDArray[np.float64]
    bin_edges: npt.NDArray[np.float64]
    colors: npt.NDArray[np.float64]
    bars: list[Polyline]
    lines: list[Polyline]
    labels: list[Label]
    home: tuple[float, float, float, float]
    cluster_ids: list[int]


class CorrelogramModel(ClusterViewModel):
    """View model of the correlogram view.

    Parameters
    ----------
    controller : TemplateController (duck-typed)
    options : CorrelogramOptions, optional
    """

    max_n_clusters = 20
    options_class = CorrelogramOptions
    wheel = {"ctrl": ("increase", "decrease"), "alt": "change_bin_size"}
    shortcuts = CORRELOGRAM_SHORTCUTS
    menu = ("toggle_normalization", "toggle_labels", "-", "set_bin", "set_window", "set_refractory_period",
            "-", "increase", "decrease")
    snippets = CORRELOGRAM_SNIPPETS

    def __init__(self, controller: Any, options: CorrelogramOptions | None = None) -> None:
        super().__init__(controller, options)
        self._counts = np.zeros((0, 0, 0), dtype=np.int64)
        self._recent = RecentResults(16)  # the counts of the last selections

    def _n_spikes(self) -> npt.NDArray[np.int64]:
        cap = getattr(getattr(self.controller, "view_data", None), "n_spikes_correlograms", None)
        counts = self.controller.supervisor.clustering.spike_counts
        n = np.array([int(counts[c]) for c in self.cluster_ids], dtype=np.int64)
        return np.minimum(n, cap) if cap else n

    def _load(self) -> None:
        o = self.options
        if self.cluster_ids:
            # The counts depend on the clusters' spikes, the bin, the window and the spike
            # cap: an undo or a reselection finds them here.
            cap = getattr(getattr(self.controller, "view_data", None), "n_spikes_correlograms", None)
            key = (tuple(cluster_key(self.controller, c) for c in self.cluster_ids), o.bin_size, o.window_size, cap)
            counts = self._recent.get(key)
            if counts is None:
                counts = np.asarray(self.controller.get_correlograms(self.cluster_ids, o.bin_size, o.window_size))
                self._recent.put(key, counts)
            self._counts = counts
        else:
            self._counts = np.zeros((0, 0, 0), dtype=np.int64)
        self._data_valid = True

    def compute(self) -> CorrelogramFrame:
        """Normalised grid, baselines, refractory lines and labels."""
        if not self._data_valid:
            self._load()
        o = self.options
        counts = self._counts.copy()
        n = counts.shape[0]
        nb = counts.shape[2] if counts.ndim == 3 else 0
        if o.zero_acg_center and n:
            counts[np.arange(n), np.arange(n), nb // 2] = 0
        if o.uniform_normalization:
            norm = np.full((n, n), float(counts.max()) if counts.size else 1.0)
        else:
            norm = counts.max(axis=2).astype(np.float64) if counts.size else np.ones((n, n))
        norm[norm == 0] = 1.0
        heights = counts / norm[..., None]
        duration = float(self.controller.model.duration)
        baseline = (correlogram_baseline(self._n_spikes(), o.bin_size, duration) / norm) if n else np.zeros((0, 0))
        half = nb / 2.0
        edges = (np.arange(nb + 1) - half) * o.bin_size
        colors = np.zeros((n, n, 4))
        for i in range(n):
            base = self.cluster_color(i)
            for j in range(n):
                colors[i, j] = base if i == j else _desaturate(base)
        bars, lines = self._items(heights, baseline, colors)
        labels = self._labels(n)
        self.is_dirty = False
        return CorrelogramFrame(counts, heights, baseline, edges, colors, bars, lines, labels,
                                (0.0, 0.0, float(max(n, 1)), float(max(n, 1))), list(self.cluster_ids))

    def cell_x(self, j: int, k: npt.ArrayLike) -> np.ndarray:
        """Grid x of bin-edge position ``k`` (0..n_bins) in column ``j``."""
        nb = max(self._counts.shape[2], 1) if self._counts.ndim == 3 else 1
        return j + _MARGIN + (1 - 2 * _MARGIN) * np.asarray(k, dtype=np.float64) / nb

    def cell_y(self, i: int, h: npt.ArrayLike) -> np.ndarray:
        """Grid y of normalised height ``h`` in row ``i``."""
        n = self._counts.shape[0]
        return (n - 1 - i) + _MARGIN + (1 - 2 * _MARGIN) * np.asarray(h, dtype=np.float64)

    def _items(self, heights: np.ndarray, baseline: np.ndarray,
               colors: np.ndarray) -> tuple[list[Polyline], list[Polyline]]:
        o = self.options
        n = heights.shape[0]
        nb = heights.shape[2] if heights.ndim == 3 else 0
        bars: list[Polyline] = []
        lines: list[Polyline] = []
        if not nb:
            return bars, lines
        x0, x1 = refractory_lines(o.window_size, o.bin_size, o.refractory_period)
        k = np.repeat(np.arange(nb + 1), 2)
        for i in range(n):
            for j in range(n):
                h = np.r_[0.0, np.repeat(heights[i, j], 2), 0.0]
                bars.append(Polyline(self.cell_x(j, k), self.cell_y(i, h), tuple(colors[i, j]),
                                     kind="correlogram", box=(i, j)))
                xs = np.r_[self.cell_x(j, [0, nb]), np.nan, self.cell_x(j, [x0, x0]), np.nan, self.cell_x(j, [x1, x1])]
                b = min(float(baseline[i, j]), 1.0)
                ys = np.r_[self.cell_y(i, [b, b]), np.nan, self.cell_y(i, [0, 1]), np.nan, self.cell_y(i, [0, 1])]
                lines.append(Polyline(xs, ys, _GRAY, kind="baseline", box=(i, j)))
        return bars, lines

    def _labels(self, n: int) -> list[Label]:
        if not self.options.show_labels:
            return []
        out = []
        for k, cid in enumerate(self.cluster_ids):
            out.append(Label(0.0, n - 0.5 - k, str(cid), anchor="right", box=(k, 0)))
            out.append(Label(k + 0.5, 0.0, str(cid), anchor="center", box=(n - 1, k)))
        return out

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """``(row, column)`` of the grid cell under a point (row 0 at the top), or None."""
        n = min(self._counts.shape[0], len(self.cluster_ids))
        if not (np.isfinite(x) and np.isfinite(y)):
            return None
        j, i = int(np.floor(x)), n - 1 - int(np.floor(y))
        return (i, j) if 0 <= i < n and 0 <= j < n else None

    def pair_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The clusters ``(row's, column's)`` of the cross-correlogram under a point; None on
        a diagonal (auto-correlogram) cell or outside the grid."""
        cell = self.cell_at(x, y)
        if cell is None or cell[0] == cell[1]:
            return None
        return self.cluster_ids[cell[0]], self.cluster_ids[cell[1]]

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the pair, lag and count of the bin under the mouse."""
        n = self._counts.shape[0]
        j, i = int(np.floor(x)), n - 1 - int(np.floor(y))
        if not (0 <= i < n and 0 <= j < n):
            return ""
        nb = self._counts.shape[2]
        k = int(np.floor((x - j - _MARGIN) / (1 - 2 * _MARGIN) * nb))
        if not 0 <= k < nb:
            return ""
        lag = (k - nb // 2) * self.options.bin_size * 1e3
        a, b = self.cluster_ids[i], self.cluster_ids[j]
        return f"{a} -> {b}: {lag:+.1f} ms, {int(self._counts[i, j, k])} spikes"

    # Commands (phy's actions, sizes in ms like phy's prompts and snippets) -----------------

    def _set_bin_window(self, bin_size: float | None = None, window_size: float | None = None) -> None:
        b = float(np.clip(bin_size if bin_size is not None else self.options.bin_size, 1e-6, 1e3))
        w = float(np.clip(window_size if window_size is not None else self.options.window_size, 1e-6, 1e3))
        if not b < w:
            raise ActionError(f"The bin size ({b * 1e3:g} ms) must be smaller than the window "
                              f"({w * 1e3:g} ms).", argument="bin_size")
        self._set(bin_size=b, window_size=w)

    def set_bin(self, bin_size_ms: float) -> None:
        """``:cb <ms>``: bin size."""
        self._set_bin_window(bin_size=float(bin_size_ms) * 1e-3)

    def set_window(self, window_size_ms: float) -> None:
        """``:cw <ms>``: window size."""
        self._set_bin_window(window_size=float(window_size_ms) * 1e-3)

    def set_refractory_period(self, value_ms: float) -> None:
        """``:cr <ms>``: refractory period (clipped to 0.1..100 ms)."""
        self._set(False, refractory_period=float(np.clip(value_ms, 0.1, 100)) * 1e-3)

    def increase(self) -> None:
        """``ctrl+wheel`` up: window x1.1."""
        self.set_window(1000 * self.options.window_size * 1.1)

    def decrease(self) -> None:
        """``ctrl+wheel`` down: window /1.1."""
        self.set_window(1000 * self.options.window_size / 1.1)

    def change_bin_size(self, delta: float) -> None:
        """``alt+wheel``: bin x1.1^delta."""
        self._set_bin_window(bin_size=self.options.bin_size * 1.1 ** float(delta))

    def toggle_normalization(self, checked: bool | None = None) -> None:
        """``n``: one normalisation for all cells."""
        value = not self.options.uniform_normalization if checked is None else bool(checked)
        self._set(False, uniform_normalization=value)

    def toggle_labels(self, checked: bool | None = None) -> None:
        """Cluster id labels."""
        self._set(False, show_labels=not self.options.show_labels if checked is None else bool(checked))

    @property
    def status(self) -> str:
        """``'50.0 ms (1.0 ms)'``: window (bin)."""
        return f"{self.options.window_size * 1000:.1f} ms ({self.options.bin_size * 1000:.1f} ms)"
