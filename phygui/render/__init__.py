"""CPU rendering into numpy images: the rasteriser and the trace view's tile painter.

Pure numpy/numba: nothing here imports Dear PyGui or the view models (import-linter
checks both). The view models (:mod:`phygui.viewmodels`) call these functions and hand
the images, as :class:`~phygui.render.raster.RasterLayer`, to the drawers.

- :mod:`phygui.render.raster`: point clouds and polyline bundles, composited per colour;
- :mod:`phygui.render.traces`: raw traces and spike snippets, one min/max span per column;
- :mod:`phygui.render.tiles`: the trace picture cut into fixed time strips, drawn once each;
- :mod:`phygui.render.tile_pixels`: a tile's pixels, its colour layers drawn one after the other;
- :mod:`phygui.render.tile_painter`: which tiles, levels and spikes the trace view draws.
"""
