"""Trace view model: the raw data of every channel in a time window (parity.md §1.6).

One row per channel, ordered by depth (channel y position, lowest at the bottom); each
channel is median-subtracted in the window (median of at most ~250 evenly spaced
samples) and optionally high-pass filtered (phy's 150 Hz Butterworth; default: filter
unless the folder says ``hp_filtered``). Only the visible window is read from the
memmapped raw file. The traces are rasterised into one image with a min/max decimation
per pixel column (:func:`~phygui.viewmodels.trace_raster.draw_traces`, a numba kernel), so 384 channels x 30,000
samples cost a few tens of milliseconds whatever the zoom. Spikes of the selected
clusters are overdrawn on their best channels (1 ms snippets) in the selection colours,
other clusters' spikes in grey when ``show_all_spikes``.

The window ``(t0, t1)`` (seconds) is the local state ``interval``, saved with ``scaling``.
Every change of it emits ``time_range_selected(sender, interval)``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.signals import emit
from phygui.viewmodels.items import ClusterViewModel, Label, RasterLayer
from phygui.viewmodels.raster import Raster
from phygui.viewmodels.trace_raster import draw_snippets, draw_traces, draw_traces_reference, read_shifted

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
    "toggle_show_all_spikes": "alt+s",
    "toggle_show_labels": "alt+l",
}
#: ``:tg <s>`` go to, ``:ts <s>`` shift.
TRACE_SNIPPETS = {"go_to": "tg", "shift": "ts"}

_TRACE_COLOR = (0.85, 0.85, 0.85, 0.9)
_OTHER_SPIKES = (0.55, 0.55, 0.55, 1.0)
_SPIKE_HALF = 0.0005  # seconds each side of a spike (1 ms snippets)
_N_MEDIAN = 250
_LABEL_PX = 14
_MAX_SPIKES = 20_000
_SCALING_STEP = 1.1
_WIDTH_STEP = 1.25


@attrs.define(frozen=True)
class TraceOptions:
    """Global state (``do_show_labels``, ``show_all_spikes``, ``filtered``) and local
    state (``interval``, ``scaling``). ``filtered=None`` means "unless hp_filtered"."""

    interval: tuple[float, float] | None = None
    scaling: float = 1.0
    do_show_labels: bool = True
    show_all_spikes: bool = False
    filtered: bool | None = None


@attrs.define(eq=False)
class TraceFrame:
    """The traces as an image, channel labels, the home bounds (time x rows)."""

    raster: RasterLayer
    labels: list[Label]
    home: tuple[float, float, float, float]
    interval: tuple[float, float]
    n_spikes: int


def channel_order(positions: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Channels from bottom to top: by y, then x, then id (a stable depth order)."""
    pos = np.asarray(positions, dtype=np.float64).reshape(len(np.asarray(positions)), -1)
    y = pos[:, 1] if pos.shape[1] > 1 else np.zeros(len(pos))
    return np.lexsort((np.arange(len(pos)), pos[:, 0], y)).astype(np.int64)


# View model --------------------------------------------------------------------------------


