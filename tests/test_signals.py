"""phycore.signals: phy's calling convention over blinker, with our decisions fixed by tests."""

from __future__ import annotations

import gc
import logging

import pytest

import phycore
from phycore import signals
from phycore.signals import EVENTS, connect, emit, isolated, silent, unconnect


def test_top_level_exports() -> None:
    assert phycore.connect is connect
    assert phycore.emit is emit
    assert phycore.unconnect is unconnect
    assert phycore.silent is silent


def test_name_inference_and_return_values() -> None:
    def on_select(sender, ids):
        return ("a", sender, ids)

    assert connect(on_select) is on_select
    assert emit("select", "sup", [1, 2]) == [("a", "sup", [1, 2])]
    assert emit("other", "sup") == []


def test_name_inference_fails_clearly() -> None:
    def handler(sender):
        pass

    with pytest.raises(ValueError, match="on_<event>"):
        connect(handler)


def test_decorator_forms() -> None:
    calls = []

    @connect
    def on_a(sender, x):
        calls.append(("a", x))

    @connect()
    def on_b(sender, x):
        calls.append(("b", x))

    @connect(event="c")
    def whatever(sender, x):
        calls.append(("c", x))

    emit("a", None, 1)
    emit("b", None, 2)
    emit("c", None, 3)
    assert calls == [("a", 1), ("b", 2), ("c", 3)]


def test_positional_and_keyword_arguments() -> None:
    got = []
    connect(lambda sender, *a, **k: got.append((sender, a, k)), event="e")
    emit("e", "s", 1, 2, key=3)
    assert got == [("s", (1, 2), {"key": 3})]


def test_registration_order_across_any_and_specific_senders() -> None:
    sender = object()
    order = []
    connect(lambda s: order.append(1), event="e", sender=sender)
    connect(lambda s: order.append(2), event="e")
    connect(lambda s: order.append(3), event="e", sender=sender)
    connect(lambda s: order.append(4), event="e")
    emit("e", sender)
    assert order == [1, 2, 3, 4]
    order.clear()
    emit("e", object())
    assert order == [2, 4]


def test_last_runs_after_others() -> None:
    order = []
    connect(lambda s: order.append("last"), event="e", last=True)
    connect(lambda s: order.append("first"), event="e")
    emit("e", None)
    assert order == ["first", "last"]


def test_sender_filter_is_identity() -> None:
    class Eq:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    a, b = Eq(), Eq()
    got = []
    connect(lambda s: got.append(s), event="e", sender=a)
    emit("e", b)
    assert got == []
    emit("e", a)
    assert got == [a]


def test_strong_references_to_closures_and_bound_methods() -> None:
    got = []

    def attach():
        def on_cluster(sender, up):
            got.append(up)

        connect(on_cluster)

    class Plugin:
        def on_select(self, sender, ids):
            got.append(ids)

    attach()
    connect(Plugin().on_select, event="select")
    gc.collect()
    emit("cluster", None, "up")
    emit("select", None, [1])
    assert got == ["up", [1]]


def test_connect_twice_is_noop() -> None:
    got = []

    def on_e(sender):
        got.append(1)

    connect(on_e)
    connect(on_e)
    emit("e", None)
    assert got == [1]


def test_unconnect_function_sender_and_object() -> None:
    got = []
    sender = object()

    def on_e(sender):
        got.append("f")

    class P:
        def on_e(self, sender):
            got.append("m")

    p = P()
    connect(on_e)
    connect(p.on_e)
    connect(lambda s: got.append("s"), event="e", sender=sender)
    unconnect(on_e)
    emit("e", sender)
    assert got == ["m", "s"]
    got.clear()
    unconnect(p, sender)
    emit("e", sender)
    assert got == []


def test_exception_isolation_logs_and_continues(caplog: pytest.LogCaptureFixture) -> None:
    signals.set_raise_errors(False)
    got = []

    def on_e(sender):
        raise RuntimeError("boom")

    connect(on_e)
    connect(lambda s: got.append("ok") or 7, event="e")
    with caplog.at_level(logging.ERROR, logger="phycore.signals"):
        assert emit("e", None) == [7]
    assert got == ["ok"]
    assert "boom" in caplog.text and "Traceback" in caplog.text


def test_raise_errors_switch_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    def on_e(sender):
        raise RuntimeError("boom")

    connect(on_e)
    signals.set_raise_errors(True)
    with pytest.raises(RuntimeError):
        emit("e", None)
    signals.set_raise_errors(None)
    monkeypatch.setenv(signals.RAISE_ERRORS_ENV, "1")
    assert signals.raise_errors()
    with pytest.raises(RuntimeError):
        emit("e", None)
    monkeypatch.setenv(signals.RAISE_ERRORS_ENV, "0")
    assert not signals.raise_errors()
    assert emit("e", None) == []


def test_silent_restores_on_error_and_nests() -> None:
    got = []
    connect(lambda s: got.append(1), event="e")
    with pytest.raises(KeyError):
        with silent():
            with silent():
                assert emit("e", None) == []
            assert signals.is_silent()
            raise KeyError
    assert not signals.is_silent()
    emit("e", None)
    assert got == [1]


def test_reset_and_isolated() -> None:
    got = []
    connect(lambda s: got.append("outer"), event="e")
    with isolated():
        connect(lambda s: got.append("inner"), event="e")
        emit("e", None)
    emit("e", None)
    assert got == ["inner", "outer"]
    signals.reset()
    assert emit("e", None) == []


def test_private_namespace() -> None:
    import blinker

    connect(lambda s: None, event="select")
    assert "select" not in blinker.default_namespace or not blinker.default_namespace["select"].receivers


def test_typo_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="phycore.signals"):
        connect(lambda s: None, event="selct")
    assert "did you mean 'select'" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="phycore.signals"):
        connect(lambda s: None, event="myevent")
        connect(lambda s: None, event="select")
    assert caplog.text == ""


def test_events_table_documents_builtins() -> None:
    for name in ["gui_ready", "select", "cluster", "attach_gui", "color_mapping_changed", "table_sort",
                 "table_filter", "cluster_click", "spike_click", "channel_click", "add_view", "close_view",
                 "show", "close", "request_split", "save_clustering", "spikes_added"]:
        assert name in EVENTS
        assert EVENTS[name].sender and EVENTS[name].doc


def test_phy_documented_custom_event() -> None:
    got = []

    @connect
    def on_myevent(sender, arg):
        got.append(arg)

    emit("myevent", object(), 123)
    assert got == [123]
