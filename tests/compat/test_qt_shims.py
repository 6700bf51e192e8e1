"""The Qt stand-ins phy plugins use most (``phycore.compat._qt``), without a GUI: timers
driven by a fake frame loop and a fake clock, dialogs with a fake front end and with none,
and the cluster table's row colours from phy's CSS."""

from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest

from phycore import compat, signals
from phycore.compat import _qt


class FakeFrames:
    """A frame loop: each frame advances the clock by ``dt`` seconds, then ticks the timers
    (what phygui's ``before_frame`` does)."""

    def __init__(self, dt: float = 1 / 60) -> None:
        self.now = 0.0
        self.dt = dt
        compat.set_clock(lambda: self.now)

    def run(self, seconds: float) -> None:
        for _ in range(int(round(seconds / self.dt))):
            self.now += self.dt
            compat.tick_timers()


@pytest.fixture
def frames() -> Iterator[FakeFrames]:
    f = FakeFrames()
    yield f
    for timer in compat.active_timers():
        timer.stop()
    compat.set_clock(None)


@pytest.fixture
def host() -> Iterator[Any]:
    class Host:
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []
            self.answer: str | None = "yes"
            self.text: str | None = "typed"

        def message(self, title: str, text: str, level: str) -> None:
            self.calls.append(("message", title, text, level))

        def ask(self, title: str, text: str, buttons: list[str], default: str) -> str | None:
            self.calls.append(("ask", title, text, buttons, default))
            return self.answer

        def ask_text(self, title: str, label: str, text: str) -> str | None:
            self.calls.append(("ask_text", title, label, text))
            return self.text

    h = Host()
    compat.set_dialog_host(h)
    yield h
    compat.set_dialog_host(None)


def test_periodic_timer_fires_on_frames(frames: FakeFrames) -> None:
    fired: list[float] = []
    timer = _qt.QTimer()
    timer.timeout.connect(lambda: fired.append(frames.now))
    timer.setInterval(500)
    assert (timer.interval(), timer.isActive(), timer.isSingleShot()) == (500, False, False)
    timer.start()
    assert timer.isActive() and timer in compat.active_timers()
    frames.run(2.05)
    assert len(fired) == 4 and fired[0] == pytest.approx(0.5, abs=frames.dt)
    timer.stop()
    frames.run(1.0)
    assert len(fired) == 4 and not timer.isActive() and timer.remainingTime() == -1


def test_single_shot_timers(frames: FakeFrames) -> None:
    fired: list[str] = []
    _qt.QTimer.singleShot(250, lambda: fired.append("static"))
    timer = _qt.QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: fired.append("instance"))
    timer.start(100)
    frames.run(0.15)
    assert fired == ["instance"] and not timer.isActive()
    frames.run(1.0)
    assert fired == ["instance", "static"] and not compat.active_timers()


