"""Rules of the test suite itself (style.md): tests never sleep to let time pass nor measure
wall-clock time. Time-dependent code takes a ``clock`` the test advances (tests/_clock.py);
threads are waited for with Events, Barriers, Conditions or joins with timeouts."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent

#: Polling loops that wait (with a deadline) for another agent's background work; each is
#: a synchronisation wait, not a time measurement. No new entries: use an Event or a clock.
POLLING_SLEEPS = {
    "phygui/viewmodels/test_trace.py": 1,  # the trace painter's background tiles
    "model/test_filtered.py": 1,  # the filtered-traces cache's background blocks
}


def _sources() -> list[tuple[str, str]]:
    return [(p.relative_to(TESTS).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(TESTS.rglob("*.py"))
            if "artifacts" not in p.parts and p.name != Path(__file__).name]


def test_tests_do_not_sleep() -> None:
    found = {name: len(re.findall(r"\btime\.sleep\(|\bsleep\(", text)) for name, text in _sources()}
    extra = {name: n for name, n in found.items() if n > POLLING_SLEEPS.get(name, 0)}
    assert not extra, f"tests that sleep (advance a FakeClock, or wait on an Event/join instead): {extra}"


def test_tests_do_not_measure_elapsed_time() -> None:
    found = [name for name, text in _sources() if re.search(r"\bperf_counter\(|\bprocess_time\(", text)]
    assert not found, f"tests that measure elapsed time (never assert on wall-clock time): {found}"
