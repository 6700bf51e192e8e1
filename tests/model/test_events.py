"""Event files (events.tsv / events.csv / events.npy) and controller.set_events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.errors import DataFormatError
from phycore.model.events import check_event_times, load_events, read_events
from phycore.signals import connect, unconnect
from tests._events import N_EVENTS


def test_tsv_with_names(tmp_path: Path) -> None:
    p = tmp_path / "events.tsv"
    p.write_text("time\tname\tcomment\n2.5\tstimulus\tx\n0.5\tstimulus\n\n1.0\treward\n3\t\n")
    ev = read_events(p, duration=10.0)
    assert set(ev) == {"stimulus", "reward", "events"}
    assert ev["stimulus"].dtype == np.float64 and ev["stimulus"].tolist() == [0.5, 2.5]  # sorted
    assert ev["reward"].tolist() == [1.0] and ev["events"].tolist() == [3.0]


def test_csv_time_only_and_npy(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("\ufeffTime\n1.5\n0.25\n")  # BOM and capital header accepted
    assert read_events(tmp_path / "events.csv")["events"].tolist() == [0.25, 1.5]
    np.save(tmp_path / "events.npy", np.array([[4.0], [2.0]], dtype=np.float32))
    assert read_events(tmp_path / "events.npy")["events"].tolist() == [2.0, 4.0]
    merged = load_events(tmp_path)  # both files: one type, times pooled
    assert merged["events"].tolist() == [0.25, 1.5, 2.0, 4.0]
    assert load_events(tmp_path / "nothing") == {}


@pytest.mark.parametrize(("name", "text", "needle"), [
    ("events.tsv", "t\tname\n1.0\ta\n", "line 1: the header"),
    ("events.tsv", "time\tname\n1.0\ta\nabc\ta\n", "line 3: time 'abc' is not a number"),
    ("events.csv", "name,time\na,1.0\nb,nan\n", "line 3: time is 'nan'; times must be finite"),
    ("events.csv", "time,name\n1.0,a\n\n2.0\n,b\n", "line 5: time '' is not a number"),
    ("events.tsv", "\n\n", "empty file"),
])
def test_bad_tables_name_file_line_and_problem(tmp_path: Path, name: str, text: str, needle: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(DataFormatError) as info:
        read_events(p)
    assert str(p) in str(info.value) and needle in str(info.value), str(info.value)
    assert info.value.path == str(p)


def test_bad_npy(tmp_path: Path) -> None:
    p = tmp_path / "events.npy"
    np.save(p, np.array([1.0, np.inf, 2.0]))
    with pytest.raises(DataFormatError, match=r"events\.npy: event time at index 1 is inf"):
        read_events(p)
    np.save(p, np.zeros((2, 3)))
    with pytest.raises(DataFormatError, match=r"1-D array, got shape \(2, 3\)"):
        read_events(p)
    np.save(p, np.array(["a", "b"]))
    with pytest.raises(DataFormatError, match="must be numbers"):
        read_events(p)


def test_times_outside_the_recording_warn(tmp_path: Path) -> None:
    p = tmp_path / "events.tsv"
    p.write_text("time\n-1\n5\n12\n")
    with pytest.warns(UserWarning, match=r"2 of 3 time\(s\) of event type 'events' are outside the recording"):
        ev = read_events(p, duration=10.0)
    assert ev["events"].tolist() == [-1.0, 5.0, 12.0]  # kept


def test_check_event_times_argument() -> None:
    with pytest.raises(DataFormatError, match="index 0 is nan") as info:
        check_event_times([np.nan], name="x")
    assert info.value.argument == "times"


def test_controller_events(dataset_with_events: Path) -> None:
    from phycore import TemplateController

    c = TemplateController(dataset_with_events / "params.py", metrics=False)
    seen: list[Any] = []

    def on_events_changed(sender: Any, name: str) -> None:
        seen.append((sender, name))

    connect(on_events_changed)
    try:
        assert set(c.events) == {"stimulus"} and c.events["stimulus"].size == N_EVENTS
        out = c.set_events("laser", [3.0, 1.0])
        assert out.tolist() == [1.0, 3.0] and c.events["laser"].tolist() == [1.0, 3.0]
        assert seen == [(c, "laser")] and c.events_generation == 1
        c.events["laser"] = np.zeros(1)  # a copy: the controller's dict is not changed
        assert c.events["laser"].tolist() == [1.0, 3.0]
        c.set_events("laser", None)
        assert "laser" not in c.events and seen[-1] == (c, "laser")
        with pytest.raises(DataFormatError):
            c.set_events("bad", [1.0, np.nan])
        with pytest.warns(UserWarning, match="outside the recording"):
            c.set_events("late", [1e6])
    finally:
        unconnect(on_events_changed)
        c.close()


def test_bad_event_file_does_not_stop_the_folder(dataset_with_events: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    import shutil

    from phycore import TemplateController

    d = tmp_path / "bad"
    shutil.copytree(dataset_with_events, d, ignore=shutil.ignore_patterns(".phy"))
    (d / "events.tsv").write_text("time\n1.0\noops\n")
    np.save(d / "events.npy", np.array([0.5, 1.5]))  # a good file next to the bad one still loads
    c = TemplateController(d / "params.py", metrics=False)
    try:
        assert list(c.events) == ["events"] and c.events["events"].tolist() == [0.5, 1.5]
        assert any("line 3" in r.getMessage() and "events.tsv" in r.getMessage() for r in caplog.records)
    finally:
        c.close()


@pytest.fixture(scope="module")
def dataset_with_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests._events import events_folder

    return events_folder(tmp_path_factory)[0]
