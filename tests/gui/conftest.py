"""Fixtures of the GUI tests: they need an X display (run under xvfb-run, as `make test` does).

Each test builds a real GUI on a fresh copy of a small synthetic folder and destroys it
at the end (one Dear PyGui context at a time). Screenshots of the last run are kept in
``tests/gui/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"

needs_display = pytest.mark.skipif(
    not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")),
    reason="GUI test needs an X display: run under xvfb-run -a -s '-screen 0 1600x1000x24' (make test does)",
)


@pytest.fixture(scope="session")
def synthetic_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from phycore.model.synthetic import make_dataset

    out = tmp_path_factory.mktemp("gui_source")
    make_dataset(out, n_spikes=20_000, n_channels=32, n_templates=30, duration=20.0, raw=True, seed=0)
    return out


@pytest.fixture
def dataset(synthetic_source: Path, tmp_path: Path) -> Path:
    """A fresh copy of the synthetic folder (tests save into it)."""
    dst = tmp_path / "data"
    shutil.copytree(synthetic_source, dst, ignore=shutil.ignore_patterns(".phy"))
    return dst


@pytest.fixture
def controller(dataset: Path) -> Iterator[Any]:
    from phycore.controller import TemplateController

    c = TemplateController(dataset / "params.py")
    yield c
    c.close()


@pytest.fixture
def gui(controller: Any) -> Iterator[Any]:
    from phycore import signals
    from phygui.app import create_gui

    signals.set_raise_errors(False)  # the GUI reports subscriber errors itself
    g = create_gui(controller)
    g.render(3)
    yield g
    if g.alive:
        g.destroy()


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
