"""The status bar's pure model: the read-only notice of a second session."""

from __future__ import annotations

from types import SimpleNamespace

from phygui.viewmodels.status import StatusModel, read_only_text


def test_read_only_notice_comes_first_and_stays() -> None:
    controller = SimpleNamespace(read_only=True, read_only_reason="/data/x is open in another session (h, pid 7)")
    text = read_only_text(controller)
    assert text == "read-only: /data/x is open in another session (h, pid 7)"
    assert read_only_text(SimpleNamespace(read_only=False)) == ""
    assert read_only_text(None) == ""
    status = StatusModel()
    status.set_read_only(text)
    status.set_message("merge: 1, 2 -> 3")
    assert status.text().startswith(text) and "merge" in status.text()
    status.set_read_only("")
    assert "read-only" not in status.text()
