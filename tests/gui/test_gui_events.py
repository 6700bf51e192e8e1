"""phy's events in the real app under Xvfb (``subprocess``: one process each): every event phycore
emits, with its sender and arguments, and a raising subscriber failing the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gui import scenarios_events
from tests.gui.conftest import needs_display
from tests.gui.strict import LoggedErrors

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_phy_events_have_phys_senders_and_arguments(dataset: Path) -> None:
    scenarios_events.run("phy_events", dataset)


def test_a_raising_subscriber_fails_the_scenario(dataset: Path) -> None:
    # The app logs the subscriber's error and keeps working; the scenario fails on that log.
    with pytest.raises(LoggedErrors, match=r"(?s)on_request_select.*RuntimeError: broken plugin subscriber"):
        scenarios_events.run("raising_subscriber", dataset)
