"""The real app on a synthetic folder under Xvfb: actions, keys, clicks, pixels, state.

Each test runs one scenario of ``scenarios.py`` in its own process (``subprocess`` marker:
one Dear PyGui context per process); a scenario fails on any error the app logs that it
does not declare (``tests/gui/strict.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from tests.gui import scenarios
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]

Run = Callable[[str], str]


def test_startup_tables_and_pixels(dataset: Path) -> None:
    scenarios.run("startup_tables_and_pixels", dataset)


def test_keyboard_dispatch_merge_undo_save(dataset: Path) -> None:
    scenarios.run("keyboard_dispatch_merge_undo_save", dataset)


def test_clicks_select_and_similarity_updates(dataset: Path) -> None:
    scenarios.run("clicks_select_and_similarity_updates", dataset)


def test_snippet_mode_and_errors(dataset: Path) -> None:
    scenarios.run("snippet_mode_and_errors", dataset)


def test_filter_and_sort_emit_events(dataset: Path) -> None:
    scenarios.run("filter_and_sort_emit_events", dataset)


def test_state_saved_and_restored(dataset: Path, run_scenario: Run) -> None:
    scenarios.run("state_save", dataset)
    run_scenario("state_restore")  # a new process (a second GUI), the same folder and user directory


def test_close_with_unsaved_changes_prompts(dataset: Path) -> None:
    scenarios.run("close_with_unsaved_changes_prompts", dataset)


def test_failing_view_and_plugin_action_do_not_crash(dataset: Path) -> None:
    scenarios.run("failing_view_and_plugin_action_do_not_crash", dataset)


def test_read_only_title_and_status(dataset: Path) -> None:
    scenarios.run("read_only_title_and_status", dataset)


def test_plugin_view_and_events(dataset: Path) -> None:
    scenarios.run("plugin_view_and_events", dataset)


def test_template_gui_script_api(dataset: Path) -> None:
    scenarios.run("template_gui_script", dataset)


def test_big_table_virtualised(dataset: Path) -> None:
    scenarios.run("big_table", dataset)


def test_data_views_draw_selected_clusters(dataset: Path) -> None:
    scenarios.run("data_views_pixels", dataset)


def test_wheel_gestures(dataset: Path) -> None:
    scenarios.run("wheel_gestures", dataset)


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_real_wheel_events(dataset: Path) -> None:
    scenarios.run("xdotool_wheel", dataset)


def test_template_view_draws_and_selects(dataset: Path) -> None:
    scenarios.run("template_view", dataset)


def test_lasso_split_and_undo(dataset: Path) -> None:
    scenarios.run("lasso_split_undo", dataset)
