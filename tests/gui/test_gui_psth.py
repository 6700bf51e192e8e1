"""Events and PSTHs in the real app under Xvfb with real X input (one process each)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._events import write_responsive_events
from tests.gui import scenarios_psth
from tests.gui.conftest import needs_display

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess,
              pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")]


@pytest.fixture
def events_dataset(dataset: Path) -> Path:
    """The GUI folder with an ``events.tsv`` (the documented user format): stimuli followed
    by spikes of one cluster (its id in ``responsive_cluster.txt``)."""
    cid = write_responsive_events(dataset)
    (dataset / "responsive_cluster.txt").write_text(str(cid))
    return dataset


def test_psth_view_and_event_markers(events_dataset: Path) -> None:
    scenarios_psth.run("psth_view", events_dataset)
