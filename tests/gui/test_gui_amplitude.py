"""The amplitude view in the real app under Xvfb, with real X key and mouse events (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_amplitude
from tests.gui.conftest import needs_display, scenario_runner

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_types_band_links_and_state(dataset: Path) -> None:
    scenarios_amplitude.run("types_band_links", dataset)
    # a new process (a second GUI), the same folder and user directory
    scenario_runner("tests.gui.scenarios_amplitude", dataset)("type_restored")


def test_types_without_pc_features(dataset: Path) -> None:
    scenarios_amplitude.run("types_without_pc_features", dataset)


def test_raw_amplitudes_when_nothing_else(dataset: Path) -> None:
    scenarios_amplitude.run("raw_only", dataset)
