"""PhyViewHost: a dock window showing a phy-style plugin view (thin drawer).

A plugin view (:class:`phycore.compat` ``ManualClusteringView`` subclass, what
``from phy.cluster.views import ManualClusteringView`` gives) draws into a matplotlib
figure rendered off-screen. The host passes it the selection, and when the figure's
version or the window size changes, uploads the rendered pixels as a new static
texture (see the dearpygui spec) shown by one image item. The view's commands
(``toggle_auto_update``, a histogram's ``:hn``/``:hm``...) become the window's menu;
``toggle_auto_update`` emits phy's ``toggle_auto_update(view, checked)`` (the plugin's view).

A call into a part of phy phycore cannot provide is recorded as a failure of the plugin
(naming its file) and shown in the status bar; the view and the session go on.
"""

from __future__ import annotations

from typing import Any, Callable

import dearpygui.dearpygui as dpg
import numpy as np

from phycore.compat import guard
from phycore.signals import emit
from phygui.views.base import View

__all__ = ["PhyViewHost", "is_phy_view"]

_MIN_SIZE = 16


def is_phy_view(obj: Any) -> bool:
    """Whether ``obj`` is a phy-style plugin view a host can show."""
    return callable(getattr(obj, "select", None)) and callable(getattr(obj, "render", None)) \
        and hasattr(obj, "canvas")


class PhyViewHost(View):
    """Shows a phy-style plugin view in a dock window.

    Parameters
    ----------
    context : ViewContext or GUI
    view : ManualClusteringView
        The plugin's view object (the GUI sets its ``view.gui``, as phy's ``attach``).
    name : str, optional
        Default: the view's class name.

    Attributes
    ----------
    phy_view : ManualClusteringView
    n_rendered : int
        How many times the figure was drawn into a texture (tests).
    """

    def __init__(self, context: Any, view: Any, name: str | None = None) -> None:
        super().__init__(context, name or type(view).__name__)
        self.phy_view = view
        self.actions: Any = None
        self.n_rendered = 0
        self._registry: int | str = 0
        self._texture: int | str = 0
        self._container: int | str = 0
        self._image: int | str = 0
        self._drawn: tuple[int, tuple[int, int]] = (-1, (0, 0))

    def build(self, parent: int | str) -> None:
        self._registry = dpg.add_texture_registry()
        self._texture = dpg.add_static_texture(1, 1, [0.0, 0.0, 0.0, 0.0], parent=self._registry)
        with dpg.child_window(parent=parent, width=-1, height=-1, border=False, no_scrollbar=True) as container:
            self._container = container
        self._image = dpg.add_image(self._texture, parent=self._container, width=1, height=1)
        self._add_actions()
        self.on_select(list(self.context.supervisor.selected))

    def _add_actions(self) -> None:
        group = self.actions = self.context.add_action_group(self.name, menu=self.name)
        for name, callback, alias, shortcut in self.phy_view.commands():
            if name == "toggle_auto_update":
                callback = self._announce_auto_update(callback)
            group.add(self._guarded(callback, name), name=name, alias=alias, shortcut=shortcut, menu=self.name,
                      docstring=(getattr(callback, "__doc__", None) or "").strip())

    def _announce_auto_update(self, toggle: Callable[..., Any]) -> Callable[..., Any]:
        # phy's ManualClusteringView.toggle_auto_update emits the event itself; phycore's leaves it to hosts.
        def toggle_auto_update(checked: bool | None = None) -> Any:
            toggle(checked)
            emit("toggle_auto_update", self.phy_view, bool(self.phy_view.auto_update))
            return self.phy_view.auto_update

        toggle_auto_update.__doc__ = toggle.__doc__
        return toggle_auto_update

    def _guarded(self, func: Callable[..., Any], what: str) -> Callable[..., Any]:
        # An unsupported phy call names the plugin's view class (its file) and shows in the status bar.
        view = type(self.phy_view)
        return guard(func, f"{view.__name__}.{what}", where=view,
                     on_report=lambda message: self.context.report_error(f"{self.name}: {message}"))

    # Events ---------------------------------------------------------------------------

    def on_select(self, cluster_ids: list[int]) -> None:
        self._guarded(self.phy_view.select, "on_select")(list(cluster_ids))

    def on_cluster(self, up: Any) -> None:
        self._guarded(self.phy_view.on_cluster, "on_cluster")(up)

    # Per-frame update -------------------------------------------------------------------

    def update(self) -> None:
        if not self._container:
            return
        w, h = (int(v) for v in dpg.get_item_rect_size(self._container))
        if w < _MIN_SIZE or h < _MIN_SIZE:
            return  # not laid out yet, or collapsed
        key = (int(self.phy_view.canvas.version), (w, h))
        if key == self._drawn:
            return
        self._drawn = key
        rgba = self.phy_view.render(w, h)
        rh, rw = rgba.shape[:2]
        pixels = np.ascontiguousarray(rgba, dtype=np.float32).ravel() / 255.0
        texture = dpg.add_static_texture(rw, rh, pixels, parent=self._registry)
        dpg.configure_item(self._image, texture_tag=texture, width=rw, height=rh)
        old, self._texture = self._texture, texture
        dpg.delete_item(old)
        self.n_rendered += 1

    def close(self) -> None:
        self.phy_view.close()
        if self._registry and dpg.does_item_exist(self._registry):
            dpg.delete_item(self._registry)
        self._registry = 0

    # State ----------------------------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        state = dict(self.phy_view.state)
        return {k: v for k, v in state.items() if isinstance(v, (bool, int, float, str, type(None)))}

    def set_state(self, state: dict[str, Any]) -> None:
        if state:
            self.phy_view.set_state(state)
