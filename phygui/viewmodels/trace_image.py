"""Trace image view model: the raw data of every channel in a time window as a heat map.

phy's TraceImageView (parity.md §1.6): the TraceView's data (same window, same
navigation commands: :class:`~phygui.viewmodels.trace_window.TimeWindowModel`, same row
order by depth: :func:`~phygui.viewmodels.trace.channel_order`) drawn as one image,
channels × time, through phy's diverging colour map (colorcet ``bjy``: blue negative,
dark zero, yellow positive). Its shortcuts are the TraceView's prefixed with ``ctrl+alt``
(``ctrl+alt+left/right``, ``ctrl+shift+alt+left/right``, ``ctrl+alt+home/end/t/o``,
``ctrl+alt+up/down``, ``ctrl+alt+shift++/-``), snippets ``:tig`` and ``:tis``.

The samples go through the controller's current raw-data filter (``controller.raw_data_filter``:
``raw``, phy's 150 Hz ``high_pass`` (read by cached, transient-free blocks), or a plugin's;
``alt+r`` switches, and the view redraws on ``raw_data_filter_changed``). Each channel is
median-subtracted. The colour range is symmetric
about zero, ``±max(|q1%|, |q99%|)`` of the window (``auto_scale``; off: the range stays),
divided by ``scaling``: ``increase`` (``ctrl+alt+up``) raises the contrast. phy instead maps
``[q1%, q99%] × scaling`` (so its zero is not always the neutral colour and its "increase"
lowers the contrast); we keep zero neutral and "increase" meaning stronger.

The image has two columns per pixel of the plot (more when zoomed in, at most 4,096);
the samples of a column are reduced to the one of largest deviation (a spike stays
visible however wide the window);
the window is read by chunks, and is at most :attr:`TraceImageModel.max_width` seconds
(phy has no limit, and reads a whole long window at once).
"""

from __future__ import annotations

import math

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.supervisor.colors import colormaps
from phygui.viewmodels.items import RasterLayer
from phygui.render.tile_painter import read_plugin_filtered
from phygui.viewmodels.trace import channel_order
from phygui.viewmodels.trace_window import TimeWindowModel, row_channel, time_channel_text

__all__ = ["TraceImageModel", "TraceImageOptions", "TraceImageFrame", "TRACE_IMAGE_SHORTCUTS",
           "TRACE_IMAGE_SNIPPETS", "peak_columns", "colorize"]

#: phy's TraceImageView shortcuts: command name -> key.
TRACE_IMAGE_SHORTCUTS = {
    "go_left": "ctrl+alt+left",
    "go_right": "ctrl+alt+right",
    "jump_left": "ctrl+shift+alt+left",
    "jump_right": "ctrl+shift+alt+right",
    "go_to": "ctrl+alt+t",
    "go_to_start": "ctrl+alt+home",
    "go_to_end": "ctrl+alt+end",
    "narrow": "ctrl+alt+shift++",
    "widen": "ctrl+alt+shift+-",
    "increase": "ctrl+alt+up",
    "decrease": "ctrl+alt+down",
    "switch_origin": "ctrl+alt+o",
}
#: ``:tig <s>`` go to, ``:tis <s>`` shift.
TRACE_IMAGE_SNIPPETS = {"go_to": "tig", "shift": "tis"}

_SCALING_STEP = 1.1
_QUANTILE = 0.01  # phy's trace_quantile
_CHUNK = 1 << 16  # samples read at once


@attrs.define(frozen=True)
class TraceImageOptions:
    """Global state (``origin``, ``auto_scale``) and local state (``interval``, ``scaling``)."""

    interval: tuple[float, float] | None = None
    scaling: float = 1.0
    origin: str = "bottom"
    auto_scale: bool = True


@attrs.define(eq=False)
class TraceImageFrame:
    """The image (channels × time), its home bounds (time × rows) and the colour range."""

    raster: RasterLayer | None
    home: tuple[float, float, float, float]
    interval: tuple[float, float]
    vrange: tuple[float, float]


def peak_columns(chunks: Any, n_samples: int, n_columns: int, n_channels: int) -> npt.NDArray[np.float32]:
    """Reduce ``n_samples`` rows, given as consecutive ``(k, n_channels)`` chunks, to
    ``n_columns`` rows, each the median-subtracted sample of largest deviation of its
    span (exact, median-subtracted samples when ``n_columns >= n_samples``).

    Returns
    -------
    ndarray
        ``(n_columns, n_channels)`` float32.
    """
    n_columns = max(1, min(int(n_columns), int(n_samples)))
    hi = np.full((n_columns, n_channels), -np.inf, dtype=np.float32)
    lo = np.full((n_columns, n_channels), np.inf, dtype=np.float32)
    s = 0
    for chunk in chunks:
        x = np.asarray(chunk, dtype=np.float32)
        if not len(x):
            continue
        col = (np.arange(s, s + len(x), dtype=np.int64) * n_columns) // max(n_samples, 1)
        s += len(x)
        starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
        cols = col[starts]
        hi[cols] = np.maximum(hi[cols], np.maximum.reduceat(x, starts, axis=0))
        lo[cols] = np.minimum(lo[cols], np.minimum.reduceat(x, starts, axis=0))
    empty = ~np.isfinite(hi)
    hi[empty], lo[empty] = 0.0, 0.0  # columns past a short read: neutral, not data
    median = np.median((hi + lo) / 2, axis=0).astype(np.float32)
    up, down = hi - median, lo - median
    return np.where(np.abs(up) >= np.abs(down), up, down).astype(np.float32)


