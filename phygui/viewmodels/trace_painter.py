"""What the trace view draws and how: levels, tiles, spike snippets (private to ``trace``).

:class:`TracePainter` works for one :class:`~phygui.viewmodels.trace.TraceModel`: it
reads the samples of a tile (raw, or filtered by the cached blocks of
:attr:`phycore.model.RawTraces.filtered`), estimates each channel's median and the
amplitude scale from ~250 evenly spaced samples of the window, picks the spikes to
overdraw and rasterises tiles (:mod:`~phygui.viewmodels.trace_tiles`). A new tile
generation starts when anything but the time position changes, or when the window's
median/scale would move a trace by more than half a pixel; otherwise the tiles already
drawn are reused and only the new ones are drawn.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.viewmodels.items import RasterLayer
from phygui.viewmodels.trace_tiles import (SPIKE_DTYPE, SpikeSnippets, TileCache, TileGrid, TraceTile, draw_tile,
                                          samples_for)

__all__ = ["TracePainter", "Levels", "levels_of", "TRACE_COLOR", "SPIKE_HALF"]

TRACE_COLOR = (0.85, 0.85, 0.85, 0.9)
#: Seconds each side of a spike (1 ms snippets).
SPIKE_HALF = 0.0005
_N_LEVEL_ROWS = 250  # samples of the window giving each channel's median and the scale
_MAX_TILE_SPIKES = 5_000
_PREFETCH = 2  # tiles drawn ahead on each side on idle frames
_FILTER_AHEAD = 0.5  # filtered blocks prefetched on each side, in window widths
_MAX_SHIFT_PX = 0.5  # tiles are kept while no trace would move by more than this
_TYPICAL = 3.0  # ... for values up to this many times the scale's amplitude
_COLOR_STEP = 8  # other clusters' colours are rounded to 1/8 (few raster layers)


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
        self.generation = 0  # bumped when the data drawn changes (selection, clustering)
        self._levels_key: Any = None
        self._levels = Levels(np.zeros(model.n_channels), 1.0)
        self._fixed_unit: dict[bool, float] = {}
        self._colors: dict[int, tuple[float, ...]] = {}

    # Samples and levels ----------------------------------------------------------------------

    def read(self, s0: int, s1: int) -> tuple[npt.NDArray[Any], int]:
        """Samples ``[s0, s1)`` clipped to the recording (raw dtype, or filtered float32)."""
        raw = self.model.controller.model.traces
        a, b = max(0, int(s0)), min(int(raw.n_samples), int(s1))
        return (raw.filtered.read(a, b) if self.model.filtered else raw.read(a, b)), a

    def window_levels(self) -> Levels:
        """Each channel's median over the window and the amplitude unit (cached per window)."""
        m = self.model
        t0, t1 = m.interval
        i0, i1 = int(round(t0 * m.sample_rate)), int(round(t1 * m.sample_rate))
        key = (i0, i1, m.filtered)
        if key != self._levels_key:
            raw = m.controller.model.traces
            samples = np.unique(np.linspace(i0, max(i0, i1 - 1), _N_LEVEL_ROWS).round().astype(np.int64))
            rows = (raw.filtered if m.filtered else raw).read_rows(samples)
            self._levels_key = key
            self._levels = levels_of(rows)
        return self._levels

    def levels(self) -> Levels:
        """The window's levels, with the frozen unit when ``auto_scale`` is off."""
        levels = self.window_levels()
        if self.model.options.auto_scale:
            return levels
        return Levels(levels.median, self._fixed_unit.setdefault(self.model.filtered, levels.unit))

    def freeze_unit(self) -> None:
        """Keep the scale in use (``auto_scale`` turned off)."""
        params = self.tiles.params
        self._fixed_unit[self.model.filtered] = params.unit if params is not None else self._levels.unit

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
        key = (self.generation, m.filtered, m.options.show_all_spikes, m.options.origin, m.options.scaling,
               tuple(m.cluster_ids))
        if not (grid is cache.grid and key == cache.key and self._close_enough(levels, cache.params, grid)):
            cache.reset(grid, key, levels)
            self._colors = {}

    def _other_colors(self, clusters: npt.NDArray[np.int64]) -> dict[int, tuple[float, ...]]:
        # The Supervisor's cluster colours, rounded so that a tile needs few raster layers.
        missing = [int(c) for c in np.unique(clusters) if int(c) not in self._colors]
        if missing:
            rgba = self.model.controller.supervisor.color_selector.get_colors(missing)
            rgba[:, :3] = np.round(rgba[:, :3] * _COLOR_STEP) / _COLOR_STEP
            self._colors.update({c: tuple(float(v) for v in col) for c, col in zip(missing, rgba)})
        return self._colors

    def snippets(self, x0: float, x1: float, spp: float) -> tuple[SpikeSnippets, list[tuple[float, ...]]]:
        """The spikes overdrawn on ``[x0, x1]`` s (``spp`` s per pixel) and the palette
        (traces, other clusters' colours, then the selection's, on top)."""
        m = self.model
        margin = SPIKE_HALF + 2 * spp
        ids, clusters = m.spikes_between(x0 - margin, x1 + margin)
        if not m.options.show_all_spikes:
            keep = np.isin(clusters, m.cluster_ids)
            ids, clusters = ids[keep], clusters[keep]
        ids, clusters = ids[:_MAX_TILE_SPIKES], clusters[:_MAX_TILE_SPIKES]
        palette: list[tuple[float, ...]] = [TRACE_COLOR]
        layer_of: dict[int, int] = {}
        others = clusters[~np.isin(clusters, m.cluster_ids)]
        if others.size:
            colors = self._other_colors(others)
            by_color: dict[tuple[float, ...], int] = {}
            for c in np.unique(others).tolist():
                layer_of[c] = by_color.setdefault(colors[c], len(palette) + len(by_color))
            palette += list(by_color)
        for i, c in enumerate(m.cluster_ids):  # the selection on top
            layer_of[c] = len(palette)
            palette.append(m.cluster_color(i))
        times = np.asarray(m.controller.model.spike_times[ids], dtype=np.float64)
        chans = [m.best_channels(c) for c in clusters.tolist()]
        keep = np.array([len(ch) > 0 for ch in chans], dtype=bool)
        half = int(round(SPIKE_HALF * m.sample_rate))
        samples = np.round(times[keep] * m.sample_rate).astype(np.int64)
        layers = np.array([layer_of[c] for c in clusters.tolist()], dtype=np.int64)[keep]
        info = np.zeros(int(keep.sum()), SPIKE_DTYPE)
        info["spike"], info["cluster"], info["time"], info["layer"] = ids[keep], clusters[keep], times[keep], layers
        info["channel"] = [ch[0] for ch, k in zip(chans, keep) if k]
        snip = SpikeSnippets([ch for ch, k in zip(chans, keep) if k], samples - half, samples + half + 1, layers, info)
        return snip, palette

    def draw(self, k: int) -> TraceTile:
        """Rasterise tile ``k`` of the current generation."""
        grid = self.tiles.grid
        assert grid is not None
        raster, info = self.picture(grid.extent(k), grid.tile_px)
        return TraceTile((self.tiles.generation, k), raster, info)

    def picture(self, extent: tuple[float, float, float, float], width: int) -> tuple[RasterLayer, npt.NDArray[Any]]:
        """Rasterise ``extent`` (on the current grid's rows) ``width`` pixels wide, with
        the current generation's levels; also the drawn spikes (tiles and tests)."""
        m, grid, levels = self.model, self.tiles.grid, self.tiles.params
        assert grid is not None
        ys = self.y_scale(levels.unit)
        yoff = m.row_of.astype(np.float64) - ys * levels.median
        r0 = max(0, int(math.floor(grid.y0)) - 1)
        r1 = min(m.n_channels, int(math.ceil(grid.y1)) + 2)
        x0, x1 = extent[0], extent[2]
        snip, palette = self.snippets(x0, x1, grid.spp)
        s0, s1 = samples_for(x0, x1, grid.spp, m.sample_rate, int(round(SPIKE_HALF * m.sample_rate)) + 1)
        data, start = self.read(s0, s1)
        raster = draw_tile(grid, extent, width, data, start, m.sample_rate, m.order[r0:r1], yoff, ys,
                           np.asarray(palette), snip)
        return raster, snip.info

    def visible(self, ext: tuple[float, float, float, float], size: tuple[int, int]) -> list[TraceTile]:
        """The tiles covering ``ext`` on a ``size`` pixel plot, drawing the missing ones."""
        self._ensure_generation(TileGrid((ext[2] - ext[0]) / size[0], size[1], ext[1], ext[3]))
        cache = self.tiles
        assert cache.grid is not None
        shown = cache.grid.tiles(ext[0], ext[2])
        tiles = []
        for k in shown:
            tile = cache.get(k)
            if tile is None:
                tile = self.draw(k)
                cache.put(k, tile)
            tiles.append(tile)
        cache.prune((shown[0] + shown[-1]) / 2)
        if self.model.filtered:  # filter the blocks on both sides on the prefetch thread
            sr, (t0, t1) = self.model.sample_rate, self.model.interval
            ahead = _FILTER_AHEAD * (t1 - t0)
            filtered = self.model.controller.model.traces.filtered
            filtered.prefetch(int(t1 * sr), int((t1 + ahead) * sr))
            filtered.prefetch(int((t0 - ahead) * sr), int(t0 * sr))
        return tiles

    def prefetch(self, ext: tuple[float, float, float, float]) -> bool:
        """Draw one missing tile next to ``ext`` (idle frames); True if one was drawn."""
        cache = self.tiles
        if cache.grid is None:
            return False
        shown = cache.grid.tiles(ext[0], ext[2])
        n_max = int(math.ceil(self.model.duration / cache.grid.tile_seconds))
        for d in range(1, _PREFETCH + 1):
            for k in (shown[-1] + d, shown[0] - d):
                if 0 <= k < n_max and k not in cache:
                    cache.put(k, self.draw(k))
                    return True
        return False
