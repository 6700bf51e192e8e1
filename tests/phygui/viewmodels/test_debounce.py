"""The per-frame debouncer of the tables (phy's 50 ms select debounce, the filter box)."""

from __future__ import annotations

from tests._clock import FakeClock
from phygui.viewmodels.debounce import Debouncer


def test_leading_call_runs_at_once_then_only_the_last_one_after_the_quiet_time() -> None:
    clock, calls = FakeClock(), []
    d = Debouncer(0.05, clock)
    assert d.submit(calls.append, 1) is True and calls == [1]  # after a quiet spell: at once
    clock.advance(0.01)
    assert d.submit(calls.append, 2) is False
    clock.advance(0.01)
    assert d.submit(calls.append, 3) is False and d.pending == (3,)
    clock.advance(0.049)
    assert d.poll() is False and calls == [1]  # 49 ms after the last submission: still waiting
    clock.advance(0.002)
    assert d.poll() is True and calls == [1, 3]  # the last one only, once
    assert d.poll() is False and d.pending is None
    clock.advance(1.0)
    assert d.submit(calls.append, 4) is True and calls == [1, 3, 4]


def test_trailing_only_waits_even_for_the_first_call_and_cancel_forgets() -> None:
    clock, calls = FakeClock(), []
    d = Debouncer(0.05, clock, leading=False)
    for text in ("f", "fr", "fr >", "fr > 5"):
        assert d.submit(calls.append, text) is False
        clock.advance(0.02)  # typing faster than 50 ms a key
    assert calls == [] and d.poll() is False
    clock.advance(0.031)
    assert d.poll() is True and calls == ["fr > 5"]
    d.submit(calls.append, "x")
    d.cancel()
    clock.advance(1.0)
    assert d.poll() is False and calls == ["fr > 5"]
