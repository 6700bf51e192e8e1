"""phy's plugin view classes, drawn with matplotlib off-screen (private).

A phy plugin view is a :class:`ManualClusteringView` subclass that draws on
``self.canvas`` (see :mod:`phycore.compat._canvas`) in ``on_select``; a host (phygui)
calls :meth:`ManualClusteringView.select` and shows :meth:`ManualClusteringView.render`.
:class:`HistogramView` and :class:`ScatterView` are phy's two configurable views, drawn
with matplotlib. phy's built-in views (``FeatureView``...) are names for ``isinstance``
checks on phygui's views; plugins cannot create or subclass them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from phycore.compat._canvas import PlotCanvas, PlotCanvasMpl, dark_style
from phycore.compat._names import BUILTIN_VIEWS
from phycore.bunch import Bunch
from phycore.errors import PluginError, UnsupportedPhyAPIError
from phycore.supervisor.colors import selected_cluster_color

if TYPE_CHECKING:
    from phycore.clustering import UpdateInfo

__all__ = ["PlotCanvasMpl", "PlotCanvas", "ManualClusteringView", "HistogramView", "ScatterView",
           "dark_style", *BUILTIN_VIEWS]


class ManualClusteringView:
    """Base class of plugin views (phy's API): draw the selection on ``self.canvas``.

    Override :meth:`on_select` (or :meth:`plot`) and call ``self.canvas.update()``. Set
    ``plot_canvas_class = PlotCanvasMpl`` to draw on ``self.canvas.ax`` with matplotlib.

    Parameters
    ----------
    shortcuts : dict, optional
        Override ``default_shortcuts``.
    """

    default_shortcuts: dict[str, str] = {}
    default_snippets: dict[str, str] = {}
    auto_update = True
    plot_canvas_class: type[PlotCanvasMpl] = PlotCanvas
    max_n_clusters = 0
    ex_status = ""

    def __init__(self, shortcuts: dict[str, str] | None = None, **kwargs: object) -> None:
        self.cluster_ids: Any = ()
        self.data_bounds: tuple[float, float, float, float] | None = None
        self.actions: Any = None
        self.shortcuts = {**self.default_shortcuts, **(shortcuts or {})}
        self.state_attrs: tuple[str, ...] = ("auto_update",)
        self.local_state_attrs: tuple[str, ...] = ()
        self.gui: Any = None
        self._closed = False
        self.canvas = self.plot_canvas_class()
        self.canvas.attach_events(self)

    @property
    def figure(self) -> Any:
        """The matplotlib figure."""
        return self.canvas.figure

    def get_clusters_data(self, load_all: bool | None = None) -> Any:
        """Data of the selected clusters (override)."""
        return None

    def plot(self, **kwargs: object) -> None:
        """Draw the selected clusters (override this or :meth:`on_select`)."""

    def on_select(self, cluster_ids: Iterable[int] | None = None, **kwargs: object) -> None:
        """The selection changed: remember it and :meth:`plot`."""
        self.cluster_ids = list(cluster_ids) if cluster_ids is not None else []
        if not self.cluster_ids:
            return
        self.plot(**kwargs)

    def on_cluster(self, up: UpdateInfo) -> None:
        """A clustering action happened (override)."""

    def on_select_threaded(self, sender: object = None, cluster_ids: Iterable[int] | None = None,
                           **kwargs: object) -> None:
        """phy's threaded selection handler: here :meth:`on_select`, on the GUI thread (phygui
        draws plugin views off-screen between frames)."""
        self.on_select(cluster_ids=cluster_ids, **kwargs)

    def attach(self, gui: Any) -> None:
        """Add the view to ``gui`` (``gui.add_view``); phygui then wires its selection and actions."""
        self.gui = gui
        gui.add_view(self)

    def select(self, cluster_ids: Sequence[int]) -> bool:
        """Run :meth:`on_select` as phy does (skipped when auto-update is off, the view is
        closed or too many clusters are selected), in the dark style. For hosts."""
        ids = [int(c) for c in cluster_ids]
        if not self.auto_update or self._closed or (self.max_n_clusters and len(ids) > self.max_n_clusters):
            return False
        with dark_style():
            self.on_select(cluster_ids=ids)
        return True

    def render(self, width: int, height: int) -> np.ndarray:
        """The canvas drawn at that size (RGBA uint8), for hosts and screenshots."""
        return self.canvas.render(width, height)

    def commands(self) -> list[tuple[str, Callable[..., Any], str | None, str | None]]:
        """``(name, callback, snippet alias, shortcut)`` of the view's actions, for hosts."""
        return [("toggle_auto_update", self.toggle_auto_update, None, None)]

    def toggle_auto_update(self, checked: bool | None = None) -> bool:
        """Follow the selection (on by default)."""
        self.auto_update = (not self.auto_update) if checked is None else bool(checked)
        return self.auto_update

    @property
    def status(self) -> str:
        """One line about the view's state (override)."""
        return ""

    def update_status(self) -> None:
        """Accepted for phy compatibility (phygui reads :attr:`status` each frame)."""

    def screenshot(self, dir: str | os.PathLike[str] | None = None) -> Path:
        """Save the figure as a PNG (in ``dir`` or ``<user dir>/screenshots``)."""
        from phycore.paths import user_dir

        folder = Path(dir) if dir is not None else user_dir() / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{type(self).__name__}_{time.strftime('%Y%m%d-%H%M%S')}.png"
        self.figure.savefig(path, facecolor=self.figure.get_facecolor())
        return path

    @property
    def state(self) -> Bunch:
        """The attributes listed in ``state_attrs`` and ``local_state_attrs``."""
        names = tuple(self.state_attrs) + tuple(self.local_state_attrs)
        return Bunch({n: getattr(self, n) for n in names if hasattr(self, n)})

    def set_state(self, state: Mapping[str, object]) -> None:
        """Restore :attr:`state`."""
        for name, value in (state or {}).items():
            setattr(self, name, value)

    def show(self) -> None:
        """Redraw."""
        self.canvas.update()

    def close(self) -> None:
        """Stop following the selection."""
        self._closed = True