def test_late_timer_fires_once_and_a_failing_callback_is_logged(frames: FakeFrames,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    timer = _qt.QTimer()
    timer.timeout.connect(lambda: 1 / 0)
    timer.timeout.connect(lambda: calls.append(1))
    timer.start(100)
    frames.now += 1.0  # one long frame: ten intervals missed
    signals.set_raise_errors(False)  # the app's mode: logged, the other callbacks run
    with caplog.at_level(logging.ERROR, logger="phycore.plugins"):
        assert compat.tick_timers() == 1
    assert calls == [1] and "callback of a plugin failed" in caplog.text
    assert timer.remainingTime() == 100  # rescheduled from now
    signals.set_raise_errors(True)  # the tests' mode: a failing plugin callback fails the test
    frames.now += 1.0
    with pytest.raises(ZeroDivisionError):
        compat.tick_timers()


def test_debouncer_runs_the_last_call_per_key(frames: FakeFrames) -> None:
    calls: list[int] = []
    d = _qt.Debouncer(delay=200)
    for i in range(5):
        d.submit(calls.append, i, key="select")
        frames.run(0.05)
    assert calls == [] and d.is_waiting
    frames.run(0.3)
    assert calls == [4] and not d.is_waiting


@pytest.mark.usefixtures("phy_hidden")
def test_qt_names_through_the_namespace(frames: FakeFrames) -> None:
    with compat.forced():
        from phy.gui.qt import QInputDialog, QMessageBox, QTimer
        from phy.gui import message_box
    assert QTimer is _qt.QTimer and QMessageBox is _qt.QMessageBox and QInputDialog is _qt.QInputDialog
    assert message_box is _qt.message_box


def test_dialogs_without_a_gui_log_and_answer_the_defaults(caplog: pytest.LogCaptureFixture) -> None:
    assert compat.dialog_host() is None
    with caplog.at_level(logging.INFO, logger="phycore.plugins"):
        _qt.message_box("disk almost full", title="Autosave", level="warning")
        assert _qt.QMessageBox.question(None, "Merge", "Merge all?") == _qt.QMessageBox.No
        assert _qt.QMessageBox.question(None, "Merge", "Merge all?", _qt.QMessageBox.Yes | _qt.QMessageBox.No,
                                        _qt.QMessageBox.Yes) == _qt.QMessageBox.Yes
        assert _qt.QInputDialog.getText(None, "Label", "New label:", text="good") == ("good", False)
        assert _qt.show_box(_qt.prompt("Save?", buttons=("save", "cancel"))) == "save"
    assert "Autosave: disk almost full" in caplog.text and "default answer 'no'" in caplog.text


def test_dialogs_go_to_the_front_end(host: Any) -> None:
    _qt.message_box("saved", title="Autosave")
    assert host.calls[-1] == ("message", "Autosave", "saved", "information")
    assert _qt.QMessageBox.question(None, "Merge", "Merge all?") == _qt.QMessageBox.Yes
    assert host.calls[-1] == ("ask", "Merge", "Merge all?", ["yes", "no"], "no")
    assert _qt.QInputDialog.getText(None, "Label", "New label:", text="good") == ("typed", True)
    assert _qt.input_dialog("Label", "New label:", "x") == ("typed", True)
    host.text = None
    assert _qt.input_dialog("Label", "New label:", "x") == ("x", False)
    box = _qt.prompt("Discard changes?", buttons=("discard", "cancel"), title="Close")
    host.answer = "discard"
    assert _qt.show_box(box) == "discard"
    assert host.calls[-1] == ("ask", "Close", "Discard changes?", ["cancel", "discard"], "discard")
    host.answer = "nonsense"  # an answer not offered counts as cancel
    assert _qt.show_box(box) == "cancel"
    assert _qt.QMessageBox.information(None, "Info", "done") == _qt.QMessageBox.Ok
    assert host.calls[-1] == ("message", "Info", "done", "information")


def test_row_styles_from_phy_css(monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.supervisor import colors

    monkeypatch.setattr(colors, "GROUP_COLORS", dict(colors.GROUP_COLORS))
    css = """
        table tr[data-group='good'] { color: red; }
        table tr[data-group="mua"] { background-color: #123; color: #abc }
        table tr[data-group=unsorted_2] { color: rgb(10, 20, 30); font-weight: bold; }
        table tr[data-group='noise'] { color: chartreuse-ish; }
        td { color: blue; }
    """
    assert _qt.parse_row_styles(css) == {"good": "#FF0000", "mua": "#AABBCC", "unsorted_2": "#0A141E"}
    _qt.apply_row_styles(css)
    assert colors.GROUP_COLORS["good"] == "#FF0000" and colors.GROUP_COLORS["noise"] == "#777777"


@pytest.mark.usefixtures("phy_hidden")
def test_cluster_view_styles_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.supervisor import colors

    monkeypatch.setattr(colors, "GROUP_COLORS", dict(colors.GROUP_COLORS))
    with compat.forced():
        from phy.cluster.supervisor import ClusterView
    assert "data-group='good'" in ClusterView._styles  # phy's default rules, with phycore's colours
    ClusterView._styles += "table tr[data-group='good'] { color: #00f; }"
    assert colors.GROUP_COLORS["good"] == "#0000FF"
    assert isinstance(type("ClusterView", (), {})(), ClusterView)
