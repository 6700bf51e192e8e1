"""Trace tiles: a tile grid's tiles side by side are one raster over their union."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phygui.render.tiles import SpikeSnippets, TileCache, TileGrid, draw_tile, samples_for, stitch

_SR = 1000.0
_N_CH = 5
_PALETTE = np.array([[0.8, 0.8, 0.8, 0.9], [1.0, 0.0, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0]])


def _picture(grid: TileGrid, ext: tuple[float, float, float, float], width: int, data: np.ndarray,
             snip: SpikeSnippets, half: int) -> np.ndarray:
    # What TracePainter.picture does: read the tile's samples (plus pads), clipped to the recording.
    s0, s1 = samples_for(ext[0], ext[2], grid.spp, _SR, half + 1)
    a, b = max(0, s0), min(len(data), s1)
    yoff = np.arange(_N_CH, dtype=np.float64)
    return draw_tile(grid, ext, width, data[a:b], a, _SR, np.arange(_N_CH), yoff, 0.3, _PALETTE, snip).image


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), samples_per_px=st.sampled_from([0.13, 0.3, 0.5, 1.0, 1.7, 3.0, 7.3, 30.0]),
       tile_px=st.sampled_from([4, 16, 33]), n_tiles=st.integers(1, 4), k0=st.integers(-1, 12),
       height=st.integers(8, 60), y_zoom=st.booleans(), half=st.integers(1, 6))
def test_tiles_side_by_side_equal_one_raster_over_their_union(seed: int, samples_per_px: float, tile_px: int,
                                                               n_tiles: int, k0: int, height: int, y_zoom: bool,
                                                               half: int) -> None:
    rng = np.random.default_rng(seed)
    spp = samples_per_px / _SR
    y0, y1 = (0.7, 2.6) if y_zoom else (-0.5, _N_CH - 0.5)  # y_zoom: traces leave the picture
    grid = TileGrid(spp, height, y0, y1, tile_px)
    n = int((k0 + n_tiles + 2) * grid.tile_seconds * _SR) + 20
    data = (rng.standard_normal((max(n, 1), _N_CH)) * 2).astype(np.float32)
    spikes = np.sort(rng.integers(0, max(n, 1), 12))
    snip = SpikeSnippets([rng.choice(_N_CH, rng.integers(1, 3), replace=False).astype(np.int64) for _ in spikes],
                         spikes - half, spikes + half + 1, rng.integers(1, 3, len(spikes)))
    ks = range(k0, k0 + n_tiles)
    tiles = [_picture(grid, grid.extent(k), tile_px, data, snip, half) for k in ks]
    union_ext = (grid.extent(ks[0])[0], y0, grid.extent(ks[-1])[2], y1)
    union = _picture(grid, union_ext, n_tiles * tile_px, data, snip, half)
    assert union.shape == (height, n_tiles * tile_px, 4)
    np.testing.assert_array_equal(np.concatenate(tiles, axis=1), union)


def test_grid_tiles_and_stitch() -> None:
    grid = TileGrid(0.001, 10, -0.5, 3.5, 8)
    assert grid.tile_seconds == 0.008
    assert list(grid.tiles(0.0, 0.0159)) == [0, 1]
    assert list(grid.tiles(-0.001, 0.016)) == [-1, 0, 1, 2]
    assert grid.same_as(TileGrid(0.001 * (1 + 1e-9), 10, -0.5, 3.5, 8))
    assert not grid.same_as(TileGrid(0.0011, 10, -0.5, 3.5, 8)) and not grid.same_as(None)
    data = np.zeros((100, 4), np.float32)
    a, b = (_picture_layer(grid, k, data) for k in (1, 0))
    s = stitch([a, b])  # put in time order
    assert s.extent == (0.0, -0.5, 0.016, 3.5) and s.image.shape == (10, 16, 4)
    np.testing.assert_array_equal(s.image[:, 8:], a.image)


def _picture_layer(grid: TileGrid, k: int, data: np.ndarray):  # type: ignore[no-untyped-def]
    return draw_tile(grid, grid.extent(k), grid.tile_px, data, 0, _SR, np.arange(4), np.arange(4.0), 0.3,
                     _PALETTE[:1])


def test_tile_cache_generations_and_prune() -> None:
    cache = TileCache(max_tiles=3)
    grid = TileGrid(0.001, 10, -0.5, 3.5, 8)
    cache.reset(grid, "key", None)
    assert cache.generation == 1 and len(cache) == 0
    for k in range(6):
        cache.put(k, object())  # type: ignore[arg-type]
    cache.prune(4.0)
    assert sorted(k for k in range(6) if k in cache) == [3, 4, 5]
    cache.reset(grid, "other", None)
    assert cache.generation == 2 and cache.get(4) is None
