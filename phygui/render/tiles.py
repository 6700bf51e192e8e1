"""Tiles of the trace view: the picture cut into fixed time strips, drawn once each.

Scrolling the trace view moves its window by a fraction of its width. Re-rasterising
(and re-uploading) the whole window for every step would cost the full decimation of
384 channels x 30,000 samples and a full-size texture per frame. Instead the picture
is cut into tiles of ``tile_px`` pixel columns on a fixed grid of the time axis
(:class:`TileGrid`: tile ``k`` covers ``[k, k + 1) * tile_px * spp`` seconds, ``spp``
seconds per pixel column): a scroll only draws the tiles that came into view, the
others are reused as they are. A tile is drawn from the samples of its columns plus one
column and half a spike snippet on each side, so its edges join its neighbours' exactly:
tiles side by side give the picture of one raster over their union (tested).

:class:`TileCache` keeps the tiles of one *generation* (grid, scales, options, and
the clustering when other clusters' spikes are drawn); anything else than the time
position changing starts a new generation.

The selected clusters' spikes are not part of a tile: each tile carries a
:class:`SpikeOverlay`, small images of only those spikes (bands of the rows they cover),
drawn on the same pixel grid and composited over the tile (:func:`over`). A new
selection redraws the overlays only, at a cost that grows with the selected spikes in
view. The selection colours are opaque, so the overlay's pixels replace the tile's
where a selected spike is drawn: the picture is the one drawing everything in one
raster gives.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phygui.render.raster import Raster, RasterLayer
from phygui.render.tile_pixels import tile_rgba
from phygui.render.traces import draw_snippets, draw_traces

__all__ = ["TileGrid", "TraceTile", "TileCache", "SpikeSnippets", "SpikeOverlay", "SPIKE_DTYPE", "draw_tile",
           "draw_overlay", "trace_layer", "samples_for", "stitch", "over", "TILE_PX"]

#: Pixel columns per tile: a 10 % scroll of a ~1,000 px view needs about one new tile.
TILE_PX = 128
#: Overlay rows this many pixels apart go to separate bands (textures).
_BAND_GAP = 24
#: Overlays with this many palette colours (the traces' included) or more are drawn colour
#: after colour (see draw_overlay; measured: 21 colours break even, 3 are 30 % faster at once).
_LAYERED_OVERLAY = 16
_SPP_RTOL = 1e-7


@attrs.define(frozen=True)
class TileGrid:
    """The pixel grid the tiles are drawn on.

    Attributes
    ----------
    spp : float
        Seconds per pixel column.
    height : int
        Pixel rows.
    y0, y1 : float
        Data range of the rows (bottom, top).
    tile_px : int
        Pixel columns per tile.
    """

    spp: float
    height: int
    y0: float
    y1: float
    tile_px: int = TILE_PX

    @property
    def tile_seconds(self) -> float:
        """Duration covered by one tile."""
        return self.spp * self.tile_px

    def same_as(self, other: "TileGrid | None") -> bool:
        """Whether tiles drawn on ``other`` can be shown on this grid (same pixels)."""
        return (other is not None and other.height == self.height and other.tile_px == self.tile_px
                and other.y0 == self.y0 and other.y1 == self.y1
                and abs(other.spp - self.spp) <= _SPP_RTOL * self.spp)

    def tiles(self, x0: float, x1: float) -> range:
        """Indices of the tiles covering ``[x0, x1]`` seconds."""
        ts = self.tile_seconds
        return range(int(math.floor(x0 / ts)), int(math.floor(x1 / ts)) + 1)

    def extent(self, k: int) -> tuple[float, float, float, float]:
        """Data rectangle of tile ``k``."""
        ts = self.tile_seconds
        return (k * ts, self.y0, (k + 1) * ts, self.y1)


#: One drawn spike: id, cluster, first best channel (hit-testing row), time, raster layer.
SPIKE_DTYPE = np.dtype([("spike", np.int64), ("cluster", np.int64), ("channel", np.int64),
                        ("time", np.float64), ("layer", np.int64)])


@attrs.define(eq=False)
class SpikeSnippets:
    """Spikes overdrawn on a tile: for each, its channels, sample range and layer.

    ``start``/``stop`` are absolute sample indices; ``info`` (:data:`SPIKE_DTYPE`) is
    kept for hit-testing; ``ids``/``clusters`` are every spike chosen (with or without
    channels) and the clusters they were drawn for, ``colors`` the rounded colour of each
    of ``unique`` (``np.unique(clusters)``, kept: a tile is checked after every clustering
    change): a tile stays right while these are unchanged.
    """

    channels: list[npt.NDArray[np.int64]] = attrs.Factory(list)
    start: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))
    stop: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))
    layer: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))
    info: npt.NDArray[Any] = attrs.Factory(lambda: np.zeros(0, SPIKE_DTYPE))
    ids: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))
    clusters: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))
    colors: npt.NDArray[np.float64] = attrs.Factory(lambda: np.zeros((0, 4)))
    unique: npt.NDArray[np.int64] = attrs.Factory(lambda: np.zeros(0, np.int64))


@attrs.define(eq=False)
class SpikeOverlay:
    """The selected clusters' spikes of one tile, drawn apart (see the module docstring).

    Attributes
    ----------
    key: Any
        What it was drawn for (the painter's selection key).
    bands : list of RasterLayer
        The bands of rows of the tile the spikes cover (straight RGBA, transparent
        elsewhere) and their data rectangles; empty when no selected spike is in the tile.
    spikes : ndarray of SPIKE_DTYPE
        The spikes drawn (hit-testing).
    channels : dict
        The channels each cluster's spikes are drawn on (a merge's tiles are checked
        against them: does the overlay hide their stale spikes?).
    """

    key: Any
    bands: list[RasterLayer]
    spikes: npt.NDArray[Any]
    channels: dict[int, npt.NDArray[np.int64]] = attrs.Factory(dict)


@attrs.define(eq=False)
class TraceTile:
    """One drawn tile: its key ``(generation, k)``, image, the spikes drawn on it
    (:data:`SPIKE_DTYPE`), and the overlay of the selected clusters' spikes."""

    key: tuple[int, int]
    raster: RasterLayer
    spikes: npt.NDArray[Any]
    overlay: SpikeOverlay | None = None
    #: The spikes chosen and their clusters and colours (:class:`SpikeSnippets`), for checking
    #: the tile against a new clustering; and the clustering epoch it was last checked at.
    drawn: SpikeSnippets | None = None
    checked_at: int = -1
    #: Its own pixels are stale (spikes of it changed cluster) but every changed spike is
    #: drawn by the overlay, whose opaque pixels hide them: right while ``cover`` (the
    #: overlay it was checked under) is its overlay; drawn again in the background.
    covered: bool = False
    cover: SpikeOverlay | None = None
    _shown: tuple[Any, npt.NDArray[Any]] | None = attrs.field(default=None, init=False)  # drawn_spikes, by overlay

    @property
    def drawn_spikes(self) -> npt.NDArray[Any]:
        """The spikes shown: the overlay's (their layers numbered above the tile's), then
        the tile's other ones."""
        if self.overlay is None or not len(self.overlay.spikes):
            return self.spikes
        if self._shown is not None and self._shown[0] is self.overlay:  # every redraw of the view asks
            return self._shown[1]
        top = self.overlay.spikes.copy()
        top["layer"] += int(self.spikes["layer"].max(initial=0))
        rest = self.spikes[~np.isin(self.spikes["spike"], top["spike"])]
        self._shown = (self.overlay, np.concatenate([top, rest]))
        return self._shown[1]

    def composite(self) -> RasterLayer:
        """The tile as shown: its image with the overlay over it (tests, screenshots)."""
        out = self.raster
        for band in [] if self.overlay is None else self.overlay.bands:
            out = over(out, band)
        return out


