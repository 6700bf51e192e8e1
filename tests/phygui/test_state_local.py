"""GUI state split as phy: view ``local_state_attrs`` in ``<data>/.phy/state.json``, the rest
in ``~/.phy/TemplateGUI/state.json``; files byte-identical to phy's and read by phy's GUIState."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from phycore.paths import user_dir
from phycore.state import load_state
from phygui.views.state_schema import local_state_keys, state_schema

# phy 2.1's local keys: its views' local_state_attrs (phy/cluster/views/*.py) + Supervisor.attach.
PHY_LOCAL_KEYS = {"ClusterView.selected", "TraceView.interval", "TraceView.scaling", "WaveformView.box_scaling",
                  "WaveformView.probe_scaling", "TemplateView.scaling", "FiringRateView.x_max",
                  "TraceImageView.interval", "TraceImageView.scaling"}


def _phy_state_module() -> Any:
    """``phy.gui.state`` without phy.gui's Qt ``__init__`` (None when phy is not installed)."""
    spec = importlib.util.find_spec("phy")
    if spec is None or not spec.submodule_search_locations:
        return None
    if "phy.gui" not in sys.modules:
        package = types.ModuleType("phy.gui")
        package.__path__ = [str(Path(list(spec.submodule_search_locations)[0]) / "gui")]
        sys.modules["phy.gui"] = package
    return importlib.import_module("phy.gui.state")


def _open(data: Path) -> Any:
    return load_state("TemplateGUI", data, local_keys=local_state_keys(), schema=state_schema())


def _close(state: Any, views: dict[str, dict[str, Any]]) -> None:
    """What GUI.save_state does: the views' states in, local keys registered, files written."""
    state.update(views)
    state.add_local_keys(local_state_keys(list(state)))
    state.save()


def test_local_keys_are_phys() -> None:
    # phy's, plus the raw-data filter (phy keeps it global: docs/phy-users.md says why not).
    assert set(local_state_keys()) == PHY_LOCAL_KEYS | {"raw_data_filter_name"}
    assert {"TraceView (1).interval", "TraceView (1).scaling"} <= set(local_state_keys(["TraceView (1)"]))


def test_a_dataset_does_not_inherit_anothers_window_and_gets_its_own_back(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    state = _open(a)
    _close(state, {"TraceView": {"interval": [3.0, 3.25], "scaling": 2.0, "origin": "top"},
                   "ClusterView": {"current_sort": ["fr", "desc"], "selected": [4, 7]},
                   "n_similar_clusters_to_select": 7, "skip_masked_clusters": False})
    glob = json.loads((user_dir() / "TemplateGUI" / "state.json").read_text())
    assert glob["TraceView"] == {"origin": "top"} and glob["ClusterView"] == {"current_sort": ["fr", "desc"]}
    assert glob["n_similar_clusters_to_select"] == 7 and glob["skip_masked_clusters"] is False
    assert json.loads((a / ".phy" / "state.json").read_text()) == {
        "ClusterView": {"selected": [4, 7]}, "TraceView": {"interval": [3.0, 3.25], "scaling": 2.0}}

    other = _open(b)  # dataset B: the global options, none of A's local ones
    assert other["TraceView"] == {"origin": "top"} and other["ClusterView"] == {"current_sort": ["fr", "desc"]}
    _close(other, {"TraceView": {"interval": [0.5, 0.75], "origin": "top"}})

    again = _open(a)  # A again: its window, selection and scaling are back
    assert again["TraceView"] == {"interval": [3.0, 3.25], "scaling": 2.0, "origin": "top"}
    assert again["ClusterView"]["selected"] == [4, 7]
    assert _open(b)["TraceView"]["interval"] == [0.5, 0.75]


def test_a_local_value_wins_over_a_global_one(tmp_path: Path) -> None:
    # An old global file with a (then global) window: the dataset's own window wins, and the
    # next save moves the key out of the global file.
    (user_dir() / "TemplateGUI").mkdir(parents=True, exist_ok=True)
    (user_dir() / "TemplateGUI" / "state.json").write_text(json.dumps({"TraceView": {"interval": [1, 2]}}))
    (tmp_path / ".phy").mkdir()
    (tmp_path / ".phy" / "state.json").write_text(json.dumps({"TraceView": {"interval": [5, 6]}}))
    state = _open(tmp_path)
    assert state["TraceView"]["interval"] == [5, 6]
    _close(state, {})
    assert json.loads((user_dir() / "TemplateGUI" / "state.json").read_text()) == {"TraceView": {}}


def test_files_are_phys_byte_for_byte_and_read_both_ways(tmp_path: Path) -> None:
    phy_state = _phy_state_module()
    if phy_state is None:
        pytest.skip("phy is not installed")
    views = {"TraceView": {"interval": [3.0, 3.25], "scaling": 2.0, "origin": "top"},
             "WaveformView": {"box_scaling": [1.0, 2.0], "overlap": True},
             "ClusterView": {"current_sort": ["fr", "desc"], "selected": [4, 7]},
             "view_count": {"WaveformView": 1}, "n_similar_clusters_to_select": 7}
    ours_dir, phys_dir = tmp_path / "ours", tmp_path / "phy"
    (ours_dir / "data").mkdir(parents=True)
    (phys_dir / "data").mkdir(parents=True)
    ours = load_state("TemplateGUI", ours_dir / "data", local_keys=local_state_keys(), config_dir=ours_dir)
    ours.update(views)
    ours.save()
    theirs = phy_state.GUIState(path=phys_dir / "TemplateGUI" / "state.json",
                                local_path=phys_dir / "data" / ".phy" / "state.json",
                                local_keys=sorted(PHY_LOCAL_KEYS))
    theirs.update(views)
    theirs.save()
    for rel in ("TemplateGUI/state.json", "data/.phy/state.json"):
        assert (ours_dir / rel).read_bytes() == (phys_dir / rel).read_bytes(), rel
    # phy reads ours, we read phy's: the same merged state.
    read_by_phy = phy_state.GUIState(path=ours_dir / "TemplateGUI" / "state.json",
                                     local_path=ours_dir / "data" / ".phy" / "state.json")
    read_by_us = load_state("TemplateGUI", phys_dir / "data", config_dir=phys_dir)
    assert {k: v for k, v in read_by_phy.items() if not k.startswith("_")} == views  # phy's Bunch keeps _path
    assert dict(read_by_us) == views
