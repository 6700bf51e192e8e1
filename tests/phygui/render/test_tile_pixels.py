"""A trace tile drawn colour layer after colour layer has the pixels of one Raster of every layer."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phygui.render import tile_pixels, tiles
from phygui.render.raster import Raster
from phygui.render.tiles import SpikeSnippets, TileGrid, draw_tile, samples_for, trace_layer
from phygui.render.traces import draw_snippets

_SR = 1000.0


def _raster_tile(grid: TileGrid, ext: tuple[float, float, float, float], width: int, data: np.ndarray, start: int,
                 chans: np.ndarray, yoff: np.ndarray, ys: float, palette: np.ndarray,
                 snip: SpikeSnippets) -> np.ndarray:
    # draw_tile before session 26: one Raster holding every layer's counts, composited pixel by pixel.
    raster = Raster(grid.height, width, palette, ext)
    raster.counts[..., 0] = trace_layer(grid, ext, width, data, start, _SR, chans, yoff, ys)
    if len(snip.start):
        draw_snippets(raster, data, snip.channels, yoff, ys, start / _SR, 1.0 / _SR, snip.start - start,
                      snip.stop - start, snip.layer, sample0=start, spp=grid.spp)
    return raster.rgba()


def _case(seed: int, n_layers: int, n_spikes: int, n_ch: int, height: int, samples_per_px: float, tile_px: int,
          k: int, half: int) -> tuple[TileGrid, tuple[float, float, float, float], np.ndarray, int, np.ndarray,
                                      np.ndarray, np.ndarray, SpikeSnippets]:
    rng = np.random.default_rng(seed)
    grid = TileGrid(samples_per_px / _SR, height, -0.5, n_ch - 0.5, tile_px)
    ext = grid.extent(k)
    s0, s1 = samples_for(ext[0], ext[2], grid.spp, _SR, half + 1)
    start = max(0, s0)
    data = (rng.standard_normal((max(1, s1 - start), n_ch)) * 2).astype(np.float32)
    # Opaque cluster colours and a few translucent ones (the Raster's opacity table per alpha).
    palette = rng.uniform(0, 1, (n_layers, 4))
    palette[:, 3] = rng.choice([1.0, 1.0, 0.9, 0.35, 0.02], n_layers)
    palette[0] = (0.85, 0.85, 0.85, 0.9)
    spikes = rng.integers(s0 - 2 * half, s1 + 2 * half, n_spikes)
    snip = SpikeSnippets([rng.choice(n_ch, rng.integers(1, min(n_ch, 6) + 1), replace=False).astype(np.int64)
                          for _ in spikes], spikes - half, spikes + half + 1,
                         rng.integers(1, max(2, n_layers), n_spikes) if n_layers > 1 else np.zeros(0, np.int64))
    if n_layers == 1:
        snip = SpikeSnippets()
    yoff = np.arange(n_ch, dtype=np.float64)
    return grid, ext, data, start, np.arange(n_ch), yoff, palette, snip


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n_layers=st.sampled_from([1, 2, 3, 12, 41, 217]),
       n_spikes=st.integers(0, 300), n_ch=st.integers(1, 24), height=st.integers(4, 90),
       samples_per_px=st.sampled_from([0.3, 1.0, 4.1, 30.0]), tile_px=st.sampled_from([3, 16, 64]),
       k=st.integers(-1, 5), half=st.integers(1, 8))
def test_tile_equals_one_raster_of_every_layer(seed: int, n_layers: int, n_spikes: int, n_ch: int, height: int,
                                               samples_per_px: float, tile_px: int, k: int, half: int) -> None:
    grid, ext, data, start, chans, yoff, palette, snip = _case(seed, n_layers, n_spikes, n_ch, height,
                                                               samples_per_px, tile_px, k, half)
    tile = draw_tile(grid, ext, tile_px, data, start, _SR, chans, yoff, 0.3, palette, snip).image
    np.testing.assert_array_equal(tile, _raster_tile(grid, ext, tile_px, data, start, chans, yoff, 0.3, palette,
                                                     snip))


def test_many_snippets_of_one_layer_past_the_opacity_table() -> None:
    # Counts over the table's 1,024 entries take the power itself, as the Raster does.
    grid, ext, data, start, chans, yoff, palette, snip = _case(3, 3, 0, 2, 4, 1.0, 8, 0, 4)
    spikes = np.full(3000, start + 6)
    snip = SpikeSnippets([np.array([0, 1])] * len(spikes), spikes - 4, spikes + 5, np.where(np.arange(3000) % 3, 1, 2))
    palette[1:, 3] = (0.3, 0.001)
    tile = draw_tile(grid, ext, 8, data, start, _SR, chans, yoff, 0.3, palette, snip).image
    assert tile[..., 3].max() > 0
    np.testing.assert_array_equal(tile, _raster_tile(grid, ext, 8, data, start, chans, yoff, 0.3, palette, snip))


def test_tiles_drawn_on_two_threads_at_once_keep_their_own_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    # New threads, with room for few lit pixels: their event lists grow (the tile drawn again).
    monkeypatch.setattr(tile_pixels, "_EVENTS", 64)
    cases = [_case(seed, 41, 250, 16, 70, 4.1, 64, seed % 4, 6) for seed in range(8)]
    want = [_raster_tile(g, e, 64, d, s, c, y, 0.3, p, sn) for g, e, d, s, c, y, p, sn in cases]
    got: dict[int, list[np.ndarray]] = {}

    def run(t: int) -> None:
        got[t] = [draw_tile(g, e, 64, d, s, _SR, c, y, 0.3, p, sn).image for g, e, d, s, c, y, p, sn in cases]

    threads = [threading.Thread(target=run, args=(t,)) for t in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(got) == [0, 1]
    for images in got.values():
        for image, ref in zip(images, want):
            np.testing.assert_array_equal(image, ref)


def _raster_overlay(grid: TileGrid, ext: tuple[float, float, float, float], width: int, data: np.ndarray,
                    start: int, yoff: np.ndarray, ys: float, palette: np.ndarray,
                    snip: SpikeSnippets) -> list[tuple[np.ndarray, tuple[float, ...]]]:
    # draw_overlay on one Raster of every layer (every overlay before session 28; a few colours
    # still), cut into bands of lit rows
    # (the rows where some layer's count is not zero), each band composited alone.
    raster = Raster(grid.height, width, palette, ext)
    draw_snippets(raster, data, snip.channels, yoff, ys, start / _SR, 1.0 / _SR, snip.start - start,
                  snip.stop - start, snip.layer, sample0=start, spp=grid.spp)
    rows = np.flatnonzero(raster.counts.any(axis=(1, 2)))
    if not rows.size:
        return []
    dy = (ext[3] - ext[1]) / grid.height
    counts, bands = raster.counts, []
    for run in np.split(rows, np.flatnonzero(np.diff(rows) > tiles._BAND_GAP) + 1):
        r0, r1 = int(run[0]), int(run[-1]) + 1
        raster.counts = counts[r0:r1]
        bands.append((raster.rgba(), (ext[0], ext[3] - r1 * dy, ext[2], ext[3] - r0 * dy)))
    return bands


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n_layers=st.sampled_from([2, 3, 12, 41, 217, 601]),
       n_spikes=st.integers(0, 300), n_ch=st.integers(1, 60), height=st.integers(4, 200),
       samples_per_px=st.sampled_from([0.3, 1.0, 4.1, 30.0]), tile_px=st.sampled_from([3, 16, 64]),
       k=st.integers(-1, 5), half=st.integers(1, 8))
def test_overlay_equals_the_bands_of_one_raster_of_every_layer(seed: int, n_layers: int, n_spikes: int, n_ch: int,
                                                               height: int, samples_per_px: float, tile_px: int,
                                                               k: int, half: int) -> None:
    # The selected clusters' spikes alone (one layer per selected cluster: up to 600 after
    # a split over every cluster): the same bands, extents and pixels as the Raster's.
    grid, ext, data, start, _chans, yoff, palette, snip = _case(seed, n_layers, n_spikes, n_ch, height,
                                                                samples_per_px, tile_px, k, half)
    bands = tiles.draw_overlay(grid, ext, tile_px, data, start, _SR, yoff, 0.3, palette, snip)
    expected = _raster_overlay(grid, ext, tile_px, data, start, yoff, 0.3, palette, snip)
    assert [b.extent for b in bands] == [e for _, e in expected]
    for band, (image, _) in zip(bands, expected):
        np.testing.assert_array_equal(band.image, image)


def test_an_overlay_of_600_clusters_in_bands() -> None:
    # A split over every cluster selects 600: spikes on channels far apart make several bands.
    grid, ext, data, start, _chans, yoff, palette, snip = _case(11, 601, 2000, 200, 700, 1.0, 64, 2, 6)
    bands = tiles.draw_overlay(grid, ext, 64, data, start, _SR, yoff, 0.3, palette, snip)
    expected = _raster_overlay(grid, ext, 64, data, start, yoff, 0.3, palette, snip)
    assert len(bands) == len(expected) >= 1 and len(np.unique(snip.layer)) > 400
    assert [b.extent for b in bands] == [e for _, e in expected]
    for band, (image, _) in zip(bands, expected):
        assert band.image[..., 3].max() > 0
        np.testing.assert_array_equal(band.image, image)
