"""Default dock layout (ImGui ini) and GUI state (de)serialisation (no display)."""

from __future__ import annotations

import json
import re

from phycore.state import GUIState
from phygui.dock_layout import default_layout_ini, gui_state_from, imgui_hash, layout_from_state


def test_imgui_hash_matches_dear_imgui() -> None:
    # Values written by Dear PyGui 2.3 (ImGui 1.91, CRC32-C) in a saved ini file.
    assert imgui_hash("WindowOverViewport_11111111") == 0x1BBC0F80
    assert imgui_hash("DockSpace", 0x1BBC0F80) == 0x08BD597D
    assert imgui_hash("#TAB", imgui_hash("ClusterView")) == 0x77893EBF
    assert imgui_hash("Label###id") == imgui_hash("Other###id")


def _nodes(ini: str) -> dict[int, dict[str, str]]:
    out = {}
    for line in ini.split("[Docking][Data]")[1].strip().splitlines():
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        out[int(fields["ID"], 16)] = fields
    return out


def test_default_layout_is_a_binary_dock_tree() -> None:
    views = ["ClusterView", "SimilarityView", "WaveformView", "FeatureView", "CorrelogramView",
             "AmplitudeView", "TraceView", "ISIView"]
    ini = default_layout_ini(views, 1600, 1000)
    nodes = _nodes(ini)
    children: dict[str, int] = {}
    for n in nodes.values():
        if "Parent" in n:
            children[n["Parent"]] = children.get(n["Parent"], 0) + 1
    assert all(c == 2 for c in children.values())  # ImGui splits are binary
    assert sum(1 for n in nodes.values() if n.get("CentralNode") == "1") == 1
    for v in views + ["Status"]:
        m = re.search(rf"\[Window\]\[{v}\]\n(?:.*\n)*?DockId=0x([0-9A-F]+),0", ini)
        assert m, v
        leaf = nodes[int(m.group(1), 16)]
        assert "Split" not in leaf
    # the two tables share the left column
    left = {nodes[int(re.search(rf"\[Window\]\[{v}\]\n(?:.*\n)*?DockId=0x([0-9A-F]+)", ini).group(1), 16)]["Parent"]
            for v in ("ClusterView", "SimilarityView")}
    assert len(left) == 1


def test_state_roundtrip(tmp_path) -> None:
    ini = default_layout_ini(["ClusterView", "SimilarityView", "WaveformView"])
    entries = gui_state_from(ini, {"width": 1400, "height": 900, "x": 10, "y": 20},
                             {"ClusterView": {"current_sort": ["fr", "asc"], "selected": [3, 4]}},
                             ["ClusterView", "SimilarityView"])
    state = GUIState(tmp_path / "global" / "state.json", tmp_path / "local" / "state.json",
                     local_keys=["ClusterView.selected"])
    state.update(entries)
    state.save()
    glob = json.loads((tmp_path / "global" / "state.json").read_text())
    loc = json.loads((tmp_path / "local" / "state.json").read_text())
    assert "selected" not in glob["ClusterView"] and loc["ClusterView"]["selected"] == [3, 4]
    again = GUIState(tmp_path / "global" / "state.json", tmp_path / "local" / "state.json",
                     local_keys=["ClusterView.selected"])
    ini2, vp, open_views = layout_from_state(again)
    assert ini2 == ini
    assert vp == {"width": 1400, "height": 900, "x": 10, "y": 20}
    assert open_views == ["ClusterView", "SimilarityView"]
    assert again.get_view_state("ClusterView") == {"current_sort": ["fr", "asc"], "selected": [3, 4]}


def test_layout_from_bad_state_is_tolerant() -> None:
    assert layout_from_state({}) == (None, {}, None)
    assert layout_from_state({"GUI": "junk"}) == (None, {}, None)
    ini, vp, ov = layout_from_state({"GUI": {"layout_ini": "not an ini", "viewport": {"width": 5, "height": True,
                                                                                      "x": "a"}, "open_views": 3}})
    assert ini is None and vp == {} and ov is None


def _dock_of(ini: str, view: str) -> int:
    return int(re.search(rf"\[Window\]\[{view}\]\n(?:.*\n)*?DockId=0x([0-9A-F]+),0", ini).group(1), 16)


def test_default_views_take_phys_places() -> None:
    from phygui.dock_layout import DEFAULT_VIEWS

    assert {"TemplateFeatureView", "ClusterScatterView", "ProbeView", "FiringRateView"} <= set(DEFAULT_VIEWS)
    ini = default_layout_ini(["ClusterView", "SimilarityView", *DEFAULT_VIEWS, "RasterView"], 1600, 1000)
    nodes = _nodes(ini)

    def parent(view: str) -> int:
        return int(nodes[_dock_of(ini, view)]["Parent"], 16)

    def chain(view: str) -> list[int]:
        out, nid = [], _dock_of(ini, view)
        while "Parent" in nodes.get(nid, {}):
            nid = int(nodes[nid]["Parent"], 16)
            out.append(nid)
        return out

    def size(view: str) -> tuple[int, int]:
        w, h = nodes[_dock_of(ini, view)]["SizeRef"].split(",")
        return int(w), int(h)

    # left column: the scatter view above the two tables
    left = chain("ClusterScatterView")[0]
    assert left in chain("ClusterView") and left in chain("SimilarityView")
    assert nodes[left]["Split"] == "Y" and "NoCloseButton" not in nodes[_dock_of(ini, "ClusterScatterView")]
    assert nodes[_dock_of(ini, "ClusterView")].get("NoCloseButton") == "1"
    # ISI beside firing rate, under the correlograms, in the feature column
    assert parent("ISIView") == parent("FiringRateView") and nodes[parent("ISIView")]["Split"] == "X"
    column = set(chain("FeatureView")[:1])
    assert column <= set(chain("TemplateFeatureView")) and column <= set(chain("ISIView"))
    assert parent("WaveformView") == parent("AmplitudeView")
    assert size("WaveformView")[1] > 2 * size("AmplitudeView")[1]  # phy's proportions
    assert size("TraceView")[1] == size("ProbeView")[1] and size("TraceView")[0] > 2 * size("ProbeView")[0]
    # the data views sit right of the tables; a view phy does not place gets its own column
    assert not set(chain("RasterView")) & set(chain("ClusterView")[:-2])
    assert sum(1 for n in nodes.values() if n.get("CentralNode") == "1") == 1
    assert nodes[_dock_of(ini, "WaveformView")].get("CentralNode") == "1"


def test_missing_views_leave_no_gap() -> None:
    ini = default_layout_ini(["ClusterView", "SimilarityView", "ISIView"], 1600, 1000)
    nodes = _nodes(ini)
    leaves = [n for n in nodes.values() if "Split" not in n and n.get("ID") and "DockSpace" not in n]
    assert all("Selected" in n for n in leaves)  # every leaf holds a window
    assert nodes[_dock_of(ini, "ISIView")].get("CentralNode") == "1"
    assert int(nodes[_dock_of(ini, "ISIView")]["SizeRef"].split(",")[0]) == 1600 - 480
