"""Feature view model: grid, channels, budgets, lasso -> spikes, split with ground truth."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.signals import connect
from phygui.viewmodels.feature import FeatureModel, FeatureOptions, default_grid

from .conftest import two_largest


@pytest.fixture
def fm(controller: Any) -> FeatureModel:
    m = FeatureModel(controller, FeatureOptions(n_spikes_features=60, n_spikes_features_background=100))
    m.set_selection(two_largest(controller))
    m.set_size(256, 256)
    return m


def test_grid_and_channels(fm: FeatureModel, controller: Any) -> None:
    assert default_grid()[0] == ["time,0A", "1A,0A", "0B,0A", "1B,0A"]
    f = fm.compute()
    assert f.grid_shape == (4, 4) and f.home == (0, 0, 4, 4)
    a, b = (controller.get_best_channels(c).tolist() for c in fm.cluster_ids)
    common = [c for c in a if c in b]
    assert f.channel_ids[: len(common)] == common
    assert len(f.channel_ids) == len(a)
    assert fm.dim_channel_pc("1B") == (f.channel_ids[1], 1)
    assert fm.cell_at(1.5, 3.5) == (0, 1) and fm.cell_at(-0.1, 2) is None


def test_budgets_and_determinism(fm: FeatureModel, controller: Any) -> None:
    f = fm.compute()
    assert all(len(p.spike_ids) == 60 for p in fm._clusters)
    n = len(controller.model.spike_times)
    np.testing.assert_array_equal(fm._background.spike_ids, np.arange(0, n, n // 100))
    assert np.array_equal(fm.compute().raster.image, f.raster.image)
    assert (f.raster.image[..., 3] > 0).any()


def test_points_land_in_their_cell(fm: FeatureModel) -> None:
    fm.compute()
    p = fm._clusters[0]
    for i in range(4):
        for j in range(4):
            dx, dy = fm.grid[i][j].split(",")
            gx, gy = fm.to_grid(i, j, fm._dim_values(p, dx), fm._dim_values(p, dy))
            ok = np.isfinite(gx)
            assert ok.mean() > 0.9
            assert np.all((gx[ok] >= j) & (gx[ok] <= j + 1) & (gy[ok] >= 3 - i) & (gy[ok] <= 4 - i))


def _time_lasso(fm: FeatureModel, t1: float) -> None:
    # Cell (0, 0) is 'time,0A': a rectangle over times [0, t1] and the whole y range.
    gx, gy = fm.to_grid(0, 0, np.array([0.0, t1, t1, 0.0]), np.array([-fm._lim, -fm._lim, fm._lim, fm._lim]))
    for x, y in zip(gx, gy):
        assert fm.add_lasso_point(x, y)


def test_lasso_selects_exactly_the_spikes_inside(fm: FeatureModel, controller: Any) -> None:
    fm.compute()
    t1 = controller.model.duration / 2
    _time_lasso(fm, t1)
    assert not fm.add_lasso_point(2.5, 2.5)  # other cell: ignored
    spikes = controller.supervisor.clustering.spikes_in_clusters(fm.cluster_ids)
    f = controller.model.get_features(spikes, [fm.channel_ids[0]])[:, 0, 0]
    expected = spikes[(controller.model.spike_times[spikes] < t1) & (np.abs(np.nan_to_num(f)) <= fm._lim)]
    assert np.array_equal(fm.spikes_in_lasso(load_all=True), expected)
    sample = fm.spikes_in_lasso(load_all=False)
    assert set(sample) <= set(expected) and len(sample) <= 120


def test_split_through_supervisor_recovers_time_halves(pair_controller: Any) -> None:
    c, merged, spikes_a, spikes_b = pair_controller
    m = FeatureModel(c, FeatureOptions(feature_scaling=0.25))  # every spike inside the cell's y range
    connect(m.on_request_split, event="request_split")
    m.set_selection([merged])
    m.compute()
    t1 = c.model.duration / 2
    _time_lasso(m, t1)
    all_spikes = np.union1d(spikes_a, spikes_b)
    early = all_spikes[c.model.spike_times[all_spikes] < t1]
    channels = list(m.channel_ids)
    connect(m.on_cluster, event="cluster")
    connect(m.on_select, event="select")
    up = c.supervisor.split()
    assert m.cluster_ids == list(up.added) and m.is_dirty  # the views follow
    assert m.compute().channel_ids == channels  # channels stay across the split (phy)
    assert np.array_equal(c.supervisor.clustering.spikes_in_clusters([up.added[0]]), early)
    assert np.array_equal(c.supervisor.clustering.spikes_in_clusters([up.added[1]]), np.setdiff1d(all_spikes, early))
    c.supervisor.undo()
    assert np.array_equal(c.supervisor.clustering.spikes_in_clusters([merged]), all_spikes)


def test_channel_click_and_commands(fm: FeatureModel) -> None:
    f = fm.compute()
    c0, c1 = f.channel_ids[:2]
    fm.on_channel_click(None, channel_id=c1, button="left")  # swap: c1 becomes x
    assert fm.compute().channel_ids[:2] == [c1, c0]
    new = next(c for c in range(16) if c not in f.channel_ids)
    fm.on_channel_click(None, channel_id=new, key=2)
    assert fm.compute().channel_ids[1] == new
    fm.set_selection(list(reversed(fm.cluster_ids)))
    assert fm.compute().channel_ids[1] != new  # automatic channel selection
    fm.toggle_automatic_channel_selection()
    assert fm.options.fixed_channels
    fm.on_channel_click(None, channel_id=new, key=2)
    fm.set_selection(list(reversed(fm.cluster_ids)))
    assert fm.compute().channel_ids[1] == new  # fixed channels
    got = []
    connect(lambda sender, **kw: got.append(kw), event="select_feature")
    fm.feature_click(1.5, 3.5, button="left")  # cell (0, 1) = '1A,0A': x dim 1A
    assert got == [{"dim": "1A", "channel_id": fm.channel_ids[1], "pc": 0}]
    fm.increase()
    assert fm.options.feature_scaling == pytest.approx(1.1)
    fm.change_marker_size(+1)
    assert fm.options.marker_size == 4
    assert fm.status.startswith("channels: ")


def test_prefetch_reads_ahead_the_next_similar_clusters(fresh_controller: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Idle after a load, the feature rows of the clusters the wizard's ``next`` selects
    are announced to the OS (on a worker); nothing is cached, so after a merge the
    features are those of the new cluster."""
    c = fresh_controller
    sup = c.supervisor
    a = two_largest(c)[0]
    sup.select([a])
    sup.next()  # the most similar (navigable) cluster
    fm = FeatureModel(c, FeatureOptions(n_spikes_features=60, n_spikes_features_background=100))
    fm.set_selection(sup.selected)
    nxt = fm.next_clusters()
    assert nxt and not set(nxt) & set(sup.selected)
    seen: list[np.ndarray] = []
    real = c.model.prefetch_features
    monkeypatch.setattr(c.model, "prefetch_features", lambda ids: seen.append(np.asarray(ids)) or real(ids))
    assert not fm.prefetch()  # no data loaded yet: nothing read ahead
    fm.compute()
    assert fm.prefetch() and fm._prefetching is not None
    fm._prefetching.result()  # join the worker
    assert not fm.prefetch() and not fm.prefetch()  # once per selection
    assert len(seen) == len(nxt)
    for ids, cid in zip(seen, nxt):
        np.testing.assert_array_equal(ids, c.get_feature_spike_ids(cid, 60))
    sup.next()  # the wizard selects the first cluster read ahead
    assert sup.selected_similar == [nxt[0]]
    # Merge it into the selection's first: it is not read ahead any more (it no longer
    # exists) and the new cluster's features are read from the file afresh.
    up = sup.merge([a, nxt[0]])
    new = int(up.added[0])
    fm.set_selection([new])
    seen.clear()
    fm.compute()
    assert nxt[0] not in fm.next_clusters()
    if fm.prefetch():
        assert fm._prefetching is not None
        fm._prefetching.result()
    assert len(seen) == len(fm.next_clusters()) and all(len(s) for s in seen)
    spikes = c.get_feature_spike_ids(new, 60)
    np.testing.assert_array_equal(fm._clusters[0].spike_ids, spikes)
    np.testing.assert_array_equal(fm._clusters[0].features,
                                  np.nan_to_num(c.model.get_features(spikes, np.asarray(fm.channel_ids))))


def test_prefetch_error_is_raised(fresh_controller: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's error while reading ahead is raised by the next call (the view's error path)."""
    c = fresh_controller
    a = two_largest(c)[0]
    c.supervisor.select([a])
    fm = FeatureModel(c, FeatureOptions(n_spikes_features=60, n_spikes_features_background=100))
    fm.set_selection([a])

    def broken(ids: Any) -> int:
        raise RuntimeError("read-ahead failed")

    monkeypatch.setattr(c.model, "prefetch_features", broken)
    fm.compute()
    assert fm.prefetch() and fm._prefetching is not None
    fm._prefetching.exception()  # join the worker
    with pytest.raises(RuntimeError, match="read-ahead failed"):
        fm.prefetch()
