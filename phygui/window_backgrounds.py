"""Window backgrounds left undrawn where the viewport's own black shows the same picture.

Software OpenGL (Mesa's llvmpipe, what phygui gets without a GPU) pays for every filled
pixel, and a full-viewport blended fill costs more than the rest of an idle frame's
drawing. With the default layout the viewport was filled three times a frame: the clear
(black), the dock space's host window, and the docked windows' own black backgrounds.
ImGui skips a fill whose alpha is 0, so:

- the dock space's host window is drawn with ImGui's *base* style, before Dear PyGui
  pushes the global theme (that is why it showed Dear PyGui's default grey behind any
  transparent window); its background colour is set transparent there, through the
  style of the ImGui context inside Dear PyGui's extension module (``ctypes``: Dear PyGui
  has no call for it). Only windows outside Dear PyGui's item tree (the host) use that
  base colour: every phygui window gets the global theme's black;
- a dock window whose rectangle overlaps no other window has nothing but the viewport's
  black behind it, so its own black fill is left out (a transparent background theme).
  A window that overlaps another (a view floated over the docked ones, a dialog over a
  view), or that moved or resized since the last frame, keeps its opaque black, and so
  does every window while the left mouse button is held (a drag may move a window in
  the very frame being drawn).

The picture is the same pixel for pixel (``tests/gui/scenarios_idle.py``); the idle frame
of the default layout went from 22 to 13-15 ms on this machine (docs/performance.md).
If the extension module does not export ImGui's style (another build), nothing changes.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import dearpygui.dearpygui as dpg

logger = logging.getLogger("phygui")

__all__ = ["WindowBackgrounds", "transparent_windows"]

#: ImGui's ``ImGuiCol_WindowBg`` (its third colour since ImGui 1.0).
IMGUI_COL_WINDOW_BG = 2
#: ImGui's ``const ImVec4& ImGui::GetStyleColorVec4(ImGuiCol)``, C++-mangled.
_STYLE_COLOR_SYMBOL = "_ZN5ImGui17GetStyleColorVec4Ei"

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def transparent_windows(rects: dict[Any, Rect], candidates: Iterable[Any], moved: Iterable[Any] = (),
                        tolerance: float = 1.0) -> set[Any]:
    """The candidate windows that can skip their background: those whose rectangle overlaps
    no other window's (by more than ``tolerance`` pixels) and that did not move.

    Parameters
    ----------
    rects : dict
        Every shown window's rectangle ``(x0, y0, x1, y1)`` (the candidates and the others:
        dialogs, the menu bar), by window.
    candidates : iterable
        The windows that may go transparent (those that sit docked in the layout).
    moved : iterable
        Windows whose rectangle changed since the last frame (being dragged or resized).
    """
    moved = set(moved)
    items = list(rects.items())
    out = set()
    for w in candidates:
        if w not in rects or w in moved:
            continue
        x0, y0, x1, y1 = rects[w]
        if not any(o != w and min(x1, ox1) - max(x0, ox0) > tolerance and min(y1, oy1) - max(y0, oy0) > tolerance
                   for o, (ox0, oy0, ox1, oy1) in items):
            out.add(w)
    return out


class _BaseWindowColor:
    """ImGui's base style colour of windows, in Dear PyGui's extension module."""

    def __init__(self) -> None:
        self._color: Any = None
        self._context: Any = None
        self._default: tuple[float, ...] | None = None
        try:
            import dearpygui._dearpygui as ext

            lib = ctypes.CDLL(ext.__file__)
            fn = getattr(lib, _STYLE_COLOR_SYMBOL)
            fn.restype = ctypes.POINTER(ctypes.c_float * 4)
            fn.argtypes = [ctypes.c_int]
            self._color = fn
            self._context = ctypes.c_void_p.in_dll(lib, "GImGui")
        except (OSError, AttributeError, ValueError) as exc:
            logger.debug("ImGui's style is not reachable (%s): window backgrounds stay opaque.", exc)

    @property
    def available(self) -> bool:
        return self._color is not None

    def set_transparent(self, transparent: bool = True) -> bool:
        """Make the base window colour transparent black (or put Dear PyGui's back); False
        if there is no ImGui context or no access to it."""
        if self._color is None or not self._context.value or (not transparent and self._default is None):
            return False  # (never changed: Dear PyGui's own colour is there)
        rgba = self._color(IMGUI_COL_WINDOW_BG).contents
        if self._default is None:
            self._default = tuple(rgba)
        rgba[:] = (0.0, 0.0, 0.0, 0.0) if transparent else self._default
        return transparent


class WindowBackgrounds:
    """Per frame, which dock windows draw their background (see the module docstring).

    Parameters
    ----------
    enabled : bool
        False keeps every background (the tests' reference picture).
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._base = _BaseWindowColor()
        self._themes: dict[bool, Any] = {}
        self._bound: dict[Any, bool] = {}
        self._rects: dict[Any, Rect] = {}
        self._kinds: dict[Any, str] = {}
        #: The dock windows drawn without a background in the last frame.
        self.transparent: set[Any] = set()

    @property
    def available(self) -> bool:
        """Whether this Dear PyGui build lets the dock space's background be skipped."""
        return self._base.available

    def _theme(self, transparent: bool) -> Any:
        if transparent not in self._themes:
            with dpg.theme() as theme:
                with dpg.theme_component(dpg.mvAll):
                    dpg.add_theme_color(dpg.mvThemeCol_WindowBg, (0, 0, 0, 0 if transparent else 255))
            self._themes[transparent] = theme
        return self._themes[transparent]

    def before_frame(self, candidates: Sequence[Any], blockers: Sequence[Any] = ()) -> None:
        """Decide the backgrounds of the next frame from the windows' last rectangles.

        ``candidates``: the windows that sit docked in the layout (the views, the status
        bar); every other shown window (dialogs, floating plugin windows) and the items in
        ``blockers`` (the viewport's menu bar) only block.
        """
        host = self._base.set_transparent(self.enabled)
        rects = self._shown_rects([*self._windows(), *blockers]) if host else {}
        moved = {w for w, r in rects.items() if self._rects.get(w) != r}
        self._rects = rects
        # The rectangles are the last frame's: a window the user starts dragging (a tab
        # pulled out of its dock) moves in the frame we draw now. So no window skips its
        # background while the left button is held (a drag of a window, a splitter, a lasso).
        dragging = dpg.is_mouse_button_down(dpg.mvMouseButton_Left)
        self.transparent = transparent_windows(rects, candidates, moved) if host and not dragging else set()
        for w in candidates:
            want = w in self.transparent
            if self._bound.get(w) is not want and dpg.does_item_exist(w):
                dpg.bind_item_theme(w, self._theme(want))
                self._bound[w] = want

    def _windows(self) -> list[Any]:
        # dpg.get_windows() lists every root item (themes, registries...): keep the windows
        # (an item's type is looked up once; a root item's id is not reused while it lives).
        roots = dpg.get_windows()
        if len(self._kinds) > 4 * len(roots) + 64:
            self._kinds = {w: k for w, k in self._kinds.items() if w in set(roots)}
        out = []
        for w in roots:
            kind = self._kinds.get(w)
            if kind is None:
                kind = self._kinds[w] = dpg.get_item_info(w)["type"]
            if kind == "mvAppItemType::mvWindowAppItem":
                out.append(w)
        return out

    @staticmethod
    def _shown_rects(items: Iterable[Any]) -> dict[Any, Rect]:
        rects: dict[Any, Rect] = {}
        for w in items:
            state = dpg.get_item_state(w)
            x, y = state.get("pos", (0, 0))
            if "rect_size" in state:
                if not state.get("visible"):
                    continue
                width, height = state["rect_size"]
            elif dpg.get_item_info(w)["type"] == "mvAppItemType::mvViewportMenuBar":
                # The viewport's menu bar has no size of its own: the viewport's width, one
                # frame high (ImGui's frame height: text height and twice the padding, 3 px).
                text = dpg.get_text_size("M")  # None before the first frame
                width, height = dpg.get_viewport_client_width(), (text[1] if text else 13) + 6
            else:
                continue
            rects[w] = (float(x), float(y), float(x + width), float(y + height))
        return rects

    def close(self) -> None:
        """Delete the themes (the context is going away)."""
        for theme in self._themes.values():
            if dpg.does_item_exist(theme):
                dpg.delete_item(theme)
        self._themes.clear()
        self._bound.clear()
