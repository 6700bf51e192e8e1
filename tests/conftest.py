"""Shared pytest configuration: hypothesis profiles, event-bus isolation, temp user dir, and the
``subprocess`` marker (tests/_subprocess_marker.py)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# ``@pytest.mark.subprocess``: the test runs in a fresh interpreter (see the module).
from tests._subprocess_marker import (  # noqa: F401 (pytest hooks)
    pytest_configure,
    pytest_runtest_logreport,
    pytest_runtest_protocol,
)

# `ci` bounds the run time of the property tests; `thorough` is for local deep runs:
#   HYPOTHESIS_PROFILE=thorough make test
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _user_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real ~/.phy from tests."""
    monkeypatch.setenv("PHY_USER_DIR", str(tmp_path_factory.mktemp("phy_user_dir")))


@pytest.fixture(autouse=True)
def _clean_event_bus() -> Any:
    """Each test starts with an empty event bus and subscriber errors re-raised."""
    from phycore import signals

    signals.reset()
    signals.set_raise_errors(True)
    yield
    signals.reset()
    signals.set_raise_errors(None)


@pytest.fixture(scope="module")
def few_rests_at_once() -> Any:
    """A split over most spikes writes all but its first rest on a worker (24 in the app):
    tests of small clusterings then check the rests written by the worker too."""
    from phycore.clustering import _changes

    saved = _changes.FIRST_RESTS
    _changes.FIRST_RESTS = 1
    yield
    _changes.FIRST_RESTS = saved
