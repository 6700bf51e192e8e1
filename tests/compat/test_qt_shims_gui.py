"""The Qt stand-ins on phygui's frame loop and the phy names of phygui's views, in the real
app under Xvfb (``subprocess``: one process each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compat import scenarios_qt_shims
from tests.gui.conftest import dataset, needs_display, synthetic_source  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.gui, needs_display, pytest.mark.subprocess]


def test_plugin_timer_fires_between_frames(dataset: Path) -> None:  # noqa: F811 (the imported fixture)
    scenarios_qt_shims.run("timers", dataset)


def test_plugin_dialogs_are_modal_windows(dataset: Path) -> None:  # noqa: F811
    scenarios_qt_shims.run("dialogs", dataset)


def test_phy_view_names_are_forwarded_to_the_model(dataset: Path) -> None:  # noqa: F811
    scenarios_qt_shims.run("view_forwards", dataset)
