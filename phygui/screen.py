"""Screen size, and a viewport geometry that fits on it.

Dear PyGui has no monitor API before the viewport exists, so the X screen size is read
from ``xdpyinfo`` (cheap, no extra Python dependency); ``PHYGUI_SCREEN_SIZE=WxH``
overrides it; without either, :data:`DEFAULT_SCREEN` is assumed (fits most laptops).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Mapping

__all__ = ["DEFAULT_SCREEN", "screen_size", "fit_viewport"]

#: Screen assumed when it cannot be measured: small enough for most laptop screens.
DEFAULT_SCREEN = (1280, 800)
#: Pixels kept free around the window (window manager title bar, panels, docks).
MARGIN = 24
TITLE_BAR = 40


def _parse_size(text: str) -> tuple[int, int] | None:
    m = re.search(r"(\d{3,5})\s*x\s*(\d{3,5})", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def screen_size() -> tuple[int, int]:
    """``(width, height)`` in pixels of the default X screen (see the module docstring)."""
    env = _parse_size(os.environ.get("PHYGUI_SCREEN_SIZE", ""))
    if env:
        return env
    exe = shutil.which("xdpyinfo")
    if exe and os.environ.get("DISPLAY"):
        try:
            out = subprocess.run([exe], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        m = re.search(r"dimensions:\s*(\d+)x(\d+)", out)  # the first one is the default screen's
        if m:
            return int(m.group(1)), int(m.group(2))
    return DEFAULT_SCREEN


def fit_viewport(wanted: tuple[int, int], saved: Mapping[str, int], screen: tuple[int, int]) -> dict[str, int]:
    """The viewport ``{width, height, x, y}``: the saved (else ``wanted``) size shrunk to the
    screen, the saved position (else centred) clamped so the whole window is visible."""
    sw, sh = screen
    w = max(200, min(int(saved.get("width", wanted[0])), sw - 2 * MARGIN))
    h = max(150, min(int(saved.get("height", wanted[1])), sh - 2 * MARGIN - TITLE_BAR))
    x = int(saved.get("x", (sw - w) // 2))
    y = int(saved.get("y", (sh - h - TITLE_BAR) // 2 + TITLE_BAR))
    x = max(0, min(x, sw - w))
    y = max(0, min(y, sh - h))
    return {"width": w, "height": h, "x": x, "y": y}
