"""The thin drawer shared by the data views (private): one plot, one image, a few lines.

A :class:`PlotView` owns a pure view model (``phygui.viewmodels``) and hands what its
``compute()`` returns to Dear PyGui:

- ``frame.raster`` (a :class:`~phygui.render.raster.RasterLayer`) becomes ONE image
  series; a new static texture is made only when the model is dirty, and the old one is
  deleted (dynamic/raw textures are re-uploaded every frame: see the dearpygui spec);
- ``frame.lines`` / ``frame.histograms`` (Polylines) become line series, ``frame.bars``
  filled (shade) series, ``frame.labels`` plot annotations, ``frame.lasso`` a line;
- the plot's pixel size and axis limits go to ``model.set_viewport`` when they change;
- the model's commands become a per-view action group (menu + phy's shortcuts + snippets);
- ctrl+left click adds a lasso vertex (``lasso_updated``), ctrl+right click clears it (lasso
  views), and the model answers the Supervisor's ``request_split``;
- a click on a cluster emits phy's ``request_select`` (``select_more`` with shift), which the
  GUI answers; every redraw is framed by ``is_busy(view, True)`` / ``is_busy(view, False)``;
  ``toggle_auto_update`` stops (and resumes) following the selection;
- a modified wheel over the plot (ctrl/alt/shift: phy's scaling, marker size, bins...)
  runs the model's bound command (``model.wheel``) and does NOT zoom: while a bound
  modifier is held over the plot the axis limits are pinned, so ImPlot's wheel zoom
  (which ignores modifiers) cannot move them. The plain wheel zooms as usual;
- phy's PanZoom: left-drag pans and the wheel zooms (ImPlot's own), right-drag zooms about
  the press point (:class:`~phygui.viewmodels.panzoom.RightDrag`; a right press released
  within 5 px is a right *click*, run on release), double-click resets, and ``+`` / ``-`` /
  ``r`` zoom in, out and reset the plot under the mouse (unless that view binds the key).

No curation logic lives here. This private module is about 600 lines: the drawer every
data view shares is one class, :class:`PlotView`, and splitting it would scatter one
plot's life cycle (items, axis limits, mouse and keys) over several files; the gesture
arithmetic itself is pure and lives in :mod:`phygui.viewmodels.panzoom`.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from typing import Any, ClassVar

import dearpygui.dearpygui as dpg
import numpy as np

from phycore.errors import ActionError
from phycore.signals import connect, emit, unconnect
from phygui.keys import normalize_shortcut
from phygui.viewmodels.async_data import AsyncData
from phygui.viewmodels.panzoom import PanZoom, RightDrag
from phygui.viewmodels.series_runs import line_runs, shade_runs
from phygui.viewmodels.wheel import wheel_modifier
from phygui.views.base import View
from phygui.views.input_state import held_modifiers

__all__ = ["PlotView", "DIMMED"]

_LASSO_COLOR = (255, 255, 255, 255)
#: Tint of a view's previous picture while its new data is computed (still readable).
DIMMED = (255, 255, 255, 170)

#: phy's PanZoom keys (unmodified; ``+`` is also shift+= and the keypad's +): command -> key.
PAN_ZOOM_KEYS = {"zoom_in": "+", "zoom_out": "-", "reset_view": "r"}

_LIVE: "weakref.WeakSet[PlotView]" = weakref.WeakSet()  # the plot views alive (key target)


def _rgba255(color: Any) -> tuple[int, int, int, int]:
    c = tuple(float(v) for v in color) + (1.0,) * (4 - len(color))
    r, g, b, a = (int(round(255 * min(max(v, 0.0), 1.0))) for v in c[:4])
    return (r, g, b, a)


def _model_alias(name: str) -> property:
    """A view property serving phy's ``view.<name>`` from the view model.

    Reads the model's attribute (a method comes back bound) or else its option of that
    name. Setting goes through the model's ``set_<name>`` when it has one (``interval``),
    else sets the option (``model.set_state``, which redraws); anything else is read-only.
    """

    def get(self: Any) -> Any:
        model = self.model
        return getattr(model, name) if hasattr(model, name) else getattr(model.options, name)

    def set_(self: Any, value: Any) -> None:
        model = self.model
        setter = getattr(model, f"set_{name}", None)
        if callable(setter):
            setter(value)
        elif hasattr(getattr(model, "options", None), name):
            model.set_state({name: value})
        else:
            raise AttributeError(f"{type(self).__name__}.{name} cannot be set in phygui.")

    return property(get, set_, doc=f"phy's ``{name}``: the view model's (``view.model``).")


class PlotView(View):
    """A data view drawn as one Dear PyGui plot (subclasses set :attr:`model_class`).

    Attributes
    ----------
    model : ClusterViewModel
        The pure view model (options, selection, rasterisation).
    n_rasterised : int
        How many times a new texture was made (tests, benchmarks).
    """

    model_class: ClassVar[type] = object
    #: Show tick labels on the (x, y) axes.
    ticks: ClassVar[tuple[bool, bool]] = (False, False)
    #: Whether ctrl+left/right clicks draw a lasso and the view answers ``request_split``.
    has_lasso: ClassVar[bool] = False
    #: Margins around the home bounds (left, bottom, right, top), as fractions of its size.
    pad: ClassVar[tuple[float, float, float, float]] = (0.01, 0.01, 0.01, 0.01)
    #: Display unit of x: plot x = model x * x_scale (the ISI view shows ms, its model works in s).
    x_scale: ClassVar[float] = 1.0
    #: Pixel offset of centred labels (the feature view lifts its x labels into their cell).
    center_label_offset: ClassVar[tuple[float, float]] = (0.0, 0.0)
    #: ``{event: model method}`` connected while the view lives (linked views).
    listens: ClassVar[dict[str, str]] = {}
    #: Whether the view follows the cluster selection (phy's ``toggle_auto_update``).
    auto_update = True
    #: Draw consecutive bars / lines of one style as one series (same pixels, far fewer
    #: series: :mod:`phygui.viewmodels.series_runs`); False draws one series per item.
    join_series = True
    #: Public names of the phy view (``phy/cluster/views``) that the view model holds; each
    #: becomes a property of the view class (see :func:`_model_alias`), so phy plugins can
    #: write ``view.go_to(2.0)`` or ``view.interval``. Names the view has are not replaced.
    phy_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.__dict__.get("phy_names", ()):
            if not hasattr(cls, name):
                setattr(cls, name, _model_alias(name))

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        self.model = self.model_class(self.context.controller)
        if hasattr(self.model, "sender"):
            self.model.sender = self
        #: The model's data jobs on the shared worker pool (when ``context.async_data``).
        self.async_data = AsyncData(self.model, enabled=False, picture=True)
        self._dimmed = False
        self.n_rasterised = 0
        self.actions: Any = None
        self.plot: int | str = 0
        self._axes: tuple[int | str, int | str] = (0, 0)
        self._text: int | str = 0
        self._image: int | str = 0
        self._texture: int | str = 0
        self._shown_layer: Any = None  # the raster layer the texture holds
        self._registry: int | str = 0
        self._items: list[int | str] = []
        self._themes: dict[tuple[Any, ...], int | str] = {}
        self._home: tuple[float, ...] | None = None
        self._limits: tuple[float, ...] | None = None
        self._lock = 0
        self._size = (0, 0)
        self._hover = ""
        self._mouse: tuple[float, float] | None = None
        self._hovered = False
        self._pinned = False
        self._status_text: str | None = None
        self._wheel_handlers: int | str = 0
        self._connected: list[Any] = []
        self._drag: RightDrag | None = None
        self._drag_at = (0.0, 0.0)
        _LIVE.add(self)

    # Life cycle ---------------------------------------------------------------------

    def build(self, parent: int | str) -> None:
        self._text = dpg.add_text("", parent=parent, color=(170, 170, 170, 255))
        with dpg.plot(parent=parent, width=-1, height=-1, no_title=True, no_mouse_pos=True,
                      no_menus=True, no_box_select=True) as plot:
            self.plot = plot
            xt, yt = self.ticks
            x = dpg.add_plot_axis(dpg.mvXAxis, no_tick_labels=not xt, no_tick_marks=not xt, no_gridlines=True)
            y = dpg.add_plot_axis(dpg.mvYAxis, no_tick_labels=not yt, no_tick_marks=not yt, no_gridlines=True)
            self._axes = (x, y)
        dpg.bind_item_theme(plot, self._plot_theme())
        self._registry = dpg.add_texture_registry()
        self._texture = dpg.add_static_texture(1, 1, [0.0, 0.0, 0.0, 0.0], parent=self._registry)
        self._shown_layer = None  # a new (empty) texture: the next layer must be uploaded
        self._image = dpg.add_image_series(self._texture, (0, 0), (1, 1), parent=self._axes[1])
        with dpg.item_handler_registry() as handlers:
            dpg.add_item_clicked_handler(button=dpg.mvMouseButton_Left, callback=lambda s, a: self._clicked("left"))
            dpg.add_item_clicked_handler(button=dpg.mvMouseButton_Right, callback=lambda s, a: self._clicked("right"))
            dpg.add_item_double_clicked_handler(button=dpg.mvMouseButton_Left,
                                                callback=lambda s, a: self._double_clicked())
        dpg.bind_item_handler_registry(plot, handlers)
        if getattr(self.model, "wheel", None):
            with dpg.handler_registry() as self._wheel_handlers:
                dpg.add_mouse_wheel_handler(callback=lambda s, a: self._wheeled(a))
        self._add_actions()
        sup = self.context.supervisor
        if self.has_lasso:
            self._connect(self.model.on_request_split, "request_split", sup)
        for event, method in self.listens.items():
            # As phy's views (sender=supervisor.cluster_view): only the cluster table's sort
            # and filter, never another table's (the similarity table, a plugin's).
            sender = sup.cluster_table if event in ("table_sort", "table_filter") else None
            self._connect(getattr(self.model, method), event, sender)
        self.model.set_selection(sup.selected)

    @staticmethod
    def _plot_theme() -> int | str:
        # Transparent plot and frame backgrounds: the window behind is already black, and
        # ImGui skips fully transparent fills, which under software OpenGL (llvmpipe) saves
        # two full-plot blended quads per view and frame (~0.6 ms per plot at 1600x1000).
        with dpg.theme() as theme:
            with dpg.theme_component(dpg.mvPlot):
                for col in (dpg.mvPlotCol_PlotBg, dpg.mvPlotCol_FrameBg):
                    dpg.add_theme_color(col, (0, 0, 0, 0), category=dpg.mvThemeCat_Plots)
        return theme

    def _connect(self, func: Any, event: str, sender: Any) -> None:
        connect(func, event=event, sender=sender)
        self._connected.append(func)

    def close(self) -> None:
        _LIVE.discard(self)
        self.async_data.close()
        if self._wheel_handlers and dpg.does_item_exist(self._wheel_handlers):
            dpg.delete_item(self._wheel_handlers)
        self._wheel_handlers = 0
        if self._connected:
            unconnect(*self._connected)
            self._connected = []

    # Events -------------------------------------------------------------------------

    def on_select(self, cluster_ids: list[int]) -> None:
        if not self.auto_update:
            return
        before = list(self.model.cluster_ids)
        self.model.set_selection(cluster_ids)
        if self.model.cluster_ids != before and getattr(self.model, "extent", None) is not None:
            self.model.set_viewport(*self.model.size, None)  # a new selection starts unzoomed

    def on_cluster(self, up: Any) -> None:
        self.async_data.clustering_changed()  # a data job running now is stale
        self.model.on_cluster(self.context.supervisor, up)

    def on_spikes_added(self, spike_ids: Any, cluster_ids: list[int]) -> None:
        self.async_data.clustering_changed()
        handler = getattr(self.model, "on_spikes_added", None)
        if handler is not None:
            handler(self.context.supervisor, spike_ids, cluster_ids)

    # Per-frame update -----------------------------------------------------------------

    def _plot_size(self) -> tuple[int, int]:
        w, h = dpg.get_item_rect_size(self.plot)
        xt, yt = self.ticks
        return int(w) - (56 if yt else 20), int(h) - (36 if xt else 20)

    def update(self) -> None:
        if not self.plot:
            return
        size = self._plot_size()
        if size[0] < 8 or size[1] < 8:
            return  # not laid out yet (first frame) or collapsed
        x, y = self._axes
        self._pin_for_wheel()
        if self._drag is not None:
            self._drag_step()
        if self._lock:
            self._lock -= 1
            if not self._lock and not self._pinned:
                dpg.set_axis_limits_auto(x)
                dpg.set_axis_limits_auto(y)
        else:
            lim = (*dpg.get_axis_limits(x), *dpg.get_axis_limits(y))
            limits = (lim[0], lim[2], lim[1], lim[3])
            if self._home is not None and not _close(limits, self._limits):
                self._limits = limits
                k = self.x_scale
                extent = (limits[0] / k, limits[1], limits[2] / k, limits[3])
                self.model.set_viewport(*size, None if _close(limits, self._home) else extent)
        if size != self._size:
            self._size = size
            self.model.set_viewport(*size, getattr(self.model, "extent", None))
        if (self.model.is_dirty or self.dirty) and self._data_ready():
            self.dirty = False
            emit("is_busy", self, True)  # phy's views announce their drawing
            try:
                self.redraw()
            finally:
                emit("is_busy", self, False)
        self._dim(self.data_pending)
        self._update_text()

    @property
    def data_pending(self) -> bool:
        """Whether the view's data is being computed on a worker (the view shows its
        previous picture, dimmed, meanwhile)."""
        return self.async_data.pending

    def _data_ready(self) -> bool:
        # The model's data step runs on a worker when the GUI asks for it: the view keeps
        # its previous picture until the data for the current state is there. A job's
        # exception is raised here, into the view's error path.
        self.async_data.enabled = bool(getattr(self.context, "async_data", False))
        return self.async_data.poll()

    def _dim(self, dim: bool) -> None:
        if dim != self._dimmed and self._image:
            self._dimmed = dim
            dpg.configure_item(self._image, tint_color=DIMMED if dim else (255, 255, 255, 255))

    def redraw(self) -> None:
        """Recompute the model's frame and hand it to Dear PyGui (the frame a data job
        computed on a worker, when nothing changed since its snapshot)."""
        frame = self.async_data.take_frame()
        if frame is None:
            frame = self.model.compute()
        else:
            self.model.is_dirty = False
        self.n_rasterised += self._set_raster(getattr(frame, "raster", None))
        for item in self._items:
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
        self._items = []
        lines = list(getattr(frame, "lines", None) or []) + list(getattr(frame, "histograms", None) or [])
        bars = getattr(frame, "bars", None) or []
        if self.join_series:  # consecutive items of one style as one series (same pixels)
            for run in shade_runs(bars, key=_rgba255):
                self._shade(run.x, run.y, run.color, y2=run.y2)
            for line_run in line_runs(lines, key=_rgba255):
                self._line(line_run.x, line_run.y, line_run.color, behind=line_run.behind)
        else:
            for bar in bars:
                self._shade(bar.x, bar.y, bar.color)
            for line in lines:  # event markers behind the picture: the data stays readable
                self._line(line.x, line.y, line.color, behind=getattr(line, "kind", "") == "event")
        lasso = getattr(frame, "lasso", None)
        if lasso is not None and len(lasso):
            closed = np.vstack([lasso, lasso[:1]]) if len(lasso) > 2 else lasso
            self._line(closed[:, 0], closed[:, 1], (1.0, 1.0, 1.0, 1.0), weight=2)
        for label in getattr(frame, "labels", None) or []:
            offset = {"right": (-6.0, 0.0), "left": (6.0, 0.0)}.get(label.anchor, self.center_label_offset)
            self._items.append(dpg.add_plot_annotation(
                label=label.text, default_value=(float(label.x) * self.x_scale, float(label.y)), offset=offset,
                color=(0, 0, 0, 0), clamped=False, parent=self.plot))
        self._set_home(frame.home)

    def _set_home(self, model_home: Any) -> None:
        """Move the plot to the model's home bounds when they changed."""
        home = self._padded(model_home)
        if home != self._home:
            self._home = home
            self._set_limits(home)
            if getattr(self.model, "extent", None) is not None:
                self.model.set_viewport(*self._size, None)

    def _set_limits(self, bounds: tuple[float, ...]) -> None:
        x, y = self._axes
        x0, y0, x1, y1 = bounds
        dpg.set_axis_limits(x, x0, x1 if x1 > x0 else x0 + 1)
        dpg.set_axis_limits(y, y0, y1 if y1 > y0 else y0 + 1)
        self._limits = None  # read back once released, then handed to the model
        self._lock = 2  # applied on the next frame, then released so the user can pan/zoom

    def reset_view(self) -> None:
        """Back to the home bounds (unzoom)."""
        if self._home is not None:
            self._set_limits(self._home)
            self.model.set_viewport(*self._size, None)

    def zoom_in(self) -> None:
        """phy's ``+``: zoom in about the centre of the plot."""
        self._key_zoom(True)

    def zoom_out(self) -> None:
        """phy's ``-``: zoom out about the centre of the plot."""
        self._key_zoom(False)

    def _key_zoom(self, zoom_in: bool) -> None:
        pz = self._panzoom()
        if pz is not None:
            pz.key_zoom(zoom_in)
            self._set_limits(pz.bounds)

    def _panzoom(self) -> PanZoom | None:
        """The plot's current view as a :class:`PanZoom` (None before the first frame)."""
        if self._home is None or not self.plot:
            return None
        x, y = self._axes
        (x0, x1), (y0, y1) = dpg.get_axis_limits(x), dpg.get_axis_limits(y)
        if not (x1 > x0 and y1 > y0):
            return None
        w, h = self._size
        return PanZoom(self._home, width=max(w, 1), height=max(h, 1), bounds=(x0, y0, x1, y1),
                       min_zoom=1e-3, max_zoom=1e6)

    def _padded(self, home: Any) -> tuple[float, float, float, float]:
        # Model home bounds -> the plot's home limits (plot units, with the view's margins).
        x0, y0, x1, y1 = (float(v) for v in home)
        x0, x1 = x0 * self.x_scale, x1 * self.x_scale
        w, h = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        pl, pb, pr, pt = self.pad
        return (x0 - pl * w, y0 - pb * h, x1 + pr * w, y1 + pt * h)

    # Wheel ---------------------------------------------------------------------------------

    def _modifiers(self) -> tuple[bool, bool, bool]:
        return held_modifiers()  # as the user held them, even after a slow frame

    def _pin_for_wheel(self) -> None:
        # ImPlot zooms on the wheel whatever the modifiers: pin the axes while a modifier
        # bound to a wheel command is held over the plot (only on changes: no per-frame calls).
        wheel = getattr(self.model, "wheel", None) or {}
        pin = bool(wheel) and self._hovered and wheel_modifier(*self._modifiers()) in wheel
        if pin == self._pinned:
            return
        self._pinned = pin
        x, y = self._axes
        if pin:
            if not self._lock:  # a pending _set_limits already pins them
                dpg.set_axis_limits(x, *dpg.get_axis_limits(x))
                dpg.set_axis_limits(y, *dpg.get_axis_limits(y))
        elif not self._lock:
            dpg.set_axis_limits_auto(x)
            dpg.set_axis_limits_auto(y)

    def _wheeled(self, delta: Any) -> None:
        if self._hovered:  # a bug is reported by the GUI's guard, the app keeps going
            self.context.guard(self, "_wheel_step", float(delta), *self._modifiers())

    def _wheel_step(self, delta: float, ctrl: bool, alt: bool, shift: bool) -> None:
        try:
            self.wheel(delta, ctrl=ctrl, alt=alt, shift=shift)
        except ActionError as exc:  # e.g. the correlogram bin reached the window: say why
            self.context.report_error(str(exc))

    def wheel(self, delta: float, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> str | None:
        """A wheel step over the plot: a modified one runs the model's bound command.

        Returns the command name (None: not bound, e.g. the plain wheel, which zooms).
        """
        return self.model.on_wheel(delta, ctrl=ctrl, alt=alt, shift=shift)

    # Items ------------------------------------------------------------------------------

    def _set_raster(self, layer: Any) -> int:
        if layer is None:
            self._shown_layer = None
            dpg.configure_item(self._image, show=False)
            return 0
        if layer is self._shown_layer:  # a pan redraw of the same picture: no new texture
            return 0
        self._shown_layer = layer
        img = np.ascontiguousarray(layer.image, dtype=np.float32)
        h, w = img.shape[:2]
        tex = dpg.add_static_texture(w, h, img.ravel(), parent=self._registry)
        x0, y0, x1, y1 = (float(v) for v in layer.extent)
        x0, x1 = x0 * self.x_scale, x1 * self.x_scale
        dpg.configure_item(self._image, texture_tag=tex, bounds_min=(x0, y0), bounds_max=(x1, y1), show=True)
        old, self._texture = self._texture, tex
        dpg.delete_item(old)
        return 1

    def _theme(self, kind: Any, color: Any, weight: float = 1.0) -> int | str:
        key = (kind, _rgba255(color), weight)
        if key not in self._themes:
            with dpg.theme() as theme:
                with dpg.theme_component(kind):
                    slot = dpg.mvPlotCol_Fill if kind == dpg.mvShadeSeries else dpg.mvPlotCol_Line
                    dpg.add_theme_color(slot, key[1], category=dpg.mvThemeCat_Plots)
                    if kind == dpg.mvLineSeries:
                        dpg.add_theme_style(dpg.mvPlotStyleVar_LineWeight, weight, category=dpg.mvThemeCat_Plots)
            self._themes[key] = theme
        return self._themes[key]

    def _line(self, x: Any, y: Any, color: Any, weight: float = 1.0, behind: bool = False) -> None:
        item = dpg.add_line_series((np.asarray(x, np.float64) * self.x_scale).tolist(), np.asarray(y, np.float64).tolist(),
                                   parent=self._axes[1], before=self._image if behind else 0)
        dpg.bind_item_theme(item, self._theme(dpg.mvLineSeries, color, weight))
        self._items.append(item)

    def _shade(self, x: Any, y: Any, color: Any, y2: Any = None) -> None:
        y = np.asarray(y, np.float64)
        base = np.full_like(y, float(y[0]) if y.size else 0.0) if y2 is None else np.asarray(y2, np.float64)
        item = dpg.add_shade_series((np.asarray(x, np.float64) * self.x_scale).tolist(), y.tolist(), y2=base.tolist(),
                                    parent=self._axes[1])
        dpg.bind_item_theme(item, self._theme(dpg.mvShadeSeries, color))
        self._items.append(item)

    def _update_text(self) -> None:
        self._hovered = dpg.is_item_hovered(self.plot)
        if self._hovered and not self.data_pending:  # a hover must not load the data here
            mx, my = dpg.get_plot_mouse_pos()
            mouse = (mx / self.x_scale, my)
            if mouse != self._mouse:
                self._mouse = mouse
                try:
                    self._hover = self.model.hover(*mouse) if self.model.cluster_ids else ""
                except Exception:  # a hover outside the data is not an error worth reporting
                    self._hover = ""
        status = getattr(self.model, "status", "")
        busy = "computing..." if self.data_pending else ""
        text = "   ".join(t for t in (busy, str(status), self._hover) if t)
        if text != self._status_text:  # no per-frame set_value when nothing changed
            self._status_text = text
            dpg.set_value(self._text, text)

    # Mouse ---------------------------------------------------------------------------------

    def _clicked(self, button: str) -> None:
        if not self._hovered:
            return  # the plot's mouse position is only known once it was hovered for a frame
        ctrl, alt, shift = self._modifiers()
        x, y = dpg.get_plot_mouse_pos()
        if button == "right" and not (ctrl or alt or shift):
            self._start_drag(float(x), float(y))  # a zoom, or a click when released in place
            return
        self.click(float(x) / self.x_scale, float(y), button, ctrl=ctrl, alt=alt, shift=shift)

    def _start_drag(self, x: float, y: float) -> None:
        pz = self._panzoom()
        if pz is None:
            return
        px, py = pz.data_to_pixel(x, y)
        mx, my = dpg.get_mouse_pos(local=False)
        self._drag = RightDrag(pz, (float(px), float(py)), (float(mx), float(my)))
        self._drag_at = (x, y)

    def _drag_step(self) -> None:
        # Once per frame while a right press is held: zoom about the press point; on release
        # in place (< 5 px), the press is a right click (phy's correlogram promote).
        drag = self._drag
        assert drag is not None
        mx, my = dpg.get_mouse_pos(local=False)
        if dpg.is_mouse_button_down(dpg.mvMouseButton_Right):
            bounds = drag.move(mx, my)
            if bounds is not None:
                self._set_limits(bounds)
            return
        self._drag = None
        if drag.release(mx, my):
            x, y = self._drag_at
            self.context.guard(self, "click", x / self.x_scale, y, "right")
        else:
            bounds = drag.move(mx, my)
            if bounds is not None:
                self._set_limits(bounds)

    @staticmethod
    def held_digit() -> int | None:
        """The digit key 1-9 held down (top row or keypad), or None (phy's digit+click)."""
        for d in range(1, 10):
            if dpg.is_key_down(getattr(dpg, f"mvKey_{d}")) or dpg.is_key_down(getattr(dpg, f"mvKey_NumPad{d}")):
                return d
        return None

    def _double_clicked(self) -> None:
        if self._hovered and not any(self._modifiers()):  # ctrl+double-click: two lasso vertices
            self.reset_view()

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False) -> Any:
        """A click in model coordinates: ctrl+left adds a lasso vertex, ctrl+right clears it."""
        if self.has_lasso and ctrl:
            return self.add_lasso_point(x, y) if button == "left" else self.clear_lasso()
        return None

    def select_cluster(self, cluster_id: int | None, add: bool = False) -> int | None:
        """Ask for a clicked cluster to be selected, as phy's views do: ``request_select``
        (``select_more`` with ``add``, keeping the selection); the GUI answers both."""
        if cluster_id is not None:
            if add:
                emit("select_more", self, [int(cluster_id)])
            else:
                emit("request_select", self, [int(cluster_id)])
        return cluster_id

    def add_lasso_point(self, x: float, y: float) -> bool:
        """Add a lasso vertex (data coordinates); emits ``lasso_updated(view, polygon)``."""
        added = bool(self.model.add_lasso_point(x, y))
        if added:
            emit("lasso_updated", self, self.model.lasso.polygon)
        return added

    def clear_lasso(self) -> None:
        """Forget the lasso."""
        self.model.clear_lasso()

    # Actions and state ------------------------------------------------------------------------

    def _add_actions(self) -> None:
        group = self.actions = self.context.add_action_group(self.name, menu=self.name)
        snippets = dict(getattr(self.model, "snippets", None) or {})
        for name, _shortcut, doc in self.model.menu_items():
            if name == "-":
                group.separator()
                continue
            if name == "split":
                continue  # the Supervisor's split (k) asks this view through request_split
            method = getattr(self.model, name)
            required = sum(1 for p in inspect.signature(method).parameters.values()
                           if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
            group.add(method, name=name, shortcut=self.model.shortcuts.get(name), alias=snippets.get(name),
                      prompt=required > 0, docstring=doc, menu=self.name)
        own = {normalize_shortcut(k) for k in self.model.shortcuts.values() if isinstance(k, str)}
        for name, key in PAN_ZOOM_KEYS.items():
            doc = getattr(PlotView, name).__doc__.splitlines()[0]
            group.add(functools.partial(self._pan_zoom_key, name, key), name=name,
                      shortcut=None if key in own else key, menu=self.name,
                      docstring=f"{doc} ({key!r}: the plot under the mouse)")
        group.add(self.toggle_auto_update, name="toggle_auto_update", checkable=True, checked=self.auto_update,
                  menu=self.name)

    def _pan_zoom_key(self, name: str, key: str) -> None:
        # Every plot view binds the same keys under the same names, so the key map keeps one
        # binding: it acts on the plot under the mouse (phy: the canvas with the focus); from a
        # menu no plot is hovered, so the menu's own view. A view that binds the key itself
        # (phy's view shortcuts win) runs its own command.
        target = next((v for v in _LIVE if v._hovered and v.plot and dpg.does_item_exist(v.plot)), self)
        for command, shortcut in target.model.shortcuts.items():
            if isinstance(shortcut, str) and normalize_shortcut(shortcut) == key:
                getattr(target.model, command)()
                return
        getattr(target, name)()

    def toggle_auto_update(self, checked: bool) -> bool:
        """Follow the cluster selection (on by default); emits ``toggle_auto_update(view, checked)``."""
        self.auto_update = bool(checked)
        emit("toggle_auto_update", self, self.auto_update)
        if self.auto_update:
            self.on_select(list(self.context.supervisor.selected))  # catch up with the selection
        return self.auto_update

    def get_state(self) -> dict[str, Any]:
        return dict(self.model.get_state())

    def set_state(self, state: dict[str, Any]) -> None:
        if state:
            self.model.set_state(state)


def _close(a: tuple[float, ...] | None, b: tuple[float, ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    span = max(abs(b[2] - b[0]), abs(b[3] - b[1]), 1e-12)
    tol = 1e-6 * span  # np.allclose(rtol=0) without its per-frame array overhead (called every frame)
    return len(a) == len(b) and all(abs(p - q) <= tol for p, q in zip(a, b))
