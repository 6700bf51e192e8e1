"""Waveform view model: spike waveforms of the selected clusters at the probe positions.

phy's WaveformView (parity.md §1.1): one box per channel at its ``channel_positions``
(:mod:`phygui.viewmodels.box_layout`), the clusters side by side in each box unless
``overlap``; waveform types ``waveforms`` (sampled raw spikes, per-spike per-channel
median subtracted, then the controller's current raw-data filter, phy's ``high_pass`` by
default: :meth:`phycore.TemplateController.get_waveforms`), ``mean_waveforms`` and
``templates``. ``alt+r`` (the GUI's ``switch_raw_data_filter``) changes the filter; the view
redraws on ``raw_data_filter_changed`` and its status reads ``<type> <filter>``, as phy's.
Raw waveform bundles are rasterised (:mod:`phygui.render.raster`); means and templates are
vector lines. The y scale (max |value|) is computed once and kept until the waveform type
changes.

This module is a little over the ~400-line guideline: one view model with its options,
its layout and its channel-click handling, which belong together.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.signals import emit
from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.items import AXIS_COLOR, Label, Polyline, RasterLayer
from phygui.viewmodels.box_layout import SCALING_STEP, BoxLayout
from phygui.render.raster import Raster, draw_polylines

__all__ = ["WaveformModel", "WaveformOptions", "WaveformFrame", "WAVEFORM_SHORTCUTS", "overlap_transform"]

#: phy's WaveformView shortcuts: command name -> key.
WAVEFORM_SHORTCUTS = {
    "toggle_waveform_overlap": "o",
    "toggle_show_labels": "ctrl+l",
    "next_waveforms_type": "w",
    "previous_waveforms_type": "shift+w",
    "toggle_mean_waveforms": "m",
    "widen": "ctrl+right",
    "narrow": "ctrl+left",
    "increase": "ctrl+up",
    "decrease": "ctrl+down",
    "extend_horizontally": "shift+right",
    "shrink_horizontally": "shift+left",
    "extend_vertically": "shift+up",
    "shrink_vertically": "shift+down",
}

_TYPES = ("waveforms", "mean_waveforms", "templates")


@attrs.define(frozen=True)
class WaveformOptions:
    """Options of the waveform view (GUI state keys as in phy).

    ``waveforms_type``, ``overlap``, ``do_show_labels`` are global state;
    ``box_scaling``, ``probe_scaling`` local. ``show_template`` (template overlay on
    the raw waveforms), ``show_all_channels`` and ``waveform_alpha`` are ours.
    """

    waveforms_type: str = "waveforms"
    overlap: bool = False
    do_show_labels: bool = True
    box_scaling: tuple[float, float] = (1.0, 1.0)
    probe_scaling: tuple[float, float] = (1.0, 1.0)
    n_spikes_waveforms: int = 100
    show_template: bool = False
    show_all_channels: bool = False
    waveform_alpha: float = 0.5


@attrs.define(eq=False)
class WaveformFrame:
    """What the drawer draws (all positions in layout coordinates, home = ``home``)."""

    raster: RasterLayer | None
    lines: list[Polyline]
    labels: list[Label]
    boxes: npt.NDArray[np.float64]
    channel_ids: npt.NDArray[np.int64]
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    colors: list[tuple[float, float, float, float]]
    waveforms_type: str


def overlap_transform(t: npt.NDArray[np.float64], offset: int, n: int, overlap: bool) -> npt.NDArray[np.float64]:
    """phy's ``_overlap_transform``: squeeze ``t`` in [-1, 1] into the ``offset``-th of ``n``
    side-by-side slots (identity when ``overlap``)."""
    if overlap or n <= 1:
        return t
    k = 8
    return -1 + (2 * offset * (k + 1) + (t + 1) * k) / (n * (k + 1) - 1)


def _cluster_offsets(channel_sets: list[npt.NDArray[np.int64]]) -> list[int]:
    # phy's _get_clu_offsets: a cluster's slot is one past the busiest of its channels.
    count: dict[int, int] = {}
    out = []
    for chans in channel_sets:
        off = max((count.get(int(c), 0) for c in chans), default=0)
        out.append(off)
        for c in chans:
            count[int(c)] = count.get(int(c), 0) + 1
    return out


@attrs.define(eq=False)
class _ClusterWaves:
    channel_ids: npt.NDArray[np.int64]
    data: npt.NDArray[np.float32]  # (n, n_samples, n_channels): spikes, or 1 row for mean/template
    spike_ids: npt.NDArray[np.int64]
    template: npt.NDArray[np.float32] | None = None  # (n_samples, n_channels) overlay


def _without_sync(model: Any, w: _ClusterWaves) -> _ClusterWaves:
    # The sync channel (a digital line the channel map kept) is no probe channel: no box.
    sync = getattr(model, "sync_channel_id", None)
    keep = w.channel_ids != sync
    if sync is None or keep.all():
        return w
    template = None if w.template is None else w.template[:, keep]
    return _ClusterWaves(w.channel_ids[keep], w.data[:, :, keep], w.spike_ids, template)


class WaveformModel(ClusterViewModel):
    """View model of the waveform view.

    Parameters
    ----------
    controller : TemplateController (duck-typed)
    options : WaveformOptions, optional
    sender : object, optional
        Sender of ``channel_click`` (the drawer passes itself).

    Events
    ------
    select_channel(sender, channel_id=, key=, button=)
        On ctrl+click in a channel box (:meth:`click`), as phy; then ``channel_click`` (its
        older alias) and ``selected_channel_changed(sender)`` (phy's controller sends that one).
    """

    default_size = (800, 600)
    max_n_clusters = 8
    options_class = WaveformOptions
    wheel = {"ctrl": ("increase", "decrease")}
    shortcuts = WAVEFORM_SHORTCUTS
    #: phy's controller adds ``change_n_spikes_waveforms`` to this view with the alias ``wn``.
    snippets = {"change_n_spikes_waveforms": "wn"}
    menu = ("toggle_waveform_overlap", "toggle_show_labels", "next_waveforms_type", "previous_waveforms_type",
            "toggle_mean_waveforms", "toggle_template_overlay", "toggle_all_channels", "-", "widen", "narrow",
            "increase", "decrease", "-", "extend_horizontally", "shrink_horizontally", "extend_vertically",
            "shrink_vertically", "reset_scaling", "-", "change_n_spikes_waveforms")

    def __init__(self, controller: Any, options: WaveformOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        self._waves: list[_ClusterWaves] = []
        self._ylim: float | None = None
        self.layout = BoxLayout(np.zeros((0, 2)))
        self.channel_ids = np.zeros(0, dtype=np.int64)

    # Data --------------------------------------------------------------------------

    @property
    def waveforms_types(self) -> list[str]:
        """Available types: raw ones need raw data or the waveform subset."""
        m = self.controller.model
        raw = bool(getattr(m, "has_raw_data", False)) or getattr(m, "spike_waveforms", None) is not None
        return list(_TYPES) if raw else ["templates"]

    def _load_cluster(self, cid: int) -> _ClusterWaves:
        c, m, o = self.controller, self.controller.model, self.options
        wtype = o.waveforms_type if o.waveforms_type in self.waveforms_types else "templates"
        all_channels = np.asarray(getattr(m, "probe_channel_ids", np.arange(m.n_channels)), dtype=np.int64)
        template = None
        if wtype == "templates" or o.show_template:
            if o.show_all_channels:
                t = m.get_template(c.get_template_for_cluster(cid), channel_ids=all_channels)
                template, tchan = np.asarray(t.template, np.float32), np.asarray(t.channel_ids, np.int64)
            else:
                td = c.get_template_waveforms(cid)
                template, tchan = np.asarray(td.data, np.float32), np.asarray(td.channel_ids, np.int64)
            if wtype == "templates":
                return _without_sync(m, _ClusterWaves(tchan, template[None], np.zeros(0, np.int64)))
        # Median-subtracted and filtered by the controller (phy's steps, in phy's order).
        if o.show_all_channels:
            spike_ids = np.asarray(c.get_spike_ids(cid, o.n_spikes_waveforms), dtype=np.int64)
            data = np.asarray(c.get_spike_waveforms(spike_ids, all_channels), dtype=np.float32)
            chans = all_channels
        else:
            sd = c.get_waveforms(cid, o.n_spikes_waveforms)
            spike_ids, chans = np.asarray(sd.spike_ids, np.int64), np.asarray(sd.channel_ids, np.int64)
            data = np.asarray(sd.data, dtype=np.float32)
        if wtype == "mean_waveforms":
            data = data.mean(axis=0, keepdims=True) if len(data) else np.zeros((1,) + data.shape[1:], np.float32)
        if template is not None and not o.show_all_channels:
            # Put the template on the waveforms' channels (same best channels here).
            idx = {int(ch): i for i, ch in enumerate(tchan)}
            full = np.zeros((template.shape[0], len(chans)), np.float32)
            for j, ch in enumerate(chans):
                if int(ch) in idx:
                    full[:, j] = template[:, idx[int(ch)]]
            template = full
        return _without_sync(m, _ClusterWaves(chans, data, spike_ids, template))

    def _load(self) -> None:
        self._waves = [self._load_cluster(c) for c in self.cluster_ids]
        chans = sorted(set(int(ch) for w in self._waves for ch in w.channel_ids))
        self.channel_ids = np.asarray(chans, dtype=np.int64)
        positions = np.asarray(self.controller.model.channel_positions, dtype=np.float64)[self.channel_ids]
        self.layout = BoxLayout(positions, self.options.box_scaling, self.options.probe_scaling)
        if self._ylim is None:
            m = max((float(np.nanmax(np.abs(w.data))) for w in self._waves if w.data.size), default=0.0)
            self._ylim = m or None  # no data yet (empty selection): scale on the first real data
        self._data_valid = True

    @property
    def ylim(self) -> float:
        """Max |value| mapped to half a box height."""
        return self._ylim or 1.0

    # Frame -------------------------------------------------------------------------

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> WaveformFrame:
        """Load what changed, rasterise the waveform bundles, build the vector items.

        ``extent`` is the data rectangle to rasterise (the current pan/zoom bounds);
        default the layout's home extent.
        """
        if not self._data_valid:
            self._load()
        lay = self.layout
        lay.box_scaling, lay.probe_scaling = self.options.box_scaling, self.options.probe_scaling
        home = lay.extent
        ext = self._extent(extent, home)
        o = self.options
        n_clu = len(self._waves)
        offsets = _cluster_offsets([w.channel_ids for w in self._waves])
        n_slots = (max(offsets) + 1) if offsets else 1
        centres = lay.centres
        hw, hh = lay.half_size
        box_of = {int(ch): i for i, ch in enumerate(self.channel_ids)}
        raw = o.waveforms_type == "waveforms" and o.waveforms_type in self.waveforms_types
        lines: list[Polyline] = []
        raster = None
        colors = [self.cluster_color(i) for i in range(n_clu)]
        palette = [self.cluster_color(i, o.waveform_alpha) for i in range(n_clu)]
        image = Raster(self.size[1], self.size[0], palette, ext) if raw and n_clu else None
        for i, w in enumerate(self._waves):
            n_samples = w.data.shape[1] if w.data.ndim == 3 else 0
            if not n_samples:
                continue
            t = overlap_transform(np.linspace(-1.0, 1.0, n_samples), offsets[i], n_slots, o.overlap)
            boxes = np.array([box_of[int(ch)] for ch in w.channel_ids], dtype=np.int64)
            cx, cy = centres[boxes, 0], centres[boxes, 1]
            if raw and image is not None:
                vals = np.transpose(w.data, (0, 2, 1)).reshape(-1, n_samples)
                n_sp = w.data.shape[0]
                draw_polylines(image, t, vals, np.tile(cx, n_sp), hw, np.tile(cy, n_sp), hh / self.ylim, i)
            else:
                lines += self._vector(w.data[0], t, cx, cy, hw, hh, colors[i], "mean", self.cluster_ids[i])
            if w.template is not None and o.waveforms_type != "templates":
                lines += self._vector(w.template, t, cx, cy, hw, hh, (1.0, 1.0, 1.0, 0.9), "template",
                                      self.cluster_ids[i])
            lines.append(self._zero_lines(t, cx, cy, hw, n_samples))
        if image is not None:
            raster = RasterLayer(image.rgba(), ext)
        labels = []
        if o.do_show_labels:
            cmap = np.asarray(self.controller.model.channel_map)
            labels = [Label(float(centres[k, 0] - hw), float(centres[k, 1]), str(int(cmap[ch])),
                            anchor="right", box=k) for k, ch in enumerate(self.channel_ids)]
        self.is_dirty = False
        return WaveformFrame(raster, lines, labels, lay.bounds, self.channel_ids.copy(), home,
                             list(self.cluster_ids), colors, o.waveforms_type)

    def _vector(self, data: np.ndarray, t: np.ndarray, cx: np.ndarray, cy: np.ndarray, hw: float,
                hh: float, color: tuple[float, ...], kind: str, cid: int) -> list[Polyline]:
        # One polyline per cluster: every channel's trace with NaN gaps.
        n_ch = data.shape[1]
        xs = np.full((n_ch, len(t) + 1), np.nan)
        ys = np.full((n_ch, len(t) + 1), np.nan)
        xs[:, :-1] = cx[:, None] + hw * t[None, :]
        ys[:, :-1] = cy[:, None] + (hh / self.ylim) * data.T
        return [Polyline(xs.ravel(), ys.ravel(), tuple(color), kind=kind, cluster_id=cid)]

    def _zero_lines(self, t: np.ndarray, cx: np.ndarray, cy: np.ndarray, hw: float, n_samples: int) -> Polyline:
        # Horizontal zero line per box and 1-ms ticks (phy's axes).
        sr = float(self.controller.model.sample_rate)
        n_ticks = int(round(n_samples / sr * 1000))
        tick_t = -1 + 2 * (np.arange(n_ticks) * 1e-3) / (n_samples / sr) if n_ticks else np.zeros(0)
        tick_t = np.interp(tick_t, np.linspace(-1, 1, n_samples), t) if n_ticks else tick_t
        tick_h = 0.03 * self.layout.half_size[1]
        xs, ys = [], []
        for x0, y0 in zip(cx, cy):
            xs += [x0 + hw * t[0], x0 + hw * t[-1], np.nan]
            ys += [y0, y0, np.nan]
            for tt in tick_t:
                xs += [x0 + hw * tt, x0 + hw * tt, np.nan]
                ys += [y0 - tick_h, y0 + tick_h, np.nan]
        return Polyline(np.asarray(xs), np.asarray(ys), AXIS_COLOR, kind="axis")

    # Mouse ---------------------------------------------------------------------------

    def channel_at(self, x: float, y: float) -> int | None:
        """Channel id of the box nearest to a data point (None when nothing is drawn)."""
        if not self._data_valid:
            self._load()
        self.layout.box_scaling, self.layout.probe_scaling = self.options.box_scaling, self.options.probe_scaling
        k = self.layout.box_at(x, y)
        return None if k < 0 else int(self.channel_ids[k])

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the channel under the mouse."""
        ch = self.channel_at(x, y)
        return "" if ch is None else f"channel {int(self.controller.model.channel_map[ch])}"

    def click(self, x: float, y: float, button: str = "left", key: int | None = None) -> int | None:
        """ctrl+click (or digit+click) in a box: emit ``select_channel`` (and its alias
        ``channel_click``), then ``selected_channel_changed``; returns the channel."""
        ch = self.channel_at(x, y)
        if ch is not None:
            emit("select_channel", self.sender, channel_id=ch, key=key, button=button)
            emit("channel_click", self.sender, channel_id=ch, key=key, button=button)
            emit("selected_channel_changed", self.sender)
        return ch

    # Commands (phy's actions) ---------------------------------------------------------

    def toggle_waveform_overlap(self, checked: bool | None = None) -> None:
        """Overlap the clusters instead of side by side (``o``)."""
        self._set(False, overlap=not self.options.overlap if checked is None else bool(checked))

    def toggle_show_labels(self, checked: bool | None = None) -> None:
        """Show channel labels (``ctrl+l``)."""
        self._set(False, do_show_labels=not self.options.do_show_labels if checked is None else bool(checked))

    def toggle_template_overlay(self, checked: bool | None = None) -> None:
        """Draw each cluster's template over its raw waveforms."""
        self._set(show_template=not self.options.show_template if checked is None else bool(checked))

    def toggle_all_channels(self, checked: bool | None = None) -> None:
        """All channels instead of the best channels."""
        self._set(show_all_channels=not self.options.show_all_channels if checked is None else bool(checked))

    def set_waveforms_type(self, name: str) -> None:
        """Switch type (``waveforms``, ``mean_waveforms``, ``templates``); rescales y."""
        if name not in self.waveforms_types:
            raise ValueError(f"Unknown waveform type {name!r}; available: {self.waveforms_types}.")
        if name != self.options.waveforms_type:
            self._ylim = None
            self._set(waveforms_type=name)

    def _step_type(self, d: int) -> None:
        types = self.waveforms_types
        cur = self.options.waveforms_type
        i = types.index(cur) if cur in types else -d
        self.set_waveforms_type(types[(i + d) % len(types)])

    def next_waveforms_type(self) -> None:
        """Next waveform type (``w``)."""
        self._step_type(+1)

    def previous_waveforms_type(self) -> None:
        """Previous waveform type (``shift+w``)."""
        self._step_type(-1)

    def toggle_mean_waveforms(self, checked: bool | None = None) -> None:
        """Mean waveforms instead of the spikes (``m``)."""
        if "mean_waveforms" not in self.waveforms_types:
            return
        mean = self.options.waveforms_type != "mean_waveforms" if checked is None else bool(checked)
        self.set_waveforms_type("mean_waveforms" if mean else "waveforms")

    def change_n_spikes_waveforms(self, n: int) -> None:
        """Snippet ``:wn N``: spikes per cluster."""
        self._set(n_spikes_waveforms=max(1, int(n)))

    def _box(self, fx: float, fy: float) -> None:
        bx, by = self.options.box_scaling
        self._set(False, box_scaling=(bx * fx, by * fy))

    def _probe(self, fx: float, fy: float) -> None:
        px, py = self.options.probe_scaling
        self._set(False, probe_scaling=(px * fx, py * fy))

    def widen(self) -> None:
        """Wider boxes (``ctrl+right``)."""
        self._box(SCALING_STEP, 1.0)

    def narrow(self) -> None:
        """Narrower boxes (``ctrl+left``)."""
        self._box(1 / SCALING_STEP, 1.0)

    def increase(self) -> None:
        """Taller waveforms (``ctrl+up``, ctrl+wheel)."""
        self._box(1.0, SCALING_STEP)

    def decrease(self) -> None:
        """Shorter waveforms (``ctrl+down``)."""
        self._box(1.0, 1 / SCALING_STEP)

    def extend_horizontally(self) -> None:
        """Spread the probe horizontally (``shift+right``)."""
        self._probe(SCALING_STEP, 1.0)

    def shrink_horizontally(self) -> None:
        """Squeeze the probe horizontally (``shift+left``)."""
        self._probe(1 / SCALING_STEP, 1.0)

    def extend_vertically(self) -> None:
        """Spread the probe vertically (``shift+up``)."""
        self._probe(1.0, SCALING_STEP)

    def shrink_vertically(self) -> None:
        """Squeeze the probe vertically (``shift+down``)."""
        self._probe(1.0, 1 / SCALING_STEP)

    def reset_scaling(self) -> None:
        """Box and probe scalings back to 1, y range recomputed."""
        self._ylim = None
        self._set(box_scaling=(1.0, 1.0), probe_scaling=(1.0, 1.0))

    @property
    def filter_name(self) -> str:
        """The controller's current raw-data filter (``raw``, ``high_pass`` or a plugin's)."""
        return str(getattr(getattr(self.controller, "raw_data_filter", None), "current", "") or "")

    def on_raw_data_filter_changed(self, sender: Any, name: str = "") -> None:
        """``raw_data_filter_changed``: reload the raw waveforms (the y scale is kept, as phy)."""
        if sender is self.controller and self.options.waveforms_type != "templates":
            self.invalidate()

    @property
    def box_uv(self) -> float | None:
        """µV of a box's half height (:attr:`ylim` times the median gain of the channels
        shown), or None: templates (the sorter's units), gains unknown (phy's case), no
        channel yet, or a plugin filter (its output need not be in the raw data's units)."""
        uv = getattr(self.controller.model, "uv_per_bit", None)
        rdf = getattr(self.controller, "raw_data_filter", None)
        if (uv is None or self.options.waveforms_type == "templates" or not len(self.channel_ids)
                or (rdf is not None and not rdf.is_builtin())):
            return None
        return self.ylim * float(np.median(np.asarray(uv, dtype=np.float64)[self.channel_ids]))

    @property
    def status(self) -> str:
        """Status-bar text: the current type and the raw-data filter (phy: ``waveforms high_pass``),
        then the scale in µV when the acquisition metadata gives the gains (``box: ±120 µV``)."""
        text = " ".join(t for t in (self.options.waveforms_type, self.filter_name) if t)
        uv = self.box_uv
        return text if uv is None else f"{text}  box: ±{uv:.3g} µV"