def samples_for(x0: float, x1: float, spp: float, sample_rate: float, pad: int) -> tuple[int, int]:
    """Sample range ``[s0, s1)`` a picture of ``[x0, x1]`` seconds is drawn from: its
    columns, one more column and ``pad`` samples on each side (not clipped to the
    recording), so that its edge columns join the neighbouring tiles'."""
    col = int(math.ceil(spp * sample_rate)) + 1
    return int(math.floor(x0 * sample_rate)) - col - pad, int(math.ceil(x1 * sample_rate)) + col + pad


def trace_layer(grid: TileGrid, extent: Sequence[float], width: int, data: npt.NDArray[Any], data_start: int,
                sample_rate: float, channels: npt.ArrayLike, y_offset: npt.ArrayLike,
                y_scale: float) -> npt.NDArray[np.uint16]:
    """The traces' hit counts ``(grid.height, width)`` of a tile (the arguments of
    :func:`draw_tile`): they depend on the samples, grid and levels only, not on the
    spikes drawn over them, so a new selection's tiles can reuse them."""
    raster = Raster(grid.height, width, np.zeros((1, 4)), tuple(float(v) for v in extent))
    chans = np.asarray(channels, dtype=np.int64)
    yoff = np.asarray(y_offset, dtype=np.float64)
    draw_traces(raster, data, chans, yoff[chans], y_scale, data_start / sample_rate, 1.0 / sample_rate, 0, None, 0,
                sample0=int(data_start), spp=grid.spp)
    return raster.counts[..., 0].copy()


