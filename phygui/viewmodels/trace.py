"""Trace view model: the raw data of every channel in a time window (parity.md §1.6).

One row per channel, ordered by depth (channel y position; ``origin`` ``bottom``: the
lowest channel at the bottom, ``alt+o`` flips it); each channel is median-subtracted
(median of 250 to 2,000 evenly spaced samples of the window), goes through the controller's
current raw-data filter (``controller.raw_data_filter``: phy's 150 Hz ``high_pass`` unless the
folder says ``hp_filtered``, ``raw``, or a plugin's; ``alt+r`` cycles them, the status ends
with its name, as phy's) and is optionally whitened with the sorter's whitening matrix
(``toggle_whitening``).
Traces are scaled so that the window's 1 %-99 % quantile amplitude spans half a row
(``auto_scale``, phy's default; otherwise the scale stays as it is).

The picture is drawn in tiles (:mod:`~phygui.render.tiles`): a scroll draws
only the strips that came into view, from the samples of those strips (filtered by
cached blocks, :attr:`phycore.model.RawTraces.filtered`). The tiles of a window are
kept while the median and scale of the new window would move no trace by more than
half a pixel, so the picture is the one a full redraw would give. Spikes of the
selected clusters are overdrawn on their best channels (1 ms snippets) in the
selection colours, other clusters' spikes in the Supervisor's cluster colours when
``show_all_spikes`` (``shift+wheel`` cycles its colour scheme). The selected clusters'
spikes are an overlay of each tile (:class:`~phygui.render.tiles.SpikeOverlay`): a new
selection redraws only them, and a clustering change redraws the tiles only when
other clusters' spikes are shown.

The window ``(t0, t1)`` (seconds) is the local state ``interval``, saved with ``scaling``.

Events
------
time_range_selected(sender, interval)
    Every change of the window (:class:`~phygui.viewmodels.trace_window.TimeWindowModel`).
select_spike(sender, channel_id=, spike_id=, cluster_id=)
    ctrl+click near a drawn spike (:meth:`TraceModel.click`); then ``spike_click``, its alias.
select_channel(sender, channel_id=, button=)
    shift+click on a channel (:meth:`TraceModel.channel_click`); the feature view follows.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis.jit import kernels_ready
from phycore.signals import emit
from phygui.render.raster import Raster
from phygui.render.tile_painter import TracePainter
from phygui.render.tiles import SPIKE_DTYPE, TraceTile, stitch
from phygui.render.traces import draw_snippets, draw_traces, draw_traces_reference
from phygui.viewmodels.event_markers import event_lines
from phygui.viewmodels.items import Label, Polyline, RasterLayer
from phygui.viewmodels.trace_window import TimeWindowModel, row_channel, time_channel_text

__all__ = ["TraceModel", "TraceOptions", "TraceFrame", "TRACE_SHORTCUTS", "TRACE_SNIPPETS",
           "channel_order", "draw_traces", "draw_snippets", "draw_traces_reference"]

#: phy's TraceView shortcuts: command name -> key.
TRACE_SHORTCUTS = {
    "go_left": "alt+left",
    "go_right": "alt+right",
    "jump_left": "shift+alt+left",
    "jump_right": "shift+alt+right",
    "go_to": "alt+t",
    "go_to_start": "alt+home",
    "go_to_end": "alt+end",
    "go_to_next_spike": "alt+pgdown",
    "go_to_previous_spike": "alt+pgup",
    "narrow": "alt++",
    "widen": "alt+-",
    "increase": "alt+up",
    "decrease": "alt+down",
    "switch_origin": "alt+o",
    "toggle_show_all_spikes": "alt+s",
    "toggle_show_labels": "alt+l",
}
#: ``:tg <s>`` go to, ``:ts <s>`` shift.
TRACE_SNIPPETS = {"go_to": "tg", "shift": "ts"}

_LABEL_PX = 14
_SCALING_STEP = 1.1


@attrs.define(frozen=True)
class TraceOptions:
    """Global state (``do_show_labels``, ``show_all_spikes``, ``filtered``, ``whitened``,
    ``origin``, ``auto_scale``) and local state (``interval``, ``scaling``). ``filtered`` is only
    read for a controller without ``raw_data_filter`` (``None``: "unless hp_filtered"); otherwise
    the controller's filter decides. ``show_all_spikes`` starts on, as phy's packaged
    first-launch state has it."""

    interval: tuple[float, float] | None = None
    scaling: float = 1.0
    do_show_labels: bool = True
    show_all_spikes: bool = True
    filtered: bool | None = None
    whitened: bool = False
    origin: str = "bottom"
    auto_scale: bool = True


@attrs.define(eq=False)
class TraceFrame:
    """The visible tiles, channel labels, the home bounds (time x rows)."""

    tiles: list[TraceTile]
    labels: list[Label]
    home: tuple[float, float, float, float]
    interval: tuple[float, float]
    #: The spikes drawn in view (the model's :attr:`TraceModel.drawn_spikes`, made when first asked).
    spikes: Callable[[], npt.NDArray[Any]]
    #: Event markers in the shown time range (see :mod:`phygui.viewmodels.event_markers`).
    markers: list[Polyline] = attrs.Factory(list)

    @property
    def n_spikes(self) -> int:
        """How many spikes are drawn in view."""
        return len(self.spikes())

    @property
    def raster(self) -> RasterLayer | None:
        """The visible tiles, their overlays composited, as one image (tests and
        screenshots; the drawer shows tiles and overlays)."""
        return stitch([t.composite() for t in self.tiles]) if self.tiles else None


def _spikes_in(tiles: list[TraceTile], ext: tuple[float, float, float, float]) -> npt.NDArray[Any]:
    # The spikes the tiles show in the time range of ``ext``, each once (the first: an
    # overlay's spike before the tile's).
    if not tiles:
        return np.zeros(0, SPIKE_DTYPE)
    spikes = np.concatenate([t.drawn_spikes for t in tiles])
    spikes = spikes[(spikes["time"] >= ext[0]) & (spikes["time"] <= ext[2])]
    return spikes[np.unique(spikes["spike"], return_index=True)[1]]


def channel_order(positions: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Channels from bottom to top: by y, then x, then id (a stable depth order)."""
    pos = np.asarray(positions, dtype=np.float64).reshape(len(np.asarray(positions)), -1)
    y = pos[:, 1] if pos.shape[1] > 1 else np.zeros(len(pos))
    return np.lexsort((np.arange(len(pos)), pos[:, 0], y)).astype(np.int64)


