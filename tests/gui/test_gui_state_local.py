"""Issue #17 in the real app under Xvfb with real X input: the trace window saved per dataset
(not inherited, restored), the 50 ms filter/selection debounces, ctrl+r spike reordering.
Each GUI runs in its own process, all with this test's user directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.gui import scenarios_state
from tests.gui.conftest import needs_display, scenario_runner

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]

MODULE = "tests.gui.scenarios_state"


def test_trace_window_is_local_to_its_dataset(dataset: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(dataset, other, ignore=shutil.ignore_patterns(".phy"))
    scenario_runner(MODULE, dataset)("trace_moved")
    scenario_runner(MODULE, other)("trace_not_inherited")
    scenario_runner(MODULE, dataset)("trace_restored")


def test_filter_and_row_clicks_are_debounced(dataset: Path) -> None:
    scenarios_state.run("filter_debounce", dataset)


def test_ctrl_r_uses_spike_times_reordered(dataset: Path) -> None:
    # Times ranked by amplitude: reordered, the amplitude view shows a rising curve.
    samples, amplitudes = np.load(dataset / "spike_times.npy"), np.load(dataset / "amplitudes.npy")
    reordered = np.empty_like(samples)
    reordered[np.argsort(amplitudes, kind="stable")] = np.sort(samples)
    np.save(dataset / "spike_times_reordered.npy", reordered)
    scenarios_state.run("spike_reorder", dataset)


def test_ctrl_r_without_the_file_says_unavailable(dataset: Path) -> None:
    scenarios_state.run("spike_reorder_unavailable", dataset)
