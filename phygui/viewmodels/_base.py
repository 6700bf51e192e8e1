"""The base classes of the view models (private; :mod:`phygui.viewmodels` exports them).

:class:`ClusterViewModel` is the shared selection / dirty-flag / options / wheel logic of
the per-selection views; :class:`LassoViewModel` adds the lasso split of the feature,
amplitude and template-feature views. The items the view models hand to the drawers are
in :mod:`phygui.viewmodels.items`.
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.items import BACKGROUND_COLOR, Bounds
from phygui.viewmodels.wheel import wheel_command, wheel_modifier

__all__ = ["ClusterViewModel", "LassoViewModel", "options_state"]


def _as_bounds(extent: Sequence[float]) -> Bounds:
    # A data rectangle (x0, y0, x1, y1) as four floats.
    x0, y0, x1, y1 = (float(v) for v in extent)
    return (x0, y0, x1, y1)


def options_state(options: Any) -> dict[str, Any]:
    """Options as a JSON-friendly dict (tuples become lists)."""
    out = {}
    for k, v in attrs.asdict(options).items():
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


class ClusterViewModel:
    """Selection, colours, options and the dirty flag of a view of selected clusters.

    Parameters
    ----------
    controller : object
        Duck-typed :class:`phycore.TemplateController` (``model``, ``supervisor`` and
        the ``get_*`` data functions).
    options : attrs instance, optional
        The view's options (state keys); defaults when omitted.

    Attributes
    ----------
    cluster_ids : list of int
        Clusters drawn: the first ``max_n_clusters`` of the selection, in order.
    is_dirty : bool
        True when the picture must be recomputed (inputs changed since the last
        ``compute()``); the drawer re-rasterises only then.
    data_generation : int
        Bumped by each :meth:`invalidate` that drops the loaded data: a data job
        started before (:mod:`phygui.viewmodels.async_data`) is then stale.
    redraw_generation : int
        Bumped each time the model is marked dirty: a picture computed on a worker
        before that is not shown.
    """

    max_n_clusters = 8
    options_class: type = object
    #: Size (width, height) of the rasterised picture until :meth:`set_viewport`.
    default_size: tuple[int, int] = (800, 600)
    #: phy's shortcuts of the view's commands, ``{command: key}``.
    shortcuts: dict[str, str] = {}
    #: Commands offered in the view's menu, in order ("-" is a separator).
    menu: tuple[str, ...] = ()
    #: phy's modified wheel gestures, ``{modifier: (up, down) commands | command(delta)}``
    #: (see :func:`wheel_command`); the plain wheel always zooms the plot.
    wheel: dict[str, Any] = {}

    def __init__(self, controller: Any, options: Any = None) -> None:
        self.controller = controller
        self.options = options if options is not None else self.options_class()
        self.cluster_ids: list[int] = []
        self.is_dirty = True
        self._data_valid = False
        self.data_generation = 0
        self.size: tuple[int, int] = (self.default_size[0], self.default_size[1])
        self.extent: Bounds | None = None

    # Inputs ----------------------------------------------------------------------

    def set_selection(self, cluster_ids: Sequence[int]) -> None:
        """Follow the ``select`` event: draw the first ``max_n_clusters`` clusters."""
        ids = [int(c) for c in cluster_ids][: self.max_n_clusters]
        if ids != self.cluster_ids:
            self.cluster_ids = ids
            self.invalidate()

    def on_select(self, sender: Any, cluster_ids: Sequence[int], *args: Any, **kwargs: Any) -> None:
        """``select`` event handler (phy's signature)."""
        self.set_selection(cluster_ids)

    def on_cluster(self, sender: Any, up: Any) -> None:
        """``cluster`` event handler: recompute if the update touches a drawn cluster.

        Merges and splits delete the old ids (a new selection follows); metadata
        changes do not alter the data of these views.
        """
        touched = set(int(c) for c in getattr(up, "deleted", ()) or ()) | set(
            int(c) for c in getattr(up, "added", ()) or ())
        if touched & set(self.cluster_ids) or self._touches_background(up):
            self.invalidate()

    def _touches_background(self, up: Any) -> bool:
        return False

    def on_spikes_added(self, sender: Any, spike_ids: Any, cluster_ids: Sequence[int]) -> None:
        """Live sessions (the GUI calls this at most every ``live_refresh_interval``):
        recompute if a drawn cluster received spikes, and, for a view of a time window
        (options with an ``interval``), if some of them fall inside it."""
        if not {int(c) for c in cluster_ids} & set(self.cluster_ids):
            return
        window = getattr(self.options, "interval", None)
        if window is not None and len(spike_ids):
            t = np.asarray(self.controller.model.spike_times)[np.asarray(spike_ids, dtype=np.int64)]
            if not ((t >= window[0]) & (t <= window[1])).any():
                return
        self.invalidate()

    def set_viewport(self, width: int, height: int, extent: Sequence[float] | None = None) -> None:
        """Pixel size of the plot and the data rectangle it shows (None: the home bounds).

        The drawer calls this when the plot is resized, panned or zoomed; the dense
        layer is then re-rasterised at the new resolution.
        """
        size = (max(1, int(width)), max(1, int(height)))
        ext = None if extent is None else _as_bounds(extent)
        if size != self.size or ext != self.extent:
            self.size, self.extent = size, ext
            self.invalidate(data=False)

    def set_size(self, width: int, height: int) -> None:
        """Pixel size of the plot (keeps the extent)."""
        self.set_viewport(width, height, self.extent)

    def _extent(self, extent: Sequence[float] | None, home: Bounds) -> Bounds:
        if extent is not None:
            return _as_bounds(extent)
        return self.extent if self.extent is not None else home

    @classmethod
    def menu_items(cls) -> list[tuple[str, str | None, str]]:
        """``(command, shortcut, description)`` of the view's menu ("-" for separators)."""
        out: list[tuple[str, str | None, str]] = []
        for name in cls.menu:
            if name == "-":
                out.append(("-", None, ""))
                continue
            doc = (getattr(cls, name).__doc__ or "").strip().splitlines()
            out.append((name, cls.shortcuts.get(name), doc[0] if doc else name))
        return out

    def on_wheel(self, delta: float, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> str | None:
        """A wheel step with modifiers: run the bound command (:attr:`wheel`).

        Returns the command name, or None when the gesture is not bound (the drawer then
        lets the plot zoom).
        """
        cmd = wheel_command(self.wheel, wheel_modifier(ctrl, alt, shift), delta)
        if cmd is None:
            return None
        name, args = cmd
        getattr(self, name)(*args)
        return name

    @property
    def is_dirty(self) -> bool:
        """True when the picture must be recomputed (see the class docstring)."""
        return self._is_dirty

    @is_dirty.setter
    def is_dirty(self, value: bool) -> None:
        if value:  # a picture computed before this (on a worker) is out of date
            self.redraw_generation = getattr(self, "redraw_generation", 0) + 1
        self._is_dirty = bool(value)

    def invalidate(self, data: bool = True) -> None:
        """Mark the view dirty; ``data=False`` keeps loaded data (layout/option change)."""
        self.is_dirty = True
        if data:
            self._data_valid = False
            self.data_generation += 1  # a data job started before this is stale

    def on_events_changed(self, sender: Any, name: str = "") -> None:
        """``events_changed`` (``controller.set_events``): redraw the event markers (views
        that draw them listen to it); another session's events are ignored."""
        if sender is self.controller:
            self.invalidate(data=False)

    def on_toggle_spike_reorder(self, sender: Any, checked: bool) -> None:
        """``toggle_spike_reorder``: reload, the spike times of the time axes changed (views
        whose time axis is the spike times listen to it, as phy's feature and amplitude views)."""
        self.invalidate()

    # Colours and state -------------------------------------------------------------

    def cluster_color(self, i: int, alpha: float = 1.0) -> tuple[float, float, float, float]:
        """Colour of the ``i``-th drawn cluster (phy's selection palette)."""
        return selected_cluster_color(i, alpha)

    def layer_palette(self, alpha: float = 1.0) -> npt.NDArray[np.float64]:
        """``(1 + n_clusters, 4)`` raster layers: background grey, then each drawn cluster."""
        rows = [BACKGROUND_COLOR] + [self.cluster_color(i, alpha) for i in range(len(self.cluster_ids))]
        return np.asarray(rows, dtype=np.float64)

    def get_state(self) -> dict[str, Any]:
        """Options to save in the GUI state."""
        return options_state(self.options)

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore options saved by :meth:`get_state` (unknown keys are ignored)."""
        fields = {f.name: f for f in attrs.fields(type(self.options))}
        changes = {}
        for k, v in state.items():
            if k in fields:
                changes[k] = tuple(v) if isinstance(v, list) else v
        self.options = attrs.evolve(self.options, **changes)
        self.invalidate()

    def _set(self, data: bool = True, **changes: Any) -> None:
        self.options = attrs.evolve(self.options, **changes)
        self.invalidate(data)


class ShownClustersMixin:
    """A global view's clusters: the cluster table's visible ones, unless a plugin set its
    own list with :meth:`set_shown` (phy's ``set_cluster_ids``), which the table's next
    filter (or sort) resets; deleted clusters drop out of that list."""

    controller: Any
    shown: list[int] | None = None

    def set_shown(self, cluster_ids: Sequence[int]) -> None:
        """Show these clusters, in this order."""
        self.shown = [int(c) for c in cluster_ids]
        self.invalidate(data=False)  # type: ignore[attr-defined]

    def shown_clusters(self) -> list[int]:
        """The clusters to draw, in order."""
        if self.shown is None:
            return [int(c) for c in self.controller.supervisor.cluster_table.visible_ids]
        alive = self.controller.supervisor.clustering.spike_counts
        return [c for c in self.shown if c in alive]


class LassoViewModel(ClusterViewModel):
    """A view model whose spikes can be lassoed and split off (feature, amplitude views).

    Subclasses set ``self.lasso`` (a :class:`~phygui.viewmodels.lasso.LassoState`) and
    implement :meth:`spikes_in_lasso`.
    """

    lasso: Any

    def spikes_in_lasso(self, load_all: bool = True) -> npt.NDArray[np.int64]:
        """Spike ids inside the lasso (all spikes of the selected clusters with ``load_all``)."""
        raise NotImplementedError

    def clear_lasso(self) -> None:
        """ctrl+right click."""
        self.lasso.clear()
        self.is_dirty = True

    def on_request_split(self, sender: Any = None) -> npt.NDArray[np.int64]:
        """``request_split`` handler: spikes in the lasso (then the lasso is cleared)."""
        spikes = self.spikes_in_lasso(load_all=True)
        self.clear_lasso()
        return spikes

    def split(self) -> Any:
        """``k`` for this view alone: split the lasso's spikes through the Supervisor."""
        spikes = self.on_request_split()
        return self.controller.supervisor.split(spikes) if spikes.size else None


#: Margin of a scatter's home bounds, as a fraction of the data span.
SCATTER_PAD = 0.05


def scatter_bounds(xys: Sequence[npt.NDArray[np.float64]], pad: float = SCATTER_PAD) -> Bounds:
    """Home bounds ``(x0, y0, x1, y1)`` of ``(n, 2)`` point sets: their finite span with a
    ``pad`` margin (the unit square when there are no points)."""
    xy = np.concatenate(xys) if len(xys) else np.zeros((0, 2))
    xy = xy[np.isfinite(xy).all(axis=1)]
    lo, hi = (xy.min(axis=0), xy.max(axis=0)) if len(xy) else (np.zeros(2), np.ones(2))
    span = np.where(hi > lo, hi - lo, 1.0)
    return (float(lo[0] - pad * span[0]), float(lo[1] - pad * span[1]),
            float(hi[0] + pad * span[0]), float(hi[1] + pad * span[1]))
