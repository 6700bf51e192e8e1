"""phy's colour contract, with phy.utils.color as the oracle: the same maps, palette,
helpers and ``ClusterColorSelector`` colours, numerically."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.errors import ActionError
from phycore.supervisor import Supervisor
from phycore.supervisor.colors import (
    ClusterColorSelector,
    add_alpha,
    add_selected_clusters_colors,
    colormaps,
    selected_cluster_color,
    spike_colors,
)

phy_color = pytest.importorskip("phy.utils.color")


def test_colormaps_are_phys() -> None:
    assert set(colormaps) == set(phy_color.colormaps)
    for name, cmap in phy_color.colormaps.items():
        np.testing.assert_array_equal(colormaps[name], np.asarray(cmap, dtype=np.float64), err_msg=name)


@pytest.mark.parametrize("alpha", [1.0, 0.25])
def test_selected_cluster_color(alpha: float) -> None:
    for i in [0, 1, 2, 5, 23, 24, 255, 256, 1000]:
        assert selected_cluster_color(i, alpha) == pytest.approx(phy_color.selected_cluster_color(i, alpha), abs=0)


def test_add_alpha() -> None:
    assert add_alpha((0.1, 0.2, 0.3), 0.5) == phy_color.add_alpha((0.1, 0.2, 0.3), 0.5)
    assert add_alpha((0.1, 0.2, 0.3, 0.9)) == phy_color.add_alpha((0.1, 0.2, 0.3, 0.9))
    for arr in (np.random.default_rng(0).random((5, 3)), np.random.default_rng(1).random((2, 4, 4))):
        np.testing.assert_array_equal(add_alpha(arr, 0.3), phy_color.add_alpha(arr, 0.3))
    with pytest.raises(ValueError):
        add_alpha([0.1, 0.2, 0.3])


def test_spike_colors() -> None:
    rng = np.random.default_rng(2)
    cluster_ids = np.array([7, 3, 12, 0])
    spike_clusters = rng.choice(cluster_ids, 100)
    np.testing.assert_array_equal(spike_colors(spike_clusters, cluster_ids),
                                  phy_color.spike_colors(spike_clusters, cluster_ids))
    with pytest.raises(ActionError):  # phy silently gives such a spike a wrong colour
        spike_colors([5], cluster_ids)


def test_add_selected_clusters_colors() -> None:
    cluster_ids = np.array([1, 4, 6, 9, 10])
    for selected in ([4], [9, 1], [2, 10, 6], [], [3]):
        base = np.random.default_rng(3).random((5, 4))
        expected = phy_color._add_selected_clusters_colors(selected, cluster_ids, base.copy())
        np.testing.assert_array_equal(add_selected_clusters_colors(selected, cluster_ids, base.copy()), expected)
    out = add_selected_clusters_colors([6], cluster_ids)
    np.testing.assert_array_equal(out[2], selected_cluster_color(0))
    np.testing.assert_array_equal(out[0], (0.75, 0.75, 0.75, 1.0))


IDS = np.array([0, 3, 4, 8, 10, 11, 25, 300])
DEPTH = {int(c): 12.5 * (i + 1) ** 1.5 for i, c in enumerate(IDS)}
LABEL = {int(c): ["good", "mua", "Noise", None][i % 4] for i, c in enumerate(IDS)}
COUNTS = {int(c): 3 * c + 1 for c in IDS}


def _pair(**kw: Any) -> tuple[Any, Any]:
    return ClusterColorSelector(**kw), phy_color.ClusterColorSelector(**kw)


@pytest.mark.parametrize("fun, colormap, categorical, logarithmic", [
    (lambda c: c, "categorical", True, False),               # phy's "random" scheme
    (lambda c: c % 4, "cluster_group", True, False),         # phy's "cluster_group" scheme
    (DEPTH.__getitem__, "linear", False, False),             # phy's "depth" scheme
    (DEPTH.__getitem__, "rainbow", False, True),             # phy's "firing_rate" scheme
    (COUNTS.__getitem__, "diverging", False, False),         # integers, continuous
    (DEPTH.__getitem__, "categorical", True, False),         # floats: continuous even if categorical
    (LABEL.__getitem__, "categorical", True, False),         # strings: sorted categories
    (lambda c: 0, "blank", True, False),
    (DEPTH.__getitem__, np.array([[0, 0, 0], [0.5, 0.5, 0.5], [1, 1, 1.0]]), False, False),  # custom array
])
@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_selector_colors_equal_phy(fun: Any, colormap: Any, categorical: bool, logarithmic: bool,
                                   alpha: float) -> None:
    ours, theirs = _pair(fun=fun, colormap=colormap, categorical=categorical, logarithmic=logarithmic,
                         cluster_ids=IDS)
    np.testing.assert_array_equal(ours.get_colors(IDS, alpha=alpha), theirs.get_colors(IDS, alpha=alpha))
    np.testing.assert_array_equal(ours.get_values(IDS), theirs.get_values(IDS))
    assert (ours.vmin, ours.vmax) == pytest.approx((theirs.vmin, theirs.vmax))
    values = theirs.get_values(IDS)
    np.testing.assert_array_equal(ours.map(values), theirs.map(values))
    if not any(isinstance(v, str) for v in ours._raw(IDS.tolist())):
        # phy's get() categorizes one value alone, so it is compared without strings only.
        for c in IDS[:3]:
            assert ours.get(int(c), alpha=alpha) == pytest.approx(theirs.get(int(c), alpha=alpha), abs=0)
        # Subsets get the colours they get in the full call (the range is the clusters').
        np.testing.assert_array_equal(ours.get_colors(IDS[2:5]), theirs.get_colors(IDS[2:5]))


def test_set_color_mapping_and_cluster_ids_as_phy() -> None:
    ours, theirs = _pair(fun=DEPTH.__getitem__, cluster_ids=IDS)
    for cs in (ours, theirs):
        cs.set_color_mapping(colormap="linear", categorical=False)
        cs.set_cluster_ids(IDS[:4])  # a narrower range: the others are clipped
    np.testing.assert_array_equal(ours.get_colors(IDS), theirs.get_colors(IDS))
    ours.set_color_mapping(DEPTH.__getitem__, "rainbow")  # phy's positional fun
    assert ours.colormap == "rainbow" and ours.color_field == "__getitem__"
    with pytest.raises(ActionError):
        ours.set_color_mapping(colormap="nope")
    with pytest.raises(ActionError):
        ours.set_color_mapping(colormap=np.zeros((3, 2)))


def test_differences_kept() -> None:
    fr = {0: 1.0, 1: 0.0, 2: float("nan"), 3: 100.0}
    cs = ClusterColorSelector(fun=fr.__getitem__, colormap="linear", categorical=False, logarithmic=True,
                              cluster_ids=[0, 1, 2, 3])
    colors = cs.get_colors([0, 1, 2, 3])  # phy fails (log of 0) or colours all with row 0
    np.testing.assert_array_equal(colors[[0, 1, 2], :3], np.repeat(colormaps.linear[:1], 3, axis=0))
    np.testing.assert_array_equal(colors[3, :3], colormaps.linear[-1])
    labels = ClusterColorSelector(fun=LABEL.__getitem__, cluster_ids=IDS)
    # A cluster keeps its colour whatever is asked (phy re-indexes the strings of each call).
    np.testing.assert_array_equal(labels.get_colors(IDS[1:2]), labels.get_colors(IDS)[1:2])
    assert labels.get(int(IDS[1])) == tuple(labels.get_colors(IDS)[1])
    assert ClusterColorSelector().get(5, alpha=None)[3] == 1.0  # phy: None


def _supervisor() -> Supervisor:
    sc = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])
    return Supervisor(sc, cluster_groups={3: "noise", 1: "good", 2: "mua"},
                      cluster_metrics={"depth": lambda c: 20.0 * c + 5, "fr": lambda c: 10.0 ** c})


@pytest.mark.parametrize("scheme, fun, colormap, categorical, logarithmic", [
    ("random", lambda c: c, "categorical", True, False),
    ("cluster_group", lambda c: {"noise": 0, "mua": 1, "good": 2}.get(_GROUPS.get(c), 3),
     "cluster_group", True, False),
    ("depth", lambda c: 20.0 * c + 5, "linear", False, False),
    ("firing_rate", lambda c: 10.0 ** c, "linear", False, True),
])
def test_supervisor_schemes_match_phys_default_schemes(scheme: str, fun: Any, colormap: str,
                                                       categorical: bool, logarithmic: bool) -> None:
    """phy's TemplateController adds these schemes to every view (apps/base.py)."""
    s = _supervisor()
    s.color_selector.set_color_scheme(scheme)
    ids = s.clustering.cluster_ids
    theirs = phy_color.ClusterColorSelector(fun=fun, colormap=colormap, categorical=categorical,
                                            logarithmic=logarithmic, cluster_ids=ids)
    np.testing.assert_array_equal(s.color_selector.get_colors(ids), theirs.get_colors(ids))


_GROUPS = {3: "noise", 1: "good", 2: "mua"}
