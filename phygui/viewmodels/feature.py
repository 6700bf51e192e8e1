"""Feature view model: a grid of PC-feature scatter plots, with lasso split.

phy's FeatureView (parity.md §1.2). The grid spec is phy's (``time,0A`` ...): ``time``
or ``<relative channel><PC letter>``. Channels are the best channels of the selected
clusters, those common to all clusters first; they stay fixed with ``fixed_channels``
and follow ``select_channel``. Background: regularly spaced spikes of the whole
recording in grey; foreground: each cluster's sampled spikes in its colour.

The whole grid is one picture in *grid coordinates*: cell ``(i, j)`` (row ``i`` from
the top) covers ``x in [j, j + 1]`` and ``y in [n_rows - 1 - i, n_rows - i]``, so one
pan/zoom, one texture and one lasso serve the whole grid, like phy's single canvas.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.signals import emit
from phygui.viewmodels._base import LassoViewModel
from phygui.viewmodels.recent import RecentResults, cluster_key
from phygui.viewmodels.items import AXIS_COLOR, Label, Polyline, RasterLayer
from phygui.viewmodels.lasso import LassoState
from phygui.render.raster import Raster, draw_points

__all__ = ["FeatureModel", "FeatureOptions", "FeatureFrame", "FEATURE_SHORTCUTS", "default_grid"]

FEATURE_SHORTCUTS = {
    "increase": "ctrl++",
    "decrease": "ctrl+-",
    "toggle_automatic_channel_selection": "c",
}

_PCS = "ABCDEFGHIJ"
_MARGIN = 0.03
# Clusters whose feature rows are read ahead after a load: the next rows of the similarity
# table (what `space` / the wizard selects next).
N_PREFETCH = 2
_PREFETCH_POOL: list[ThreadPoolExecutor] = []


def _prefetch_pool() -> ThreadPoolExecutor:
    # Its own thread, not the views' data workers: reading ahead never delays the next
    # selection's data jobs (it only queues disk reads).
    if not _PREFETCH_POOL:
        _PREFETCH_POOL.append(ThreadPoolExecutor(1, thread_name_prefix="phygui-feature-prefetch"))
    return _PREFETCH_POOL[0]


def default_grid() -> list[list[str]]:
    """phy's 4x4 grid spec."""
    s = """time,0A 1A,0A   0B,0A   1B,0A
           0A,1A   time,1A 0B,1A   1B,1A
           0A,0B   1A,0B   time,0B 1B,0B
           0A,1B   1A,1B   0B,1B   time,1B"""
    return [re.split(" +", line.strip()) for line in s.splitlines()]


@attrs.define(frozen=True)
class FeatureOptions:
    """Options (global state: ``fixed_channels``, ``feature_scaling``, ``marker_size``)."""

    fixed_channels: bool = False
    feature_scaling: float = 1.0
    marker_size: int = 3
    n_spikes_features: int = 2500
    n_spikes_features_background: int = 2500


@attrs.define(eq=False)
class FeatureFrame:
    """Grid picture: one raster for all cells, axes, labels, lasso polygon (grid coordinates)."""

    raster: RasterLayer
    lines: list[Polyline]
    labels: list[Label]
    home: tuple[float, float, float, float]
    grid_shape: tuple[int, int]
    channel_ids: list[int]
    cluster_ids: list[int]
    lasso: npt.NDArray[np.float64]


@attrs.define(eq=False)
class _Points:
    spike_ids: npt.NDArray[np.int64]
    features: npt.NDArray[np.float32]  # (n, n_channels, n_pcs), NaN -> 0
    times: npt.NDArray[np.float64]


