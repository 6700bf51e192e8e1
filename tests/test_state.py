"""Tests of phycore.state: global/local GUI state files, recovery from corrupt files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from phycore import paths
from phycore.paths import user_dir
from phycore.errors import StateFileError
from phycore.state import GUIState, load_state, read_state_file, write_state_file

LOCAL_KEYS = ["ClusterView.selected", "WaveformView.n_spikes"]


def _global(gui: str = "TemplateGUI") -> Path:
    return user_dir() / gui / "state.json"


def test_missing_files_are_created_with_defaults(tmp_path: Path) -> None:
    state = load_state(data_dir=tmp_path, local_keys=LOCAL_KEYS,
                       defaults={"view_count": {"WaveformView": 1}, "WaveformView": {"n_spikes": 100}})
    assert state["view_count"] == {"WaveformView": 1}
    assert _global().exists() and (tmp_path / ".phy" / "state.json").exists()
    assert json.loads(_global().read_text()) == {"view_count": {"WaveformView": 1}, "WaveformView": {}}
    assert json.loads((tmp_path / ".phy" / "state.json").read_text()) == {"WaveformView": {"n_spikes": 100}}


def test_local_overrides_global_and_save_splits(tmp_path: Path) -> None:
    state = load_state(data_dir=tmp_path, local_keys=LOCAL_KEYS)
    state.update_view_state("WaveformView", {"n_spikes": 50, "box_scaling": (1.5, 2.0)})
    state["ClusterView"] = {"selected": [3, 4], "_private": 1}
    state["GUI_VERSION"] = 2
    written = state.save()
    assert written == [_global(), tmp_path / ".phy" / "state.json"]
    g = json.loads(_global().read_text())
    assert g["WaveformView"] == {"box_scaling": [1.5, 2.0]}  # local key stripped, tuple -> list
    assert g["ClusterView"] == {} and g["GUI_VERSION"] == 2
    loc = json.loads((tmp_path / ".phy" / "state.json").read_text())
    assert loc == {"ClusterView": {"selected": [3, 4]}, "WaveformView": {"n_spikes": 50}}

    # Another dataset shares the global state but not the local one.
    other = tmp_path / "other"
    other.mkdir()
    s2 = load_state(data_dir=other, local_keys=LOCAL_KEYS, defaults={"WaveformView": {"n_spikes": 100}})
    assert s2.get_view_state("WaveformView") == {"n_spikes": 100, "box_scaling": [1.5, 2.0]}
    # The first dataset gets its local value back, over global and defaults.
    s3 = load_state(data_dir=tmp_path, local_keys=LOCAL_KEYS, defaults={"WaveformView": {"n_spikes": 100}})
    assert s3["WaveformView"]["n_spikes"] == 50 and s3["ClusterView"]["selected"] == [3, 4]


def test_precedence_defaults_global_local(tmp_path: Path) -> None:
    write_state_file(_global(), {"A": {"x": "global", "y": "global"}})
    write_state_file(tmp_path / ".phy" / "state.json", {"A": {"x": "local"}})
    s = load_state(data_dir=tmp_path, local_keys=["A.x"], defaults={"A": {"x": "d", "y": "d", "z": "d"}})
    assert s["A"] == {"x": "local", "y": "global", "z": "d"}


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe\x00", b'{"a": 1'])
def test_corrupt_global_file_moved_aside(content: bytes, caplog: pytest.LogCaptureFixture) -> None:
    path = _global()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="phycore"):
        s = load_state(defaults={"view_count": {"TraceView": 1}})
    assert s == {"view_count": {"TraceView": 1}}
    aside = list(path.parent.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert json.loads(path.read_text()) == {"view_count": {"TraceView": 1}}  # recreated
    assert str(path) in caplog.text and str(aside[0]) in caplog.text


def test_corrupt_local_file_moved_aside_twice(tmp_path: Path) -> None:
    local = tmp_path / ".phy" / "state.json"
    local.parent.mkdir()
    for _ in range(2):
        local.write_text("oops")
        s = load_state(data_dir=tmp_path, local_keys=LOCAL_KEYS)
        assert isinstance(s, GUIState)
    assert len(list(local.parent.glob("state.json.corrupt-*"))) == 2
    assert json.loads(local.read_text()) == {}


def test_empty_file_is_empty_state() -> None:
    _global().parent.mkdir(parents=True)
    _global().write_text("")
    assert load_state() == {}


def test_read_state_file_error_names_file(tmp_path: Path) -> None:
    p = tmp_path / "state.json"
    p.write_text("{")
    with pytest.raises(StateFileError) as info:
        read_state_file(p)
    assert str(p) in str(info.value) and info.value.path == str(p)
    assert isinstance(info.value, ValueError)


def test_numpy_and_phy_compat_roundtrip(tmp_path: Path) -> None:
    p = tmp_path / "state.json"
    big = np.arange(2000, dtype=np.int16).reshape(2, 1000)
    write_state_file(p, {"a": np.arange(3), "f": np.float32(1.5), "big": big, 3: "int key",
                         "s": {2, 1}, "b": b"\x00geometry", "path": tmp_path})
    raw = json.loads(p.read_text())
    assert raw["a"] == [0, 1, 2] and raw["f"] == 1.5 and raw["3"] == "int key" and raw["s"] == [1, 2]
    back = read_state_file(p)
    np.testing.assert_array_equal(back["big"], big)
    assert back["big"].dtype == np.int16 and back[3] == "int key" and back["b"] == b"\x00geometry"
    assert back["path"] == str(tmp_path)
    # phy writes small arrays as lists and others as base64 {"__ndarray__": ...}: we read both.
    assert p.read_text().endswith("}")  # no final newline, as phylib's save_json


def test_unstorable_value_left_out_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    s = load_state()
    s["View"] = {"bad": object(), "good": 1, "list": [1, object()]}
    with caplog.at_level(logging.WARNING, logger="phycore"):
        assert s.save() == [_global()]
    assert "View.bad" in caplog.text and "View.list[1]" in caplog.text
    assert json.loads(_global().read_text()) == {"View": {"good": 1, "list": [1]}}
    with pytest.raises(TypeError, match="View.bad"):
        write_state_file(_global(), {"View": {"bad": object()}})


def test_view_state_with_view_object() -> None:
    class View:
        name = "CorrelogramView (1)"

    s = GUIState(load=False)
    assert s.get_view_state(View()) == {}
    s.update_view_state(View(), {"bin_size": 0.001})
    s.update_view_state("CorrelogramView (1)", {"window_size": 0.05})
    assert s["CorrelogramView (1)"] == {"bin_size": 0.001, "window_size": 0.05}
    s.add_local_keys(["CorrelogramView (1).bin_size", "CorrelogramView (1).bin_size"])
    assert s.local_keys == ["CorrelogramView (1).bin_size"]


def test_no_paths_means_no_files(tmp_path: Path) -> None:
    s = GUIState(defaults={"a": 1})
    assert s == {"a": 1} and s.save() == []


def test_read_only_data_folder_local_state_in_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "_is_writable_dir", lambda path: False)  # tests run as root
    s = load_state(data_dir=tmp_path, local_keys=LOCAL_KEYS)
    assert s.local_path == paths.fallback_phy_dir(tmp_path) / "state.json"
    assert s.local_path.exists() and not (tmp_path / ".phy").exists()


def test_unwritable_global_dir_does_not_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with caplog.at_level(logging.ERROR, logger="phycore"):
        s = load_state(config_dir=blocker, defaults={"a": 1})
    assert s == {"a": 1} and "Cannot save the GUI state file" in caplog.text


def test_custom_gui_name(tmp_path: Path) -> None:
    s = load_state("MyGUI", config_dir=tmp_path)
    assert s.path == tmp_path / "MyGUI" / "state.json" and s.path.exists()
