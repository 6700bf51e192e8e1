"""Cluster colour mapping: fields, colour maps, named schemes, log scale, state, events."""

from __future__ import annotations

import numpy as np
import pytest

from phycore import connect
from phycore.errors import ActionError
from phycore.supervisor import Supervisor
from phycore.supervisor.colors import COLOR_SCHEMES, COLORMAPS, color_fields, numeric_columns

# Cluster sizes: 0 -> 10 spikes, 1 -> 20, 2 -> 5, 3 -> 30.
SPIKE_CLUSTERS = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])
FR = {0: 1.0, 1: 10.0, 2: 100.0, 3: 1000.0}


def _supervisor() -> Supervisor:
    return Supervisor(SPIKE_CLUSTERS, cluster_groups={3: "noise", 1: "good"},
                      cluster_labels={"KSLabel": {0: "good", 1: "mua", 2: "good", 3: "mua"},
                                      "ContamPct": {0: 1.5, 1: 2.5, 2: 0.5, 3: 9.0}},
                      cluster_metrics={"fr": FR.__getitem__, "depth": lambda c: 20.0 * c})


def test_fields_are_id_group_and_numeric_columns() -> None:
    s = _supervisor()
    numeric = numeric_columns(s.cluster_table)
    assert {"id", "n_spikes", "fr", "depth", "ContamPct"} <= set(numeric)
    assert "KSLabel" not in numeric
    fields = color_fields(s.cluster_table)
    assert fields[:2] == ["cluster_id", "group"] and "id" not in fields and "ContamPct" in fields


def test_color_by_picks_a_fitting_map_and_emits() -> None:
    s = _supervisor()
    c = s.color_selector
    events: list[object] = []
    connect(lambda sender: events.append(sender), event="color_mapping_changed")
    c.color_by("group")
    assert (c.colormap, c.categorical) == ("cluster_group", True)
    group = COLORMAPS["cluster_group"]  # phy's rows: noise, mua, good, unsorted
    assert c.get(3)[:3] == pytest.approx(group[0]) and c.get(1)[:3] == pytest.approx(group[2])
    assert c.get(0)[:3] == pytest.approx(group[3])
    c.color_by("depth")  # continuous: linear map from white (min) to red (max)
    assert (c.colormap, c.categorical) == ("linear", False)
    assert c.get(0)[:3] == pytest.approx(COLORMAPS["linear"][0]) and c.get(3)[:3] == pytest.approx(COLORMAPS["linear"][-1])
    mid = c.get_colors([0, 1, 2, 3])
    assert np.all(np.diff(mid[:, 2]) <= 0)  # blue fades along the map
    c.set_colormap("rainbow")
    c.color_by("n_spikes")  # a continuous map is kept
    assert (c.colormap, c.categorical) == ("rainbow", False)
    assert c.get(2)[:3] == pytest.approx(COLORMAPS["rainbow"][0]) and c.get(3)[:3] == pytest.approx(COLORMAPS["rainbow"][-1])
    c.color_by("id")
    assert (c.color_field, c.colormap, c.categorical) == ("cluster_id", "categorical", True)
    assert c.get(0)[:3] == pytest.approx(COLORMAPS["categorical"][0])
    assert len(events) == 5 and all(e is s for e in events)


def test_log_scale_spreads_decades_evenly() -> None:
    c = _supervisor().color_selector
    c.color_by("fr")
    linear = c.get_colors([0, 1, 2, 3])
    c.set_color_mapping(logarithmic=True)
    log = c.get_colors([0, 1, 2, 3])
    cmap = COLORMAPS["linear"]
    # fr = 1, 10, 100, 1000: on a log scale they sit at 0, 1/3, 2/3 and 1 of the map
    assert log[1, :3] == pytest.approx(_interp(cmap, 1 / 3))
    assert log[2, :3] == pytest.approx(_interp(cmap, 2 / 3))
    assert linear[1, :3] == pytest.approx(_interp(cmap, 9 / 999))
    assert not np.allclose(linear[1], log[1])


def _interp(cmap: np.ndarray, x: float) -> np.ndarray:
    return cmap[int(np.round(x * (len(cmap) - 1)))]  # phy: the nearest row, no blending


def test_named_schemes_cycle_like_phy() -> None:
    c = _supervisor().color_selector
    assert c.color_scheme == "random"  # phy's default
    names = list(COLOR_SCHEMES)
    seen = [c.next_color_scheme() for _ in names]
    assert seen == names[names.index("random") + 1:] + names[:names.index("random") + 1]
    c.set_color_scheme("firing_rate")
    assert (c.color_field, c.colormap, c.categorical, c.logarithmic) == ("fr", "linear", False, True)
    assert c.previous_color_scheme() == "depth"
    c.set_colormap("rainbow")
    assert c.color_scheme is None  # a custom mapping
    assert c.next_color_scheme() == names[0]
    with pytest.raises(ActionError, match="Unknown color scheme 'nope'"):
        c.set_color_scheme("nope")


def test_state_roundtrip_and_bad_state() -> None:
    a = _supervisor().color_selector
    a.color_by("ContamPct")
    a.set_colormap("rainbow")
    a.set_color_mapping(logarithmic=True)
    b = _supervisor().color_selector
    b.set_state(a.get_state())
    assert b.get_state() == a.get_state() == {"color_field": "ContamPct", "colormap": "rainbow",
                                              "categorical": False, "logarithmic": True}
    np.testing.assert_allclose(b.get_colors([0, 1, 2, 3]), a.get_colors([0, 1, 2, 3]))
    before = b.get_state()
    b.set_state({"color_field": 3, "colormap": "nope", "categorical": "yes"})
    b.set_state("junk")
    assert b.get_state() == before
