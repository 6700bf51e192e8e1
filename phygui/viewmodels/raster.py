"""Raster view model: every spike of every cluster over the whole recording (parity.md §1.9).

One row per cluster in the cluster table's order (the first row at the top), following
its sort (``table_sort``), filter (``table_filter``) and the clustering (``cluster``);
each spike is a vertical tick, rasterised into one image (last tick wins a pixel:
millions of spikes cost one numba pass). Rows are coloured by the Supervisor's colour
selector; the selected clusters' ticks are drawn again, on top, in the selection
colours. ctrl+click on a row emits ``cluster_click``. phy's gestures: ``alt+wheel`` and
``ctrl+shift++`` / ``ctrl+shift+-`` change the marker size, ``shift+wheel`` the colour scheme.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import njit
from phycore.signals import emit
from phygui.viewmodels._base import ClusterViewModel, ShownClustersMixin
from phygui.viewmodels.event_markers import event_lines
from phygui.viewmodels.items import Polyline, RasterLayer

__all__ = ["RasterModel", "RasterOptions", "RasterFrame", "draw_ticks", "RASTER_SHORTCUTS"]

#: phy's RasterView shortcuts: command -> key.
RASTER_SHORTCUTS = {"increase_marker_size": "ctrl+shift++", "decrease_marker_size": "ctrl+shift+-"}

_DIM = 0.5  # opacity of the other rows while clusters are selected


@attrs.define(frozen=True)
class RasterOptions:
    """``marker_size``: tick height as a fraction of a row."""

    marker_size: float = 0.8


@attrs.define(eq=False)
class RasterFrame:
    """The raster image, the rows (cluster ids, first at the top), the home bounds."""

    raster: RasterLayer
    rows: list[int]
    home: tuple[float, float, float, float]
    selected: list[int]
    #: Event markers (see :mod:`phygui.viewmodels.event_markers`).
    lines: list[Polyline] = attrs.Factory(list)


@njit(cache=True)
def _ticks_kernel(img: npt.NDArray[np.float32], t: npt.NDArray[np.float64], rows: npt.NDArray[np.int64],
                  colors: npt.NDArray[np.float32], n_rows: int, e: npt.NDArray[np.float64], half: float) -> None:
    h, w = img.shape[0], img.shape[1]
    sx = w / (e[2] - e[0])
    sy = h / (e[3] - e[1])
    for i in range(t.shape[0]):
        r = rows[i]
        if r < 0:
            continue
        col = int(math.floor((t[i] - e[0]) * sx))
        if col < 0 or col >= w:
            continue
        y = n_rows - 1 - r
        a = int(math.floor((e[3] - (y + half)) * sy))
        b = int(math.floor((e[3] - (y - half)) * sy))
        a = max(a, 0)
        b = min(b, h - 1)
        for p in range(a, b + 1):
            for c in range(4):
                img[p, col, c] = colors[r, c]


def draw_ticks(image: npt.NDArray[np.float32], times: npt.ArrayLike, rows: npt.ArrayLike, colors: npt.ArrayLike,
               n_rows: int, extent: Sequence[float], half_height: float = 0.4) -> None:
    """Draw a tick for each spike ``i`` at x ``times[i]``, in row ``rows[i]`` (row 0 at the top,
    y ``n_rows - 1 - row``; negative rows are skipped), coloured ``colors[rows[i]]``."""
    _ticks_kernel(image, np.ascontiguousarray(times, dtype=np.float64), np.ascontiguousarray(rows, dtype=np.int64),
                  np.ascontiguousarray(colors, dtype=np.float32).reshape(-1, 4), int(n_rows),
                  np.asarray(extent, dtype=np.float64), float(half_height))


class RasterModel(ShownClustersMixin, ClusterViewModel):
    """View model of the raster view.

    Events
    ------
    cluster_click(sender, cluster_id, button=)
        On ctrl+click on a row (:meth:`click`).
    """

    default_size = (800, 600)
    max_n_clusters = 1_000_000
    options_class = RasterOptions
    menu = ("increase_marker_size", "decrease_marker_size", "-", "next_color_scheme", "previous_color_scheme")
    shortcuts = RASTER_SHORTCUTS
    wheel = {"alt": ("increase_marker_size", "decrease_marker_size"),
             "shift": ("next_color_scheme", "previous_color_scheme")}

    def __init__(self, controller: Any, options: RasterOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        self.duration = float(controller.model.duration)

    @property
    def rows(self) -> list[int]:
        """Clusters, one per row, in the cluster table's order (first row at the top)."""
        return self.shown_clusters()

    def set_selection(self, cluster_ids: Sequence[int]) -> None:
        """Highlight the selection."""
        ids = [int(c) for c in cluster_ids]
        if ids != self.cluster_ids:
            self.cluster_ids = ids
            self.is_dirty = True

    def on_table_sort(self, sender: Any, cluster_ids: Sequence[int] = ()) -> None:
        """The table was sorted: reorder the rows."""
        self.shown = None
        self.invalidate(data=False)

    def on_table_filter(self, sender: Any, cluster_ids: Sequence[int] = ()) -> None:
        """The table was filtered: keep only its rows."""
        self.shown = None
        self.invalidate(data=False)

    def on_cluster(self, sender: Any, up: Any) -> None:
        """Any clustering change moves spikes between rows."""
        self.invalidate(data=False)

    def on_spikes_added(self, sender: Any, spike_ids: Any, cluster_ids: Sequence[int]) -> None:
        """Live sessions: new spikes in some rows; the recording may have grown."""
        self.duration = float(self.controller.model.duration)
        self.invalidate(data=False)

    def on_color_mapping_changed(self, sender: Any = None) -> None:
        """New row colours."""
        self.invalidate(data=False)

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> RasterFrame:
        """Rasterise every spike of the shown rows, then the selection on top."""
        rows = self.rows
        n = len(rows)
        home = (0.0, -0.5, self.duration, max(n, 1) - 0.5)
        ext = self._extent(extent, home)
        sup = self.controller.supervisor
        sc = np.asarray(sup.clustering.spike_clusters)
        times = np.asarray(self.controller.model.spike_times)
        size = int(max(sc.max(initial=0), max(rows, default=0))) + 1
        row_of = np.full(size, -1, dtype=np.int64)
        row_of[np.asarray(rows, dtype=np.int64)] = np.arange(n)
        image = np.zeros((self.size[1], self.size[0], 4), dtype=np.float32)
        colors = np.asarray(sup.color_selector.get_colors(rows), dtype=np.float32).reshape(-1, 4)
        half = 0.5 * self.options.marker_size
        sel = [c for c in self.cluster_ids if 0 <= c < size and row_of[c] >= 0]
        if sel:
            colors[:, 3] *= _DIM  # the selection stands out
        draw_ticks(image, times, row_of[sc], colors, n, ext, half)
        if sel:
            sel_colors = colors.copy()
            sel_colors[:, 3] = 1.0
            sel_rows = np.full(size, -1, dtype=np.int64)
            for i, c in enumerate(self.cluster_ids):
                if 0 <= c < size and row_of[c] >= 0:
                    sel_rows[c] = row_of[c]
                    sel_colors[row_of[c]] = self.cluster_color(i)
            mask = sel_rows[sc] >= 0
            draw_ticks(image, times[mask], sel_rows[sc[mask]], sel_colors, n, ext, half)
        self.is_dirty = False
        markers = event_lines(self, max(ext[0], 0.0), min(ext[2], self.duration), home[1], home[3])
        return RasterFrame(RasterLayer(image, ext), rows, home, sel, markers)

    def cluster_at(self, x: float, y: float) -> int | None:
        """Cluster of the row under a point."""
        rows = self.rows
        r = len(rows) - 1 - int(round(y))
        return rows[r] if 0 <= r < len(rows) else None

    def row_position(self, cluster_id: int) -> tuple[float, float]:
        """A point on a cluster's row (click target)."""
        r = self.rows.index(int(cluster_id))
        return self.duration / 2, float(len(self.rows) - 1 - r)

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the row's cluster."""
        cid = self.cluster_at(x, y)
        return "" if cid is None else f"cluster {cid}, {x:.2f} s"

    def click(self, x: float, y: float, button: str = "left") -> int | None:
        """ctrl+click: emit ``cluster_click`` for the row's cluster."""
        cid = self.cluster_at(x, y)
        if cid is not None:
            emit("cluster_click", self.sender, cid, button=button)
        return cid

    def increase_marker_size(self) -> None:
        """Taller ticks."""
        self._set(False, marker_size=min(1.0, self.options.marker_size * 1.1))

    def decrease_marker_size(self) -> None:
        """Shorter ticks."""
        self._set(False, marker_size=max(0.05, self.options.marker_size / 1.1))

    def next_color_scheme(self) -> str:
        """Next colour scheme of the rows (shift+wheel; every colour view follows)."""
        return str(self.controller.supervisor.color_selector.next_color_scheme())

    def previous_color_scheme(self) -> str:
        """Previous colour scheme of the rows."""
        return str(self.controller.supervisor.color_selector.previous_color_scheme())
