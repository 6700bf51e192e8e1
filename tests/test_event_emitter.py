"""phycore.EventEmitter against phylib.utils.event.EventEmitter as the oracle.

The same script of connections and emissions runs on both; the calls and results
must match, except for the documented differences (silent returns [], nested silence,
sender identity, duplicate connections).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import phycore
from phycore.event_emitter import EventEmitter

phylib_event = pytest.importorskip("phylib.utils.event")


class Sender:
    pass


def _script(cls: Callable[[], Any]) -> list[Any]:
    """Connections and emissions on an emitter; returns everything observable."""
    e = cls()
    log: list[Any] = []
    a, b = Sender(), Sender()

    @e.connect
    def on_spam(sender: Any, x: int, key: Any = None) -> Any:
        log.append(("spam", x, key))
        return x + 1

    @e.connect(event="spam", last=True)
    def late(sender: Any, x: int, key: Any = None) -> Any:
        log.append(("late", x))
        return "late"

    @e.connect(sender=a)
    def on_eggs(sender: Any) -> str:
        log.append(("eggs", sender is a))
        return "eggs"

    class Obj:
        def on_ham(self, sender: Any) -> str:
            log.append("ham")
            return "ham"

    obj = Obj()
    e.connect(obj.on_ham)
    out = [e.emit("spam", a, 1, key=2), e.emit("eggs", a), e.emit("eggs", b), e.emit("ham", b),
           e.emit("spam", b, 5, single=True), e.emit("nothing", a), e.emit("nothing", a, single=True)]
    e.unconnect(obj)
    out.append(e.emit("ham", b))
    e.unconnect(a)
    out.append(e.emit("eggs", a))
    e.unconnect(on_spam)
    out.append(e.emit("spam", a, 3))
    e.set_silent(True)
    out.append(e.emit("spam", a, 4) or [])  # phylib returns None while silent, phycore []
    e.set_silent(False)
    with e.silent():
        out.append(e.emit("spam", a, 4) or [])
    out.append(e.emit("spam", a, 6))
    e.reset()
    out.append(e.emit("spam", a, 7))
    return [out, log]


def test_same_behaviour_as_phylib() -> None:
    assert _script(EventEmitter) == _script(phylib_event.EventEmitter)


def test_exported_and_subclassable() -> None:
    assert phycore.EventEmitter is EventEmitter

    class View(EventEmitter):
        def __init__(self) -> None:
            super().__init__()

        def select(self) -> Any:
            return self.emit("select", self, 1)

    v = View()
    v.connect(lambda sender, x: x * 2, event="select")
    assert v.select() == [2]
    assert View().select() == []  # instance-level: another view has no callback
    with pytest.raises(ValueError):
        v.connect(lambda sender: None)  # neither on_<event> nor event=


def test_errors_propagate_as_in_phylib() -> None:
    for cls in (EventEmitter, phylib_event.EventEmitter):
        e = cls()
        e.connect(lambda sender: 1 / 0, event="boom")
        with pytest.raises(ZeroDivisionError):
            e.emit("boom", None)


def test_differences_kept() -> None:
    e = EventEmitter()
    calls: list[Any] = []

    def on_x(sender: Any) -> None:
        calls.append(sender)

    e.connect(on_x)
    e.connect(on_x)  # once, not twice
    arr = np.arange(3)
    e.connect(on_x, sender=arr)  # phylib's == on an array sender raises
    e.emit("x", arr)
    assert len(calls) == 2
    e.emit("x", np.arange(3))  # equal, not the same: only the unfiltered callback
    assert len(calls) == 3
    with e.silent():
        with e.silent():
            assert e.emit("x", None) == []
        assert e.emit("x", None) == []  # still silent (phylib's toggle would re-enable)
    assert not e.is_silent


def test_callback_may_unconnect_during_emit() -> None:
    e = EventEmitter()
    seen: list[str] = []

    def first(sender: Any) -> None:
        seen.append("first")
        e.unconnect(second)

    def second(sender: Any) -> None:
        seen.append("second")

    e.connect(first, event="go")
    e.connect(second, event="go")
    e.emit("go", None)
    e.emit("go", None)
    assert seen == ["first", "second", "first"]
