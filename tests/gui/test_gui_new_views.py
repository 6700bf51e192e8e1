"""The views of View > Add view (trace image, spike attributes, Python console) and phy's
creation rules, in the real app under Xvfb with real X input (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.gui import scenarios_new_views
from tests.gui.conftest import needs_display, scenario_runner

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def bare_dataset(dataset: Path) -> Path:
    """The folder without pc_features / template_features (a SpikeInterface-like export),
    with a 1-D and a 2-D spike attribute written with numpy."""
    out = dataset.parent / "bare"
    shutil.copytree(dataset, out, ignore=shutil.ignore_patterns(".phy", "pc_feature*.npy", "template_feature*.npy"))
    n = len(np.load(out / "spike_times.npy"))
    rng = np.random.default_rng(0)
    np.save(out / "spike_depthish.npy", rng.normal(size=n).astype(np.float32))
    np.save(out / "spike_positions.npy", rng.normal(size=(n, 2)).astype(np.float32))
    return out


def test_trace_image_view(dataset: Path) -> None:
    scenarios_new_views.run("trace_image", dataset)


def test_python_console(dataset: Path) -> None:
    scenarios_new_views.run("console", dataset)


def test_spike_attribute_views_and_no_feature_views(bare_dataset: Path) -> None:
    scenarios_new_views.run("spike_attributes", bare_dataset)
    # the next start (a new process, same folder and user directory)
    scenario_runner("tests.gui.scenarios_new_views", bare_dataset)("restored")


def test_new_views_docked(bare_dataset: Path) -> None:
    scenarios_new_views.run("docked", bare_dataset)
