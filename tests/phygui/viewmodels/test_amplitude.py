"""Amplitude view model: budgets, background, bounds, histograms, lasso split (ground truth)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.analysis import amplitude_histograms
from phycore.signals import connect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.amplitude import AmplitudeModel, AmplitudeOptions

from .conftest import two_largest


def test_budget_background_and_bounds(controller: Any) -> None:
    m = AmplitudeModel(controller, AmplitudeOptions(n_spikes_amplitudes=40, n_spikes_amplitudes_background=25))
    m.set_selection(two_largest(controller))
    m.set_size(200, 100)
    f = m.compute()
    clustering = controller.supervisor.clustering
    for cid, layer in zip(m.cluster_ids, m._layers):
        assert len(layer.spike_ids) == 40
        assert np.all(clustering.spike_clusters[layer.spike_ids] == cid)
        np.testing.assert_array_equal(layer.amplitudes, controller.model.amplitudes[layer.spike_ids])
    others = m.background_clusters()
    peak = controller.get_best_channel(m.cluster_ids[0])
    assert all(peak in controller.get_best_channels(c) and c not in m.cluster_ids for c in others)
    if others:
        assert len(m._background.spike_ids) <= 25
        assert set(clustering.spike_clusters[m._background.spike_ids]) <= set(others)
    layers = ([m._background] if m._background is not None else []) + m._layers
    amps = [x.amplitudes for x in layers]
    assert f.data_bounds[0] == 0 and f.data_bounds[2] == controller.model.duration
    assert f.data_bounds[1] == pytest.approx(min(0, min(np.quantile(a, 0.01) for a in amps)))
    assert f.data_bounds[3] == pytest.approx(max(np.quantile(a, 0.99) for a in amps))
    assert np.array_equal(m.compute().raster.image, f.raster.image)  # deterministic


def test_histograms_are_the_analysis_kernel(controller: Any) -> None:
    m = AmplitudeModel(controller)
    m.set_selection(two_largest(controller))
    f = m.compute()
    hist, edges = m.histograms()
    for k, layer in enumerate(([m._background] if m._background is not None else []) + m._layers):
        ref, ref_edges = amplitude_histograms(layer.amplitudes, [0], n_bins=100,
                                              spike_clusters=np.zeros(len(layer.amplitudes)),
                                              value_range=(f.data_bounds[1], f.data_bounds[3]))
        np.testing.assert_allclose(hist[k], ref[0])
        np.testing.assert_allclose(edges, ref_edges)
    assert f.histograms[-1].color == selected_cluster_color(1, 0.5)
    assert all(ln.x.min() >= controller.model.duration for ln in f.histograms)  # strip right of the scatter


def test_lasso_split_recovers_ground_truth_and_undo(pair_controller: Any) -> None:
    c, merged, spikes_a, spikes_b = pair_controller
    m = AmplitudeModel(c, AmplitudeOptions(n_spikes_amplitudes=50))  # display sample << cluster size
    connect(m.on_request_split, event="request_split")
    m.set_selection([merged])
    m.compute()
    assert len(m._layers[0].spike_ids) == 50
    d = c.model.duration
    for x, y in [(-1, 30), (d + 1, 30), (d + 1, 70), (-1, 70)]:
        m.add_lasso_point(x, y)
    assert np.array_equal(m.spikes_in_lasso(), spikes_b)  # all spikes of the cluster, not the sample
    up = c.supervisor.split()  # 'k': asks every lasso view (request_split)
    new_b, new_a = up.added
    clustering = c.supervisor.clustering
    assert np.array_equal(clustering.spikes_in_clusters([new_b]), spikes_b)
    assert np.array_equal(clustering.spikes_in_clusters([new_a]), spikes_a)
    assert m.lasso.count == 0
    m.on_cluster(c.supervisor, up)
    assert m.is_dirty
    c.supervisor.undo()
    assert np.array_equal(clustering.spikes_in_clusters([merged]), np.union1d(spikes_a, spikes_b))


def test_commands_and_clicks(controller: Any) -> None:
    m = AmplitudeModel(controller)
    m.set_selection(two_largest(controller))
    assert m.amplitudes_types == ["template", "feature"]
    m.next_amplitudes_type()
    f = m.compute()
    assert f.amplitudes_type == "feature"
    ch = controller.get_best_channel(m.cluster_ids[0])
    expected = controller.model.get_features(m._layers[0].spike_ids, [ch])[:, 0, 0]
    np.testing.assert_allclose(m._layers[0].amplitudes, np.nan_to_num(expected))
    m.on_select_feature(None, dim="1B", channel_id=3, pc=1)
    m.compute()
    np.testing.assert_allclose(m._layers[0].amplitudes,
                               np.nan_to_num(controller.model.get_features(m._layers[0].spike_ids, [3])[:, 0, 1]))
    m.previous_amplitudes_type()
    assert m.options.amplitudes_type == "template"
    got = []
    connect(lambda sender, t: got.append(t), event="select_time")
    assert m.time_click(1.25) == 1.25 and got == [1.25]
    m.on_time_range_selected(None, (1.0, 1.5))
    assert m.compute().time_range == (1.0, 1.5)
    m.add_lasso_point(0, 0)
    m.add_lasso_point(1, 0)
    assert m.spikes_in_lasso().size == 0  # fewer than 3 vertices
    m.clear_lasso()
    with pytest.raises(ValueError, match="amplitude type"):
        m.set_amplitudes_type("raw")