class TraceModel(TimeWindowModel):
    """View model of the trace view (the window's navigation commands are the base class's).

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.traces`` (RawTraces),
        ``model.spike_times``, ``supervisor.clustering.spike_clusters``,
        ``supervisor.color_selector``, ``get_best_channels``)
    options : TraceOptions, optional
    sender : object, optional
        Sender of the events (see the module's Events).
    """

    default_size = (800, 800)
    max_n_clusters = 1_000_000
    options_class = TraceOptions
    shortcuts = TRACE_SHORTCUTS
    snippets = TRACE_SNIPPETS
    menu = ("go_left", "go_right", "jump_left", "jump_right", "go_to_start", "go_to_end", "go_to",
            "shift", "go_to_next_spike", "go_to_previous_spike", "-", "narrow", "widen", "increase",
            "decrease", "-", "toggle_show_all_spikes", "toggle_show_labels", "toggle_auto_scale",
            "switch_origin", "toggle_filter", "toggle_whitening", "-", "next_color_scheme", "previous_color_scheme")
    wheel = {"ctrl": ("increase", "decrease"), "alt": "navigate",
             "shift": ("next_color_scheme", "previous_color_scheme")}

    def __init__(self, controller: Any, options: TraceOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options, sender)
        order = channel_order(controller.model.channel_positions)
        #: Model channels (the rows are these but the sync channel).
        self.n_model_channels = len(order)
        sync = getattr(controller.model, "sync_channel_id", None)
        # The sync channel (a digital line the channel map kept) is no probe channel: no row.
        self.depth_order = order if sync is None else order[order != sync]
        self.n_channels = len(self.depth_order)
        self.error = ""
        self.painter = TracePainter(self)
        self._best: dict[int, npt.NDArray[np.int64]] = {}
        self._whitening_t: npt.NDArray[np.float32] | None = None
        self._drawn: npt.NDArray[Any] | None = np.zeros(0, SPIKE_DTYPE)  # drawn_spikes, or None: not made yet
        self._drawn_of: tuple[list[TraceTile], tuple[float, float, float, float]] = ([], (0.0, 0.0, 0.0, 0.0))

    # Rows --------------------------------------------------------------------------------------

    @property
    def filter_name(self) -> str:
        """The raw-data filter the traces go through: the controller's current one."""
        rdf = getattr(self.controller, "raw_data_filter", None)
        if rdf is not None:
            return str(rdf.current)
        if self.options.filtered is None:
            return "raw" if getattr(self.controller.model, "hp_filtered", False) else "high_pass"
        return "high_pass" if self.options.filtered else "raw"

    @property
    def filtered(self) -> bool:
        """Whether phycore's high-pass is applied (read from the cached filtered blocks)."""
        rdf = getattr(self.controller, "raw_data_filter", None)
        return self.filter_name == "high_pass" and (rdf is None or rdf.is_builtin("high_pass"))

    @property
    def plugin_filter(self) -> Any:
        """The current filter function when it is not phycore's ``raw`` or ``high_pass``
        (a plugin's), else None."""
        rdf = getattr(self.controller, "raw_data_filter", None)
        if rdf is None or rdf.is_builtin():
            return None
        return rdf.get()

    def on_raw_data_filter_changed(self, sender: Any, name: str = "") -> None:
        """``raw_data_filter_changed``: redraw every tile with the new filter."""
        if sender is self.controller:
            self.invalidate()

    @property
    def order(self) -> npt.NDArray[np.int64]:
        """Channel of each row, from the bottom row up (``origin`` applied)."""
        return self.depth_order if self.options.origin == "bottom" else self.depth_order[::-1]

    @property
    def row_of(self) -> npt.NDArray[np.int64]:
        """Row of each model channel (0: bottom; -2, below the view, for the sync channel)."""
        rows = np.full(self.n_model_channels, -2, dtype=np.int64)
        rows[self.order] = np.arange(self.n_channels)
        return rows

    # Options ---------------------------------------------------------------------------------

    def increase(self) -> None:
        """Taller traces (channel scaling x1.1)."""
        self._set(False, scaling=self.options.scaling * _SCALING_STEP)

    def decrease(self) -> None:
        """Smaller traces."""
        self._set(False, scaling=self.options.scaling / _SCALING_STEP)

    def toggle_show_all_spikes(self, checked: bool | None = None) -> None:
        """Show the spikes of all clusters (in the cluster colours) besides the selected ones."""
        self._set(False, show_all_spikes=not self.options.show_all_spikes if checked is None else bool(checked))

    def toggle_show_labels(self, checked: bool | None = None) -> None:
        """Channel labels."""
        self._set(False, do_show_labels=not self.options.do_show_labels if checked is None else bool(checked))

    def toggle_filter(self, checked: bool | None = None) -> None:
        """High-pass filter the raw data (150 Hz): the controller's filter becomes ``high_pass``
        or ``raw``, for the waveform view too (``alt+r`` cycles every filter)."""
        on = not self.filtered if checked is None else bool(checked)
        rdf = getattr(self.controller, "raw_data_filter", None)
        if rdf is None:
            self._set(False, filtered=on)
            return
        rdf.set("high_pass" if on else "raw")  # raw_data_filter_changed redraws
        self.invalidate()

    def toggle_whitening(self, checked: bool | None = None) -> None:
        """Whiten the traces with the sorter's whitening matrix (``whitening_mat.npy``):
        what Kilosort's templates were fitted to."""
        self._set(False, whitened=not self.options.whitened if checked is None else bool(checked))

    @property
    def whitened(self) -> bool:
        """Whether the traces are whitened."""
        return bool(self.options.whitened)

    @property
    def whitening_t(self) -> npt.NDArray[np.float32]:
        """The transposed whitening matrix (samples x channels times it whitens the rows)."""
        if self._whitening_t is None:
            wm = np.asarray(getattr(self.controller.model, "wm", np.eye(self.n_model_channels)), dtype=np.float32)
            self._whitening_t = np.ascontiguousarray(wm.T)
        return self._whitening_t

    @property
    def signal(self) -> tuple[str, bool]:
        """``(filter name, whitened)``: what the samples drawn went through."""
        return (self.filter_name, self.whitened)

    def toggle_auto_scale(self, checked: bool | None = None) -> None:
        """Scale the traces from each window's amplitudes (off: keep the current scale)."""
        on = not self.options.auto_scale if checked is None else bool(checked)
        if not on:
            self.painter.freeze_unit()
        self._set(False, auto_scale=on)

    def switch_origin(self) -> None:
        """Deepest channel at the bottom (``bottom``) or at the top (``top``)."""
        self._set(False, origin="top" if self.options.origin == "bottom" else "bottom")

    def next_color_scheme(self) -> str:
        """Next colour scheme of the other clusters' spikes (shift+wheel; every colour view follows)."""
        return str(self.controller.supervisor.color_selector.next_color_scheme())

    def previous_color_scheme(self) -> str:
        """Previous colour scheme of the other clusters' spikes."""
        return str(self.controller.supervisor.color_selector.previous_color_scheme())

    def on_color_mapping_changed(self, sender: Any = None) -> None:
        """``color_mapping_changed``: recolour the other clusters' spikes (if shown)."""
        if self.options.show_all_spikes:
            self.invalidate()

    def set_selection(self, cluster_ids: Any) -> None:
        """Follow the ``select`` event: only the overlays of the selected spikes are redrawn."""
        ids = [int(c) for c in cluster_ids][: self.max_n_clusters]
        if ids != self.cluster_ids:
            self.cluster_ids = ids
            self.invalidate(tiles=False)

    def on_cluster(self, sender: Any, up: Any) -> None:
        """``cluster`` event: the overlays are redrawn; the tiles are checked against the
        new clustering when shown (only those whose spikes changed cluster are redrawn)."""
        touched = {int(c) for c in getattr(up, "deleted", ()) or ()} | {int(c) for c in getattr(up, "added", ()) or ()}
        if touched & set(self.cluster_ids) or self._touches_background(up):
            self.painter.clustering_changed()
            self.invalidate(tiles=False)

    def invalidate(self, data: bool = True, tiles: bool | None = None) -> None:
        """Mark dirty; ``data=True`` (selection, clustering) also redraws the overlays of
        the selected spikes, and, unless ``tiles=False`` (a new selection), every tile
        that shows other clusters' spikes (``show_all_spikes``)."""
        super().invalidate(data)
        if data:
            self.painter.selection_generation += 1
            if (data if tiles is None else tiles) and self.options.show_all_spikes:
                self.painter.generation += 1

    def _touches_background(self, up: Any) -> bool:
        return bool(self.options.show_all_spikes)  # other clusters' spikes are drawn

    def warm_kernels(self) -> None:
        """Load the kernel of the selected spikes' overlays (a worker thread: it only reads
        a few samples, as the drawing threads do), with the samples' own type, so that
        the first selection's overlays do not load it."""
        if getattr(self.controller.model, "traces", None) is None:  # (not _has_raw(): it writes `error`)
            return
        data, start = self.painter.read(0, 16)
        if not len(data):
            return
        raster = Raster(2, 2, np.ones((2, 4)), (0.0, 0.0, 1.0, 1.0))
        draw_snippets(raster, data, [np.zeros(1, np.int64)], np.zeros(data.shape[1]), 1.0, 0.0,
                      1.0 / float(self.sample_rate), [0], [len(data)], [1], sample0=int(start), spp=0.01)

    # Data --------------------------------------------------------------------------------------

    def _has_raw(self) -> bool:
        m = self.controller.model
        if getattr(m, "traces", None) is None:
            self.error = f"raw data unavailable: {getattr(m, 'raw_data_error', '') or 'no raw file'}"
            return False
        self.error = ""
        return True

    @property
    def y_scale(self) -> float:
        """Data units -> rows: the scale's amplitude spans half a row (times ``scaling``)."""
        params = self.painter.tiles.params
        return self.painter.y_scale(params.unit if params is not None else self.painter.levels().unit)

    def best_channels(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """The channels on which a cluster's spikes are overdrawn (cached)."""
        cid = int(cluster_id)
        if cid not in self._best:
            best = np.asarray(self.controller.get_best_channels(cid), dtype=np.int64)
            self._best[cid] = best[self.row_of[best] >= 0]  # not on the sync channel (no row)
        return self._best[cid]

    def spikes_in_window(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Spike ids in the window and their clusters."""
        return self.spikes_between(*self.interval)

    def spikes_between(self, t0: float, t1: float) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Spike ids with a time in ``[t0, t1)`` and their clusters."""
        i0, i1 = np.searchsorted(self.controller.model.spike_times, [t0, t1])
        ids = np.arange(i0, i1, dtype=np.int64)
        return ids, np.asarray(self.controller.supervisor.clustering.spike_clusters[ids], dtype=np.int64)

    def prefetch(self) -> bool:
        """Idle frames (the drawer calls it): have the tiles next to the window drawn in
        the background; True while some are still being drawn."""
        if self.is_dirty or not self._has_raw():
            return False
        return self.painter.prefetch(self._extent(None, self._home()))

    def _home(self) -> tuple[float, float, float, float]:
        t0, t1 = self.interval
        return (t0, -0.5, t1, self.n_channels - 0.5)

    def compute(self, extent: tuple[float, float, float, float] | None = None,
                wait: bool = True) -> TraceFrame | None:
        """The visible tiles (drawing only the new ones), labels and hit-test data.

        ``wait=False``: None (and still dirty) while the tiles of a new selection or
        clustering, or only their overlays of the selected spikes, are drawn on the
        drawing threads (see :meth:`TracePainter.visible`).
        None too while numba loads its kernels after the GUI's first frame (see
        :func:`phycore.analysis.jit.kernels_ready`).
        """
        home = self._home()
        ext = self._extent(extent, home)
        if not self._has_raw():  # an empty view that says why (phy would not create it)
            self.is_dirty = False
            self.drawn_spikes = np.zeros(0, SPIKE_DTYPE)
            return TraceFrame([], [], home, self.interval, lambda: self.drawn_spikes)
        h = self.size[1]
        if not kernels_ready():
            # numba loads on a worker after the GUI's first frame (phycore.analysis.jit): the
            # filter and the tiles are numba kernels, which would wait for it on this thread.
            return None
        found = self.painter.visible(ext, self.size, wait=wait)
        if found is None:
            return None  # the previous tiles stay shown (and hit-tested) meanwhile
        tiles = found
        self.is_dirty = False
        # Hit-testing's spikes are made when first asked (a click), not on every scroll frame.
        self._drawn, self._drawn_of = None, (tiles, ext)
        labels = []
        if self.options.do_show_labels:
            cmap = np.asarray(self.controller.model.channel_map)
            step = max(1, math.ceil((ext[3] - ext[1]) * _LABEL_PX / max(h, 1)))  # >= 14 px apart
            r0, r1 = max(0, int(math.ceil(ext[1]))), min(self.n_channels, int(math.floor(ext[3])) + 1)
            order = self.order
            labels = [Label(float(ext[0]), float(r), str(int(cmap[order[r]])), anchor="left")
                      for r in range(r0, r1, step)]
        markers = event_lines(self, ext[0], ext[2], home[1], home[3])
        drawn_of = self._drawn_of
        return TraceFrame(tiles, labels, home, self.interval,
                          lambda: self.drawn_spikes if self._drawn_of is drawn_of else _spikes_in(*drawn_of), markers)

    @property
    def drawn_spikes(self) -> npt.NDArray[Any]:
        """The spikes drawn in view (:data:`~phygui.render.tiles.SPIKE_DTYPE`), for
        hit-testing: each once, the selected clusters' first (made when first asked after
        a frame)."""
        if self._drawn is None:
            self._drawn = _spikes_in(*self._drawn_of)
        return self._drawn

    @drawn_spikes.setter
    def drawn_spikes(self, spikes: npt.NDArray[Any]) -> None:
        self._drawn = spikes

    @property
    def status(self) -> str:
        """Shown above the plot."""
        t0, t1 = self.interval
        if not self._has_raw():
            return self.error
        scheme = self.controller.supervisor.color_selector
        extra = f"  colors: {getattr(scheme, 'color_scheme', None) or scheme.color_field}" \
            if self.options.show_all_spikes else ""
        # Ends with the raw-data filter's name, as phy's (its ex_status).
        whitened = "  (whitened)" if self.whitened else ""
        return f"{t0:.3f}-{t1:.3f} s" + whitened + self.scale_text + extra + f"  {self.filter_name}"

    @property
    def row_uv(self) -> float | None:
        """µV of one row's height (the gains of the acquisition metadata, their median over
        the rows), or None: gains unknown (phy's case), nothing drawn yet (the status is read
        every frame: it never reads raw data), whitened traces, or a plugin filter (its
        output need not be in the raw data's units)."""
        uv = getattr(self.controller.model, "uv_per_bit", None)
        params = self.painter.tiles.params  # the scale drawn (None before the first tiles)
        if (uv is None or params is None or self.whitened or self.plugin_filter is not None
                or not self.n_channels):
            return None
        per_unit = float(np.median(np.asarray(uv, dtype=np.float64)[self.depth_order]))
        return per_unit / self.painter.y_scale(params.unit)  # y_scale: rows per raw unit

    @property
    def scale_text(self) -> str:
        """``"  row: 120 µV"`` when :attr:`row_uv` is known, else ``""`` (phy shows no scale)."""
        uv = self.row_uv
        return "" if uv is None else f"  row: {uv:.3g} µV"

    # Mouse -------------------------------------------------------------------------------------

    def spike_position(self, spike_id: int) -> tuple[float, float] | None:
        """Where a drawn spike is (time, row of its first best channel), or None."""
        hit = np.flatnonzero(self.drawn_spikes["spike"] == int(spike_id))
        if not hit.size:
            return None
        s = self.drawn_spikes[hit[0]]
        return float(s["time"]), float(self.row_of[s["channel"]])

    def spike_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """``(spike_id, cluster_id, channel_id)`` of the drawn spike nearest to a point."""
        sp = self.drawn_spikes
        if not len(sp):
            return None
        t0, t1 = self.extent[0::2] if self.extent is not None else self.interval
        d = (((sp["time"] - x) / max(t1 - t0, 1e-9)) ** 2
             + ((self.row_of[sp["channel"]] - y) / max(self.n_channels, 1)) ** 2)
        s = sp[int(np.argmin(d))]
        return int(s["spike"]), int(s["cluster"]), int(s["channel"])

    def channel_at(self, y: float) -> int | None:
        """The channel of the row at height ``y`` (None outside the rows)."""
        return row_channel(self.order[:self.n_channels], y)

    def hover(self, x: float, y: float) -> str:
        """Tooltip: time and channel under the mouse."""
        return time_channel_text(self.controller, self.order[:self.n_channels], x, y)

    def click(self, x: float, y: float, button: str = "left") -> tuple[int, int, int] | None:
        """ctrl+click: emit phy's ``select_spike`` (then its alias ``spike_click``) for the
        nearest drawn spike."""
        hit = self.spike_at(x, y)
        if hit is not None:
            sid, cid, ch = hit
            emit("select_spike", self.sender, channel_id=ch, spike_id=sid, cluster_id=cid)
            emit("spike_click", self.sender, channel_id=ch, spike_id=sid, cluster_id=cid)
        return hit

    def channel_click(self, x: float, y: float, button: str = "left") -> int | None:
        """shift+click: emit ``select_channel`` for the channel under the mouse (left: the
        feature view's x channel, right: its y channel)."""
        ch = self.channel_at(y)
        if ch is not None:
            emit("select_channel", self.sender, channel_id=ch, button=button)  # no key, as phy's trace view
        return ch
