"""ISI and firing-rate view models: one histogram row per selected cluster.

phy's HistogramView subclasses (parity.md §1.5). Every spike of the cluster is used
(no budget). The ISI view shows :func:`phycore.analysis.isi_histograms` (density, as
phy) over ``[x_min, x_max]`` (0-50 ms, 50 bins of 1 ms); the firing-rate view shows
:func:`phycore.analysis.firing_rate_over_time` in Hz (phy shows a unit-area histogram
of spike times instead, whose height is not a rate) over ``[x_min, x_max]`` (whole
recording, 200 bins). Rows are stacked top to bottom in selection order; in the row
coordinates of the frame, row ``i`` covers ``y in [n - 1 - i, n - i]`` and ``x`` is in
seconds.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.analysis import firing_rate_over_time, isi_bin_edges, isi_histograms
from phycore.errors import ActionError
from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.event_markers import event_lines
from phygui.viewmodels.items import Label, Polyline
from phygui.viewmodels.recent import RecentResults, cluster_key

__all__ = ["HistogramModel", "ISIModel", "FiringRateModel", "HistogramOptions", "HistogramFrame", "cluster_times"]

_HEIGHT = 0.9  # fraction of a row used by its histogram


@attrs.define(frozen=True)
class HistogramOptions:
    """State keys ``n_bins``, ``x_min``, ``x_max`` (seconds; None = from the data)."""

    n_bins: int = 50
    x_min: float = 0.0
    x_max: float | None = 0.05


@attrs.define(eq=False)
class HistogramFrame:
    """Rows of histograms.

    Attributes
    ----------
    values : ndarray (n_clusters, n_bins)
        Density (ISI) or rate in Hz (firing rate).
    edges : ndarray (n_bins + 1,)
        Bin edges in seconds.
    """

    values: npt.NDArray[np.float64]
    edges: npt.NDArray[np.float64]
    bars: list[Polyline]
    labels: list[Label]
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    unit: str
    #: Event markers (the firing-rate view; see :mod:`phygui.viewmodels.event_markers`).
    lines: list[Polyline] = attrs.Factory(list)


#: The spike times of the clusters the ISI and firing-rate views showed last, shared by
#: the two views: a selection's two jobs gather every spike time of the clusters once,
#: not twice. ``(id(model), cluster key) -> (weak reference to the model, times)``.
_TIMES = RecentResults(4)
_TIMES_LOCK = threading.Lock()  # the second view's job waits for the first's gather
#: False: each view gathers its own (the path before; the same values, for benchmarks).
_SHARE_TIMES = True


def cluster_times(controller: Any, cluster_id: int) -> npt.NDArray[np.float64]:
    """float64 times of every spike of a cluster (read-only; shared by the ISI and
    firing-rate views, see :data:`_TIMES`)."""
    model = controller.model
    key = (id(model), cluster_key(controller, cluster_id))
    with _TIMES_LOCK:
        hit = _TIMES.get(key) if _SHARE_TIMES else None
        if hit is not None and hit[0]() is model:
            return hit[1]
        spikes = np.asarray(controller.supervisor.clustering.spikes_in_clusters([int(cluster_id)]), dtype=np.int64)
        t = np.asarray(np.asarray(model.spike_times)[spikes], dtype=np.float64)
        t.setflags(write=False)
        try:
            _TIMES.put(key, (weakref.ref(model), t))
        except TypeError:  # pragma: no cover - a model without weak references: not shared
            pass
        return t


class HistogramModel(ClusterViewModel):
    """Shared logic of the ISI and firing-rate views (subclasses define :meth:`histograms`)."""

    max_n_clusters = 20
    options_class = HistogramOptions
    unit = "s"
    wheel = {"ctrl": ("increase", "decrease"), "alt": "change_n_bins", "shift": "change_x_min"}
    menu = ("set_n_bins", "set_bin_size", "set_x_min", "set_x_max", "-", "increase", "decrease")
    alias = "h"

    def __init__(self, controller: Any, options: HistogramOptions | None = None) -> None:
        super().__init__(controller, options)
        self._values = np.zeros((0, 1))
        self._edges = np.linspace(0, 1, 2)
        self._rows = RecentResults()  # each cluster's row, for the clusters seen recently

    @property
    def snippets(self) -> dict[str, str]:
        """phy's snippet aliases (``:isin``, ``:frb``, ...)."""
        a = self.alias
        return {"set_n_bins": f"{a}n", "set_bin_size": f"{a}b", "set_x_min": f"{a}min", "set_x_max": f"{a}max"}

    @property
    def x_range(self) -> tuple[float, float]:
        """``(x_min, x_max)`` in seconds."""
        hi = self.options.x_max if self.options.x_max is not None else float(self.controller.model.duration)
        return float(self.options.x_min), float(hi)

    def _spikes(self, cluster_ids: Sequence[int] | None = None
                ) -> tuple[npt.NDArray[np.float64], dict[int, npt.NDArray[np.int64]]]:
        # Spike times of the selected clusters (or these) only, with a lookup into them.
        parts, lookup, start = [], {}, 0
        for cid in (self.cluster_ids if cluster_ids is None else cluster_ids):
            t = cluster_times(self.controller, cid)
            parts.append(t)
            lookup[cid] = np.arange(start, start + len(t), dtype=np.int64)
            start += len(t)
        return (np.concatenate(parts) if parts else np.zeros(0)), lookup

    def histograms(self, cluster_ids: Sequence[int] | None = None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``(values (n_clusters, n_bins), edges)`` of the selected clusters (or these)."""
        raise NotImplementedError

    def _load(self) -> None:
        # The data step (a worker may run it: see phygui.viewmodels.async_data). A row
        # depends only on its cluster's spikes and the options: the rows of clusters seen
        # recently (an undo, the same first cluster with its next similar one) are reused.
        if self.cluster_ids:
            keys = [(cluster_key(self.controller, c), self.options, self.x_range) for c in self.cluster_ids]
            rows = [self._rows.get(k) for k in keys]
            missing = [c for c, r in zip(self.cluster_ids, rows) if r is None]
            edges = None
            if missing:
                values, edges = self.histograms(missing)
                new = dict(zip(missing, values))
                for i, (c, k) in enumerate(zip(self.cluster_ids, keys)):
                    if rows[i] is None:
                        rows[i] = (new[c], edges)
                        self._rows.put(k, rows[i])
            self._values = np.stack([r[0] for r in rows])
            self._edges = edges if edges is not None else rows[0][1]
        else:
            self._values, self._edges = np.zeros((0, self.options.n_bins)), np.linspace(*self.x_range, 2)
        self._data_valid = True

    def compute(self) -> HistogramFrame:
        """Histograms and their stacked step outlines."""
        if not self._data_valid:
            self._load()
        n = len(self.cluster_ids)
        bars, labels = [], []
        x = np.repeat(self._edges, 2)
        for i, (cid, v) in enumerate(zip(self.cluster_ids, self._values)):
            top = float(v.max()) or 1.0
            y = (n - 1 - i) + _HEIGHT * np.r_[0.0, np.repeat(v / top, 2), 0.0]
            bars.append(Polyline(x, y, self.cluster_color(i), kind="histogram", box=i, cluster_id=cid))
            labels.append(Label(float(self._edges[-1]), n - i - 0.1, self._text(v), anchor="right", box=i))
        self.is_dirty = False
        x0, x1 = float(self._edges[0]), float(self._edges[-1])
        home = (x0, 0.0, x1, float(max(n, 1)))
        return HistogramFrame(self._values, self._edges, bars, labels, home, list(self.cluster_ids), self.unit,
                              self._event_lines(home))

    def _event_lines(self, home: tuple[float, float, float, float]) -> list[Polyline]:
        return []

    def _text(self, values: np.ndarray) -> str:
        return ""

    def hover(self, x: float, y: float) -> str:
        """Tooltip: cluster, bin and value under the mouse."""
        n = len(self.cluster_ids)
        i = n - 1 - int(np.floor(y))
        k = int(np.searchsorted(self._edges, x, side="right")) - 1
        if not (0 <= i < n and 0 <= k < self._values.shape[1]):
            return ""
        f = self._f()
        lo, hi = self._edges[k] / f, self._edges[k + 1] / f
        return f"{self.cluster_ids[i]}: [{lo:.4g}, {hi:.4g}] {self.unit}: {self._values[i, k]:.4g}"

    # Commands (values in the view's unit, like phy's prompts and snippets) ------------------

    def _f(self) -> float:
        return 1e-3 if self.unit == "ms" else 1.0

    def set_n_bins(self, n_bins: int) -> None:
        """Number of bins (at least 2)."""
        self._set(n_bins=max(2, int(n_bins)))

    def set_bin_size(self, bin_size: float) -> None:
        """Bin size in the view's unit (sets the number of bins)."""
        if not bin_size > 0:
            raise ActionError(f"The bin size must be positive, got {bin_size}.", argument="bin_size")
        lo, hi = self.x_range
        self.set_n_bins(int(round((hi - lo) / (float(bin_size) * self._f()))))

    def set_x_min(self, x_min: float) -> None:
        """Lower bound, in the view's unit."""
        v = float(x_min) * self._f()
        if v < self.x_range[1]:
            self._set(x_min=max(0.0, v))

    def set_x_max(self, x_max: float) -> None:
        """Upper bound, in the view's unit."""
        v = float(x_max) * self._f()
        if v > self.x_range[0]:
            self._set(x_max=v)

    def increase(self) -> None:
        """``ctrl+wheel`` up: x_max x1.1."""
        self._set(x_max=self.x_range[1] * 1.1)

    def decrease(self) -> None:
        """``ctrl+wheel`` down: x_max /1.1."""
        v = self.x_range[1] / 1.1
        if v > self.x_range[0]:
            self._set(x_max=v)

    def change_x_min(self, delta: float) -> None:
        """``shift+wheel``: x_min x1.1^delta (kept below x_max)."""
        v = self.options.x_min * 1.1 ** float(delta)
        if v < self.x_range[1]:
            self._set(x_min=v)

    def change_n_bins(self, delta: float) -> None:
        """``alt+wheel``: n_bins /1.05^delta (at least 2)."""
        self.set_n_bins(max(2, int(self.options.n_bins / 1.05 ** float(delta))))

    @property
    def bin_size(self) -> float:
        """Bin size in the view's unit."""
        lo, hi = self.x_range
        return (hi - lo) / self.options.n_bins / self._f()

    @property
    def status(self) -> str:
        """``'[0.0ms, 50.0ms]'``."""
        lo, hi = self.x_range
        return f"[{lo / self._f():.1f}{self.unit}, {hi / self._f():.1f}{self.unit}]"


class ISIModel(HistogramModel):
    """Inter-spike-interval histograms (density), 0-50 ms in 1-ms bins by default."""

    unit = "ms"
    alias = "isi"

    def histograms(self, cluster_ids: Sequence[int] | None = None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """ISI densities ``(n_clusters, n_bins)`` and edges (s)."""
        ids = list(self.cluster_ids if cluster_ids is None else cluster_ids)
        lo, hi = self.x_range
        edges = isi_bin_edges(lo, hi, self.options.n_bins)
        times, lookup = self._spikes(ids)
        values = isi_histograms(times, ids, bin_edges=edges, spikes_per_cluster=lookup, density=True)
        return values, edges


class FiringRateModel(HistogramModel):
    """Firing rate over time (Hz), whole recording in 200 bins by default."""

    unit = "s"
    alias = "fr"

    def __init__(self, controller: Any, options: HistogramOptions | None = None) -> None:
        super().__init__(controller, options or HistogramOptions(n_bins=200, x_min=0.0, x_max=None))

    def histograms(self, cluster_ids: Sequence[int] | None = None
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Rates ``(n_clusters, n_bins)`` in Hz and edges (s)."""
        ids = list(self.cluster_ids if cluster_ids is None else cluster_ids)
        lo, hi = self.x_range
        times, lookup = self._spikes(ids)
        rates, edges = firing_rate_over_time(times - lo, ids, duration=hi - lo,
                                             bin_size=(hi - lo) / self.options.n_bins, spikes_per_cluster=lookup)
        return rates, edges + lo

    def _text(self, values: np.ndarray) -> str:
        return f"{float(values.mean()):.1f} Hz" if values.size else ""

    def _event_lines(self, home: tuple[float, float, float, float]) -> list[Polyline]:
        # Event markers over the rows, only those in the shown time range.
        x0, _, x1, _ = self._extent(None, home)
        return event_lines(self, max(x0, home[0]), min(x1, home[2]), home[1], home[3])
