"""phy's documented plugin patterns that need the GUI, in the real app under Xvfb
(``subprocess``: one process each). A plugin hook that raises fails its test unless the
scenario declares it (``tests/gui/strict.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compat import scenarios_phy
from tests.gui.conftest import dataset, needs_display, synthetic_source  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_custom_split_action(dataset: Path) -> None:  # noqa: F811 (the imported fixture)
    scenarios_phy.run("custom_split", dataset)


def test_custom_actions_and_status_message(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("actions", dataset)


def test_filter_action_snippet(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("filter_action", dataset)


def test_feature_view_custom_grid(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("feature_grid", dataset)


def test_matplotlib_view_renders_in_a_dock(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("matplotlib_view", dataset)


def test_events_reach_phy_style_subscribers(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("events", dataset)


def test_request_save_and_save_metadata(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("cluster_metadata", dataset)


def test_unsupported_calls_at_run_time_are_reported(dataset: Path) -> None:  # noqa: F811
    scenarios_phy.run("unsupported_runtime", dataset)
