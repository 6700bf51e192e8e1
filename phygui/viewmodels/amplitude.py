"""Amplitude view model: amplitude vs time of the selected clusters, with lasso split.

phy's AmplitudeView (parity.md §1.3): each selected cluster's sampled spikes (10,000
evenly spaced) in its colour over grey background spikes taken from the clusters whose
best channels contain the first cluster's peak channel; a marginal histogram of
amplitudes (density, zeros ignored) on the right; y range ``[min(0, q1%), q99%]``,
x range ``[0, duration]``; the trace view's window as a translucent yellow band.

Amplitude types are the controller's (``get_amplitude_functions``: only those whose data
the folder has, in phy's order ``feature``, ``template``, ``template_feature``; ``raw``
only when no other exists). ``a`` / ``shift+a`` cycle them. A first session starts on
``template`` where the folder has it: phy's packaged GUI state (the state of a first
launch) sets it, overriding its view's own default, the first type. ``feature`` and ``raw``
use the *selected channel*: the best channel of the first cluster until a channel is
picked (``select_channel``: waveform view ctrl+click, trace view shift+click) or a
feature dimension (``select_feature``: feature view alt+click, which also switches to
``feature`` on that PC). As in phy the picked channel stays for the next clusters,
except in ``raw``, where a new selection goes back to the best channel.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis import amplitude_histograms
from phycore.signals import emit
from phygui.viewmodels._base import LassoViewModel
from phygui.viewmodels.event_markers import event_lines
from phygui.viewmodels.items import BACKGROUND_COLOR, Polyline, RasterLayer
from phygui.viewmodels.lasso import LassoState
from phygui.viewmodels.recent import RecentResults, cluster_key
from phygui.render.raster import Raster, draw_points

__all__ = ["AmplitudeModel", "AmplitudeOptions", "AmplitudeFrame", "AMPLITUDE_SHORTCUTS",
           "TIME_RANGE_COLOR", "MIN_BAND_FRACTION"]

AMPLITUDE_SHORTCUTS = {"next_amplitudes_type": "a", "previous_amplitudes_type": "shift+a"}

#: Width of the histogram strip, as a fraction of the duration (phy's histogram_scale).
HISTOGRAM_SCALE = 0.25
#: Colour of the trace view's window (phy's ``time_range_color``).
TIME_RANGE_COLOR = (1.0, 1.0, 0.0, 0.25)
#: The band is at least this fraction of the shown x span wide, so that a short window
#: stays visible at any zoom (phy: 0.01 normalized half-width, 1 % of the canvas).
MIN_BAND_FRACTION = 0.01
#: Amplitude types whose values depend on the selected channel.
CHANNEL_TYPES = ("feature", "raw")


def _even(ids: npt.NDArray[np.int64], n: int | None) -> npt.NDArray[np.int64]:
    if n is None or ids.size <= n:
        return ids
    return ids[np.unique(np.linspace(0, ids.size - 1, int(n)).round().astype(np.int64))]


@attrs.define(frozen=True)
class AmplitudeOptions:
    """Options (global state: ``amplitudes_type``, ``marker_size``) and budgets.

    ``amplitudes_type`` None means ``template`` if available, else the first available type
    (phy's packaged first-launch state).
    """

    amplitudes_type: str | None = None
    marker_size: int = 3
    n_spikes_amplitudes: int = 10_000
    n_spikes_amplitudes_background: int = 10_000
    n_bins: int = 100
    quantile: float = 0.99


@attrs.define(eq=False)
class AmplitudeFrame:
    """Scatter raster, histogram outlines (right strip), time range, lasso (data coordinates)."""

    raster: RasterLayer
    histograms: list[Polyline]
    home: tuple[float, float, float, float]
    data_bounds: tuple[float, float, float, float]
    time_range: tuple[float, float] | None
    cluster_ids: list[int]
    lasso: npt.NDArray[np.float64]
    amplitudes_type: str
    #: Event markers (see :mod:`phygui.viewmodels.event_markers`).
    lines: list[Polyline] = attrs.Factory(list)


@attrs.define(eq=False)
class _Layer:
    spike_ids: npt.NDArray[np.int64]
    times: npt.NDArray[np.float64]
    amplitudes: npt.NDArray[np.float64]


class AmplitudeModel(LassoViewModel):
    """View model of the amplitude view.

    Parameters
    ----------
    controller : TemplateController (duck-typed; ``get_amplitude_functions``,
        ``get_best_channels``, ``get_spike_ids``, ``model``, ``supervisor``)
    options : AmplitudeOptions, optional
    sender : object, optional
        Sender of ``select_time``.

    Attributes
    ----------
    time_range : (float, float) or None
        The trace view's window (``time_range_selected``), drawn as a band.
    channel_id : int or None
        The selected channel of the ``feature`` and ``raw`` types (None: the first
        cluster's best channel).
    feature_pc : int
        The PC of the ``feature`` type.

    Events
    ------
    select_time(sender, time)
        On alt+click (:meth:`time_click`).
    """

    default_size = (800, 300)
    max_n_clusters = 8
    options_class = AmplitudeOptions
    wheel = {"alt": "change_marker_size"}
    shortcuts = AMPLITUDE_SHORTCUTS
    menu = ("next_amplitudes_type", "previous_amplitudes_type", "-", "clear_lasso", "split")

    def __init__(self, controller: Any, options: AmplitudeOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        self.lasso = LassoState()
        self.time_range: tuple[float, float] | None = None
        self.channel_id: int | None = None
        self.feature_pc = 0
        self._functions: dict[str, Callable[..., Any]] = dict(controller.get_amplitude_functions())
        self._layers: list[_Layer] = []
        self._background: _Layer | None = None
        # Each installed layer's key (None: not kept), and the recent layers (an undo or a
        # reselection takes its clusters' and background's layers from there).
        self._layer_keys: list[Hashable | None] = []
        self._background_key: Hashable | None = None
        self._recent = RecentResults(24)
        self._bounds = (0.0, 0.0, 1.0, 1.0)
        self._best: dict[int, list[int]] = {}
        self._hist = (np.zeros((0, self.options.n_bins)), np.linspace(0, 1, self.options.n_bins + 1))
        self._resolve_type()

    # Types -------------------------------------------------------------------------

    @property
    def amplitudes_types(self) -> list[str]:
        """Available types, in cycle order."""
        return list(self._functions)

    @property
    def amplitudes_type(self) -> str:
        """The current type ('' when the folder has no amplitude data at all)."""
        return self.options.amplitudes_type or ""

    def _resolve_type(self) -> None:
        # No type yet: phy's first-launch one; an unavailable type (a state saved on another
        # folder) becomes the first available.
        types = self.amplitudes_types
        if types and self.options.amplitudes_type not in types:
            first = "template" if self.options.amplitudes_type is None and "template" in types else types[0]
            self.options = attrs.evolve(self.options, amplitudes_type=first)

    @property
    def duration(self) -> float:
        """Recording duration (x range)."""
        return float(self.controller.model.duration) or 1.0

    @property
    def selected_channel(self) -> int | None:
        """The channel of the ``feature`` / ``raw`` types: the picked one, else the first
        cluster's best channel (None without a selection)."""
        if self.channel_id is not None:
            return self.channel_id
        return self._best_channels(self.cluster_ids[0])[0] if self.cluster_ids else None

    # Data ---------------------------------------------------------------------------

    def _amplitudes(self, spike_ids: npt.NDArray[np.int64], kind: str | None = None) -> npt.NDArray[np.float64]:
        kind = kind or self.amplitudes_type
        f = self._functions.get(kind)
        if f is None or not self.cluster_ids or not len(spike_ids):
            return np.zeros(len(spike_ids))
        first = self.cluster_ids[0]
        channel_ids = self._best_channels(first)
        channel_id = self.selected_channel if kind in CHANNEL_TYPES else channel_ids[0]
        out = f(np.asarray(spike_ids, dtype=np.int64), channel_ids=channel_ids, channel_id=channel_id,
                pc=self.feature_pc, first_cluster=first)
        return np.zeros(len(spike_ids)) if out is None else np.asarray(out, dtype=np.float64)

    def _layer(self, spike_ids: npt.NDArray[np.int64], cid: int | None = None, kind: str | None = None) -> _Layer:
        times = self.controller.spike_times_of(spike_ids)  # reordered while ctrl+r is on (phy)
        return _Layer(spike_ids, times, self._amplitudes(spike_ids, kind))

    def amplitudes_of(self, cluster_id: int | None, kind: str, load_all: bool = False) -> tuple[Any, Any, Any]:
        """``(spike_ids, spike_times, amplitudes)`` of a cluster (None: the background
        spikes) for an amplitude type (phy's ``amplitudes[kind]``)."""
        if cluster_id is None:
            spike_ids = self._background_spikes()
        else:
            spike_ids = self._cluster_spikes(int(cluster_id), load_all)
        layer = self._layer(spike_ids, cluster_id, kind)
        return layer.spike_ids, layer.times, layer.amplitudes

    def _cluster_spikes(self, cid: int, load_all: bool) -> npt.NDArray[np.int64]:
        n = None if load_all else self.options.n_spikes_amplitudes
        return np.asarray(self.controller.get_spike_ids(cid, n), dtype=np.int64)

    def _best_channels(self, cid: int) -> list[int]:
        if cid not in self._best:
            self._best[cid] = [int(c) for c in self.controller.get_best_channels(cid)]
        return self._best[cid]

    def background_clusters(self) -> list[int]:
        """Unselected clusters whose best channels contain the first cluster's peak channel."""
        if not self.cluster_ids:
            return []
        peak = self._best_channels(self.cluster_ids[0])[0]
        ids = self.controller.supervisor.clustering.cluster_ids
        return [int(c) for c in ids if int(c) not in self.cluster_ids and peak in self._best_channels(int(c))]

    def _background_spikes(self, others: list[int] | None = None) -> npt.NDArray[np.int64]:
        others = self.background_clusters() if others is None else others
        if not others:
            return np.zeros(0, dtype=np.int64)
        spikes = np.asarray(self.controller.supervisor.clustering.spikes_in_clusters(others), np.int64)
        return _even(spikes, self.options.n_spikes_amplitudes_background)

    def _inputs(self) -> tuple[Any, ...] | None:
        # What a layer's amplitudes and times depend on besides its spikes (None: not kept;
        # raw amplitudes follow the raw data's filter).
        kind = self.amplitudes_type
        if kind == "raw" or not self.cluster_ids:
            return None
        first = int(self.cluster_ids[0])
        return (kind, first, tuple(self._best_channels(first)), self.selected_channel, self.feature_pc,
                bool(getattr(self.controller, "spike_reorder", False)))

    def _kept_layer(self, key: Hashable | None, cid: int) -> _Layer:
        layer = self._recent.get(key) if key is not None else None
        return layer if layer is not None else self._layer(self._cluster_spikes(cid, False), cid)

    def _load(self) -> None:
        self._resolve_type()
        # The installed load's layers go to the recent results: only installed ones (a job's
        # result is checked against the clustering it read before it is installed).
        for k, layer in zip(self._layer_keys, self._layers):
            if k is not None:
                self._recent.put(k, layer)
        if self._background_key is not None and self._background is not None:
            self._recent.put(self._background_key, self._background)
        inputs = self._inputs()
        n = self.options.n_spikes_amplitudes
        self._layer_keys = [None if inputs is None else ("cluster", cluster_key(self.controller, c), n, inputs)
                            for c in self.cluster_ids]
        self._layers = [self._kept_layer(k, int(c)) for k, c in zip(self._layer_keys, self.cluster_ids)]
        others = tuple(self.background_clusters())
        self._background_key = None if inputs is None or not others else \
            ("background", tuple(cluster_key(self.controller, c) for c in others),
             self.options.n_spikes_amplitudes_background, inputs)
        kept = self._recent.get(self._background_key) if self._background_key is not None else None
        if kept is None:
            background = self._background_spikes(list(others))
            kept = self._layer(background) if background.size else None
        self._background = kept
        layers = [self._background] if self._background is not None else []
        layers += self._layers
        q = self.options.quantile
        lows = [np.quantile(x.amplitudes, 1 - q) for x in layers if len(x.amplitudes)]
        highs = [np.quantile(x.amplitudes, q) for x in layers if len(x.amplitudes)]
        y0 = min(0.0, float(min(lows, default=0.0)))
        y1 = float(max(highs, default=1.0))
        self._bounds = (0.0, y0, self.duration, y1 if y1 > y0 else y0 + 1.0)
        self._hist = self._compute_histograms()
        self._data_valid = True

    # Frame ---------------------------------------------------------------------------

    @property
    def home(self) -> tuple[float, float, float, float]:
        """Home bounds: the scatter (0..duration) and the histogram strip on its right."""
        x0, y0, x1, y1 = self._bounds
        return (x0, y0, self.duration * (1.0 + 0.05 + HISTOGRAM_SCALE), y1)

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> AmplitudeFrame:
        """Rasterise background and clusters; histograms on the right strip."""
        if not self._data_valid:
            self._load()
        home = self.home
        ext = self._extent(extent, home)
        image = Raster(self.size[1], self.size[0], self.layer_palette(1.0), ext)
        if self._background is not None:
            b = self._background
            draw_points(image, b.times, b.amplitudes, 0, self.options.marker_size)
        for i, layer in enumerate(self._layers):
            draw_points(image, layer.times, layer.amplitudes, i + 1, self.options.marker_size)
        self.is_dirty = False
        markers = event_lines(self, max(ext[0], 0.0), min(ext[2], self.duration), self._bounds[1], self._bounds[3])
        return AmplitudeFrame(RasterLayer(image.rgba(), ext), self._histograms(), home,
                              self._bounds, self.time_range, list(self.cluster_ids), self.lasso.polygon,
                              self.amplitudes_type, markers)

    def time_band(self, extent: Sequence[float] | None = None) -> tuple[float, float] | None:
        """``(x0, x1)`` of the yellow band showing the trace view's window (None: no window
        known yet): the window itself, widened about its centre to at least
        :data:`MIN_BAND_FRACTION` of the shown x span (``extent``, default the current
        one), so that a 0.25 s window stays visible on an hour-long recording, as in phy."""
        if self.time_range is None:
            return None
        x0, _, x1, _ = extent if extent is not None else (self.extent or self.home)
        t0, t1 = self.time_range
        half = max(t1 - t0, MIN_BAND_FRACTION * (float(x1) - float(x0))) / 2
        mid = (t0 + t1) / 2
        return (mid - half, mid + half)

    def histograms(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Marginal histograms ``(n_layers, n_bins)`` (background first if any) and edges."""
        if not self._data_valid:
            self._load()
        return self._hist

    def _compute_histograms(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        layers = ([self._background] if self._background is not None else []) + self._layers
        if not layers:
            return np.zeros((0, self.options.n_bins)), np.linspace(0, 1, self.options.n_bins + 1)
        amps = np.concatenate([x.amplitudes for x in layers])
        offsets = np.cumsum([0] + [len(x.amplitudes) for x in layers])
        lookup = {k: np.arange(offsets[k], offsets[k + 1]) for k in range(len(layers))}
        return amplitude_histograms(amps, list(range(len(layers))), n_bins=self.options.n_bins,
                                    value_range=(self._bounds[1], self._bounds[3]), ignore_zeros=True,
                                    density=True, spikes_per_cluster=lookup)

    def _histograms(self) -> list[Polyline]:
        hist, edges = self.histograms()
        if not hist.size:
            return []
        top = float(hist.max()) or 1.0
        d = self.duration
        base, width = d * 1.05, d * HISTOGRAM_SCALE
        colors = ([BACKGROUND_COLOR] if self._background is not None else []) + \
            [self.cluster_color(i, 0.5) for i in range(len(self._layers))]
        ids: list[int | None] = ([None] if self._background is not None else []) + list(self.cluster_ids)
        out = []
        for h, color, cid in zip(hist, colors, ids):
            y = np.repeat(edges, 2)
            x = base + width * np.r_[0.0, np.repeat(h / top, 2), 0.0]
            out.append(Polyline(x, y, tuple(color), kind="histogram", cluster_id=cid))
        return out

    # Lasso, split, clicks --------------------------------------------------------------

    def add_lasso_point(self, x: float, y: float) -> bool:
        """ctrl+left click (data coordinates)."""
        ok = self.lasso.add(x, y, box=0)
        self.is_dirty = True
        return ok

    def spikes_in_lasso(self, load_all: bool = True) -> npt.NDArray[np.int64]:
        """Spikes of the selected clusters inside the lasso (all their spikes with ``load_all``)."""
        if not self.lasso.is_closed or not self.cluster_ids:
            return np.zeros(0, dtype=np.int64)
        out = []
        for cid in self.cluster_ids:
            layer = self._layer(self._cluster_spikes(cid, load_all), cid)
            out.append(layer.spike_ids[self.lasso.contains(np.c_[layer.times, layer.amplitudes])])
        return np.unique(np.concatenate(out))

    def hover(self, x: float, y: float) -> str:
        """Tooltip: time and amplitude under the mouse."""
        return f"{x:.3f} s, {self.amplitudes_type} amplitude {y:.3g}"

    def time_click(self, x: float) -> float:
        """alt+click: emit ``select_time`` with the clicked time."""
        t = float(np.clip(x, 0.0, self.duration))
        emit("select_time", self.sender, t)
        return t

    # Linked views -------------------------------------------------------------------------

    def on_time_range_selected(self, sender: Any, interval: Sequence[float]) -> None:
        """``time_range_selected`` (the trace view's window): show it as the band. The
        picture is not re-rasterised: the drawer moves the band (:meth:`time_band`)."""
        self.time_range = (float(interval[0]), float(interval[1]))

    def on_select_feature(self, sender: Any, dim: str | None = None, channel_id: int | None = None,
                          pc: int | None = None) -> None:
        """``select_feature`` (feature view alt+click): show the ``feature`` amplitudes of that
        channel and PC (phy's ``selected_feature_changed``)."""
        if channel_id is None:
            return
        self.channel_id, self.feature_pc = int(channel_id), int(pc or 0)
        if "feature" in self.amplitudes_types:
            self._set(amplitudes_type="feature")

    def on_select_channel(self, sender: Any, channel_id: int | None = None, key: Any = None,
                          button: Any = None) -> None:
        """``select_channel`` (waveform view ctrl+click, trace view shift+click): the channel
        of the ``feature`` and ``raw`` types; redraws only when one of them is shown (phy's
        ``selected_channel_changed``: the type does not change)."""
        if channel_id is None:
            return
        self.channel_id = int(channel_id)
        if self.amplitudes_type in CHANNEL_TYPES:
            self.invalidate()

    def set_selection(self, cluster_ids: Sequence[int]) -> None:
        """As the base class; in ``raw``, a new selection goes back to its best channel (phy)."""
        before = list(self.cluster_ids)
        super().set_selection(cluster_ids)
        if self.cluster_ids != before and self.amplitudes_type == "raw":
            self.channel_id = None

    # Commands --------------------------------------------------------------------------

    def set_amplitudes_type(self, name: str) -> None:
        """Switch amplitude type."""
        if name not in self.amplitudes_types:
            raise ValueError(f"Unknown amplitude type {name!r}; available: {self.amplitudes_types}.")
        self._set(amplitudes_type=name)

    def _step(self, d: int) -> None:
        types = self.amplitudes_types
        if types:
            cur = self.amplitudes_type
            i = types.index(cur) if cur in types else 0
            self.set_amplitudes_type(types[(i + d) % len(types)])

    def next_amplitudes_type(self) -> None:
        """Next amplitude type (``a``)."""
        self._step(+1)

    def previous_amplitudes_type(self) -> None:
        """Previous amplitude type (``shift+a``)."""
        self._step(-1)

    def change_marker_size(self, delta: float) -> None:
        """Marker size (``alt+wheel``)."""
        size = int(np.clip(self.options.marker_size + (1 if delta > 0 else -1), 1, 20))
        self._set(False, marker_size=size)

    def set_state(self, state: dict[str, Any]) -> None:
        """As the base class; a saved type this folder has no data for gives the first one."""
        super().set_state(state)
        self._resolve_type()

    def on_cluster(self, sender: Any, up: Any) -> None:
        """Forget cached best channels of deleted clusters, then as the base class."""
        for c in getattr(up, "deleted", ()) or ():
            self._best.pop(int(c), None)
        if self.cluster_ids and (set(getattr(up, "deleted", ()) or ()) | set(getattr(up, "added", ()) or ())):
            # Background clusters may have changed too.
            self.invalidate()
            return
        super().on_cluster(sender, up)

    @property
    def status(self) -> str:
        """The amplitude type (phy's status), with the channel and PC it uses."""
        kind = self.amplitudes_type
        ch = self.selected_channel if kind in CHANNEL_TYPES else None
        if ch is None:
            return kind
        return f"{kind}: channel {ch}" + (f", PC {self.feature_pc}" if kind == "feature" else "")
