"""The realistic synthetic data in the real app under Xvfb, with real key presses (one process)."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from tests._subprocess_marker import shared_dir
from tests.gui import scenarios_synthetic
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def realistic_dataset(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A fresh copy of a small realistic folder (made once per session, as the GUI folder)."""
    from phycore.model.synthetic import make_dataset

    shared = shared_dir()
    src = shared / "gui_realistic" if shared is not None else None
    if src is None or not (src / "params.py").exists():
        out = tmp_path_factory.mktemp("gui_realistic")
        make_dataset(out, n_spikes=None, n_channels=32, n_templates=16, duration=40.0, seed=2, realistic=True)
        if src is None:
            src = out
        else:
            with contextlib.suppress(OSError):  # another child was faster: use its copy
                out.rename(src)
    dst = tmp_path / "data"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".phy"))
    return dst


def test_realistic_correlograms_show_refractory_dips(realistic_dataset: Path) -> None:
    scenarios_synthetic.run("realistic_correlograms", realistic_dataset)
