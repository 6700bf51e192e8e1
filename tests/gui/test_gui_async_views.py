"""Select, merge and undo with the views' data on workers, in the real app under Xvfb with
real keys (one process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_async_views
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_select_merge_undo_views_draw_when_ready(dataset: Path) -> None:
    scenarios_async_views.run("select_merge_undo", dataset)


def test_worker_error_is_reported(dataset: Path) -> None:
    scenarios_async_views.run("worker_error", dataset)


def test_feature_view_reads_the_next_similar_clusters_ahead(dataset: Path) -> None:
    scenarios_async_views.run("feature_read_ahead", dataset)
