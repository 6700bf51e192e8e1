"""Pixel helpers of the GUI scenarios (they run inside the GUI's process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

ARTIFACTS = Path(__file__).parent / "artifacts"


def grab(gui: Any, name: str | None = None) -> np.ndarray:
    """The current frame as an (H, W, 4) uint8 array; also saved as an artifact PNG."""
    import dearpygui.dearpygui as dpg

    box: dict[str, Any] = {}
    dpg.output_frame_buffer(callback=lambda sender, data: box.setdefault("buf", data))
    gui.render(2)
    w, h = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    arr = np.asarray(box["buf"], dtype=np.float32)
    arr = (arr.reshape(h, w, 4) * 255).round().astype(np.uint8) if arr.size == w * h * 4 else arr
    if name:
        ARTIFACTS.mkdir(exist_ok=True)
        gui.screenshot(ARTIFACTS / f"{name}.png")
    return arr


def region(gui: Any, view: Any, frame: np.ndarray) -> np.ndarray:
    """Pixels of a view's window."""
    import dearpygui.dearpygui as dpg

    x, y = (int(v) for v in dpg.get_item_pos(view.window))
    w, h = (int(v) for v in dpg.get_item_rect_size(view.window))
    return frame[max(0, y):y + h, max(0, x):x + w]


def has_color(pixels: np.ndarray, rgb: tuple[int, ...], tol: int = 12, min_count: int = 20) -> bool:
    """Whether at least ``min_count`` pixels are within ``tol`` of ``rgb``."""
    d = np.abs(pixels[..., :3].astype(int) - np.array(rgb[:3])).max(axis=-1)
    return int((d <= tol).sum()) >= min_count