def draw_tile(grid: TileGrid, extent: Sequence[float], width: int, data: npt.NDArray[Any], data_start: int,
              sample_rate: float, channels: npt.ArrayLike, y_offset: npt.ArrayLike, y_scale: float,
              palette: npt.ArrayLike, snippets: SpikeSnippets | None = None,
              traces: npt.NDArray[np.uint16] | None = None) -> RasterLayer:
    """Rasterise traces and spike snippets over ``extent`` into a ``width`` x ``grid.height`` image.

    Samples go to the grid's global columns (see :func:`~phygui.render.traces.draw_traces`'s
    ``sample0``/``spp``), so a tile and any union of tiles agree pixel for pixel.

    Parameters
    ----------
    grid : TileGrid
    extent : (x0, y0, x1, y1)
        Data rectangle (a tile's :meth:`TileGrid.extent`, or a union of tiles).
    width : int
        Pixel columns (``extent`` spans ``width * grid.spp`` seconds).
    data : ndarray, shape (n_samples, n_channels)
        Raw or filtered samples, time-major.
    data_start : int
        Absolute sample index of ``data[0]``.
    sample_rate : float
    channels : array of int
        Channels drawn (the rows in view).
    y_offset : array of float, shape (n_channels,)
        Row position of each channel's zero (indexed by channel).
    y_scale : float
        Rows per data unit.
    palette : array, shape (n_layers, 4)
        Layer 0: traces; snippets use the other layers.
    snippets : SpikeSnippets, optional
    traces : ndarray of uint16, shape (grid.height, width), optional
        The traces' counts (:func:`trace_layer` of the same arguments), drawn before.
    """
    x0, y0, x1, y1 = (float(v) for v in extent)
    if traces is None:
        traces = trace_layer(grid, extent, width, data, data_start, sample_rate, channels, y_offset, y_scale)
    snippets = SpikeSnippets() if snippets is None else snippets
    # One kernel, colour layer after colour layer (not a Raster of every layer: mostly zeros).
    image = tile_rgba(traces, (x0, y0, x1, y1), data, int(data_start), sample_rate, grid.spp, y_offset, y_scale,
                      palette, snippets.channels, snippets.start, snippets.stop, snippets.layer)
    return RasterLayer(image, (x0, y0, x1, y1))


def draw_overlay(grid: TileGrid, extent: Sequence[float], width: int, data: npt.NDArray[Any], data_start: int,
                 sample_rate: float, y_offset: npt.ArrayLike, y_scale: float, palette: npt.ArrayLike,
                 snippets: SpikeSnippets) -> list[RasterLayer]:
    """The spike snippets alone over ``extent`` (:func:`draw_tile`'s arguments, no
    traces), cut into bands of the pixel rows they cover (rows further apart than
    :data:`_BAND_GAP` in separate bands: the GPU blends only those); [] if none.

    A band's data rectangle is whole grid rows, so it lands on the tile's pixels. An
    overlay has a colour layer per selected cluster: a few are drawn on one
    :class:`~phygui.render.raster.Raster` of every layer (one pass, the cheaper way for a
    pair), more (:data:`_LAYERED_OVERLAY` and up: 600 after a split over every cluster,
    where that Raster was 100 MB and 60 ms a tile) colour after colour as
    :func:`draw_tile` does; the same pixels either way."""
    if not len(snippets.start):
        return []
    ext = tuple(float(v) for v in extent)
    palette = np.asarray(palette, dtype=np.float64).reshape(-1, 4)
    if len(palette) >= _LAYERED_OVERLAY:
        image = tile_rgba(np.zeros((grid.height, width), np.uint16), ext, data, int(data_start), sample_rate,
                          grid.spp, y_offset, y_scale, palette, snippets.channels, snippets.start, snippets.stop,
                          snippets.layer)
        lit = image[:, :, 3].any(axis=1)  # the palette's colours are not fully transparent

        def band(r0: int, r1: int) -> npt.NDArray[np.float32]:
            return image[r0:r1].copy()
    else:
        raster = Raster(grid.height, width, palette, ext)
        draw_snippets(raster, data, snippets.channels, np.asarray(y_offset, dtype=np.float64), y_scale,
                      data_start / sample_rate, 1.0 / sample_rate, snippets.start - data_start,
                      snippets.stop - data_start, snippets.layer, sample0=int(data_start), spp=grid.spp)
        lit = raster.counts.any(axis=(1, 2))
        counts = raster.counts

        def band(r0: int, r1: int) -> npt.NDArray[np.float32]:
            raster.counts = counts[r0:r1]  # the band (contiguous rows), composited alone
            return raster.rgba()
    rows = np.flatnonzero(lit)
    if not rows.size:
        return []
    cuts = np.flatnonzero(np.diff(rows) > _BAND_GAP) + 1
    dy = (ext[3] - ext[1]) / grid.height
    bands = []
    for run in np.split(rows, cuts):
        r0, r1 = int(run[0]), int(run[-1]) + 1
        bands.append(RasterLayer(band(r0, r1), (ext[0], ext[3] - r1 * dy, ext[2], ext[3] - r0 * dy)))
    return bands


