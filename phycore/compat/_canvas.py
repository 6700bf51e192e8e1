"""phy's plot canvases, drawn with matplotlib off-screen (private).

:class:`PlotCanvasMpl` is a matplotlib figure rendered by the Agg backend into an RGBA
array: no window toolkit is involved, so a script can render a plugin view to a PNG and
phygui shows the array as a texture (``phygui.views.phy_view``). ``update()`` only bumps
:attr:`PlotCanvasMpl.version`; the host redraws when the version or its size changes.

phy's OpenGL canvas :class:`PlotCanvas` (the default ``plot_canvas_class``) stands on the
matplotlib one: its plotting methods (``scatter``, ``plot``, ``hist``, ``lines``, ``text``,
``polygon``) work; its OpenGL-only calls (visuals, boxed layouts) raise
:class:`~phycore.errors.UnsupportedPhyAPIError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt

from phycore.compat._names import OPENGL
from phycore.errors import PluginError, UnsupportedPhyAPIError

if TYPE_CHECKING:  # matplotlib is imported only when a canvas is created
    from matplotlib.axes import Axes

__all__ = ["PlotCanvasMpl", "PlotCanvas", "dark_style"]

_STYLE = "dark_background"

#: A matplotlib color (``"w"``, ``(r, g, b, a)``) or an array of them, one per item.
Color = Union[str, Sequence[float], npt.ArrayLike]
#: phy's ``data_bounds``: ``(x0, y0, x1, y1)``.
DataBounds = Sequence[float]


def _matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.style  # noqa: F401  (the submodule, for style.context)
    except ImportError as exc:
        raise PluginError("phy plugin views draw with matplotlib, which is not installed: "
                          "pip install matplotlib.", argument="plot_canvas_class") from exc
    return matplotlib


@contextlib.contextmanager
def dark_style() -> Iterator[None]:
    """matplotlib's dark style for the block (phy's plugin views use it); global rcParams
    are restored afterwards."""
    mpl = _matplotlib()
    with mpl.style.context(_STYLE):
        yield


def _opengl(call: str) -> UnsupportedPhyAPIError:
    return UnsupportedPhyAPIError(f"{call} is not supported by phycore: {OPENGL}.", argument=call)


class PlotCanvasMpl:
    """phy's matplotlib canvas, drawn off-screen (Agg).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : ndarray of Axes, shape (n_rows, n_cols)
    version : int
        Bumped by :meth:`update`; a host redraws when it changes.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        _matplotlib()
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        with dark_style():
            self.figure = Figure(figsize=(5.0, 4.0), dpi=100)
        self._agg = FigureCanvasAgg(self.figure)
        self.version = 0
        self.layout: str | None = None
        self._box: tuple[int, ...] = (0,)
        self.axes: Any = None
        self.subplots()

    # Layout -------------------------------------------------------------------------

    def set_layout(self, layout: str | None = None, shape: Sequence[int] | None = None, n_plots: int | None = None,
                   origin: str | None = None, box_pos: npt.ArrayLike | None = None) -> None:
        """``'grid'`` (``shape=(rows, cols)``) or ``'stacked'`` (``n_plots`` rows) subplots."""
        if layout == "grid" and shape is not None:
            self.subplots(int(shape[0]), int(shape[1]))
            self._box = (0, 0)
        elif layout == "stacked":
            self.subplots(int(n_plots or 1), 1)
            self._box = (0,)
        elif layout == "boxed":
            raise _opengl("canvas.set_layout('boxed')")
        self.layout = layout

    def subplots(self, nrows: int = 1, ncols: int = 1, **kwargs: Any) -> Any:
        """Replace the figure's axes by a ``nrows x ncols`` grid; returns the axes array."""
        self.figure.clf()
        with dark_style():
            self.axes = self.figure.subplots(nrows, ncols, squeeze=False, **kwargs)
        for ax in self.iter_ax():
            self.config_ax(ax)
        return self.axes

    def iter_ax(self) -> Iterator[Any]:
        """Every axes, row by row."""
        yield from self.axes.flat

    def config_ax(self, ax: Axes) -> None:
        """phy's look: no top/right spines, outward ticks, a faint grid."""
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.get_xaxis().set_ticks_position("bottom")
        ax.get_yaxis().set_ticks_position("left")
        ax.tick_params(direction="out")
        ax.grid(color="w", alpha=0.2)

    def __getitem__(self, box_index: int | tuple[int, ...] | list[int]) -> PlotCanvasMpl:
        self._box = tuple(box_index) if isinstance(box_index, (tuple, list)) else (int(box_index),)
        return self

    @property
    def ax(self) -> Any:
        """The current axes (``canvas[i].ax``, ``canvas[i, j].ax``; the first by default)."""
        if len(self._box) == 2:
            return self.axes[self._box]
        i = self._box[0]
        return self.axes[i, 0] if self.layout == "stacked" else self.axes.flat[i]

    # phy's no-ops on this canvas --------------------------------------------------------

    def attach_events(self, view: object) -> None:
        """Accepted for phy compatibility (mouse events are not forwarded)."""

    def set_lazy(self, lazy: bool) -> None:
        """Accepted for phy compatibility."""

    def enable_axes(self, *args: object, **kwargs: object) -> None:
        """Accepted for phy compatibility (matplotlib axes always show)."""

    def enable_lasso(self) -> None:
        """Accepted for phy compatibility (no lasso on plugin views)."""

    def enable_panzoom(self) -> None:
        """Accepted for phy compatibility."""

    # phy's plotting methods ----------------------------------------------------------------

    def set_data_bounds(self, data_bounds: Sequence[float] | None) -> None:
        """Axis limits ``(x0, y0, x1, y1)`` of the current axes (None: phy's -1..1)."""
        x0, y0, x1, y1 = data_bounds if data_bounds is not None else (-1.0, -1.0, 1.0, 1.0)
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def scatter(self, x: npt.ArrayLike | None = None, y: npt.ArrayLike | None = None,
                pos: npt.ArrayLike | None = None, color: Color | None = None, size: npt.ArrayLike | None = None,
                depth: npt.ArrayLike | None = None, data_bounds: DataBounds | None = None,
                marker: str | None = None) -> None:
        """Points (``x, y`` or ``pos``)."""
        if pos is not None:
            x, y = np.asarray(pos).T
        self.ax.scatter(x, y, s=size, c=color, marker="o" if marker in (None, "disc") else marker)
        if data_bounds is not None:
            self.set_data_bounds(data_bounds)

    def plot(self, x: npt.ArrayLike | None = None, y: npt.ArrayLike | None = None, color: Color | None = None,
             depth: npt.ArrayLike | None = None, data_bounds: DataBounds | None = None) -> None:
        """A line (or one line per row of 2-D ``x``/``y``)."""
        self.ax.plot(np.asarray(x).T, np.asarray(y).T, color=color)
        if data_bounds is not None:
            self.set_data_bounds(data_bounds)

    def hist(self, hist: npt.ArrayLike | None = None, color: Color | None = None, ylim: float | None = None) -> None:
        """Bars of a histogram over -1..1."""
        h = np.asarray(hist, dtype=np.float64).ravel()
        x = np.linspace(-1.0, 1.0, h.size)
        self.ax.bar(x, h, width=2.0 / max(h.size - 1, 1), color=color)
        self.set_data_bounds((-1.0, 0.0, 1.0, ylim if ylim is not None else float(h.max(initial=1.0))))

    def lines(self, pos: npt.ArrayLike | None = None, color: Color | None = None,
              data_bounds: DataBounds | None = None) -> None:
        """Segments ``(x0, y0, x1, y1)``."""
        x0, y0, x1, y1 = np.atleast_2d(np.asanyarray(pos)).T
        self.ax.plot(np.vstack([x0, x1]), np.vstack([y0, y1]), color=color)
        if data_bounds is not None:
            self.set_data_bounds(data_bounds)

    def text(self, pos: npt.ArrayLike | None = None, text: str | Sequence[str] | None = None,
             anchor: Sequence[float] | None = None, data_bounds: DataBounds | None = None,
             color: Color | None = None) -> None:
        """Labels at positions."""
        xy = np.atleast_2d(np.asanyarray(pos))
        labels = [text] if isinstance(text, str) else list(text or [])
        if len(labels) == 1 and len(xy) > 1:
            labels = labels * len(xy)
        for (x, y), label in zip(xy, labels):
            self.ax.text(float(x), float(y), label, color=color or "w")
        if data_bounds is not None:
            self.set_data_bounds(data_bounds)

    def polygon(self, pos: npt.ArrayLike | None = None, data_bounds: DataBounds | None = None) -> None:
        """A closed polyline."""
        p = np.asarray(pos)
        self.ax.plot(np.r_[p[:, 0], p[:1, 0]], np.r_[p[:, 1], p[:1, 1]])
        if data_bounds is not None:
            self.set_data_bounds(data_bounds)

    def clear(self) -> None:
        """Empty every axes."""
        for ax in self.iter_ax():
            ax.cla()
            self.config_ax(ax)

    # Drawing ------------------------------------------------------------------------------

    def update(self) -> None:
        """The figure changed: ask the host to draw it again."""
        self.version += 1

    def show(self) -> None:
        """Same as :meth:`update`."""
        self.update()

    def render(self, width: int, height: int) -> np.ndarray:
        """Draw the figure at ``width x height`` pixels.

        Returns
        -------
        ndarray of uint8, shape (height, width, 4)
        """
        dpi = float(self.figure.dpi)
        self.figure.set_size_inches(max(int(width), 16) / dpi, max(int(height), 16) / dpi)
        with dark_style():
            self._agg.draw()
        return np.array(self._agg.buffer_rgba(), dtype=np.uint8)