class TraceModel(ClusterViewModel):
    """View model of the trace view.

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.get_traces``, ``model.spike_times``,
        ``supervisor.clustering.spike_clusters``, ``get_best_channels``)
    options : TraceOptions, optional
    sender : object, optional
        Sender of the events.

    Events
    ------
    time_range_selected(sender, interval)
        Whenever the window changes.
    spike_click(sender, channel_id=, spike_id=, cluster_id=)
        On ctrl+click near a drawn spike (:meth:`click`).
    """

    default_size = (800, 800)
    max_n_clusters = 1_000_000
    options_class = TraceOptions
    shortcuts = TRACE_SHORTCUTS
    snippets = TRACE_SNIPPETS
    menu = ("go_left", "go_right", "jump_left", "jump_right", "go_to_start", "go_to_end", "go_to",
            "shift", "go_to_next_spike", "go_to_previous_spike", "-", "narrow", "widen", "increase",
            "decrease", "-", "toggle_show_all_spikes", "toggle_show_labels", "toggle_filter")

    def __init__(self, controller: Any, options: TraceOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        m = controller.model
        self.sample_rate = float(m.sample_rate)
        self.duration = float(m.duration)
        self.order = channel_order(m.channel_positions)
        self.n_channels = len(self.order)
        self.row_of = np.empty(self.n_channels, dtype=np.int64)
        self.row_of[self.order] = np.arange(self.n_channels)
        self._cache_key: Any = None
        self._data: npt.NDArray[Any] = np.zeros((0, self.n_channels), np.float32)
        self._i0 = 0
        self._median = np.zeros(self.n_channels)
        self._unit: dict[bool, float] = {}
        self._best: dict[int, npt.NDArray[np.int64]] = {}
        self._spikes: list[tuple[int, int, int, float, int]] = []  # spike, cluster, channel, time, layer
        if self.options.interval is None:
            self.options = attrs.evolve(self.options, interval=self._clip(self.duration / 2 - 0.125, 0.25))

    # Window --------------------------------------------------------------------------------

    @property
    def interval(self) -> tuple[float, float]:
        """``(t0, t1)`` in seconds."""
        assert self.options.interval is not None
        return self.options.interval  # type: ignore[return-value]

    @property
    def filtered(self) -> bool:
        """Whether the high-pass filter is applied."""
        if self.options.filtered is None:
            return not bool(getattr(self.controller.model, "hp_filtered", False))
        return bool(self.options.filtered)

    def _clip(self, t0: float, width: float) -> tuple[float, float]:
        width = float(min(max(width, 1e-3), self.duration))
        t0 = float(min(max(t0, 0.0), self.duration - width))
        return (t0, t0 + width)

    def set_interval(self, interval: Sequence[float]) -> tuple[float, float]:
        """Show ``[t0, t1]`` (clipped to the recording); emits ``time_range_selected``."""
        t0, t1 = (float(v) for v in interval)
        new = self._clip(t0, t1 - t0)
        if new != self.options.interval:
            self.options = attrs.evolve(self.options, interval=new)
            self.extent = None
            self.invalidate(data=False)
            emit("time_range_selected", self.sender, new)
        return new

    def go_to(self, time: float) -> None:
        """Centre the window on a time (s)."""
        t0, t1 = self.interval
        self.set_interval((float(time) - (t1 - t0) / 2, float(time) + (t1 - t0) / 2))

    def shift(self, delay: float) -> None:
        """Shift the window by a delay (s)."""
        t0, t1 = self.interval
        self.set_interval((t0 + float(delay), t1 + float(delay)))

    def go_left(self) -> None:
        """Shift the window left by 10 % of its width."""
        t0, t1 = self.interval
        self.shift(-0.1 * (t1 - t0))

    def go_right(self) -> None:
        """Shift the window right by 10 % of its width."""
        t0, t1 = self.interval
        self.shift(0.1 * (t1 - t0))

    def jump_left(self) -> None:
        """Jump left by 10 % of the recording."""
        self.shift(-0.1 * self.duration)

    def jump_right(self) -> None:
        """Jump right by 10 % of the recording."""
        self.shift(0.1 * self.duration)

    def go_to_start(self) -> None:
        """Go to the start of the recording."""
        t0, t1 = self.interval
        self.set_interval((0.0, t1 - t0))

    def go_to_end(self) -> None:
        """Go to the end of the recording."""
        t0, t1 = self.interval
        self.set_interval((self.duration - (t1 - t0), self.duration))

    def _first_cluster_times(self) -> npt.NDArray[np.float64]:
        if not self.cluster_ids:
            return np.zeros(0)
        sc = np.asarray(self.controller.supervisor.clustering.spike_clusters)
        return np.asarray(self.controller.model.spike_times)[sc == self.cluster_ids[0]]

    def go_to_next_spike(self) -> None:
        """Centre on the next spike of the first selected cluster (wraps)."""
        times = self._first_cluster_times()
        if times.size:
            c = sum(self.interval) / 2
            i = int(np.searchsorted(times, c + 1e-9 + 0.5 / self.sample_rate, side="right"))
            self.go_to(float(times[i % len(times)]))

    def go_to_previous_spike(self) -> None:
        """Centre on the previous spike of the first selected cluster (wraps)."""
        times = self._first_cluster_times()
        if times.size:
            c = sum(self.interval) / 2
            i = int(np.searchsorted(times, c - 0.5 / self.sample_rate, side="left")) - 1
            self.go_to(float(times[i % len(times)]))

    def narrow(self) -> None:
        """Narrow the window (x1.25), keeping its centre."""
        self._zoom(1 / _WIDTH_STEP)

    def widen(self) -> None:
        """Widen the window (x1.25), keeping its centre."""
        self._zoom(_WIDTH_STEP)

    def _zoom(self, k: float) -> None:
        t0, t1 = self.interval
        c, w = (t0 + t1) / 2, (t1 - t0) * k
        self.set_interval((c - w / 2, c + w / 2))

    def increase(self) -> None:
        """Taller traces (channel scaling x1.1)."""
        self._set(False, scaling=self.options.scaling * _SCALING_STEP)

    def decrease(self) -> None:
        """Smaller traces."""
        self._set(False, scaling=self.options.scaling / _SCALING_STEP)

    def toggle_show_all_spikes(self, checked: bool | None = None) -> None:
        """Show the spikes of all clusters (grey) besides the selected ones."""
        self._set(False, show_all_spikes=not self.options.show_all_spikes if checked is None else bool(checked))

    def toggle_show_labels(self, checked: bool | None = None) -> None:
        """Channel labels."""
        self._set(False, do_show_labels=not self.options.do_show_labels if checked is None else bool(checked))

    def toggle_filter(self, checked: bool | None = None) -> None:
        """High-pass filter the raw data (150 Hz)."""
        self._set(False, filtered=not self.filtered if checked is None else bool(checked))

    # Data ------------------------------------------------------------------------------------

    def _load(self) -> None:
        t0, t1 = self.interval
        key = (t0, t1, self.filtered)
        if key == self._cache_key:
            return
        m = self.controller.model
        prev_i0, prev, prev_raw = self._i0, self._data, self._cache_key is not None and not self._cache_key[2]
        self._i0 = int(round(t0 * self.sample_rate))
        raw = getattr(m, "traces", None)
        self.error = ""
        if raw is None:  # no raw data: an empty view that says so (phy would not create it)
            self.error = f"raw data unavailable: {getattr(m, 'raw_data_error', '') or 'no raw file'}"
            self._data = np.zeros((0, self.n_channels), np.float32)
        elif not self.filtered and hasattr(raw, "read"):
            # The raw dtype as stored (int16): no float copy of the whole window; when
            # scrolling, only the samples not already in memory are read.
            self._data = read_shifted(raw, self._i0, int(round(t1 * self.sample_rate)),
                                       prev_i0, prev if prev_raw else None)
        else:
            self._data = np.asarray(m.get_traces(t0, t1, filtered=self.filtered), dtype=np.float32)
        n = self._data.shape[0]
        sub = self._data[:: max(1, n // _N_MEDIAN)]
        self._median = np.median(sub, axis=0) if n else np.zeros(self.n_channels)
        if self.filtered not in self._unit and n:
            q = np.quantile(sub.astype(np.float64) - self._median, [0.01, 0.99])
            self._unit[self.filtered] = float(max(abs(q[0]), abs(q[1]))) or 1.0
        self._cache_key = key

    @property
    def y_scale(self) -> float:
        """Data units -> rows: a 1 %-99 % quantile amplitude spans about one row."""
        return 0.5 * self.options.scaling / self._unit.get(self.filtered, 1.0)

    def best_channels(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """The channels on which a cluster's spikes are overdrawn (cached)."""
        cid = int(cluster_id)
        if cid not in self._best:
            self._best[cid] = np.asarray(self.controller.get_best_channels(cid), dtype=np.int64)
        return self._best[cid]

    def spikes_in_window(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Spike ids in the window and their clusters."""
        t0, t1 = self.interval
        times = self.controller.model.spike_times
        i0, i1 = np.searchsorted(times, [t0, t1])
        ids = np.arange(i0, i1, dtype=np.int64)
        return ids, np.asarray(self.controller.supervisor.clustering.spike_clusters[ids], dtype=np.int64)

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> TraceFrame:
        """Read the window (if it changed) and rasterise traces and spikes."""
        self._load()
        t0, t1 = self.interval
        home = (t0, -0.5, t1, self.n_channels - 0.5)
        ext = self._extent(extent, home)
        palette = [_TRACE_COLOR, _OTHER_SPIKES] + [self.cluster_color(i) for i in range(len(self.cluster_ids))]
        image = Raster(self.size[1], self.size[0], palette, ext)
        dt = 1.0 / self.sample_rate
        ts = self._i0 * dt
        ys = self.y_scale
        yoff = self.row_of.astype(np.float64) - ys * self._median
        n = self._data.shape[0]
        s0 = max(0, int(math.floor((ext[0] - ts) / dt)) - 1)
        s1 = min(n, int(math.ceil((ext[2] - ts) / dt)) + 2)
        r0, r1 = max(0, int(math.floor(ext[1])) - 1), min(self.n_channels, int(math.ceil(ext[3])) + 2)
        rows = self.order[r0:r1]
        draw_traces(image, self._data, rows, yoff[rows], ys, ts, dt, s0, s1, 0)
        # Spikes: selected clusters in their colours, the others grey if asked.
        ids, clusters = self.spikes_in_window()
        layer_of = {c: 2 + i for i, c in enumerate(self.cluster_ids)}
        half = int(round(_SPIKE_HALF * self.sample_rate))
        self._spikes = []
        times = np.asarray(self.controller.model.spike_times)
        snip_chans, starts, stops, layers = [], [], [], []
        ids, clusters = ids[:_MAX_SPIKES], clusters[:_MAX_SPIKES]
        if not self.options.show_all_spikes:
            keep = np.isin(clusters, self.cluster_ids)
            ids, clusters = ids[keep], clusters[keep]
        samples = np.round(times[ids] * self.sample_rate).astype(np.int64) - self._i0
        for sid, cid, s in zip(ids.tolist(), clusters.tolist(), samples.tolist()):
            layer = layer_of.get(cid, 1)
            chans = self.best_channels(cid)
            if not len(chans):
                continue
            snip_chans.append(chans)
            starts.append(s - half)
            stops.append(s + half + 1)
            layers.append(layer)
            self._spikes.append((sid, cid, int(chans[0]), float(times[sid]), layer))
        draw_snippets(image, self._data, snip_chans, yoff, ys, ts, dt, starts, stops, layers)
        labels = []
        if self.options.do_show_labels:
            cmap = np.asarray(self.controller.model.channel_map)
            step = max(1, math.ceil((ext[3] - ext[1]) * _LABEL_PX / max(self.size[1], 1)))  # >= 14 px apart
            labels = [Label(float(ext[0]), float(r), str(int(cmap[self.order[r]])), anchor="left")
                      for r in range(r0, r1, step)]
        self.is_dirty = False
        return TraceFrame(RasterLayer(image.rgba(), ext), labels, home, (t0, t1), len(self._spikes))

    @property
    def status(self) -> str:
        """Shown above the plot."""
        t0, t1 = self.interval
        if getattr(self, "error", ""):
            return self.error
        return f"{t0:.3f}-{t1:.3f} s" + ("  (filtered)" if self.filtered else "")

    # Mouse -------------------------------------------------------------------------------------

    def spike_position(self, spike_id: int) -> tuple[float, float] | None:
        """Where a drawn spike is (time, row of its first best channel), or None."""
        for sid, _cid, ch, t, _layer in self._spikes:
            if sid == int(spike_id):
                return t, float(self.row_of[ch])
        return None

    def spike_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """``(spike_id, cluster_id, channel_id)`` of the drawn spike nearest to a point."""
        if not self._spikes:
            return None
        t0, t1 = self.extent[0::2] if self.extent is not None else self.interval
        sp = np.array([(t, self.row_of[ch]) for _s, _c, ch, t, _l in self._spikes], dtype=np.float64)
        d = ((sp[:, 0] - x) / max(t1 - t0, 1e-9)) ** 2 + ((sp[:, 1] - y) / max(self.n_channels, 1)) ** 2
        i = int(np.argmin(d))
        sid, cid, ch, _t, _l = self._spikes[i]
        return sid, cid, ch

    def hover(self, x: float, y: float) -> str:
        """Tooltip: time and channel under the mouse."""
        r = int(round(y))
        if not 0 <= r < self.n_channels:
            return f"{x:.4f} s"
        return f"{x:.4f} s, channel {int(np.asarray(self.controller.model.channel_map)[self.order[r]])}"

    def click(self, x: float, y: float, button: str = "left") -> tuple[int, int, int] | None:
        """ctrl+click: emit ``spike_click`` for the nearest drawn spike."""
        hit = self.spike_at(x, y)
        if hit is not None:
            sid, cid, ch = hit
            emit("spike_click", self.sender, channel_id=ch, spike_id=sid, cluster_id=cid)
        return hit

    def get_state(self) -> dict[str, Any]:
        """Options for the GUI state (the window as ``interval``)."""
        return super().get_state()
