"""Pixel and real-input (xdotool) helpers of the GUI scenarios (they run inside the GUI's process)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Callable

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


def xdotool_while_rendering(gui: Any, *args: str) -> None:
    """Run xdotool while the GUI keeps rendering frames (so it sees the events), then 4 more."""
    proc = subprocess.Popen(["xdotool", *args])
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < 30:
        gui.render(1)
    gui.render(4)


def window_id() -> str:
    """The X window id of the phygui window (the first one xdotool finds); asserts there is one."""
    wid = subprocess.run(["xdotool", "search", "--name", "phygui"], capture_output=True, text=True).stdout.split()
    assert wid, "the phygui window was not found by xdotool"
    return wid[0]


def keyboard(gui: Any, delay_ms: int = 80) -> Callable[..., None]:
    """``keys(*xdotool_keys)`` / ``keys(text, command="type")``: real key presses (or typed text)
    into the phygui window, focused first, ``delay_ms`` between keystrokes, the GUI rendering
    meanwhile (see `xdotool_while_rendering`)."""
    wid = window_id()

    def keys(*seq: str, command: str = "key") -> None:
        xdotool_while_rendering(gui, "windowfocus", "--sync", wid, command, "--delay", str(delay_ms), *seq)

    return keys


def hold(gui: Any, modifier: str, *keys: str, delay_ms: int | None = 200, pause_s: float | None = None) -> None:
    """``modifier+key`` for each key, the modifier held down around them as fingers do, in one
    xdotool run into the focused phygui window.

    A plain chord (``key alt+r``) presses and releases both within one frame, and the GUI's
    key handlers read the modifiers after the frame, so they may miss it. ``delay_ms`` is
    xdotool's ``key --delay`` (None: its default); ``pause_s`` an xdotool ``sleep`` after
    pressing the modifier and before releasing it (None: no pause).
    """
    pause = ["sleep", str(pause_s)] if pause_s is not None else []
    delay = ["--delay", str(delay_ms)] if delay_ms is not None else []
    xdotool_while_rendering(gui, "windowfocus", "--sync", window_id(), "keydown", modifier, *pause, "key", *delay,
                            *keys, *pause, "keyup", modifier)


def hold_chord(gui: Any, chord: str) -> None:
    """Press ``chord`` (xdotool names, e.g. ``ctrl+alt+Right``) with its modifiers held over a
    few frames: modifiers down, then the key, then modifiers up, in three xdotool runs with
    frames rendered between them (slower but surer than `hold` for several modifiers)."""
    *mods, key = chord.split("+")
    xdotool_while_rendering(gui, "windowfocus", "--sync", window_id(), "keydown", *mods)  # then a few frames
    xdotool_while_rendering(gui, "key", key)
    xdotool_while_rendering(gui, "keyup", *mods)