class HistogramView(ManualClusteringView):
    """One histogram per selected cluster of a per-spike statistic (phy's ``HistogramView``).

    Parameters
    ----------
    cluster_stat : callable
        ``f(cluster_id) -> Bunch(data=values, x_max=..., text=...)``.
    """

    plot_canvas_class = PlotCanvasMpl
    max_n_clusters = 20
    n_bins = 100
    x_min = 0.0
    x_max: float | None = None
    alias_char = "h"
    bin_unit = "s"

    def __init__(self, cluster_stat: Callable[[int], Mapping[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if cluster_stat is None:
            raise PluginError(f"{type(self).__name__} needs cluster_stat=f(cluster_id).", argument="cluster_stat")
        self.cluster_stat = cluster_stat
        self.state_attrs += ("n_bins", "x_min", "x_max")

    def plot(self, **kwargs: object) -> None:
        ids = list(self.cluster_ids)
        self.canvas.subplots(len(ids), 1)
        self.canvas.layout = "stacked"
        for i, cid in enumerate(ids):
            bunch = self.cluster_stat(cid)
            data = np.asarray(bunch["data"], dtype=np.float64).ravel()
            x_max = self.x_max if self.x_max is not None else bunch.get("x_max")
            if x_max is None:
                x_max = float(data.max()) if data.size else 1.0
            counts, edges = np.histogram(data, bins=int(self.n_bins), range=(self.x_min, x_max))
            ax = self.canvas[i].ax
            ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=selected_cluster_color(i))
            ax.set_xlim(self.x_min, x_max)
            if bunch.get("text"):
                ax.set_title(str(bunch["text"]), fontsize=8, loc="left")
        self.canvas.update()

    def set_n_bins(self, n_bins: int) -> None:
        """Number of bins (snippet ``:<alias_char>n``)."""
        self.n_bins = max(1, int(n_bins))
        self._replot()

    def set_x_max(self, x_max: float) -> None:
        """Right end of the histogram (snippet ``:<alias_char>m``)."""
        self.x_max = float(x_max)
        self._replot()

    def set_x_min(self, x_min: float) -> None:
        """Left end of the histogram (snippet ``:<alias_char>min``)."""
        self.x_min = float(x_min)
        self._replot()

    @property
    def x_delta(self) -> float | None:
        """The histogram's range, ``x_max - x_min`` (None until ``x_max`` is set)."""
        return None if self.x_max is None else self.x_max - self.x_min

    @property
    def bin_size(self) -> float | None:
        """Width of a bin, in :attr:`bin_unit` (None until ``x_max`` is set)."""
        delta = self.x_delta
        return None if delta is None else delta / int(self.n_bins)

    def set_bin_size(self, bin_size: float) -> None:
        """Bin width (needs ``x_max``): sets the number of bins (snippet ``:<alias_char>b``)."""
        delta = self.x_delta
        if delta is None or bin_size <= 0:
            raise PluginError(f"{type(self).__name__}.set_bin_size needs x_max and a positive size.",
                              argument="bin_size")
        self.set_n_bins(max(1, int(round(delta / float(bin_size)))))

    def _replot(self) -> None:
        if self.cluster_ids:
            with dark_style():
                self.plot()

    def commands(self) -> list[tuple[str, Callable[..., Any], str | None, str | None]]:
        a = self.alias_char
        return super().commands() + [("set_n_bins", self.set_n_bins, f"{a}n", None),
                                     ("set_x_min", self.set_x_min, f"{a}min", None),
                                     ("set_x_max", self.set_x_max, f"{a}m", None),
                                     ("set_bin_size", self.set_bin_size, f"{a}b", None)]


class ScatterView(ManualClusteringView):
    """A scatter plot of the selected clusters' spikes (phy's ``ScatterView``).

    Parameters
    ----------
    coords : callable
        ``f(cluster_ids)`` returning one ``Bunch(pos or x, y, spike_ids)`` per cluster, or a
        single Bunch with ``spike_clusters`` for all of them.
    """

    plot_canvas_class = PlotCanvasMpl
    max_n_clusters = 8

    def __init__(self, coords: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if coords is None:
            raise PluginError(f"{type(self).__name__} needs coords=f(cluster_ids).", argument="coords")
        self.coords = coords

    def plot(self, **kwargs: object) -> None:
        ids = list(self.cluster_ids)
        out = self.coords(ids)
        self.canvas.clear()
        ax = self.canvas.ax
        if isinstance(out, dict):
            pos = _pos(out)
            clusters = np.asarray(out["spike_clusters"])
            for i, cid in enumerate(ids):
                m = clusters == cid
                ax.scatter(pos[m, 0], pos[m, 1], s=4, color=selected_cluster_color(i, 0.75))
        else:
            for i, bunch in enumerate(out or ()):
                pos = _pos(bunch)
                ax.scatter(pos[:, 0], pos[:, 1], s=4, color=selected_cluster_color(i, 0.75))
        self.canvas.update()


def _pos(bunch: Mapping[str, Any]) -> npt.NDArray[np.float64]:
    if "pos" in bunch:
        return np.asarray(bunch["pos"], dtype=np.float64)
    pos: npt.NDArray[np.float64] = np.c_[np.asarray(bunch["x"], dtype=np.float64),
                                         np.asarray(bunch["y"], dtype=np.float64)]
    return pos


class _BuiltinView(type):
    """Metaclass of the names of phy's built-in views and windows: ``isinstance(view,
    FeatureView)`` is true for phygui's object of that name. Creating one is refused (phygui
    creates its own); ``ClusterView._styles = css`` colours the table's rows by label."""

    _refusal = ""

    def __instancecheck__(cls, obj: Any) -> bool:
        return any(k.__name__ == cls.__name__ for k in type(obj).__mro__)

    def __subclasscheck__(cls, sub: Any) -> bool:
        return isinstance(sub, type) and any(k.__name__ == cls.__name__ for k in sub.__mro__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        raise UnsupportedPhyAPIError(cls._refusal, argument=cls.__name__)

    def __setattr__(cls, name: str, value: Any) -> None:
        if name == "_styles":  # phy plugins style the cluster table's rows with CSS
            from phycore.compat._qt import apply_row_styles

            apply_row_styles(str(value))
        super().__setattr__(name, value)


def _default_styles() -> str:
    from phycore.supervisor.colors import GROUP_COLORS

    return "".join(f"table tr[data-group='{g}'] {{ color: {c}; }}\n" for g, c in GROUP_COLORS.items() if g)


def _builtin_view(name: str, refusal: str | None = None, doc: str | None = None) -> type:
    def __init_subclass__(sub: type, /, **kwargs: Any) -> None:
        raise UnsupportedPhyAPIError(
            f"Subclassing phy's {name} ({sub.__name__}) is not supported: phygui's {name} is not phy's "
            "Qt/OpenGL class; for a view, subclass ManualClusteringView (matplotlib), HistogramView or "
            "ScatterView.", argument=name)

    namespace: dict[str, Any] = {
        "__doc__": doc or f"phy's {name}: ``isinstance(view, {name})`` recognises phygui's {name}.",
        "__module__": "phy.cluster.views", "__init_subclass__": classmethod(__init_subclass__),
        "_refusal": refusal or (f"Creating phy's {name} from a plugin is not supported: phygui creates its own "
                                f"{name} (View menu); use gui.get_view({name!r}) to reach it.")}
    if name in ("ClusterView", "SimilarityView"):
        namespace["_styles"] = _default_styles()
    return _BuiltinView(name, (), namespace)


#: phy's built-in view names -> their ``isinstance`` stand-ins (read as module attributes).
_BUILTIN: dict[str, type] = {name: _builtin_view(name) for name in BUILTIN_VIEWS}
_BUILTIN["ClusterView"] = _builtin_view(
    "ClusterView", doc="phy's ClusterView: ``isinstance`` recognises phygui's cluster table; assigning CSS "
    "rules ``table tr[data-group='good'] { color: ... }`` to ``ClusterView._styles`` colours its rows by label.")
_BUILTIN["SimilarityView"] = _builtin_view("SimilarityView")
_BUILTIN["GUI"] = _builtin_view(
    "GUI", "Creating phy's GUI from a plugin is not supported: phygui creates the window; use "
    "controller.create_gui() or the gui given to on_gui_ready.",
    "phy's GUI: ``isinstance(gui, GUI)`` recognises phygui's window.")


def __getattr__(name: str) -> Any:
    try:
        return _BUILTIN[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
