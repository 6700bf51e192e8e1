"""phy's documented plugin patterns that need the GUI, in the real app under Xvfb (one process each)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.gui.conftest import dataset, needs_display, scenario_runner, synthetic_source  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.gui, needs_display]

Run = Callable[[str], str]


@pytest.fixture
def run_phy(dataset: Path, tmp_path: Path) -> Run:  # noqa: F811 (the imported fixture)
    """Run ``tests.compat.scenarios_phy.scenario_<name>`` in a fresh process."""
    return scenario_runner("tests.compat.scenarios_phy", dataset, tmp_path)


def test_custom_split_action(run_phy: Run) -> None:
    run_phy("custom_split")


def test_custom_actions_and_status_message(run_phy: Run) -> None:
    run_phy("actions")


def test_filter_action_snippet(run_phy: Run) -> None:
    run_phy("filter_action")


def test_feature_view_custom_grid(run_phy: Run) -> None:
    run_phy("feature_grid")


def test_matplotlib_view_renders_in_a_dock(run_phy: Run) -> None:
    run_phy("matplotlib_view")


def test_events_reach_phy_style_subscribers(run_phy: Run) -> None:
    run_phy("events")


def test_request_save_and_save_metadata(run_phy: Run) -> None:
    run_phy("cluster_metadata")


def test_unsupported_calls_at_run_time_are_reported(run_phy: Run) -> None:
    run_phy("unsupported_runtime")
