"""The trace view's tile painter: levels, tiles, spike snippets (for :mod:`phygui.viewmodels.trace`).

:class:`TracePainter` works for one :class:`~phygui.viewmodels.trace.TraceModel`: it
reads the samples of a tile (raw, or filtered by the cached blocks of
:attr:`phycore.model.RawTraces.filtered`), estimates each channel's median and the
amplitude scale from 250 to 2,000 evenly spaced samples of the window (on a grid of the
recording, see :func:`level_samples`), picks the spikes to overdraw and rasterises tiles
(:mod:`~phygui.render.tiles`). A new tile generation starts when anything but
the time position and the selection changes, or when the window's median/scale would
move a trace by more than half a pixel; otherwise the tiles already drawn are reused and
only the new ones are drawn.

A tile holds the traces and, when ``show_all_spikes``, every cluster's spikes in the
cluster colours; the selected clusters' spikes are drawn apart, per tile, as a
:class:`~phygui.render.tiles.SpikeOverlay` in the selection colours over it. A new
selection (and a clustering change while other clusters' spikes are hidden) redraws
the overlays only, all visible tiles' in one job with one read of the samples their
spikes span, on a drawing thread (the calling thread when it waits): their cost grows
with the selected spikes in view, not with the traces or the other spikes. After a clustering change a tile is
checked rather than redrawn: it stays if the spikes it drew still belong to the same
clusters, with the same colours. A tile whose changed spikes are all drawn by the
selection's overlay (a merge of selected clusters: the merged cluster is selected) stays
too, *covered*: the overlay's opaque pixels hide its stale ones, so it shows what a
fresh tile would; it is drawn again in the background (idle frames) and checked again
under every new overlay (drawn again first if that does not cover it). Other tiles of a
merge's clusters are drawn again. The last tiles that were replaced are kept a while, so
an undo finds its tiles again.

Tiles are drawn on the main thread when they are needed at once, otherwise on one
drawing thread (the numba kernels release the GIL): after a jump, the two threads share
the missing tiles; every drawing frame has the next tile on each side drawn in the
background, so that a key held down finds it ready; idle frames have one more drawn.
The drawing thread never touches Dear PyGui: the main thread collects its tiles. A tile
is drawn with the grid and levels of its generation, and the model's other inputs are
part of the generation's key, so a tile finished after a change is simply dropped.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.render.raster import RasterLayer
from phygui.render.tiles import (SPIKE_DTYPE, SpikeOverlay, SpikeSnippets, TileCache, TileGrid, TraceTile,
                                 draw_overlay, draw_tile, samples_for, trace_layer)

logger = logging.getLogger("phygui")

__all__ = ["TracePainter", "Levels", "levels_of", "level_samples", "thin_spikes", "TRACE_COLOR", "SPIKE_HALF"]

TRACE_COLOR = (0.85, 0.85, 0.85, 0.9)
#: Seconds each side of a spike (1 ms snippets).
SPIKE_HALF = 0.0005
_N_LEVEL_ROWS = 250  # samples of the window giving each channel's median and the scale (at least)
_MAX_LEVEL_ROWS = 2_000  # ... at most
_LEVEL_VALUES = 64_000  # ... as many as give about this many values
_MAX_TILE_SPIKES = 5_000
_STALE_TILES = 16  # tiles replaced after a clustering change, kept for an undo (~1.8 MB each)
# Tiles drawn ahead on each side, in the background: by every drawing frame as many as
# the next step needs, by idle frames (if any) the rest.
_AHEAD_SOON = 1
_PREFETCH = 2
# Filtered blocks are prefetched (filtered on a background thread) on each side of the
# window, in window widths: by every drawing frame as far as the next few steps need, and
# further by idle frames, so that a key held down finds them ready and leaves that work
# to the frames in between.
_FILTER_SOON = 0.4
_FILTER_AHEAD = 0.5
_MAX_SHIFT_PX = 0.5  # tiles are kept while no trace would move by more than this
_TRACE_LAYERS = 64  # tiles whose traces' counts are kept for the next selection (~0.2 MB each)
_TYPICAL = 3.0  # ... for values up to this many times the scale's amplitude
_COLOR_STEP = 8  # other clusters' colours are rounded to 1/8 (few raster layers)
# A plugin's raw-data filter runs on each read extended by this many seconds each side.
_PLUGIN_FILTER_MARGIN = 0.01
# ... and the levels come from at most this many contiguous samples of the window.
_PLUGIN_LEVEL_SAMPLES = 8_000


def read_plugin_filtered(raw: Any, func: Any, a: int, b: int) -> npt.NDArray[np.float32]:
    """Samples ``[a, b)`` of the raw traces through a plugin's raw-data filter (phy's
    ``f(arr, axis=0)``), filtered with a margin on each side so that neighbouring pieces
    join without the filter's edge transient."""
    pad = int(round(_PLUGIN_FILTER_MARGIN * float(raw.sample_rate)))
    a0, b0 = max(0, a - pad), min(int(raw.n_samples), b + pad)
    data = np.asarray(raw.read(a0, b0), dtype=np.float32)
    out = np.asarray(func(data, axis=0), dtype=np.float32)
    if out.shape != data.shape:
        raise ValueError(f"The raw data filter returned shape {out.shape} for traces of shape {data.shape}.")
    return out[a - a0:b - a0]


