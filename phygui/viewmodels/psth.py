"""PSTH view model: the selected clusters' spikes aligned on an event type.

Not a phy view (phy's users asked for it, phy issues 839 and 1325). For each selected
cluster (up to :attr:`PSTHModel.max_n_clusters`, in selection order, top to bottom), a
block of height 1: the raster of the aligned spikes on top (one row per event, the first
event at the top; rasterised, as trials x spikes may be many points) and the peri-stimulus
histogram below it (rate in Hz per bin, :func:`phycore.analysis.psth`), in the cluster's
selection colour, normalised to its own peak (written in the block's label). x is the time
relative to the event in seconds (the drawer shows ms); a grey vertical line marks the
event. The events are ``controller.events`` (:mod:`phycore.model.events`); the event type
is an option (``None``: the first type in name order).

Commands, phy-style (window and bin in ms as the correlogram view's ``:cw`` / ``:cb``):
``:psthw <pre> <post>`` the window, ``:psthb <bin>`` the bin, ``:psthe <name>`` the event
type; ``next_event_type`` / ``previous_event_type`` in the view's menu; ``ctrl+wheel``
widens or narrows the window, ``alt+wheel`` changes the bin.

In the frame's coordinates, cluster ``i`` of ``n`` covers ``y in [n - 1 - i, n - i]``: its
histogram ``[.05, .40]`` and its raster ``[.45, .95]`` of that interval.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis import PSTH, psth, psth_bin_edges
from phycore.errors import ActionError
from phygui.render.raster import Raster, draw_points
from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.items import AXIS_COLOR, Label, Polyline, RasterLayer
from phygui.viewmodels.recent import RecentResults, cluster_key

__all__ = ["PSTHModel", "PSTHOptions", "PSTHFrame", "PSTH_SNIPPETS"]

#: phy-style snippet aliases of the view's commands.
PSTH_SNIPPETS = {"set_window": "psthw", "set_bin": "psthb", "set_event_type": "psthe"}

_HIST = (0.05, 0.40)  # the histogram's part of a block
_RASTER = (0.45, 0.95)  # the raster's part
_GRAY = (0.5, 0.5, 0.5, 1.0)
_MAX_BINS = 10_000


@attrs.define(frozen=True)
class PSTHOptions:
    """State: the event type (None: the first), the window before and after the event and
    the bin, in seconds."""

    event_type: str | None = None
    pre: float = 0.2
    post: float = 0.5
    bin_size: float = 0.01
    show_labels: bool = True


@attrs.define(eq=False)
class PSTHFrame:
    """Rasters (one image), histograms (filled outlines), the event line, labels.

    Attributes
    ----------
    psths : list of PSTH
        One per drawn cluster (:class:`phycore.analysis.PSTH`).
    event_type : str or None
        The event type aligned on (None: the controller has no events).
    """

    raster: RasterLayer | None
    bars: list[Polyline]
    lines: list[Polyline]
    labels: list[Label]
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    event_type: str | None
    psths: list[PSTH]


class PSTHModel(ClusterViewModel):
    """View model of the PSTH view (see the module docstring).

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``events``, ``events_generation``,
        ``model.spike_times``, ``supervisor.clustering``)
    options : PSTHOptions, optional
    """

    max_n_clusters = 8
    options_class = PSTHOptions
    default_size = (600, 600)
    wheel = {"ctrl": ("increase", "decrease"), "alt": "change_bin_size"}
    menu = ("next_event_type", "previous_event_type", "set_event_type", "-", "set_window", "set_bin", "-",
            "increase", "decrease", "toggle_labels")
    snippets = PSTH_SNIPPETS

    def __init__(self, controller: Any, options: PSTHOptions | None = None) -> None:
        super().__init__(controller, options)
        self._psths: list[PSTH] = []
        self._loaded_type: str | None = None
        self._recent = RecentResults(32)  # each cluster's PSTH, for the clusters seen recently

    # Events ------------------------------------------------------------------------------

    @property
    def event_types(self) -> list[str]:
        """The controller's event types, sorted."""
        return sorted(getattr(self.controller, "events", None) or {})

    @property
    def event_type(self) -> str | None:
        """The event type aligned on: the option's if the controller has it, else the first."""
        types = self.event_types
        if self.options.event_type in types:
            return self.options.event_type
        return types[0] if types else None

    def on_events_changed(self, sender: Any, name: str = "") -> None:
        """``events_changed``: recompute (the aligned spikes depend on the events). The type
        shown so far stays the one shown, even when a new type comes first in name order."""
        if sender is self.controller:
            if self.options.event_type is None and self._loaded_type is not None:
                self.options = attrs.evolve(self.options, event_type=self._loaded_type)
            self.invalidate()

    # Data -------------------------------------------------------------------------------

    def _spike_times(self, cluster_id: int) -> npt.NDArray[np.float64]:
        spikes = np.asarray(self.controller.supervisor.clustering.spikes_in_clusters([cluster_id]), dtype=np.int64)
        t = np.asarray(np.asarray(self.controller.model.spike_times)[spikes], dtype=np.float64)
        return t if t.size < 2 or bool(np.all(t[1:] >= t[:-1])) else np.sort(t)

    def _load(self) -> None:
        # The data step (a worker may run it: see phygui.viewmodels.async_data). The
        # generation is read before the events: set_events replaces the events then bumps
        # it, so events read after it are at least as new as the generation they are cached
        # under (read the other way, a set_events in between caches old events' PSTHs under
        # the new generation, and the recompute it triggers reuses them).
        gen = getattr(self.controller, "events_generation", 0)
        name = self.event_type
        events = (getattr(self.controller, "events", None) or {}).get(name) if name is not None else None
        psths: list[PSTH] = []
        if events is not None:
            o = self.options
            for cid in self.cluster_ids:
                key = (cluster_key(self.controller, cid), name, gen, o.pre, o.post, o.bin_size)
                p = self._recent.get(key)
                if p is None:
                    p = psth(self._spike_times(cid), events, pre=o.pre, post=o.post, bin_size=o.bin_size)
                    self._recent.put(key, p)
                psths.append(p)
        self._psths = psths
        self._loaded_type = name
        self._data_valid = True

    @property
    def psths(self) -> list[PSTH]:
        """The drawn clusters' PSTHs (loaded now if needed)."""
        if not self._data_valid:
            self._load()
        return self._psths

    # Frame ------------------------------------------------------------------------------

    def _edges(self) -> npt.NDArray[np.float64]:
        o = self.options
        return self._psths[0].bin_edges if self._psths else psth_bin_edges(o.pre, o.post, o.bin_size)

    def home(self) -> tuple[float, float, float, float]:
        """Home bounds: the window (whole bins) and one unit per cluster."""
        e = self._edges()
        return (float(e[0]), 0.0, float(e[-1]), float(max(len(self._psths), 1)))

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> PSTHFrame:
        """Rasterise the aligned spikes; histograms, the event line and labels as vectors."""
        if not self._data_valid:
            self._load()
        home = self.home()
        ext = self._extent(extent, home)
        n = len(self._psths)
        bars: list[Polyline] = []
        labels: list[Label] = []
        lines: list[Polyline] = []
        raster: RasterLayer | None = None
        if n:
            palette = [self.cluster_color(i) for i in range(n)]
            image = Raster(self.size[1], self.size[0], palette, ext)
            px_per_unit = self.size[1] / max(ext[3] - ext[1], 1e-9)
            for i, (cid, p) in enumerate(zip(self.cluster_ids, self._psths)):
                base = n - 1 - i
                if p.times.size:
                    rows = max(p.n_trials, 1)
                    h = _RASTER[1] - _RASTER[0]
                    y = base + _RASTER[0] + h * (rows - 1 - p.event_index + 0.5) / rows
                    size = int(np.clip(round(0.6 * h * px_per_unit / rows), 1, 3))
                    draw_points(image, p.times, y, i, size)
                top = float(p.rates.max()) if p.rates.size else 0.0
                y = base + _HIST[0] + (_HIST[1] - _HIST[0]) * np.r_[0.0, np.repeat(p.rates / (top or 1.0), 2), 0.0]
                bars.append(Polyline(np.repeat(p.bin_edges, 2), y, self.cluster_color(i, 0.8), kind="histogram",
                                     box=i, cluster_id=cid))
                lines.append(Polyline(np.array([home[0], home[2]]), np.full(2, base + _HIST[0]), _GRAY, kind="baseline",
                                      box=i))
                if self.options.show_labels:
                    labels.append(Label(home[2], base + 0.9, f"{cid}: {p.n_trials} trials, peak {top:.1f} Hz",
                                        anchor="right", box=i))
            raster = RasterLayer(image.rgba(), ext)
            lines.append(Polyline(np.zeros(2), np.array([0.0, float(n)]), AXIS_COLOR, kind="event"))
        self.is_dirty = False
        return PSTHFrame(raster, bars, lines, labels, home, list(self.cluster_ids)[:n], self._loaded_type,
                         list(self._psths))

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the cluster, and the bin's rate (histogram) or the trial (raster)."""
        n = len(self._psths)
        i = n - 1 - int(np.floor(y))
        if not 0 <= i < n:
            return ""
        p, frac = self._psths[i], y - np.floor(y)
        cid = self.cluster_ids[i]
        if _HIST[0] <= frac <= _HIST[1]:
            k = int(np.searchsorted(p.bin_edges, x, side="right")) - 1
            if 0 <= k < p.rates.size:
                a, b = p.bin_edges[k] * 1e3, p.bin_edges[k + 1] * 1e3
                return f"{cid}: [{a:.0f}, {b:.0f}] ms: {p.rates[k]:.1f} Hz"
        elif _RASTER[0] <= frac <= _RASTER[1] and p.n_trials:
            trial = p.n_trials - 1 - int((frac - _RASTER[0]) / (_RASTER[1] - _RASTER[0]) * p.n_trials)
            return f"{cid}: trial {max(trial, 0)}, {x * 1e3:+.1f} ms"
        return ""

    # Commands (phy-style: window and bin in ms) ------------------------------------------

    def _set_window_bin(self, pre: float, post: float, bin_size: float) -> None:
        if not -pre < post:
            raise ActionError(f"The PSTH window [-{pre * 1e3:g}, {post * 1e3:g}] ms is empty.", argument="pre")
        if not 0 < bin_size < pre + post:
            raise ActionError(f"The bin ({bin_size * 1e3:g} ms) must be positive and smaller than the window "
                              f"({(pre + post) * 1e3:g} ms).", argument="bin_size")
        if (pre + post) / bin_size > _MAX_BINS:
            raise ActionError(f"{(pre + post) / bin_size:.0f} bins: at most {_MAX_BINS}.", argument="bin_size")
        self._set(pre=float(pre), post=float(post), bin_size=float(bin_size))

    def set_window(self, pre_ms: float, post_ms: float) -> None:
        """``:psthw <pre> <post>``: ms before and after the event."""
        self._set_window_bin(float(pre_ms) * 1e-3, float(post_ms) * 1e-3, self.options.bin_size)

    def set_bin(self, bin_size_ms: float) -> None:
        """``:psthb <ms>``: histogram bin."""
        self._set_window_bin(self.options.pre, self.options.post, float(bin_size_ms) * 1e-3)

    def set_event_type(self, name: str) -> None:
        """``:psthe <name>``: the event type to align on."""
        name = str(name)
        if name not in self.event_types:
            have = ", ".join(self.event_types) or "none (events.tsv / events.csv / events.npy, or set_events)"
            raise ActionError(f"No event type {name!r}; event types: {have}.", argument="name")
        self._set(event_type=name)

    def _step_type(self, d: int) -> str | None:
        types = self.event_types
        if not types:
            return None
        cur = self.event_type
        k = (types.index(cur) + d) % len(types) if cur in types else 0
        self._set(event_type=types[k])
        return types[k]

    def next_event_type(self) -> str | None:
        """Align on the next event type (name order)."""
        return self._step_type(1)

    def previous_event_type(self) -> str | None:
        """Align on the previous event type."""
        return self._step_type(-1)

    def increase(self) -> None:
        """``ctrl+wheel`` up: window x1.1."""
        o = self.options
        self._set_window_bin(o.pre * 1.1, o.post * 1.1, o.bin_size)

    def decrease(self) -> None:
        """``ctrl+wheel`` down: window /1.1."""
        o = self.options
        self._set_window_bin(o.pre / 1.1, o.post / 1.1, o.bin_size)

    def change_bin_size(self, delta: float) -> None:
        """``alt+wheel``: bin x1.1^delta."""
        o = self.options
        self._set_window_bin(o.pre, o.post, o.bin_size * 1.1 ** float(delta))

    def toggle_labels(self, checked: bool | None = None) -> None:
        """Cluster labels (trials, peak rate)."""
        self._set(False, show_labels=not self.options.show_labels if checked is None else bool(checked))

    @property
    def status(self) -> str:
        """``'stimulus: [-200, 500] ms, bin 10 ms'``."""
        o = self.options
        name = self.event_type or "no events"
        return f"{name}: [{-o.pre * 1e3:g}, {o.post * 1e3:g}] ms, bin {o.bin_size * 1e3:g} ms"
