"""Template view model: the templates of all clusters at their probe positions.

A global view (parity.md §1.9): each cluster's main template is drawn on its best
channels, in the channel boxes of the whole probe (:mod:`phygui.viewmodels.box_layout`),
coloured by the Supervisor's :class:`~phycore.supervisor.colors.ClusterColorSelector`
(rasterised, since there may be thousands); the selected clusters are drawn on top
as vector lines in the selection colours. ctrl+click picks the cluster whose template
passes nearest to the mouse and emits ``cluster_click``. The view follows the cluster
table's filter (``table_filter``). phy's gestures: ``ctrl+wheel`` and ``ctrl+alt++`` /
``ctrl+alt+-`` change the template size (``scaling``), ``shift+wheel`` the colour scheme.
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.signals import emit
from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.items import Label, Polyline, RasterLayer
from phygui.viewmodels.box_layout import SCALING_STEP, BoxLayout
from phygui.render.raster import Raster, draw_polylines

__all__ = ["TemplateViewModel", "TemplateOptions", "TemplateFrame", "TEMPLATE_SHORTCUTS"]

#: phy's TemplateView shortcuts: command -> key.
TEMPLATE_SHORTCUTS = {"increase": "ctrl+alt++", "decrease": "ctrl+alt+-"}


@attrs.define(frozen=True)
class TemplateOptions:
    """``scaling`` (local state, template height) and the label toggle."""

    scaling: float = 1.0
    do_show_labels: bool = False
    alpha: float = 0.6


@attrs.define(eq=False)
class TemplateFrame:
    """Raster of all templates, selected ones as vector lines, boxes, labels."""

    raster: RasterLayer
    lines: list[Polyline]
    labels: list[Label]
    boxes: npt.NDArray[np.float64]
    home: tuple[float, float, float, float]
    cluster_ids: list[int]
    selected: list[int]


@attrs.define(eq=False)
class _Template:
    boxes: npt.NDArray[np.int64]
    data: npt.NDArray[np.float32]  # (n_samples, n_channels)


class TemplateViewModel(ClusterViewModel):
    """View model of the template view.

    Parameters
    ----------
    controller : TemplateController (duck-typed)
    options : TemplateOptions, optional
    sender : object, optional
        Sender of ``cluster_click``.

    Events
    ------
    cluster_click(sender, cluster_id, button=)
        On ctrl+click near a template (:meth:`click`).
    """

    default_size = (600, 800)
    max_n_clusters = 1_000_000
    options_class = TemplateOptions
    wheel = {"ctrl": ("increase", "decrease"), "shift": ("next_color_scheme", "previous_color_scheme")}
    shortcuts = TEMPLATE_SHORTCUTS
    menu = ("toggle_show_labels", "increase", "decrease", "-", "next_color_scheme", "previous_color_scheme")

    def __init__(self, controller: Any, options: TemplateOptions | None = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        m = controller.model
        self.layout = BoxLayout(np.asarray(m.channel_positions, dtype=np.float64))
        self.shown: list[int] | None = None  # table filter; None = all clusters
        self._templates: dict[int, _Template] = {}
        self._ylim = 1.0
        self._raster: RasterLayer | None = None
        self._raster_key: Any = None

    # Inputs ----------------------------------------------------------------------

    def set_selection(self, cluster_ids: Sequence[int]) -> None:
        """Highlight the selection (the raster of all templates is kept)."""
        ids = [int(c) for c in cluster_ids]
        if ids != self.cluster_ids:
            self.cluster_ids = ids
            self.is_dirty = True

    def on_table_filter(self, sender: Any, cluster_ids: Sequence[int]) -> None:
        """Show only the clusters the table shows."""
        self.shown = [int(c) for c in cluster_ids]
        self.invalidate(data=False)
        self._raster_key = None

    def set_shown(self, cluster_ids: Sequence[int]) -> None:
        """Show these clusters, in this order (phy's ``set_cluster_ids``)."""
        self.on_table_filter(self, cluster_ids)

    def on_cluster(self, sender: Any, up: Any) -> None:
        """Drop deleted clusters' templates; new ones load on the next compute."""
        changed = False
        for c in getattr(up, "deleted", ()) or ():
            changed |= self._templates.pop(int(c), None) is not None
        if changed or (getattr(up, "added", None) or ()) or getattr(up, "metadata_changed", None):
            self.invalidate()
            self._raster_key = None  # colours may depend on labels

    def on_color_mapping_changed(self, sender: Any = None) -> None:
        """The Supervisor's colour selector changed: re-rasterise."""
        self._raster_key = None
        self.is_dirty = True

    @property
    def clusters(self) -> list[int]:
        """Clusters drawn: the table's filtered ones, else all."""
        ids = [int(c) for c in self.controller.supervisor.clustering.cluster_ids]
        if self.shown is None:
            return ids
        alive = set(ids)
        return [c for c in self.shown if c in alive]

    def _load(self) -> None:
        # A new dict, rebound at the end: a worker may run this on a copy of the model while
        # the GUI thread reads the current one (phygui.viewmodels.async_data).
        templates = dict(self._templates)
        for cid in self.clusters:
            if cid not in templates:
                td = self.controller.get_template_waveforms(cid)
                chans = np.asarray(td.channel_ids, dtype=np.int64)
                templates[cid] = _Template(chans, np.asarray(td.data, dtype=np.float32))
        self._templates = templates
        vals = [float(np.abs(t.data).max()) for t in self._templates.values() if t.data.size]
        self._ylim = max(vals, default=0.0) or 1.0
        self._data_valid = True

    # Frame ---------------------------------------------------------------------------

    def _geometry(self, t: _Template) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
        n_samples = t.data.shape[0]
        x = np.linspace(-1.0, 1.0, n_samples)
        c = self.layout.centres[t.boxes]
        hw, hh = self.layout.half_size
        return x, c[:, 0], c[:, 1], hw, hh * self.options.scaling / self._ylim

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> TemplateFrame:
        """Raster of every shown template (only when it changed) plus the selection on top."""
        if not self._data_valid:
            self._load()
        home = self.layout.extent
        ext = self._extent(extent, home)
        clusters = self.clusters
        key = (self.size, ext, self.options, tuple(clusters), self.controller.supervisor.color_selector.color_field,
               self.controller.supervisor.color_selector.colormap)
        if key != self._raster_key:
            colors = self.controller.supervisor.color_selector.get_colors(clusters, alpha=self.options.alpha)
            # One layer per distinct colour (colour maps have few), in first-use order.
            uniq, first, layer = np.unique(colors, axis=0, return_index=True, return_inverse=True)
            order = np.argsort(first)
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            image = Raster(self.size[1], self.size[0], uniq[order] if len(uniq) else np.zeros((1, 4)), ext)
            for k, cid in enumerate(clusters):
                t = self._templates[cid]
                if not t.data.size:
                    continue
                x, cx, cy, hw, ys = self._geometry(t)
                draw_polylines(image, x, t.data.T, cx, hw, cy, ys, int(rank[np.ravel(layer)[k]]))
            self._raster = RasterLayer(image.rgba(), ext)
            self._raster_key = key
        lines = []
        for i, cid in enumerate(self.cluster_ids):
            shown = self._templates.get(cid)
            if shown is None or not shown.data.size:
                continue
            x, cx, cy, hw, ys = self._geometry(shown)
            xs = np.full((len(cx), len(x) + 1), np.nan)
            yy = np.full((len(cx), len(x) + 1), np.nan)
            xs[:, :-1] = cx[:, None] + hw * x[None, :]
            yy[:, :-1] = cy[:, None] + ys * shown.data.T
            lines.append(Polyline(xs.ravel(), yy.ravel(), self.cluster_color(i), kind="template", cluster_id=cid))
        labels = []
        if self.options.do_show_labels:
            cmap = np.asarray(self.controller.model.channel_map)
            hw = self.layout.half_size[0]
            labels = [Label(float(c[0] - hw), float(c[1]), str(int(cmap[k])), box=k)
                      for k, c in enumerate(self.layout.centres)]
        self.is_dirty = False
        assert self._raster is not None
        return TemplateFrame(self._raster, lines, labels, self.layout.bounds, home, clusters, list(self.cluster_ids))

    # Mouse and commands -----------------------------------------------------------------

    def cluster_position(self, cluster_id: int) -> tuple[float, float]:
        """Data position of a cluster's template peak on its best channel (a click target)."""
        if not self._data_valid or int(cluster_id) not in self._templates:
            self._load()
        t = self._templates[int(cluster_id)]
        tx, cx, cy, hw, ys = self._geometry(t)
        i = int(np.argmax(np.abs(t.data[:, 0])))
        return float(cx[0] + hw * tx[i]), float(cy[0] + ys * t.data[i, 0])

    def cluster_at(self, x: float, y: float) -> int | None:
        """Cluster whose template passes nearest to a point, in the box under it."""
        if not self._data_valid:
            self._load()
        k = self.layout.box_at(x, y)
        best, best_d = None, np.inf
        for cid in self.clusters:
            t = self._templates[cid]
            hit = np.flatnonzero(t.boxes == k)
            if not hit.size or not t.data.size:
                continue
            tx, cx, cy, hw, ys = self._geometry(t)
            j = hit[0]
            _, hh = self.layout.half_size
            d = ((cx[j] + hw * tx - x) / hw) ** 2 + ((cy[j] + ys * t.data[:, j] - y) / hh) ** 2
            if float(d.min()) < best_d:
                best, best_d = cid, float(d.min())
        return best

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the cluster under the mouse."""
        cid = self.cluster_at(x, y)
        return "" if cid is None else f"cluster {cid}"

    def click(self, x: float, y: float, button: str = "left") -> int | None:
        """ctrl+click: emit ``cluster_click`` for the nearest template's cluster."""
        cid = self.cluster_at(x, y)
        if cid is not None:
            emit("cluster_click", self.sender, cid, button=button)
        return cid

    def increase(self) -> None:
        """``ctrl+wheel`` up / ``ctrl+alt++``: taller templates (phy's clamp: at most 1e3)."""
        self._set(False, scaling=min(self.options.scaling * SCALING_STEP, 1e3))

    def decrease(self) -> None:
        """``ctrl+wheel`` down / ``ctrl+alt+-``: shorter templates (at least 1e-3)."""
        self._set(False, scaling=max(self.options.scaling / SCALING_STEP, 1e-3))

    def next_color_scheme(self) -> str:
        """Next colour scheme of the templates (shift+wheel; every colour view follows)."""
        return str(self.controller.supervisor.color_selector.next_color_scheme())

    def previous_color_scheme(self) -> str:
        """Previous colour scheme of the templates."""
        return str(self.controller.supervisor.color_selector.previous_color_scheme())

    def toggle_show_labels(self, checked: bool | None = None) -> None:
        """Channel labels."""
        self._set(False, do_show_labels=not self.options.do_show_labels if checked is None else bool(checked))
