"""phycore.signals across threads: with an owner thread, other threads' emissions wait for it."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from phycore import connect, emit, signals


def _in_thread(func: Callable[[], Any]) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = func()
        except BaseException as e:  # handed back to the test
            box["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def test_without_an_owner_subscribers_run_on_the_emitting_thread() -> None:
    seen: list[int] = []
    connect(lambda sender: seen.append(threading.get_ident()) or "done", event="ping")
    assert _in_thread(lambda: emit("ping", None)) == ["done"]
    assert seen and seen[0] != threading.get_ident()
    assert signals.owner_thread() is None and signals.pending_count() == 0


def test_with_an_owner_other_threads_are_queued_and_delivered_in_order() -> None:
    signals.set_owner_thread()
    assert signals.owner_thread() == threading.get_ident()
    seen: list[tuple[int, Any, Any]] = []
    connect(lambda sender, n, key=None: seen.append((threading.get_ident(), n, key)) or n, event="ping")
    assert _in_thread(lambda: [emit("ping", None, k, key=f"k{k}") for k in range(3)]) == [[], [], []]
    assert seen == [] and signals.pending_count() == 3
    assert emit("ping", None, 9) == [9]  # the owner's own emissions run at once
    assert signals.deliver_pending() == 3
    me = threading.get_ident()
    assert seen == [(me, 9, None), (me, 0, "k0"), (me, 1, "k1"), (me, 2, "k2")]
    assert signals.pending_count() == 0 and signals.deliver_pending() == 0


def test_deliver_pending_max_events_and_owner_check() -> None:
    signals.set_owner_thread()
    seen: list[int] = []
    connect(lambda sender, n: seen.append(n), event="ping")
    _in_thread(lambda: [emit("ping", None, k) for k in range(5)])
    assert signals.deliver_pending(max_events=2) == 2 and seen == [0, 1]
    with pytest.raises(RuntimeError, match="owner thread"):
        _in_thread(signals.deliver_pending)
    assert signals.deliver_pending() == 3 and seen == [0, 1, 2, 3, 4]


def test_queued_emissions_are_checked_against_silent_when_delivered() -> None:
    signals.set_owner_thread()
    seen: list[int] = []
    connect(lambda sender, n: seen.append(n), event="ping")
    _in_thread(lambda: emit("ping", None, 1))
    with signals.silent():
        assert signals.deliver_pending() == 1
    assert seen == []


def test_set_owner_thread_arguments() -> None:
    t = threading.Thread(target=lambda: None)
    with pytest.raises(ValueError, match="started thread"):
        signals.set_owner_thread(t)
    with pytest.raises(TypeError, match="thread must be"):
        signals.set_owner_thread("main")  # type: ignore[arg-type]
    signals.set_owner_thread(threading.main_thread())
    assert signals.owner_thread() == threading.main_thread().ident
    signals.set_owner_thread(None)
    assert signals.owner_thread() is None
    signals.reset()  # a fresh bus has no owner
    signals.set_owner_thread()
    signals.reset()
    assert signals.owner_thread() is None


def test_connect_and_unconnect_from_another_thread() -> None:
    signals.set_owner_thread()
    seen: list[str] = []

    def on_ping(sender: Any) -> None:
        seen.append("ping")

    _in_thread(lambda: connect(on_ping))
    emit("ping", None)
    _in_thread(lambda: signals.unconnect(on_ping))
    emit("ping", None)
    assert seen == ["ping"]
