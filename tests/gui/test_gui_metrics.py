"""Quality metrics off the GUI thread, in the real app under Xvfb with real keys (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_metrics
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_metric_cells_fill_after_merge_and_come_back_on_undo(dataset: Path) -> None:
    scenarios_metrics.run("merge_undo", dataset)


def test_metric_rows_wait_for_the_views_data(dataset: Path) -> None:
    scenarios_metrics.run("rows_wait_for_views", dataset)


def test_filter_by_snr_with_real_keys(dataset: Path) -> None:
    scenarios_metrics.run("filter_new_columns", dataset)
