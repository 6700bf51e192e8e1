"""Template feature view model: phylib's projections, the pair rule, drawing, lasso split."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.errors import ClusterIdError
from phycore.model.synthetic import make_dataset
from phycore.signals import connect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.template_feature import TemplateFeatureModel

from .conftest import two_largest

phylib_model = pytest.importorskip("phylib.io.model")


@pytest.fixture(scope="module")
def sparse_tf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """A folder whose template features are sparse (3 of 8 templates per spike): our
    controller and phylib's model on a copy (phylib writes into the folder it loads)."""
    d = tmp_path_factory.mktemp("tf_sparse")
    make_dataset(d / "ours", n_spikes=4000, n_channels=16, n_templates=8, duration=5.0, raw=False, seed=4,
                 n_template_features=3)
    shutil.copytree(d / "ours", d / "phylib")
    c = TemplateController(d / "ours" / "params.py", metrics=False)
    ref = phylib_model.load_model(d / "phylib" / "params.py")
    yield c, ref
    c.close()
    ref.close()


def _phy_projection(ref: Any, spike_clusters: np.ndarray, pair: list[int],
                    spike_ids: np.ndarray) -> np.ndarray:
    # phy's TemplateController._get_template_features with phylib's template features and
    # the live clustering's template counts.
    n0, n1 = (np.bincount(ref.spike_templates[spike_clusters == c], minlength=ref.n_templates) for c in pair)
    t = ref.get_template_features(spike_ids)
    return np.c_[np.average(t, weights=n0, axis=1), np.average(t, weights=n1, axis=1)]


def _check_against_phylib(c: Any, ref: Any, pair: list[int]) -> None:
    points = c.get_template_features(pair)
    assert [p.cluster_id for p in points] == pair
    sc = c.supervisor.clustering.spike_clusters
    for p in points:
        assert p.data.shape == (len(p.spike_ids), 2)
        np.testing.assert_array_equal(p.spike_ids, c.get_spike_ids(p.cluster_id, 2500))
        np.testing.assert_allclose(p.data, _phy_projection(ref, sc, pair, p.spike_ids), rtol=1e-6, atol=1e-9)


def test_projections_equal_phylib_sparse_features(sparse_tf: tuple[Any, Any]) -> None:
    c, ref = sparse_tf
    assert c.model.sparse_template_features.cols is not None
    ids = c.supervisor.cluster_table.visible_ids
    _check_against_phylib(c, ref, ids[:2])
    _check_against_phylib(c, ref, [ids[2], ids[0]])  # the order decides the axes


def test_projections_follow_the_live_clustering(dataset_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(dataset_dir, tmp_path / "ours")
    shutil.copytree(dataset_dir, tmp_path / "phylib")
    c = TemplateController(tmp_path / "ours" / "params.py", metrics=False)
    ref = phylib_model.load_model(tmp_path / "phylib" / "params.py")
    try:
        a, b, other = c.supervisor.cluster_table.visible_ids[:3]
        merged = int(c.supervisor.merge(a, b).added[0])  # a cluster of several templates
        assert np.count_nonzero(c.columns.template_counts(merged)) >= 2
        _check_against_phylib(c, ref, [merged, other])
        everything = c.get_template_features([merged, other], load_all=True)
        assert [len(p.spike_ids) for p in everything] == [c.supervisor.clustering.spike_counts[k]
                                                          for k in (merged, other)]
    finally:
        c.close()
        ref.close()


def test_bad_cluster_ids(controller: Any) -> None:
    a, b = two_largest(controller)
    with pytest.raises(ClusterIdError, match="exactly two"):
        controller.get_template_features([a])
    with pytest.raises(ClusterIdError, match="Unknown cluster id"):
        controller.get_template_features([a, 10_000])


def test_draws_the_pair_only(controller: Any) -> None:
    m = TemplateFeatureModel(controller)
    m.set_size(300, 200)
    ids = controller.supervisor.cluster_table.visible_ids
    m.set_selection(ids[:3])
    f = m.compute()
    assert m.status == "select exactly two clusters" and not (f.raster.image[..., 3] > 0).any()
    m.set_selection(ids[:2])
    f = m.compute()
    assert m.status == f"x: templates of {ids[0]}, y: templates of {ids[1]}"
    rgb = (f.raster.image[..., :3] * 255).round().astype(int)
    drawn = f.raster.image[..., 3] > 0
    for i in range(2):
        col = np.array(selected_cluster_color(i)[:3]) * 255
        assert ((np.abs(rgb - col).max(axis=-1) <= 2) & drawn).sum() > 20
    x0, y0, x1, y1 = f.home
    for p in m.points():
        assert np.all((p.data[:, 0] > x0) & (p.data[:, 0] < x1) & (p.data[:, 1] > y0) & (p.data[:, 1] < y1))
    # each cluster's spikes sit further along its own template's axis
    pa, pb = m.points()
    assert np.median(pa.data[:, 0] - pa.data[:, 1]) > 0 > np.median(pb.data[:, 0] - pb.data[:, 1])
    m.change_marker_size(+1)
    assert m.options.marker_size == 6 and m.is_dirty


def test_without_template_features_the_view_says_so(tmp_path: Path) -> None:
    make_dataset(tmp_path, n_spikes=1000, n_channels=8, n_templates=4, duration=2.0, raw=False,
                 flavor="spikeinterface", seed=2)
    c = TemplateController(tmp_path / "params.py", metrics=False)
    try:
        m = TemplateFeatureModel(c)
        m.set_selection(c.supervisor.cluster_table.visible_ids[:2])
        f = m.compute()
        assert "no template features" in m.status and not (f.raster.image[..., 3] > 0).any()
        assert c.get_template_features(m.cluster_ids) is None
        m.add_lasso_point(0, 0), m.add_lasso_point(1, 0), m.add_lasso_point(1, 1)
        assert m.spikes_in_lasso().size == 0
    finally:
        c.close()


def _diagonal_lasso(m: TemplateFeatureModel) -> None:
    # The triangle below the diagonal x = y, over the home bounds: spikes closer to the
    # first cluster's templates.
    x0, y0, x1, y1 = m.compute().home
    lo, hi = min(x0, y0) - 1, max(x1, y1) + 1
    for x, y in ((lo, lo - 1e-9), (hi, hi - 1e-9), (hi, lo)):
        assert m.add_lasso_point(x, y)


def test_lasso_split_recovers_the_spikes_below_the_diagonal(fresh_controller: Any) -> None:
    c = fresh_controller
    pair = two_largest(c)
    m = TemplateFeatureModel(c)
    connect(m.on_request_split, event="request_split")
    m.set_selection(pair)
    _diagonal_lasso(m)
    everything = c.get_template_features(pair, load_all=True)
    expected = np.sort(np.concatenate([p.spike_ids[p.data[:, 0] > p.data[:, 1]] for p in everything]))
    assert 0 < len(expected) < sum(len(p.spike_ids) for p in everything)
    assert np.array_equal(m.spikes_in_lasso(load_all=True), expected)
    sample = m.spikes_in_lasso(load_all=False)
    assert set(sample) <= set(expected)
    before = {k: c.supervisor.clustering.spikes_in_clusters([k]) for k in pair}
    up = c.supervisor.split()
    assert not m.lasso.is_closed  # answering request_split clears the lasso
    assert np.array_equal(c.supervisor.clustering.spikes_in_clusters([up.added[0]]), expected)
    c.supervisor.undo()
    for k, spikes in before.items():
        assert np.array_equal(c.supervisor.clustering.spikes_in_clusters([k]), spikes)