class FeatureModel(LassoViewModel):
    """View model of the feature view.

    Parameters
    ----------
    controller : TemplateController (duck-typed)
    options : FeatureOptions, optional
    sender : object, optional
        Sender of ``select_feature``.

    Attributes
    ----------
    lasso : LassoState
        Its ``box`` is the grid cell ``(i, j)`` of the first vertex.

    Events
    ------
    select_feature(sender, dim=, channel_id=, pc=)
        On alt+click in a cell (:meth:`feature_click`); then ``selected_feature_changed(sender)``
        (phy's controller sends that one in reply).
    """

    default_size = (800, 800)
    max_n_clusters = 8
    options_class = FeatureOptions
    wheel = {"ctrl": ("increase", "decrease"), "alt": "change_marker_size"}
    shortcuts = FEATURE_SHORTCUTS
    menu = ("toggle_automatic_channel_selection", "clear_channels", "-", "increase", "decrease", "-",
            "clear_lasso", "split")

    def __init__(self, controller: Any, options: FeatureOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        self.grid = default_grid()
        self.channel_ids: list[int] = []
        self.lasso = LassoState()
        self._clusters: list[_Points] = []
        self._background: _Points | None = None
        self._lim = 1.0
        self._keep_channels = False
        # What the last load drew (ids, points) and for which channels and time axis: a
        # merge of those clusters takes its points from them (see _cluster_points).
        self._loaded: dict[tuple[int, int], _Points] = {}
        self._loaded_state: Any = None
        # The background points per channel set, and recent clusters' points.
        self._recent = RecentResults(24)
        self._prefetched: Any = None  # the selection whose next clusters were read ahead
        self._prefetching: Future[Any] | None = None

    @property
    def grid_shape(self) -> tuple[int, int]:
        """``(n_rows, n_cols)``."""
        return len(self.grid), len(self.grid[0])

    def set_grid_dim(self, grid: Sequence[Sequence[str]]) -> None:
        """Replace the grid spec (phy's ``set_grid_dim``)."""
        self.grid = [list(row) for row in grid]
        self.invalidate(data=False)

    # Channels and data ------------------------------------------------------------------

    def _auto_channels(self) -> list[int]:
        sets = [[int(c) for c in self.controller.get_best_channels(cid)] for cid in self.cluster_ids]
        if not sets:
            return []
        first = sets[0]
        common = [c for c in first if all(c in s for s in sets[1:])]
        others = [c for s in sets for c in s if c not in common]
        seen: list[int] = []
        for c in common + others:
            if c not in seen:
                seen.append(c)
        return seen[: len(first)]

    def _points(self, spike_ids: npt.NDArray[np.int64]) -> _Points:
        m = self.controller.model
        f = m.get_features(spike_ids, np.asarray(self.channel_ids, dtype=np.int64))
        f = np.zeros((len(spike_ids), len(self.channel_ids), 1), np.float32) if f is None else np.nan_to_num(f)
        # The time axis: spike_times_reordered while ctrl+r is on (phy).
        return _Points(spike_ids, np.asarray(f, np.float32), self.controller.spike_times_of(spike_ids))

    def _cluster_points(self, key: tuple[int, int], shown: dict[tuple[int, int], _Points]) -> _Points:
        # A cluster drawn by the last load (same spikes, channels and options): its points.
        # A cluster the last action merged from clusters drawn by it: their points, in
        # proportion to their sizes (the features of the same spikes; not the evenly spaced
        # sample a fresh read takes, a deliberate difference from phy for speed). Else read.
        if key in shown:
            return shown[key]
        cid = key[0]
        change = getattr(getattr(self.controller.supervisor.clustering, "history", None), "current_item", None)
        parts = [] if change is None or getattr(change.up, "description", "") != "merge" or \
            list(change.after) != [cid] else [(int(c), len(s)) for c, s in change.before.items()]
        if not parts or not all(p in shown for p in parts) or sum(n for _, n in parts) != key[1]:
            return self._points(self._cluster_spikes(cid, False))
        total = key[1]
        n = min(int(self.options.n_spikes_features), total)
        pieces = []
        for c, size in parts:
            p = shown[(c, size)]
            k = min(len(p.spike_ids), int(round(n * size / total)))
            idx = np.unique(np.linspace(0, len(p.spike_ids) - 1, k).round().astype(np.int64)) if k else np.zeros(0, np.int64)
            pieces.append(_Points(p.spike_ids[idx], p.features[idx], p.times[idx]))
        spikes = np.concatenate([q.spike_ids for q in pieces])
        order = np.argsort(spikes, kind="stable")
        return _Points(spikes[order], np.concatenate([q.features for q in pieces])[order],
                       np.concatenate([q.times for q in pieces])[order])

    def _cluster_spikes(self, cid: int, load_all: bool) -> npt.NDArray[np.int64]:
        n = None if load_all else self.options.n_spikes_features
        return np.asarray(self.controller.get_feature_spike_ids(cid, n), dtype=np.int64)

    def _load(self) -> None:
        if not (self.options.fixed_channels or self._keep_channels) or not self.channel_ids:
            self.channel_ids = self._auto_channels()
        self._keep_channels = False
        state = (tuple(self.channel_ids), bool(getattr(self.controller, "spike_reorder", False)),
                 self.options.n_spikes_features)
        # The installed load's clusters go to the recent results (only installed ones: a
        # job's result is checked against the clustering it read before it is installed),
        # so that an undo or a reselection finds its clusters' points there.
        for k, p in self._loaded.items():
            self._recent.put(("cluster", self._loaded_state, k), p)
        shown = dict(self._loaded) if state == self._loaded_state else {}
        keys = [cluster_key(self.controller, c) for c in self.cluster_ids]
        for k in keys:
            kept = self._recent.get(("cluster", state, k))
            if k not in shown and kept is not None:
                shown[k] = kept
        self._clusters = [self._cluster_points(k, shown) for k in keys]
        self._loaded, self._loaded_state = dict(zip(keys, self._clusters)), state
        model = self.controller.model
        # n_spikes, not len(spike_times): the times in seconds are computed on first use.
        n = int(getattr(model, "n_spikes", None) or len(model.spike_times))
        k = max(1, n // max(1, self.options.n_spikes_features_background))
        self._background = None
        if self.cluster_ids:  # the same spikes for every selection: kept per channel set
            key = (state, n, k)
            self._background = self._recent.get(key)
            if self._background is None:
                self._background = self._points(np.arange(0, n, k, dtype=np.int64))
                self._recent.put(key, self._background)
        lims = [float(np.abs(p.features).max()) for p in self._clusters if p.features.size]
        self._lim = max(lims, default=0.0) or 1.0
        self._data_valid = True

    def next_clusters(self) -> list[int]:
        """The clusters likely selected next: what the wizard's ``next`` (``space``)
        would select, and the one after, in the similarity table (masked groups skipped
        as the wizard does), at most :data:`N_PREFETCH`."""
        from phycore.supervisor.wizard import step

        sup: Any = getattr(self.controller, "supervisor", None)
        table = getattr(sup, "similarity_table", None)
        if table is None or not self.cluster_ids:
            return []
        skip = bool(getattr(getattr(sup, "wizard", None), "skip_masked", True))
        similar = [int(c) for c in getattr(sup, "selected_similar", None) or ()]
        # Only existing clusters: the table may still list the ones an action just removed.
        counts, shown = sup.clustering.spike_counts, set(self.cluster_ids)
        out: list[int] = []
        cur = similar[0] if similar else None
        for _ in range(N_PREFETCH):
            cur = step(table, cur, +1, skip)
            if cur is None:
                break
            if int(cur) not in shown and int(cur) in counts:
                out.append(int(cur))
        return out

    def prefetch(self) -> bool:
        """Idle frames (the drawer calls it): have the OS read ahead the feature rows of
        :meth:`next_clusters` (the model's ``prefetch_features``, a page-cache hint), once
        per selection, on a thread of its own; True while that is running.

        Their selection then reads from the page cache instead of waiting for the disk
        once per spike. Nothing is kept here, so a merge or split cannot leave stale
        features. The spikes are picked on the calling (GUI) thread, which owns the
        clustering; an error of the worker is raised by the next call.
        """
        fut = self._prefetching
        if fut is not None:
            if not fut.done():
                return True
            self._prefetching = None
            fut.result()  # a worker's error, raised into the drawer's error path
        hint = getattr(self.controller.model, "prefetch_features", None)
        key = (tuple(self.cluster_ids), self.data_generation)
        if hint is None or not self._data_valid or self.is_dirty or key == self._prefetched:
            return False
        self._prefetched = key
        spikes = [self._cluster_spikes(c, False) for c in self.next_clusters()]
        if not spikes:
            return False
        self._prefetching = _prefetch_pool().submit(lambda: [hint(s) for s in spikes])
        return True

    # Geometry ------------------------------------------------------------------------

    def _dim_values(self, p: _Points, dim: str) -> npt.NDArray[np.float64]:
        if dim == "time":
            return p.times
        c, pc = self.dim_channel_pc(dim)
        ci = self.channel_ids.index(c)
        if pc >= p.features.shape[2]:
            return np.zeros(len(p.spike_ids))
        return self.options.feature_scaling * p.features[:, ci, pc].astype(np.float64)

    def dim_channel_pc(self, dim: str) -> tuple[int, int]:
        """``'1B'`` -> (channel id of the 2nd shown channel, PC index 1)."""
        rel = int(dim[:-1])
        return self.channel_ids[rel % len(self.channel_ids)], _PCS.index(dim[-1])

    def _dim_bounds(self, dim: str) -> tuple[float, float]:
        if dim == "time":
            return 0.0, float(self.controller.model.duration) or 1.0
        return -self._lim, self._lim

    def to_grid(self, i: int, j: int, x: npt.ArrayLike, y: npt.ArrayLike,
                dims: tuple[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Data values of cell ``(i, j)`` -> grid coordinates (NaN outside the cell)."""
        dx, dy = dims or self.grid[i][j].split(",")
        (x0, x1), (y0, y1) = self._dim_bounds(dx), self._dim_bounds(dy)
        u = (np.asarray(x, np.float64) - x0) / (x1 - x0)
        v = (np.asarray(y, np.float64) - y0) / (y1 - y0)
        out = (u < 0) | (u > 1) | (v < 0) | (v > 1)
        gx = j + _MARGIN + (1 - 2 * _MARGIN) * u
        gy = (self.grid_shape[0] - 1 - i) + _MARGIN + (1 - 2 * _MARGIN) * v
        gx[out] = np.nan
        gy[out] = np.nan
        return gx, gy

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """Grid cell ``(i, j)`` under a grid-coordinate point."""
        n_rows, n_cols = self.grid_shape
        j, i = int(np.floor(x)), n_rows - 1 - int(np.floor(y))
        return (i, j) if 0 <= i < n_rows and 0 <= j < n_cols else None

    # Frame ---------------------------------------------------------------------------

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> FeatureFrame:
        """Rasterise background and clusters in every cell; axes, labels, lasso."""
        if not self._data_valid:
            self._load()
        n_rows, n_cols = self.grid_shape
        home = (0.0, 0.0, float(n_cols), float(n_rows))
        ext = self._extent(extent, home)
        layers = ([self._background] if self._background is not None else []) + self._clusters
        index = ([0] if self._background is not None else []) + list(range(1, len(self._clusters) + 1))
        xs, ys, cs = [], [], []
        if self.channel_ids:
            for p, ci in zip(layers, index):
                for i in range(n_rows):
                    for j in range(n_cols):
                        dx, dy = self.grid[i][j].split(",")
                        gx, gy = self.to_grid(i, j, self._dim_values(p, dx), self._dim_values(p, dy))
                        xs.append(gx)
                        ys.append(gy)
                        cs.append(np.full(len(gx), ci, np.int64))
        image = Raster(self.size[1], self.size[0], self.layer_palette(0.5), ext)
        if xs:
            draw_points(image, np.concatenate(xs), np.concatenate(ys), np.concatenate(cs), self.options.marker_size)
        lines, labels = self._axes()
        self.is_dirty = False
        return FeatureFrame(RasterLayer(image.rgba(), ext), lines, labels, home,
                            (n_rows, n_cols), list(self.channel_ids), list(self.cluster_ids), self.lasso.polygon)

    def _axes(self) -> tuple[list[Polyline], list[Label]]:
        n_rows, n_cols = self.grid_shape
        xs: list[float] = []
        ys: list[float] = []
        labels = []
        cmap = np.asarray(self.controller.model.channel_map)
        for i in range(n_rows):
            for j in range(n_cols):
                y0 = n_rows - 1 - i
                xs += [j + 0.5, j + 0.5, np.nan, j, j + 1, np.nan, j, j + 1, j + 1, j, j, np.nan]
                ys += [y0, y0 + 1, np.nan, y0 + 0.5, y0 + 0.5, np.nan, y0, y0, y0 + 1, y0 + 1, y0, np.nan]
                if not self.channel_ids:
                    continue
                for k, dim in enumerate(self.grid[i][j].split(",")):
                    text = dim if dim == "time" else f"{int(cmap[self.dim_channel_pc(dim)[0]])}{dim[-1]}"
                    labels.append(Label(j + (0.5 if k == 0 else 0.98), y0 + (0.02 if k == 0 else 0.9),
                                        text, AXIS_COLOR, "center" if k == 0 else "right", box=(i, j)))
        return [Polyline(np.asarray(xs), np.asarray(ys), (0.5, 0.5, 0.5, 0.5), kind="axis")], labels

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the cell's dimensions and the values under the mouse."""
        cell = self.cell_at(x, y)
        if cell is None or not self.channel_ids:
            return ""
        i, j = cell
        dims = self.grid[i][j].split(",")
        vals = []
        for dim, g, origin in zip(dims, (x, y), (j, self.grid_shape[0] - 1 - i)):
            lo, hi = self._dim_bounds(dim)
            u = (g - origin - _MARGIN) / (1 - 2 * _MARGIN)
            vals.append(f"{dim}={lo + u * (hi - lo):.3g}")
        return ", ".join(vals)

    # Lasso and split -------------------------------------------------------------------

    def add_lasso_point(self, x: float, y: float) -> bool:
        """ctrl+left click at grid coordinates (locked to the first click's cell)."""
        cell = self.cell_at(x, y)
        if cell is None:
            return False
        ok = self.lasso.add(x, y, box=cell)
        self.is_dirty = self.is_dirty or ok
        return ok

    def spikes_in_lasso(self, load_all: bool = True) -> npt.NDArray[np.int64]:
        """Spike ids of the drawn clusters inside the lasso.

        With ``load_all`` (phy's split), *all* spikes of the selected clusters are
        tested, not only the displayed sample.
        """
        if not self.lasso.is_closed or not self.cluster_ids:
            return np.zeros(0, dtype=np.int64)
        if not self._data_valid:
            self._load()
        i, j = self.lasso.box
        dx, dy = self.grid[i][j].split(",")
        out = []
        for cid in self.cluster_ids:
            p = self._points(self._cluster_spikes(cid, load_all))
            gx, gy = self.to_grid(i, j, self._dim_values(p, dx), self._dim_values(p, dy))
            out.append(p.spike_ids[self.lasso.contains(np.c_[gx, gy])])
        return np.unique(np.concatenate(out)) if out else np.zeros(0, np.int64)

    # Channel selection and commands -------------------------------------------------------

    def on_channel_click(self, sender: Any, channel_id: int, key: int | None = None,
                         button: str | None = "left") -> None:
        """``select_channel`` (waveform or trace view): show that
        channel (phy's rules: left button or key 1 -> x channel, right or key 2 -> y)."""
        chans = list(self.channel_ids)
        if len(chans) < 2:
            return
        d = int(np.clip(len(chans) - 1, 0, key - 1)) if key is not None else (0 if str(button).lower() == "left" else 1)
        old = chans[d]
        if int(channel_id) == old:
            return
        chans[d] = int(channel_id)
        other = 1 - min(d, 1)
        if chans[other] == int(channel_id):
            chans[other] = old
        self.channel_ids = list(dict.fromkeys(chans))
        self._keep_channels = True
        self.invalidate()

    def on_cluster(self, sender: Any, up: Any) -> None:
        """As the base class; the channels stay fixed across the update (phy)."""
        dirty = self._data_valid
        super().on_cluster(sender, up)
        if dirty and not self._data_valid and self.channel_ids:
            self._keep_channels = True

    def feature_click(self, x: float, y: float, button: str = "left") -> tuple[str, int | None, int | None] | None:
        """alt+click: emit ``select_feature`` for the cell's x (left) or y (right) dimension."""
        cell = self.cell_at(x, y)
        if cell is None or not self.channel_ids:
            return None
        dx, dy = self.grid[cell[0]][cell[1]].split(",")
        dim, other = (dx, dy) if str(button).lower() == "left" else (dy, dx)
        ch: int | None
        pc: int | None
        if dim != "time":
            ch, pc = self.dim_channel_pc(dim)
        else:
            ch, pc = (self.dim_channel_pc(other)[0] if other != "time" else None), None
        emit("select_feature", self.sender, dim=dim, channel_id=ch, pc=pc)
        emit("selected_feature_changed", self.sender)
        return dim, ch, pc

    def toggle_automatic_channel_selection(self, checked: bool | None = None) -> None:
        """``c``: channels follow the selection (checked) or stay fixed."""
        auto = self.options.fixed_channels if checked is None else bool(checked)
        self._set(False, fixed_channels=not auto)

    def clear_channels(self) -> None:
        """Forget the current channels (next load picks the best ones)."""
        self.channel_ids = []
        self.invalidate()

    def increase(self) -> None:
        """``ctrl++``: feature scaling x1.1 (channels stay)."""
        self._set(False, feature_scaling=self.options.feature_scaling * 1.1)

    def decrease(self) -> None:
        """``ctrl+-``: feature scaling /1.1."""
        self._set(False, feature_scaling=self.options.feature_scaling / 1.1)

    def change_marker_size(self, delta: float) -> None:
        """``alt+wheel``: marker size in pixels (1..20)."""
        size = int(np.clip(round(self.options.marker_size * 1.1 ** float(delta)), 1, 20))
        if size == self.options.marker_size:
            size = int(np.clip(self.options.marker_size + (1 if delta > 0 else -1), 1, 20))
        self._set(False, marker_size=size)

    @property
    def status(self) -> str:
        """``'channels: 12, 14'``."""
        return "channels: " + ", ".join(str(c) for c in self.channel_ids[:2]) if self.channel_ids else ""
