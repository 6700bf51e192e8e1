"""A split over many clusters and its undo in the real app under Xvfb (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gui import scenarios_large_split
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


def test_lasso_split_and_undo_show_what_a_fresh_load_shows(dataset: Path) -> None:
    scenarios_large_split.run("lasso_split", dataset)


def test_split_over_every_cluster_and_undo_show_what_a_fresh_load_shows(dataset: Path) -> None:
    scenarios_large_split.run("split_every_cluster", dataset)