def colorize(values: npt.NDArray[Any], vmax: float, cmap: npt.NDArray[Any] | None = None) -> npt.NDArray[np.float32]:
    """RGBA float32 of ``values`` through a colour map, ``-vmax`` .. ``+vmax`` spanning it
    (phy's diverging map by default)."""
    lut = np.asarray(colormaps.diverging if cmap is None else cmap, dtype=np.float32)
    v = float(vmax) if vmax > 0 else 1.0
    idx = np.clip(np.rint((np.asarray(values, np.float32) / v + 1) / 2 * (len(lut) - 1)), 0, len(lut) - 1)
    rgb = lut[idx.astype(np.int64)]
    return np.concatenate([rgb, np.ones(rgb.shape[:-1] + (1,), np.float32)], axis=-1)


class TraceImageModel(TimeWindowModel):
    """View model of the trace image view (navigation: the base class's commands).

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.traces`` (RawTraces or None),
        ``model.channel_positions``, ``model.channel_map``, ``raw_data_filter``)
    options : TraceImageOptions, optional
    sender : object, optional
        Sender of ``time_range_selected``.
    """

    default_size = (800, 600)
    max_n_clusters = 1_000_000
    options_class = TraceImageOptions
    shortcuts = TRACE_IMAGE_SHORTCUTS
    snippets = TRACE_IMAGE_SNIPPETS
    menu = ("go_left", "go_right", "jump_left", "jump_right", "go_to_start", "go_to_end", "go_to", "shift", "-",
            "narrow", "widen", "increase", "decrease", "-", "toggle_auto_scale", "switch_origin")
    wheel = {"ctrl": ("increase", "decrease"), "alt": "navigate"}
    #: Columns of the image at most (a wider window is reduced, keeping peaks).
    max_columns = 4096
    #: Longest window (s): a wider one would read too much raw data per redraw.
    max_width = 10.0

    def __init__(self, controller: Any, options: TraceImageOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options, sender)
        order = channel_order(controller.model.channel_positions)
        #: Model channels (the rows are these but the sync channel, as in the trace view).
        self.n_model_channels = len(order)
        sync = getattr(controller.model, "sync_channel_id", None)
        self.depth_order = order if sync is None else order[order != sync]
        self.n_channels = len(self.depth_order)
        self.vrange = (-1.0, 1.0)
        self._fixed: float | None = None
        self._cache_key: Any = None
        self._cache: tuple[RasterLayer, tuple[float, float]] | None = None

    def _clip(self, t0: float, width: float) -> tuple[float, float]:
        return super()._clip(t0, min(float(width), self.max_width))

    # Options ---------------------------------------------------------------------------

    @property
    def has_raw(self) -> bool:
        """Whether raw data can be read (phy creates the view only then)."""
        return getattr(self.controller.model, "traces", None) is not None

    @property
    def filter_name(self) -> str:
        """The filter the samples go through: the controller's current raw-data filter."""
        return str(getattr(getattr(self.controller, "raw_data_filter", None), "current", "raw"))

    def on_raw_data_filter_changed(self, sender: Any = None, name: str = "") -> None:
        """``raw_data_filter_changed`` (alt+r): redraw with the new filter."""
        self.invalidate(data=False)

    @property
    def order(self) -> npt.NDArray[np.int64]:
        """Channel of each row, from the bottom row up (``origin`` applied)."""
        return self.depth_order if self.options.origin == "bottom" else self.depth_order[::-1]

    def increase(self) -> None:
        """Stronger contrast (colour range ÷1.1)."""
        self._set(False, scaling=self.options.scaling * _SCALING_STEP)

    def decrease(self) -> None:
        """Weaker contrast (colour range ×1.1)."""
        self._set(False, scaling=self.options.scaling / _SCALING_STEP)

    def switch_origin(self) -> None:
        """Deepest channel at the bottom (``bottom``) or at the top (``top``)."""
        self._set(False, origin="top" if self.options.origin == "bottom" else "bottom")

    def toggle_auto_scale(self, checked: bool | None = None) -> None:
        """Colour range from each window's amplitudes (off: keep the current range)."""
        on = not self.options.auto_scale if checked is None else bool(checked)
        self._fixed = None if on else self.vrange[1] * self.options.scaling
        self._set(False, auto_scale=on)

    # Data -----------------------------------------------------------------------------

    def _chunks(self, s0: int, s1: int) -> Any:
        raw = self.controller.model.traces
        name = self.filter_name
        rdf = getattr(self.controller, "raw_data_filter", None)
        builtin = bool(getattr(rdf, "is_builtin", lambda: name in ("raw", "high_pass"))())
        for a in range(s0, s1, _CHUNK):
            b = min(a + _CHUNK, s1)
            if name == "raw" and builtin:
                yield raw.read(a, b)
            elif name == "high_pass" and builtin:
                yield raw.filtered.read(a, b)  # phy's filter by cached blocks: no edge transient
            else:  # a plugin's filter, chunk by chunk, each read with a margin
                assert rdf is not None  # a name other than raw comes from it
                yield read_plugin_filtered(raw, rdf.get(name), a, b)

    @property
    def n_columns(self) -> int:
        """Columns of the image: two per pixel of the plot, over the whole window at the
        current zoom (at most :attr:`max_columns`): the texture is never shrunk on screen,
        which would drop the peaks the columns keep."""
        t0, t1 = self.interval
        zoom = 1.0
        if self.extent is not None and self.extent[2] > self.extent[0]:
            zoom = max(1.0, (t1 - t0) / (self.extent[2] - self.extent[0]))
        # Zoom rounded up to a power of two: a wheel step or a drag frame within the same
        # doubling reuses the image instead of reading the whole window again.
        zoom = float(2 ** math.ceil(math.log2(zoom)))
        return int(min(self.max_columns, max(64, 2 * self.size[0] * zoom)))

    def columns(self, n_columns: int | None = None) -> npt.NDArray[np.float32]:
        """The window's samples reduced to ``n_columns`` columns (default :attr:`n_columns`),
        ``(n_columns, n_model_channels)`` in channel order (median-subtracted)."""
        raw = self.controller.model.traces
        t0, t1 = self.interval
        s0 = max(0, int(round(t0 * self.sample_rate)))
        s1 = min(int(raw.n_samples), max(s0 + 1, int(round(t1 * self.sample_rate))))
        n = self.n_columns if n_columns is None else int(n_columns)
        return peak_columns(self._chunks(s0, s1), s1 - s0, n, self.n_model_channels)

    def _image(self) -> tuple[RasterLayer, tuple[float, float]]:
        n_columns = self.n_columns
        key = (self.interval, self.options, self.filter_name, self._fixed, n_columns)
        if key != self._cache_key or self._cache is None:
            cols = self.columns(n_columns)[:, self.depth_order]  # the rows' channels (no sync)
            if self._fixed is not None and not self.options.auto_scale:
                vmax = self._fixed
            else:
                q = np.quantile(cols, [_QUANTILE, 1 - _QUANTILE]) if cols.size else np.ones(2)
                vmax = float(max(abs(q[0]), abs(q[1]))) or 1.0
            vmax /= self.options.scaling
            rows = (cols if self.options.origin == "bottom" else cols[:, ::-1]).T[::-1]  # top image row first: the top row of the plot
            t0, t1 = self.interval
            layer = RasterLayer(colorize(rows, vmax), (t0, -0.5, t1, self.n_channels - 0.5))
            self._cache_key, self._cache = key, (layer, (-vmax, vmax))
        return self._cache

    def _home(self) -> tuple[float, float, float, float]:
        t0, t1 = self.interval
        return (t0, -0.5, t1, self.n_channels - 0.5)

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> TraceImageFrame:
        """The window's image (recomputed only when the window or an option changed)."""
        self.is_dirty = False
        if not self.has_raw:
            return TraceImageFrame(None, self._home(), self.interval, self.vrange)
        layer, self.vrange = self._image()
        return TraceImageFrame(layer, self._home(), self.interval, self.vrange)

    @property
    def status(self) -> str:
        """Shown above the plot."""
        if not self.has_raw:
            m = self.controller.model
            return f"raw data unavailable: {getattr(m, 'raw_data_error', '') or 'no raw file'}"
        t0, t1 = self.interval
        return f"{t0:.3f}-{t1:.3f} s  filter: {self.filter_name}  range: ±{self.vrange[1]:.3g}"

    # Mouse -------------------------------------------------------------------------------

    def channel_at(self, y: float) -> int | None:
        """The channel of the row at height ``y`` (None outside the rows)."""
        return row_channel(self.order[:self.n_channels], y)

    def hover(self, x: float, y: float) -> str:
        """Tooltip: time and channel under the mouse."""
        return time_channel_text(self.controller, self.order[:self.n_channels], x, y)

