"""Cluster scatter view model: one marker per cluster (parity.md §1.8).

By default x = ``amp``, y = ``depth`` and the marker size follows ``fr`` on a log scale
(``log(1 + v - min)``), sizes 5-30 px times ``marker_size``; any numeric column of the
cluster table can be bound (snippets ``:csx``, ``:csy``, ``:css``). Markers take the
Supervisor's colour-selector colours; the selected clusters are drawn last, in the
selection colours. Shown clusters follow the table's filter. A plain click selects the
nearest cluster, shift+click adds it; ctrl+click draws a lasso and, from its third vertex
on, every vertex selects the clusters whose markers are inside (the drawer does the
selecting); ctrl+right click clears it. alt+wheel changes the marker size, shift+wheel
the colour scheme (of every view colouring clusters: the mapping is the Supervisor's).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import kernels_ready, njit
from phycore.errors import ActionError
from phycore.supervisor.colors import numeric_columns
from phygui.viewmodels._base import ClusterViewModel, ShownClustersMixin
from phygui.viewmodels.items import RasterLayer
from phygui.viewmodels.lasso import LassoState

__all__ = ["ClusterScatterModel", "ClusterScatterOptions", "ClusterScatterFrame", "SCATTER_SNIPPETS", "draw_discs"]

#: ``:csx field``, ``:csy field``, ``:css field``.
SCATTER_SNIPPETS = {"set_x_axis": "csx", "set_y_axis": "csy", "set_size_axis": "css"}
_MIN_PX, _MAX_PX = 5.0, 30.0


@attrs.define(frozen=True)
class ClusterScatterOptions:
    """Bindings and scales (global state in phy)."""

    x_axis: str = "amp"
    y_axis: str = "depth"
    size: str = "fr"
    x_axis_log_scale: bool = False
    y_axis_log_scale: bool = False
    size_log_scale: bool = True
    marker_size: float = 1.0


@attrs.define(eq=False)
class ClusterScatterFrame:
    """Markers as an image, the clusters drawn and where, the home bounds."""

    raster: RasterLayer
    cluster_ids: list[int]
    xy: npt.NDArray[np.float64]
    home: tuple[float, float, float, float]
    selected: list[int]
    lasso: npt.NDArray[np.float64]


@njit(cache=True)
def _discs_kernel(img: npt.NDArray[np.float32], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
                  radius: npt.NDArray[np.float64], colors: npt.NDArray[np.float32], e: npt.NDArray[np.float64]) -> None:
    h, w = img.shape[0], img.shape[1]
    sx = w / (e[2] - e[0])
    sy = h / (e[3] - e[1])
    for i in range(x.shape[0]):
        px = (x[i] - e[0]) * sx
        py = (e[3] - y[i]) * sy
        r = radius[i]
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        for row in range(max(0, int(py - r)), min(h, int(py + r) + 1)):
            for col in range(max(0, int(px - r)), min(w, int(px + r) + 1)):
                d2 = (col + 0.5 - px) ** 2 + (row + 0.5 - py) ** 2
                if d2 <= r * r:
                    # Straight-alpha "over": the image stays non-premultiplied RGBA.
                    a = colors[i, 3]
                    below = img[row, col, 3] * (1 - a)
                    out = a + below
                    edge = d2 >= (r - 1.2) ** 2  # a darker rim separates overlapping markers
                    for c in range(3):
                        v = colors[i, c] * (0.6 if edge else 1.0)
                        img[row, col, c] = (v * a + img[row, col, c] * below) / out
                    img[row, col, 3] = out


def _discs_numpy(img: npt.NDArray[np.float32], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
                 radius: npt.NDArray[np.float64], colors: npt.NDArray[np.float32], e: npt.NDArray[np.float64]) -> None:
    """:func:`_discs_kernel` with numpy over each disc's pixels (same float64 arithmetic)."""
    h, w = img.shape[0], img.shape[1]
    sx = w / (e[2] - e[0])
    sy = h / (e[3] - e[1])
    for i in range(x.shape[0]):
        px = (x[i] - e[0]) * sx
        py = (e[3] - y[i]) * sy
        r = float(radius[i])
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        r0, r1 = max(0, int(py - r)), min(h, int(py + r) + 1)
        c0, c1 = max(0, int(px - r)), min(w, int(px + r) + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        rows, cols = np.arange(r0, r1)[:, None], np.arange(c0, c1)[None, :]
        d2 = (cols + 0.5 - px) ** 2 + (rows + 0.5 - py) ** 2
        inside = d2 <= r * r
        region = img[r0:r1, c0:c1].astype(np.float64)
        a = float(colors[i, 3])
        below = region[:, :, 3] * (1 - a)
        out = a + below
        shade = np.where(d2 >= (r - 1.2) ** 2, 0.6, 1.0)  # the darker rim
        for c in range(3):
            v = float(colors[i, c]) * shade
            with np.errstate(divide="ignore", invalid="ignore"):  # outside the disc: not kept
                blended = (v * a + region[:, :, c] * below) / out
            region[:, :, c] = np.where(inside, blended, region[:, :, c])
        region[:, :, 3] = np.where(inside, out, region[:, :, 3])
        img[r0:r1, c0:c1] = region


def draw_discs(image: npt.NDArray[np.float32], x: npt.ArrayLike, y: npt.ArrayLike, radius: npt.ArrayLike,
               colors: npt.ArrayLike, extent: Sequence[float]) -> None:
    """Draw filled discs (radius in pixels) in order, each over the previous ones."""
    xx = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    # While numba loads after the GUI's first frame (phycore.analysis.jit): numpy, disc by disc.
    draw = _discs_kernel if kernels_ready() else _discs_numpy
    draw(image, xx, np.ascontiguousarray(y, dtype=np.float64).reshape(-1),
                  np.ascontiguousarray(np.broadcast_to(np.asarray(radius, dtype=np.float64), xx.shape)),
                  np.ascontiguousarray(colors, dtype=np.float32).reshape(-1, 4), np.asarray(extent, dtype=np.float64))


def _log(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.log1p(v - np.nanmin(v)) if v.size else v


class ClusterScatterModel(ShownClustersMixin, ClusterViewModel):
    """View model of the cluster scatter view."""

    default_size = (600, 600)
    max_n_clusters = 1_000_000
    options_class = ClusterScatterOptions
    snippets = SCATTER_SNIPPETS
    menu = ("set_x_axis", "set_y_axis", "set_size_axis", "toggle_x_log_scale", "toggle_y_log_scale",
            "toggle_size_log_scale", "-", "increase_marker_size", "decrease_marker_size", "-",
            "next_color_scheme", "previous_color_scheme", "-", "clear_lasso")
    wheel = {"alt": ("increase_marker_size", "decrease_marker_size"),
             "shift": ("next_color_scheme", "previous_color_scheme")}

    def __init__(self, controller: Any, options: ClusterScatterOptions | None = None) -> None:
        super().__init__(controller, options)
        self._xy = np.zeros((0, 2))
        self._shown: list[int] = []
        self.lasso = LassoState()

    @staticmethod
    def warm_kernels() -> None:
        """Load the discs' kernel (any thread; touches no model): the first selection
        draws the selected clusters' discs with it on the GUI thread."""
        draw_discs(np.zeros((1, 1, 4), np.float32), [0.0], [0.0], 1.0, [(0.0, 0.0, 0.0, 1.0)], (0.0, 0.0, 1.0, 1.0))

    # Inputs ----------------------------------------------------------------------------------

    def set_selection(self, cluster_ids: Sequence[int]) -> None:
        """Highlight the selection."""
        ids = [int(c) for c in cluster_ids]
        if ids != self.cluster_ids:
            self.cluster_ids = ids
            self.is_dirty = True

    def on_table_filter(self, sender: Any, cluster_ids: Sequence[int] = ()) -> None:
        """Show the table's clusters only."""
        self.shown = None
        self.invalidate(data=False)

    def on_cluster(self, sender: Any, up: Any) -> None:
        """Clusters and their metrics changed."""
        self.invalidate(data=False)

    def on_spikes_added(self, sender: Any, spike_ids: Any, cluster_ids: Sequence[int]) -> None:
        """Live sessions: the metrics of the clusters that grew changed."""
        self.invalidate(data=False)

    def on_color_mapping_changed(self, sender: Any = None) -> None:
        """New marker colours."""
        self.invalidate(data=False)

    @property
    def clusters(self) -> list[int]:
        """Clusters shown: the table's visible ones (or those of :meth:`set_shown`)."""
        return self.shown_clusters()

    def values(self, field: str, cluster_ids: Sequence[int] | None = None) -> npt.NDArray[np.float64]:
        """A numeric column of the cluster table (NaN where missing or not a number)."""
        table = self.controller.supervisor.cluster_table
        ids = self.clusters if cluster_ids is None else cluster_ids
        out = np.full(len(ids), np.nan)
        for k, c in enumerate(ids):
            v = table.get(c, field)
            try:
                out[k] = float(v)
            except (TypeError, ValueError):
                pass
        return out

    def _check_field(self, field: str) -> str:
        field = str(field).strip()
        numeric = numeric_columns(self.controller.supervisor.cluster_table)
        if field not in numeric:
            raise ActionError(f"{field!r} is not a numeric column of the cluster table; choose one of {numeric}.",
                              argument="field")
        return field

    # Commands ----------------------------------------------------------------------------------

    def set_x_axis(self, field: str) -> None:
        """Bind x to a cluster-table column (:csx)."""
        self._set(False, x_axis=self._check_field(field))

    def set_y_axis(self, field: str) -> None:
        """Bind y to a cluster-table column (:csy)."""
        self._set(False, y_axis=self._check_field(field))

    def set_size_axis(self, field: str) -> None:
        """Bind the marker size to a cluster-table column (:css)."""
        self._set(False, size=self._check_field(field))

    def toggle_x_log_scale(self, checked: bool | None = None) -> None:
        """Log scale on x."""
        self._set(False, x_axis_log_scale=not self.options.x_axis_log_scale if checked is None else bool(checked))

    def toggle_y_log_scale(self, checked: bool | None = None) -> None:
        """Log scale on y."""
        self._set(False, y_axis_log_scale=not self.options.y_axis_log_scale if checked is None else bool(checked))

    def toggle_size_log_scale(self, checked: bool | None = None) -> None:
        """Log scale of the marker size."""
        self._set(False, size_log_scale=not self.options.size_log_scale if checked is None else bool(checked))

    def increase_marker_size(self) -> None:
        """Bigger markers."""
        self._set(False, marker_size=min(100.0, self.options.marker_size * 1.1))

    def decrease_marker_size(self) -> None:
        """Smaller markers."""
        self._set(False, marker_size=max(0.01, self.options.marker_size / 1.1))

    def next_color_scheme(self) -> str:
        """Next colour scheme of the cluster colours (shift+wheel; all colour views follow)."""
        return str(self.controller.supervisor.color_selector.next_color_scheme())

    def previous_color_scheme(self) -> str:
        """Previous colour scheme of the cluster colours."""
        return str(self.controller.supervisor.color_selector.previous_color_scheme())

    # Lasso ---------------------------------------------------------------------------------------

    def add_lasso_point(self, x: float, y: float) -> bool:
        """ctrl+left click: add a lasso vertex (data coordinates)."""
        ok = self.lasso.add(x, y)
        self.is_dirty = True
        return ok

    def clear_lasso(self) -> None:
        """ctrl+right click: forget the lasso."""
        self.lasso.clear()
        self.is_dirty = True

    def clusters_in_lasso(self) -> list[int]:
        """Shown clusters whose marker centre is inside the lasso, in table order."""
        if not self.lasso.is_closed:
            return []
        ids, xy, _ = self.positions()
        inside = self.lasso.contains(xy)
        return [c for c, ok in zip(ids, inside) if ok]

    # Frame ---------------------------------------------------------------------------------------

    def positions(self) -> tuple[list[int], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Shown clusters, their ``(n, 2)`` positions and marker radii (pixels)."""
        o = self.options
        ids = self.clusters
        x, y, s = self.values(o.x_axis, ids), self.values(o.y_axis, ids), self.values(o.size, ids)
        if o.x_axis_log_scale:
            x = _log(x)
        if o.y_axis_log_scale:
            y = _log(y)
        if o.size_log_scale:
            s = _log(s)
        s = np.nan_to_num(s, nan=np.nanmin(s) if np.isfinite(s).any() else 0.0)
        span = float(s.max() - s.min()) if s.size else 0.0
        frac = (s - s.min()) / span if span > 0 else np.full(len(s), 0.5)
        radius = 0.5 * (_MIN_PX + frac * (_MAX_PX - _MIN_PX)) * o.marker_size
        return ids, np.column_stack([x, y]) if len(ids) else np.zeros((0, 2)), radius

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> ClusterScatterFrame:
        """Rasterise the markers (big ones first), then the selection on top."""
        ids, xy, radius = self.positions()
        ok = np.isfinite(xy).all(axis=1) if len(xy) else np.zeros(0, bool)
        if ok.any():
            lo, hi = xy[ok].min(axis=0), xy[ok].max(axis=0)
        else:
            lo, hi = np.zeros(2), np.ones(2)
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        home = (float(lo[0] - 0.08 * span[0]), float(lo[1] - 0.08 * span[1]),
                float(hi[0] + 0.08 * span[0]), float(hi[1] + 0.08 * span[1]))
        ext = self._extent(extent, home)
        colors = np.asarray(self.controller.supervisor.color_selector.get_colors(ids), dtype=np.float32).reshape(-1, 4)
        colors[:, 3] = 0.8
        image = np.zeros((self.size[1], self.size[0], 4), dtype=np.float32)
        order = np.argsort(-radius, kind="stable")
        pos = {c: k for k, c in enumerate(ids)}
        sel = [c for c in self.cluster_ids if c in pos]
        selected = np.zeros(len(ids), dtype=bool)
        selected[[pos[c] for c in sel]] = True
        rest = order[~selected[order]].astype(np.int64, copy=False)
        if rest.size:
            draw_discs(image, xy[rest, 0], xy[rest, 1], radius[rest], colors[rest], ext)
        # The selection on top, the first selected last (one call: a split selects ~600).
        drawn = [(i, pos[c]) for i, c in reversed(list(enumerate(self.cluster_ids))) if c in pos]
        if drawn:
            k = np.array([p for _, p in drawn], dtype=np.int64)
            draw_discs(image, xy[k, 0], xy[k, 1], radius[k] + 1.5,
                       np.asarray([self.cluster_color(i) for i, _ in drawn], np.float32), ext)
        self._shown, self._xy = ids, xy
        self.is_dirty = False
        return ClusterScatterFrame(RasterLayer(image, ext), ids, xy, home, sel, self.lasso.polygon)

    # Mouse ---------------------------------------------------------------------------------------

    def cluster_at(self, x: float, y: float) -> int | None:
        """Cluster whose marker is nearest to a point (in screen-normalised distance)."""
        if not self._shown:
            self.compute()
        if not self._shown:
            return None
        ext = self.extent
        if ext is None:
            lo, hi = np.nanmin(self._xy, axis=0), np.nanmax(self._xy, axis=0)
            ext = (lo[0], lo[1], hi[0], hi[1])
        sx = max(ext[2] - ext[0], 1e-12) / max(self.size[0], 1)
        sy = max(ext[3] - ext[1], 1e-12) / max(self.size[1], 1)
        d = ((self._xy[:, 0] - x) / sx) ** 2 + ((self._xy[:, 1] - y) / sy) ** 2
        d = np.where(np.isfinite(d), d, np.inf)
        return None if not np.isfinite(d).any() else self._shown[int(np.argmin(d))]

    def cluster_position(self, cluster_id: int) -> tuple[float, float]:
        """Where a cluster's marker is."""
        ids, xy, _ = self.positions()
        k = ids.index(int(cluster_id))
        return float(xy[k, 0]), float(xy[k, 1])

    @property
    def status(self) -> str:
        """phy's status line: the size binding and the colour scheme."""
        sel = self.controller.supervisor.color_selector
        return f"size: {self.options.size}, colour: {sel.color_scheme or sel.color_field}"

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the nearest cluster and its bound values."""
        cid = self.cluster_at(x, y)
        if cid is None:
            return ""
        t = self.controller.supervisor.cluster_table
        o = self.options
        return f"cluster {cid}: {o.x_axis}={_fmt(t.get(cid, o.x_axis))}, {o.y_axis}={_fmt(t.get(cid, o.y_axis))}"


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)
