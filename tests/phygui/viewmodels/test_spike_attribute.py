"""Spike attribute view model: phy's Spike<Name>View coordinates, budget, drawing, lasso split."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.spike_attribute import SpikeAttributeModel, attribute_of_view, spike_attribute_view_name

from .conftest import two_largest


@pytest.fixture(scope="module")
def attr_controller(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A copy of the folder with a 1-D ``spike_depthish.npy`` and a 3-column ``spike_xyz.npy``,
    and a ``spike_bad.npy`` of the wrong length (not an attribute)."""
    d = tmp_path_factory.mktemp("attrs")
    shutil.copytree(dataset_dir, d, dirs_exist_ok=True)
    n = len(np.load(d / "spike_times.npy"))
    rng = np.random.default_rng(3)
    np.save(d / "spike_depthish.npy", rng.normal(size=n).astype(np.float32))
    np.save(d / "spike_xyz.npy", rng.normal(size=(n, 3)))
    np.save(d / "spike_bad.npy", np.zeros(n - 1))
    c = TemplateController(d / "params.py", metrics=False)
    yield c
    c.close()


def test_view_names_as_phy() -> None:
    assert spike_attribute_view_name("positions") == "SpikePositionsView"
    assert spike_attribute_view_name("my_attr") == "SpikeMy_AttrView"  # str.title(), as phy
    assert attribute_of_view("SpikePositionsView (1)", ["depth", "positions"]) == "positions"
    assert attribute_of_view("SpikeOtherView", ["positions"]) is None


def test_attributes_loaded(attr_controller: Any) -> None:
    assert set(attr_controller.model.spike_attributes) == {"depthish", "xyz"}


def test_1d_attribute_against_spike_time(attr_controller: Any) -> None:
    c = attr_controller
    m = SpikeAttributeModel(c, attribute="depthish")
    cid = two_largest(c)[0]
    p = m.coords(cid)
    ids = c.get_spike_ids(cid, c.n_spikes_amplitudes)
    np.testing.assert_array_equal(p.spike_ids, ids)
    np.testing.assert_array_equal(p.xy[:, 0], c.model.spike_times[ids])
    np.testing.assert_array_equal(p.xy[:, 1], c.model.spike_attributes["depthish"][ids])
    assert m.is_1d and "time" in m.status


def test_2d_attribute_first_two_columns_and_budget(attr_controller: Any) -> None:
    c = attr_controller
    m = SpikeAttributeModel(c, attribute="xyz")
    cid = two_largest(c)[0]
    old = c.n_spikes_amplitudes
    c.n_spikes_amplitudes = 50
    try:
        p = m.coords(cid)
    finally:
        c.n_spikes_amplitudes = old
    assert len(p.spike_ids) == 50
    np.testing.assert_array_equal(p.xy, c.model.spike_attributes["xyz"][p.spike_ids, :2])
    full = m.coords(cid, load_all=True)
    assert len(full.spike_ids) == int((c.supervisor.clustering.spike_clusters == cid).sum())


def test_drawn_in_selection_colours(attr_controller: Any) -> None:
    c = attr_controller
    m = SpikeAttributeModel(c, attribute="xyz")
    m.set_selection(two_largest(c))
    m.set_viewport(200, 150)
    frame = m.compute()
    img = (frame.raster.image[..., :3] * 255).round().astype(int)
    for i in range(2):
        rgb = (np.array(selected_cluster_color(i)[:3]) * 255).round().astype(int)
        assert (np.abs(img - rgb).max(axis=-1) <= 40).sum() > 20, i
    xy = np.concatenate([p.xy for p in m.points()])
    x0, y0, x1, y1 = frame.home
    assert x0 < xy[:, 0].min() and xy[:, 0].max() < x1 and y0 < xy[:, 1].min() and xy[:, 1].max() < y1
    assert m.cluster_ids == two_largest(c) and frame.cluster_ids == m.cluster_ids


def test_lasso_split_takes_every_spike_inside(fresh_controller: Any) -> None:
    c = fresh_controller
    n = len(c.model.spike_times)
    arr = np.random.default_rng(5).uniform(-1, 1, size=(n, 2))
    c.model.spike_attributes["pos"] = arr
    m = SpikeAttributeModel(c, attribute="pos")
    pair = two_largest(c)
    m.set_selection(pair)
    for x, y in ((0, 0), (1.5, 0), (1.5, 1.5), (0, 1.5)):
        m.add_lasso_point(x, y)
    spikes = m.spikes_in_lasso()
    sc = c.supervisor.clustering.spike_clusters
    expected = np.flatnonzero(np.isin(sc, pair) & (arr[:, 0] > 0) & (arr[:, 1] > 0))
    np.testing.assert_array_equal(spikes, expected)
    up = m.split()
    assert up is not None and not m.lasso.count
    after = c.supervisor.clustering.spike_clusters
    new = np.unique(after[expected])
    assert len(new) == 1 and int(new[0]) in up.added  # the lassoed spikes form one new cluster
    assert np.array_equal(np.flatnonzero(after == new[0]), expected)


def test_missing_attribute_draws_nothing(controller: Any) -> None:
    m = SpikeAttributeModel(controller, attribute="nope")
    m.set_selection(two_largest(controller))
    m.compute()
    assert all(len(p.spike_ids) == 0 for p in m.points()) and "no spike attribute" in m.status
    assert not m.spikes_in_lasso().size
