"""A GUI scenario fails when a subscriber, view, action or plugin hook raises (tests/gui/strict.py).

The app logs these errors and keeps running; the scenario runners record every ERROR
record and fail on any the scenario did not declare with ``@expect_errors``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from phycore import connect, emit, signals
from tests.gui import scenarios
from tests.gui.conftest import needs_display
from tests.gui.strict import LoggedErrors, expect_errors, expected_errors, no_logged_errors


def _raising_subscriber(sender: Any) -> None:
    raise KeyError("subscriber bug")


def test_a_logged_subscriber_error_fails_the_block() -> None:
    signals.set_raise_errors(False)  # as in the GUI: emit logs the error and goes on
    connect(_raising_subscriber, event="ping")
    connect(lambda sender: "ok", event="ping")
    with pytest.raises(LoggedErrors, match=r"(?s)1 error\(s\) logged.*_raising_subscriber.*KeyError: 'subscriber bug'"):
        with no_logged_errors():
            assert emit("ping", None) == ["ok"]  # the other subscriber still ran


def test_declared_errors_must_happen_and_only_they_may() -> None:
    signals.set_raise_errors(False)
    connect(_raising_subscriber, event="ping")
    with no_logged_errors(["subscriber bug"]) as log:  # declared and logged: passes
        emit("ping", None)
    assert len(log.records) == 1
    with pytest.raises(LoggedErrors, match=r"expected error\(s\) never logged: \['view bug'\]"):
        with no_logged_errors(["subscriber bug", "view bug"]):
            emit("ping", None)
    with pytest.raises(LoggedErrors, match="other failure"):
        with no_logged_errors(["subscriber bug"]):
            emit("ping", None)
            logging.getLogger("phygui").error("other failure")
    with no_logged_errors():
        logging.getLogger("phygui").warning("a warning is not an error")


def test_a_failing_scenario_keeps_its_own_error() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_logged_errors():
            logging.getLogger("phycore").error("logged before")
            1 / 0  # noqa: B018


def test_expect_errors_declares_on_the_scenario() -> None:
    @expect_errors("a", "b")
    def scenario() -> None:
        pass

    assert expected_errors(scenario) == ("a", "b") and expected_errors(lambda: None) == ()
    assert expected_errors(scenarios.scenario_failing_view_and_plugin_action_do_not_crash)


@pytest.mark.gui
@needs_display
@pytest.mark.subprocess
def test_a_scenario_fails_when_an_injected_subscriber_or_view_raises(dataset: Path) -> None:
    """A passing scenario, plus a raising `select` subscriber and a view whose update raises:
    the app survives both (the scenario's own checks pass), and the scenario fails naming them."""
    from phygui.views.base import View

    class Broken(View):
        def update(self) -> None:
            raise RuntimeError("injected view bug")

    def on_select(sender: Any, cluster_ids: Any, **kwargs: Any) -> None:
        raise KeyError("injected subscriber bug")

    def on_gui_ready(sender: Any, gui: Any) -> None:
        gui.register_view("Broken", Broken, show=True)

    connect(on_select, event="select")
    connect(on_gui_ready, event="gui_ready")
    with pytest.raises(LoggedErrors) as info:
        scenarios.run("keyboard_dispatch_merge_undo_save", dataset)
    message = str(info.value)
    assert "injected subscriber bug" in message and "on_select" in message, message
    assert "injected view bug" in message and "Broken" in message, message