def over(base: RasterLayer, top: RasterLayer) -> RasterLayer:
    """``top`` composited over ``base`` (straight RGBA, Porter-Duff "over", what the GPU
    does with the two textures); ``top`` covers whole rows of ``base`` (its
    :func:`draw_overlay` crop)."""
    image = base.image.copy()
    h = image.shape[0]
    y0, y1 = base.extent[1], base.extent[3]
    r0 = int(round((y1 - top.extent[3]) / (y1 - y0) * h))
    part = image[r0:r0 + top.image.shape[0]]
    a_t, a_b = top.image[..., 3:4], part[..., 3:4]
    a = a_t + a_b * (1.0 - a_t)
    rgb = top.image[..., :3] * a_t + part[..., :3] * a_b * (1.0 - a_t)
    rgb = np.where(a > 0, rgb / np.where(a > 0, a, 1.0), 0.0)
    # Uncovered pixels keep the tile's values exactly (no rounding through the formula).
    part[...] = np.where(a_t > 0, np.concatenate([rgb, a], axis=-1), part)
    return RasterLayer(image, base.extent)


def stitch(tiles: Sequence[RasterLayer]) -> RasterLayer:
    """Tiles side by side (in time order) as one image (tests, screenshots)."""
    ordered = sorted(tiles, key=lambda t: t.extent[0])
    image = np.concatenate([t.image for t in ordered], axis=1)
    x0, y0 = ordered[0].extent[0], ordered[0].extent[1]
    return RasterLayer(image, (x0, y0, ordered[-1].extent[2], ordered[-1].extent[3]))


class TileCache:
    """The tiles of the current generation, by index; far ones are dropped.

    Attributes
    ----------
    generation : int
        Incremented by :meth:`reset`; part of every tile's key, so the drawer knows
        which textures are stale.
    grid : TileGrid or None
    params : Any
        What the tiles were drawn with (scales, offsets), kept for the generation.
    """

    def __init__(self, max_tiles: int = 48) -> None:
        self.max_tiles = int(max_tiles)
        self.generation = 0
        self.grid: TileGrid | None = None
        self.params: Any = None
        self.key: Any = None
        self._tiles: dict[int, TraceTile] = {}

    def reset(self, grid: TileGrid, key: Any, params: Any) -> None:
        """Start a new generation (every tile is redrawn)."""
        self.generation += 1
        self.grid, self.key, self.params = grid, key, params
        self._tiles = {}

    def get(self, k: int) -> TraceTile | None:
        """Tile ``k`` if drawn in this generation."""
        return self._tiles.get(k)

    def put(self, k: int, tile: TraceTile) -> None:
        """Keep a drawn tile."""
        self._tiles[k] = tile

    def drop(self, k: int) -> None:
        """Forget tile ``k`` (drawn again when needed)."""
        self._tiles.pop(k, None)

    def __contains__(self, k: int) -> bool:
        return k in self._tiles

    def items(self) -> list[tuple[int, TraceTile]]:
        """The tiles drawn, by index."""
        return list(self._tiles.items())

    def __len__(self) -> int:
        return len(self._tiles)

    def prune(self, centre: float) -> None:
        """Drop the tiles farthest from tile index ``centre`` beyond :attr:`max_tiles`."""
        if len(self._tiles) > self.max_tiles:
            far = sorted(self._tiles, key=lambda k: -abs(k - centre))
            for k in far[:len(self._tiles) - self.max_tiles]:
                del self._tiles[k]
