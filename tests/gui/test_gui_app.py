"""The real app on a synthetic folder under Xvfb: actions, keys, clicks, pixels, state.

Each test runs one scenario of ``scenarios.py`` in its own process.
"""

from __future__ import annotations

import shutil
from typing import Callable

import pytest

from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display]

Run = Callable[[str], str]


def test_startup_tables_and_pixels(run_scenario: Run) -> None:
    run_scenario("startup_tables_and_pixels")


def test_keyboard_dispatch_merge_undo_save(run_scenario: Run) -> None:
    run_scenario("keyboard_dispatch_merge_undo_save")


def test_clicks_select_and_similarity_updates(run_scenario: Run) -> None:
    run_scenario("clicks_select_and_similarity_updates")


def test_snippet_mode_and_errors(run_scenario: Run) -> None:
    run_scenario("snippet_mode_and_errors")


def test_filter_and_sort_emit_events(run_scenario: Run) -> None:
    run_scenario("filter_and_sort_emit_events")


def test_state_saved_and_restored(run_scenario: Run) -> None:
    run_scenario("state_save")
    run_scenario("state_restore")


def test_close_with_unsaved_changes_prompts(run_scenario: Run) -> None:
    run_scenario("close_with_unsaved_changes_prompts")


def test_failing_view_and_plugin_action_do_not_crash(run_scenario: Run) -> None:
    run_scenario("failing_view_and_plugin_action_do_not_crash")


def test_plugin_view_and_events(run_scenario: Run) -> None:
    run_scenario("plugin_view_and_events")


def test_template_gui_script_api(run_scenario: Run) -> None:
    run_scenario("template_gui_script")


def test_big_table_virtualised(run_scenario: Run) -> None:
    run_scenario("big_table")


def test_data_views_draw_selected_clusters(run_scenario: Run) -> None:
    run_scenario("data_views_pixels")


def test_wheel_gestures(run_scenario: Run) -> None:
    run_scenario("wheel_gestures")


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_real_wheel_events(run_scenario: Run) -> None:
    run_scenario("xdotool_wheel")


def test_template_view_draws_and_selects(run_scenario: Run) -> None:
    run_scenario("template_view")


def test_lasso_split_and_undo(run_scenario: Run) -> None:
    run_scenario("lasso_split_undo")