class PlotCanvas(PlotCanvasMpl):
    """phy's OpenGL canvas, standing on the matplotlib one: the plotting methods work,
    the OpenGL-only calls raise :class:`~phycore.errors.UnsupportedPhyAPIError`."""

    # phy's interaction flags: matplotlib has its own axes, and plugin views no lasso or pan-zoom.
    has_axes = False
    has_lasso = False
    has_panzoom = False
    constrain_bounds: DataBounds | None = None
    interact = None

    @property
    def canvas(self) -> PlotCanvas:
        """The canvas itself (phy's ``PlotCanvas.canvas`` is its Qt widget)."""
        return self

    @property
    def n_plots(self) -> int:
        """Number of subplots."""
        return int(self.axes.size)

    def uscatter(self, *args: Any, **kwargs: Any) -> None:
        """Points of one colour and size (:meth:`scatter`)."""
        self.scatter(*args, **kwargs)

    def uplot(self, *args: Any, **kwargs: Any) -> None:
        """Lines of one colour (:meth:`plot`)."""
        self.plot(*args, **kwargs)

    @property
    def lasso(self) -> Any:
        """phy's lasso is OpenGL."""
        raise _opengl("canvas.lasso")

    @property
    def panzoom(self) -> Any:
        """phy's pan-zoom is OpenGL."""
        raise _opengl("canvas.panzoom")

    def add_visual(self, visual: object, **kwargs: object) -> None:
        """OpenGL visuals are not supported."""
        raise _opengl("canvas.add_visual")

    def update_visual(self, visual: object, *args: object, **kwargs: object) -> None:
        """OpenGL visuals are not supported."""
        raise _opengl("canvas.update_visual")

    @property
    def stacked(self) -> Any:
        """phy's stacked layout object is OpenGL: use ``set_layout('stacked', n_plots=...)``."""
        raise _opengl("canvas.stacked")

    @property
    def boxed(self) -> Any:
        """phy's boxed layout is OpenGL."""
        raise _opengl("canvas.boxed")

    @property
    def grid(self) -> Any:
        """phy's grid layout object is OpenGL: use ``set_layout('grid', shape=...)``."""
        raise _opengl("canvas.grid")