@attrs.define(frozen=True)
class Levels:
    """What the traces are drawn with: each channel's median and the amplitude unit
    (the larger of the 1 % and 99 % quantiles of the median-subtracted samples)."""

    median: npt.NDArray[np.float64]
    unit: float


def levels_of(rows: npt.NDArray[Any]) -> Levels:
    """:class:`Levels` of samples ``(n_rows, n_channels)``: per-channel median, and the
    1 %/99 % quantiles of the median-subtracted values (of every other row: plenty for
    two quantiles, and twice as fast; np.median is 10x slower than sorting short rows)."""
    r = np.sort(np.asarray(rows, dtype=np.float32).T, axis=1)
    n = r.shape[1]
    if n == 0:
        return Levels(np.zeros(r.shape[0]), 1.0)
    median = 0.5 * (r[:, (n - 1) // 2].astype(np.float64) + r[:, n // 2])
    d = (r[:, ::2] - median[:, None].astype(np.float32)).ravel()
    k = [int(0.01 * (d.size - 1)), int(0.99 * (d.size - 1))]
    q = np.partition(d, k)[k]
    return Levels(median, float(max(abs(q[0]), abs(q[1]))) or 1.0)


def level_samples(interval: tuple[float, float], sample_rate: float, n_channels: int) -> npt.NDArray[np.int64]:
    """The samples of a window its levels are estimated from: 250 (384 channels) to
    2,000 (32 channels or fewer: their rows are taller, a median error shows more),
    taken every ``step``-th sample of the recording (``step`` from the window's width),
    so that a window shifted by 10 % shares 90 % of them and its levels barely move."""
    t0, t1 = interval
    n_rows = min(_MAX_LEVEL_ROWS, max(_N_LEVEL_ROWS, _LEVEL_VALUES // max(1, n_channels)))
    step = max(1, int(round((t1 - t0) * sample_rate)) // n_rows)
    i0, i1 = int(round(t0 * sample_rate)), int(round(t1 * sample_rate))
    first = -(-i0 // step) * step
    return np.arange(first, max(first + 1, i1), step, dtype=np.int64)


def thin_spikes(ids: npt.NDArray[np.int64], selected: npt.NDArray[np.bool_], n_max: int,
                others: bool = True) -> npt.NDArray[np.bool_]:
    """Which spikes of a tile to draw, at most ``n_max``: the selected clusters' first,
    then the others (if ``others``). A group that does not fit keeps the spikes whose
    hashed id falls in the first ``2**-j`` of the hash range: a random-looking, even
    thinning over time that depends on the spike only, so that neighbouring tiles (same
    ``j``) keep the same spikes and a snippet across a tile edge is drawn on both sides."""
    hashed = (np.asarray(ids, dtype=np.uint64) * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)

    def every(mask: npt.NDArray[np.bool_], room: int) -> npt.NDArray[np.bool_]:
        n = int(mask.sum())
        if n <= room:
            return mask
        if room <= 0:
            return np.zeros_like(mask)
        j = int(math.ceil(math.log2(n / room)))
        while True:  # the hash keeps about n / 2**j: make sure it is at most room
            kept = mask & (hashed < np.uint64(2 ** (32 - j)))
            if int(kept.sum()) <= room or j >= 32:
                return kept
            j += 1

    keep = every(np.asarray(selected, dtype=bool), n_max)
    if others:
        keep = keep | every(~np.asarray(selected, dtype=bool), n_max - int(keep.sum()))
    return keep


class TracePainter:
    """Levels and tiles of a trace view model (see the module docstring).

    Parameters
    ----------
    model : TraceModel
        Read for its options, window, selection, rows and controller.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.tiles = TileCache()
        self.generation = 0  # bumped when the tiles' data changes (clustering, other clusters' colours)
        self.selection_generation = 0  # bumped when the overlays' data changes (selection, clustering)
        self.clustering = 0  # bumped by every clustering change: the tiles are checked again
        self._stale: OrderedDict[tuple[int, int], TraceTile] = OrderedDict()  # (k, id) -> tile, for an undo
        self._rechecked = False  # a clustering change replaced a shown tile (drawn in the background)
        self._levels_key: Any = None
        self._levels = Levels(np.zeros(getattr(model, "n_model_channels", model.n_channels)), 1.0)
        self._fixed_unit: dict[tuple[Any, ...], float] = {}
        self._colors: dict[int, tuple[float, ...]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._pending: dict[tuple[int, int], Future[TraceTile]] = {}
        self._refreshing: dict[tuple[int, int], Future[TraceTile]] = {}  # covered tiles drawn again
        # A new selection's overlays, drawn on a drawing thread: (what for, the job).
        self._overlay_job: tuple[Any, Future[dict[int, SpikeOverlay]]] | None = None
        self._traces: OrderedDict[Any, npt.NDArray[np.uint16]] = OrderedDict()  # by tile and levels
        self._traces_lock = threading.Lock()  # the drawing threads share it
        self._shown_generation: int | None = None  # the generation of the tiles last returned
        self._failed_generation: int | None = None  # a tile of it failed on the drawing threads

    # Samples and levels ----------------------------------------------------------------------

    def read(self, s0: int, s1: int) -> tuple[npt.NDArray[Any], int]:
        """Samples ``[s0, s1)`` clipped to the recording (raw dtype, or filtered float32;
        whitened, float32, when the view whitens)."""
        raw = self.model.controller.model.traces
        a, b = max(0, int(s0)), min(int(raw.n_samples), int(s1))
        if self.model.plugin_filter is not None:
            return self._whiten(self._plugin_filtered(a, b)), a
        return self._whiten(raw.filtered.read(a, b) if self.model.filtered else raw.read(a, b)), a

    def _plugin_filtered(self, a: int, b: int) -> npt.NDArray[np.float32]:
        return read_plugin_filtered(self.model.controller.model.traces, self.model.plugin_filter, a, b)

    def _whiten(self, data: npt.NDArray[Any]) -> npt.NDArray[Any]:
        # Rows are samples, columns channels: x_white = W x for each sample.
        w = self.model.whitening_t if self.model.whitened else None
        return data if w is None else np.asarray(data, dtype=np.float32) @ w

    def window_levels(self) -> Levels:
        """Each channel's median over the window and the amplitude unit (cached per window)."""
        m = self.model
        samples = level_samples(m.interval, m.sample_rate, m.n_channels)
        key = (int(samples[0]), len(samples), int(samples[1] - samples[0]) if len(samples) > 1 else 0, m.signal)
        if key != self._levels_key:
            raw = m.controller.model.traces
            if m.plugin_filter is not None:  # filtered contiguous samples in the window's middle
                a, b = int(samples[0]), int(samples[-1]) + 1
                n = min(b - a, _PLUGIN_LEVEL_SAMPLES)
                rows = self.read((a + b - n) // 2, (a + b + n) // 2)[0]
            else:
                rows = self._whiten((raw.filtered if m.filtered else raw).read_rows(samples))
            self._levels_key = key
            self._levels = levels_of(rows)
        return self._levels

    def levels(self) -> Levels:
        """The window's levels, with the frozen unit when ``auto_scale`` is off."""
        levels = self.window_levels()
        if self.model.options.auto_scale:
            return levels
        return Levels(levels.median, self._fixed_unit.setdefault(self.model.signal, levels.unit))

    def freeze_unit(self) -> None:
        """Keep the scale in use (``auto_scale`` turned off)."""
        params = self.tiles.params
        self._fixed_unit[self.model.signal] = params.unit if params is not None else self._levels.unit

    def y_scale(self, unit: float) -> float:
        """Rows per data unit: ``unit`` spans half a row (times the view's ``scaling``)."""
        return 0.5 * self.model.options.scaling / unit

    def _close_enough(self, new: Levels, old: Levels | None, grid: TileGrid) -> bool:
        # Keep the tiles if no value up to _TYPICAL units would move by more than half a pixel.
        if old is None:
            return False
        ys_new, ys_old = self.y_scale(new.unit), self.y_scale(old.unit)
        px_per_row = grid.height / (grid.y1 - grid.y0)
        d_offset = np.abs(ys_new * new.median - ys_old * old.median)
        d_gain = abs(ys_new - ys_old) * _TYPICAL * max(new.unit, old.unit)
        return bool((d_offset.max(initial=0.0) + d_gain) * px_per_row <= _MAX_SHIFT_PX)

    # Tiles -------------------------------------------------------------------------------------

    def _ensure_generation(self, grid: TileGrid) -> None:
        m, cache = self.model, self.tiles
        if cache.grid is not None and grid.same_as(cache.grid):
            grid = cache.grid  # the exact spp the tiles were drawn with
        levels = self.levels()
        key = (self.generation, m.signal, m.options.show_all_spikes, m.options.origin, m.options.scaling)
        if not (grid is cache.grid and key == cache.key and self._close_enough(levels, cache.params, grid)):
            cache.reset(grid, key, levels)
            self._colors = {}
            self._stale = OrderedDict()
            for fut in [*self._pending.values(), *self._refreshing.values()]:  # stale: not drawn if not started
                fut.cancel()

    def _cluster_colors(self, ids: list[int]) -> npt.NDArray[np.float64]:
        # The Supervisor's cluster colours, rounded so that a tile needs few raster layers.
        rgba = np.asarray(self.model.controller.supervisor.color_selector.get_colors(ids), dtype=np.float64)
        rgba[:, :3] = np.round(rgba[:, :3] * _COLOR_STEP) / _COLOR_STEP
        return rgba

    def _other_colors(self, clusters: npt.NDArray[np.int64]) -> dict[int, tuple[float, ...]]:
        # Drawing threads call this: one read of the cache, so that colours computed just
        # before a clustering change (which replaces the cache) never land in the new one.
        colors = self._colors
        missing = [c for c in np.unique(clusters).tolist() if c not in colors]
        if missing:
            rgba = self._cluster_colors(missing)
            colors.update({c: tuple(float(v) for v in col) for c, col in zip(missing, rgba)})
        return colors

    @staticmethod
    def _colors_of(ids: npt.NDArray[np.int64], colors: dict[int, tuple[float, ...]]) -> npt.NDArray[np.float64]:
        # The rows of ``colors`` (from _other_colors) for sorted distinct cluster ids.
        return np.asarray([colors[c] for c in ids.tolist()], dtype=np.float64).reshape(-1, 4)

    def clustering_changed(self) -> None:
        """A clustering change: the tiles are checked against it when shown (see the
        module docstring); the overlays are redrawn."""
        self.clustering += 1
        self.selection_generation += 1
        self._colors = {}  # a colour scheme may follow the clustering (e.g. a range of values)

    def _still_right(self, tile: TraceTile) -> bool:
        # The tile's spikes belong to the clusters they were drawn for, with the same colours.
        drawn = tile.drawn
        if drawn is None or not len(drawn.ids):
            return True
        now = np.asarray(self.model.controller.supervisor.clustering.spike_clusters[drawn.ids], dtype=np.int64)
        if not np.array_equal(now, drawn.clusters):
            return False
        # The colours cached for this clustering (an undo checks every shown tile and the
        # ones kept aside: the colour selector's per-cluster lookup for each was most of it).
        return np.array_equal(self._colors_of(drawn.unique, self._other_colors(drawn.unique)), drawn.colors)

    def _check(self, shown: range) -> None:
        # Check the shown tiles against the current clustering: a tile that fails is
        # replaced by a tile kept aside that is right (an undo), else kept if the selection's
        # overlay may cover its changed spikes (checked once the overlay is drawn), else
        # kept aside (an undo may find it right again) and drawn again.
        cache, epoch = self.tiles, self.clustering
        for k in shown:
            tile = cache.get(k)
            if tile is None or tile.checked_at == epoch:
                continue
            if self._still_right(tile):
                tile.covered, tile.cover = False, None
            else:
                kept = next((t for (j, _), t in self._stale.items() if j == k and self._still_right(t)), None)
                if kept is not None:
                    del self._stale[(k, id(kept))]
                    self._put_aside(k, tile)
                    kept.covered, kept.cover = False, None
                    cache.put(k, kept)
                    self._rechecked = True
                    tile = kept
                elif self._may_be_covered(tile):
                    tile.covered, tile.cover = True, None
                else:
                    cache.drop(k)
                    self._put_aside(k, tile)
                    self._rechecked = True
                    continue
            tile.checked_at = epoch

    def _put_aside(self, k: int, tile: TraceTile) -> None:
        # A tile replaced after a clustering change, kept a while: an undo may find it right.
        self.tiles.drop(k)
        self._stale[(k, id(tile))] = tile
        while len(self._stale) > _STALE_TILES:
            self._stale.popitem(last=False)

    def _may_be_covered(self, tile: TraceTile, channels_of: Any = None) -> bool:
        # Whether the tile's pixels outside the selection's overlay are a fresh tile's: every
        # spike that changed cluster is in a selected cluster now, drawn (by the overlay) on
        # at least the channels the tile drew it on (``channels_of``: a cluster's channels,
        # by default those the overlay will use; _covered checks the overlay drawn), and
        # the other spikes are drawn as before: same colours, their colour layers in the
        # same order (snippets() orders them by first cluster id: a merge may change it).
        drawn = tile.drawn
        if drawn is None:
            return False
        clusters = self.model.controller.supervisor.clustering.spike_clusters
        now = np.asarray(clusters[drawn.ids], dtype=np.int64)
        changed = now != drawn.clusters
        if not np.isin(now[changed], np.asarray(self.model.cluster_ids, dtype=np.int64)).all():
            return False
        channels_of = self.model.best_channels if channels_of is None else channels_of
        moved = np.flatnonzero(np.isin(drawn.info["spike"], drawn.ids[changed]))  # drawn (with channels)
        new_of = np.asarray(clusters[drawn.info["spike"][moved]], dtype=np.int64)
        if moved.size:  # a cluster's spikes share its channels: one spike per (old, new) pair
            _, first = np.unique(np.stack([drawn.info["cluster"][moved], new_of]), axis=1, return_index=True)
            for i in first.tolist():
                new = channels_of(int(new_of[i]))
                if new is None or not np.isin(drawn.channels[int(moved[i])], new).all():
                    return False
        old_ids, new_ids = drawn.unique, np.unique(now)
        new_colors = self._colors_of(new_ids, self._other_colors(new_ids))  # cached by cluster for this clustering
        kept = np.unique(now[~changed])  # the same ids before and after
        old_kept = drawn.colors[np.searchsorted(old_ids, kept)]
        if not np.array_equal(old_kept, new_colors[np.searchsorted(new_ids, kept)]):
            return False
        kept_colors = {tuple(c) for c in old_kept.tolist()}

        def order(rgba: npt.NDArray[np.float64]) -> list[tuple[float, ...]]:
            return [c for c in dict.fromkeys(tuple(c) for c in rgba.tolist()) if c in kept_colors]

        return order(drawn.colors) == order(new_colors)

    def _covered(self, tile: TraceTile) -> bool:
        # A tile that may be covered is, under its current overlay, if that overlay draws
        # every spike that changed cluster, on (at least) every channel the tile drew it
        # on: the overlay's opaque pixels then replace all the tile's stale ones.
        drawn, overlay = tile.drawn, tile.overlay
        if drawn is None or overlay is None or overlay.key != self.selection_key:
            return False
        clusters = self.model.controller.supervisor.clustering.spike_clusters
        changed = drawn.ids[np.asarray(clusters[drawn.ids], dtype=np.int64) != drawn.clusters]
        return bool(np.isin(changed, overlay.spikes["spike"]).all()) and self._may_be_covered(tile,
                                                                                               overlay.channels.get)

    def snippets(self, x0: float, x1: float, spp: float,
                 selection: tuple[int, ...] | None = None) -> tuple[SpikeSnippets, list[tuple[float, ...]]]:
        """The spikes drawn on ``[x0, x1]`` s (``spp`` s per pixel) and the palette (layer 0:
        the traces): every cluster's in the cluster colours when ``show_all_spikes``, else
        none (a tile's); or, with ``selection`` (cluster ids), those clusters' spikes in
        the selection colours (an overlay's)."""
        m = self.model
        margin = SPIKE_HALF + 2 * spp
        palette: list[tuple[float, ...]] = [TRACE_COLOR]
        layer_of: dict[int, int] = {}
        drawn: tuple[Any, ...] = ()
        if selection is None and not m.options.show_all_spikes:
            ids = clusters = np.zeros(0, np.int64)
        else:
            ids, clusters = m.spikes_between(x0 - margin, x1 + margin)
        if selection is not None:
            chosen = np.isin(clusters, np.asarray(selection, dtype=np.int64))
            ids, clusters = ids[chosen], clusters[chosen]
            keep = thin_spikes(ids, np.ones(len(ids), dtype=bool), _MAX_TILE_SPIKES, others=False)
            ids, clusters = ids[keep], clusters[keep]
            for i, c in enumerate(selection):
                layer_of[int(c)] = len(palette)
                palette.append(m.cluster_color(i))
        elif len(ids):
            keep = thin_spikes(ids, np.zeros(len(ids), dtype=bool), _MAX_TILE_SPIKES)
            ids, clusters = ids[keep], clusters[keep]
            colors = self._other_colors(clusters)
            by_color: dict[tuple[float, ...], int] = {}
            distinct = np.unique(clusters)
            for c in distinct.tolist():
                layer_of[c] = by_color.setdefault(colors[c], len(palette) + len(by_color))
            palette += list(by_color)
            drawn = (ids, clusters, self._colors_of(distinct, colors), distinct)
        times = np.asarray(m.controller.model.spike_times[ids], dtype=np.float64)
        # Per cluster, not per spike (thousands of spikes in a tile, tens of clusters).
        uniq, of = np.unique(clusters, return_inverse=True)
        uchans = [m.best_channels(c) for c in uniq.tolist()]
        of = of.reshape(-1)
        keep = np.array([len(ch) > 0 for ch in uchans], dtype=bool)[of]
        half = int(round(SPIKE_HALF * m.sample_rate))
        samples = np.round(times[keep] * m.sample_rate).astype(np.int64)
        layers = np.array([layer_of[c] for c in uniq.tolist()], dtype=np.int64)[of][keep]
        info = np.zeros(int(keep.sum()), SPIKE_DTYPE)
        info["spike"], info["cluster"], info["time"], info["layer"] = ids[keep], clusters[keep], times[keep], layers
        info["channel"] = np.array([ch[0] if len(ch) else -1 for ch in uchans], dtype=np.int64)[of][keep]
        snip = SpikeSnippets([uchans[i] for i in of[keep].tolist()], samples - half, samples + half + 1, layers, info,
                             *drawn)
        return snip, palette

    @property
    def selection_key(self) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        """What the overlays are drawn for: the selection's data generation, its clusters
        and their spike counts (GUI thread)."""
        ids = tuple(int(c) for c in self.model.cluster_ids)
        counts = self.model.controller.supervisor.clustering.spike_counts
        return (self.selection_generation, ids, tuple(int(counts.get(c, 0)) for c in ids))

    def draw(self, k: int, grid: TileGrid | None = None, levels: Levels | None = None,
             generation: int | None = None, selection: tuple[int, tuple[int, ...], tuple[int, ...]] | None = None,
             epoch: int | None = None, with_overlay: bool = True) -> TraceTile:
        """Rasterise tile ``k`` of the current generation and its overlay (the drawing
        thread passes the generation, selection key and clustering epoch it was asked
        for, with its grid and levels; ``with_overlay=False``: the tile alone)."""
        grid = self.tiles.grid if grid is None else grid
        assert grid is not None
        selection = self.selection_key if selection is None else selection
        # Drawn after the epoch's clustering change (if any): right for that epoch.
        epoch = self.clustering if epoch is None else epoch
        raster, info, data, start, drawn = self._picture(grid.extent(k), grid.tile_px, grid, levels)
        overlay = self.overlay(k, grid, levels, selection, (data, start)) if with_overlay else None
        return TraceTile((self.tiles.generation if generation is None else generation, k), raster, info, overlay,
                         drawn, epoch)

    def overlay(self, k: int, grid: TileGrid | None = None, levels: Levels | None = None,
                selection: tuple[int, tuple[int, ...], tuple[int, ...]] | None = None,
                samples: tuple[npt.NDArray[Any], int] | None = None,
                drawn: tuple[SpikeSnippets, list[tuple[float, ...]]] | None = None) -> SpikeOverlay:
        """The selected clusters' spikes of tile ``k`` (:class:`~phygui.render.tiles.SpikeOverlay`):
        only those spikes' samples are read (``samples``: the tile's, or a span holding
        its spikes, if already read; ``drawn``: its :meth:`snippets`, if already made)."""
        m = self.model
        grid = self.tiles.grid if grid is None else grid
        levels = self.tiles.params if levels is None else levels
        selection = self.selection_key if selection is None else selection
        assert grid is not None and levels is not None
        extent = grid.extent(k)
        snip, palette = self.snippets(extent[0], extent[2], grid.spp, selection[1]) if drawn is None else drawn
        if not len(snip.start):
            return SpikeOverlay(selection, [], snip.info)
        clusters, first = np.unique(snip.info["cluster"], return_index=True)
        channels = {c: snip.channels[i] for c, i in zip(clusters.tolist(), first.tolist())}
        ys = self.y_scale(levels.unit)
        yoff = m.row_of.astype(np.float64) - ys * levels.median
        if samples is None:  # just the span of the spikes (the tile's samples are not kept)
            samples = self.read(int(snip.start.min()), int(snip.stop.max()))
        data, start = samples
        bands = draw_overlay(grid, extent, grid.tile_px, data, start, m.sample_rate, yoff, ys, np.asarray(palette),
                             snip)
        return SpikeOverlay(selection, bands, snip.info, channels)

    def overlays(self, ks: list[int], grid: TileGrid, levels: Levels,
                 selection: tuple[int, tuple[int, ...], tuple[int, ...]]) -> dict[int, SpikeOverlay]:
        """The overlays of tiles ``ks`` (:meth:`overlay`'s, pixel for pixel) with one read
        of the samples their selected spikes span, not one per tile: a new selection's
        overlays, drawn on a drawing thread (the GUI thread only uploads them)."""
        snips = {k: self.snippets(grid.extent(k)[0], grid.extent(k)[2], grid.spp, selection[1]) for k in ks}
        spans = [(int(s.start.min()), int(s.stop.max())) for s, _p in snips.values() if len(s.start)]
        samples = self.read(min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
        return {k: self.overlay(k, grid, levels, selection, samples, drawn=snips[k]) for k in ks}

    def picture(self, extent: tuple[float, float, float, float], width: int, grid: TileGrid | None = None,
                levels: Levels | None = None) -> tuple[RasterLayer, npt.NDArray[Any]]:
        """Rasterise ``extent`` (on the grid's rows) ``width`` pixels wide, with the
        generation's levels (the current ones by default), the selected clusters' spikes
        over it, as shown; also the drawn spikes (the selected ones first)."""
        m = self.model
        grid = self.tiles.grid if grid is None else grid
        levels = self.tiles.params if levels is None else levels
        assert grid is not None and levels is not None
        raster, info, data, start, _ = self._picture(extent, width, grid, levels)
        ys = self.y_scale(levels.unit)
        yoff = m.row_of.astype(np.float64) - ys * levels.median
        snip, palette = self.snippets(extent[0], extent[2], grid.spp, self.selection_key[1])
        top = draw_overlay(grid, extent, width, data, start, m.sample_rate, yoff, ys, np.asarray(palette), snip)
        tile = TraceTile((0, 0), raster, info, SpikeOverlay(None, top, snip.info))
        return tile.composite(), tile.drawn_spikes

    def _picture(self, extent: tuple[float, float, float, float], width: int, grid: TileGrid | None = None,
                 levels: Levels | None = None) -> tuple[RasterLayer, npt.NDArray[Any], npt.NDArray[Any], int,
                                                        SpikeSnippets]:
        # A tile's picture (traces, other clusters' spikes), its spikes, the samples read, the snippets.
        m = self.model
        grid = self.tiles.grid if grid is None else grid
        levels = self.tiles.params if levels is None else levels
        assert grid is not None and levels is not None
        ys = self.y_scale(levels.unit)
        yoff = m.row_of.astype(np.float64) - ys * levels.median
        r0 = max(0, int(math.floor(grid.y0)) - 1)
        r1 = min(m.n_channels, int(math.ceil(grid.y1)) + 2)
        x0, x1 = extent[0], extent[2]
        snip, palette = self.snippets(x0, x1, grid.spp)
        s0, s1 = samples_for(x0, x1, grid.spp, m.sample_rate, int(round(SPIKE_HALF * m.sample_rate)) + 1)
        data, start = self.read(s0, s1)
        # The traces' counts do not depend on the selection: a new selection (or clustering)
        # redraws only the spikes over the traces of the tiles drawn before.
        tkey = (tuple(extent), int(width), grid.spp, grid.height, grid.y0, grid.y1, m.signal, m.options.scaling,
                m.options.origin, levels.unit, levels.median.tobytes(), r0, r1, start, data.shape)
        with self._traces_lock:
            traces = self._traces.get(tkey)
        if traces is None:
            traces = trace_layer(grid, extent, width, data, start, m.sample_rate, m.order[r0:r1], yoff, ys)
            with self._traces_lock:
                self._traces[tkey] = traces
                while len(self._traces) > _TRACE_LAYERS:
                    self._traces.popitem(last=False)
        raster = draw_tile(grid, extent, width, data, start, m.sample_rate, m.order[r0:r1], yoff, ys,
                           np.asarray(palette), snip, traces=traces)
        return raster, snip.info, data, start, snip

    def visible(self, ext: tuple[float, float, float, float], size: tuple[int, int],
                wait: bool = True) -> list[TraceTile] | None:
        """The tiles covering ``ext`` on a ``size`` pixel plot, drawing the missing ones
        (after a jump, on both threads), then the next ones in the background.

        ``wait=False``: when the tile generation changed since the last call (a new
        selection or clustering, new levels) and some of its tiles are not drawn yet,
        they are all drawn on the drawing threads and None is returned: the caller keeps
        showing the previous tiles and asks again on a later frame. The same when only
        the overlays are out of date (a new selection): they are drawn in one job on a
        drawing thread, a job asked for a selection that changed meanwhile is dropped.
        (Scrolling within a generation still draws a missing tile at once, as with
        ``wait``.)
        """
        self._ensure_generation(TileGrid((ext[2] - ext[0]) / size[0], size[1], ext[1], ext[3]))
        cache = self.tiles
        assert cache.grid is not None
        self._collect()
        shown = cache.grid.tiles(ext[0], ext[2])
        self._check(shown)
        if (not wait and (cache.generation != self._shown_generation or self._rechecked)
                and cache.generation != self._failed_generation and any(k not in cache for k in shown)):
            for k in shown:
                self._submit(k)
            return None
        self._rechecked = False
        missing = [k for k in shown if k not in cache and (cache.generation, k) not in self._pending]
        for k in missing[1::2]:
            self._submit(k)
        tiles = [self._take(k) for k in shown]
        if not self._overlays_ready(tiles, wait):
            return None
        wrong = [t for t in tiles if t.covered and t.cover is not t.overlay and not self._cover(t)]
        if wrong:  # (a new selection) not covered by its overlay: drawn again, as after a check
            for t in wrong:
                self._put_aside(t.key[1], t)
            self._rechecked = True
            return self.visible(ext, size, wait)
        self._shown_generation = cache.generation
        cache.prune((shown[0] + shown[-1]) / 2)
        self._ahead(shown, _AHEAD_SOON)
        self._prefetch_filtered(_FILTER_SOON)
        return tiles

    def _cover(self, tile: TraceTile) -> bool:
        # Check a covered tile under its (new) overlay; remember the overlay it passed under.
        if not self._covered(tile):
            return False
        tile.cover = tile.overlay
        return True

    def _overlays_ready(self, tiles: list[TraceTile], wait: bool) -> bool:
        # A new selection: only the overlays are drawn again, all in one job (one read).
        # Without ``wait`` the job runs on a drawing thread and False is returned until
        # its overlays are there; a job asked for another selection, clustering or tile
        # generation is dropped (the key tells). Tiles scrolled into view meanwhile
        # (rarely stale: drawn with the current selection) are drawn here once it is done,
        # so that a scroll never restarts the job.
        key = self.selection_key
        for t in tiles:
            # Drawn for the same clusters with the same spikes (a cluster id always names the
            # same spikes; an undo brings back the tiles of the selection before the action,
            # with their overlays), in this tile generation (same grid, levels, filter): the
            # same pixels, so right again without a job.
            ov = t.overlay
            if ov is not None and isinstance(ov.key, tuple) and ov.key != key and ov.key[1:] == key[1:]:
                ov.key = key
        stale = [t for t in tiles if t.overlay is None or t.overlay.key != key]
        if not stale:
            self._overlay_job = None
            return True
        grid, levels = self.tiles.grid, self.tiles.params
        assert grid is not None and levels is not None
        ks = [t.key[1] for t in stale]
        job_key = (key, self.tiles.generation)
        job = self._overlay_job
        if job is not None and job[0] != job_key:
            job[1].cancel()  # stale: not drawn if not started, dropped if done
            job = None
        if job is None and not wait:
            if self._executor is None:  # the tiles' drawing threads (see _submit)
                self._executor = ThreadPoolExecutor(2, thread_name_prefix="phygui-trace-tiles")
            job = (job_key, self._executor.submit(self.overlays, ks, grid, levels, key))
            self._overlay_job = job
        if job is not None and not job[1].done():
            if not wait:
                return False
        drawn: dict[int, SpikeOverlay] = {}
        if job is not None and not job[1].cancelled() and job[1].exception() is None:
            drawn = job[1].result()  # waited for (``wait``) if still running
        # No job, a failed one (drawn here, where its error is reported), or new tiles.
        missing = [k for k in ks if k not in drawn]
        if missing:
            drawn = {**drawn, **self.overlays(missing, grid, levels, key)}
        self._overlay_job = None
        for tile in stale:
            tile.overlay = drawn[tile.key[1]]
        return True

    def prefetch(self, ext: tuple[float, float, float, float]) -> bool:
        """Idle frames: collect the tiles drawn in the background, have the ones next to
        ``ext`` drawn, filter blocks ahead; True while tiles are still being drawn."""
        if self.tiles.grid is None:
            return False
        self._collect()
        self._refresh()
        self._prefetch_filtered(_FILTER_AHEAD)
        self._ahead(self.tiles.grid.tiles(ext[0], ext[2]), _PREFETCH)
        return bool(self._pending or self._refreshing)

    # Drawing thread ----------------------------------------------------------------------------

    def _ahead(self, shown: range, n: int) -> None:
        # The n tiles on each side of the window, nearest first, drawn on the drawing thread.
        grid = self.tiles.grid
        assert grid is not None
        n_max = int(math.ceil(self.model.duration / grid.tile_seconds))
        for d in range(1, n + 1):
            for k in (shown[-1] + d, shown[0] - d):
                if 0 <= k < n_max:
                    self._submit(k)

    def _refresh(self) -> None:
        # The covered tiles drawn again (without their overlay: they keep theirs) on the
        # drawing threads, first: idle frames, the other views' data jobs done. Fresh, they
        # are right by themselves before the selection changes.
        cache = self.tiles
        for k, tile in cache.items():
            key = (cache.generation, k)
            if tile.covered and key not in self._refreshing:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(2, thread_name_prefix="phygui-trace-tiles")
                self._refreshing[key] = self._executor.submit(self.draw, k, cache.grid, cache.params,
                                                              cache.generation, self.selection_key,
                                                              self.clustering, False)

    def _submit(self, k: int) -> None:
        # Have tile k of the current generation drawn on the drawing thread (with the
        # generation's grid and levels; the model's other inputs are part of its key).
        cache = self.tiles
        key = (cache.generation, k)
        if k in cache or key in self._pending:
            return
        if self._executor is None:  # two: a new selection's visible tiles are drawn side by side
            self._executor = ThreadPoolExecutor(2, thread_name_prefix="phygui-trace-tiles")
        self._pending[key] = self._executor.submit(self.draw, k, cache.grid, cache.params, cache.generation,
                                                   self.selection_key, self.clustering)

    def _collect(self) -> None:
        # Keep the finished tiles of the current generation; drop stale or failed ones
        # (a failed tile is drawn again, and fails, on the main thread).
        gen = self.tiles.generation
        for key in [key for key, fut in self._pending.items() if fut.done()]:
            fut = self._pending.pop(key)
            if key[0] == gen and key[1] not in self.tiles and not fut.cancelled():
                if fut.exception() is None:
                    self.tiles.put(key[1], self._own_overlay(fut.result()))
                else:  # drawn again on the main thread, where its error is reported
                    self._failed_generation = gen
        for key in [key for key, fut in self._refreshing.items() if fut.done()]:
            fut = self._refreshing.pop(key)
            old = self.tiles.get(key[1])
            if not fut.cancelled() and fut.exception() is not None:
                # Reported even when the tile is no longer needed (an undo put another
                # back): a drawing error must not go unseen.
                logger.error("A trace tile could not be drawn again in the background.", exc_info=fut.exception())
            if key[0] != gen or fut.cancelled() or old is None or not old.covered:
                continue
            if fut.exception() is not None:  # drawn again on the main thread, where its error is reported
                self.tiles.drop(key[1])
                self._failed_generation = gen
            else:
                new = fut.result()
                if new.checked_at != self.clustering:
                    continue  # drawn for a clustering that changed since (asked again)
                new.overlay = old.overlay  # the same pixels: same grid, levels, selection
                self._put_aside(key[1], old)  # an undo finds it right again
                self.tiles.put(key[1], new)
            self.model.invalidate(data=False)  # the view shows it (the same picture)

    def _own_overlay(self, tile: TraceTile) -> TraceTile:
        # A tile asked for before a clustering change and drawn after it: its overlay is
        # labelled with the selection it was asked for but drew the clustering it found
        # (a merged-away cluster draws nothing), so it must not be taken for that
        # selection's again (an undo): drawn anew when shown.
        if tile.checked_at != self.clustering:
            tile.overlay = None
        return tile

    def _take(self, k: int) -> TraceTile:
        # Tile k of the current generation: cached, being drawn (waited for), or drawn now.
        tile = self.tiles.get(k)
        if tile is None:
            fut = self._pending.pop((self.tiles.generation, k), None)
            tile = self.draw(k) if fut is None or fut.cancel() else self._own_overlay(fut.result())
            if tile.checked_at != self.clustering and not self._still_right(tile):
                tile = self.draw(k)  # drawn for a clustering that changed meanwhile
            tile.checked_at = self.clustering
            self.tiles.put(k, tile)
        return tile

    def close(self) -> None:
        """Stop the drawing thread (queued tiles are dropped)."""
        for fut in [*self._pending.values(), *self._refreshing.values()]:
            fut.cancel()
        self._pending, self._refreshing = {}, {}
        if self._overlay_job is not None:
            self._overlay_job[1].cancel()
            self._overlay_job = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _prefetch_filtered(self, ahead: float) -> None:
        # Filter the blocks on both sides of the window on the prefetch thread.
        if self.model.filtered:
            sr, (t0, t1) = self.model.sample_rate, self.model.interval
            ahead *= t1 - t0
            filtered = self.model.controller.model.traces.filtered
            filtered.prefetch(int(t1 * sr), int((t1 + ahead) * sr))
            filtered.prefetch(int((t0 - ahead) * sr), int(t0 * sr))
