"""Correlogram view model: grid values equal the analysis kernel's, normalisation, lines, commands."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.analysis import correlogram_baseline, correlograms, refractory_lines
from phycore.errors import ActionError
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.correlogram import CorrelogramModel, CorrelogramOptions

from .conftest import two_largest


def _kernel(controller: Any, ids: list[int], bin_size: float, window_size: float) -> np.ndarray:
    clustering = controller.supervisor.clustering
    spikes = clustering.spikes_in_clusters(ids)
    return correlograms(controller.model.spike_times[spikes], clustering.spike_clusters[spikes], ids,
                        sample_rate=controller.model.sample_rate, bin_size=bin_size, window_size=window_size)


def test_grid_equals_analysis_kernel(controller: Any) -> None:
    ids = [int(c) for c in controller.supervisor.clustering.cluster_ids][:3]
    m = CorrelogramModel(controller)
    m.set_selection(ids)
    f = m.compute()
    ref = _kernel(controller, ids, 1e-3, 50e-3)
    np.testing.assert_array_equal(f.counts, ref)
    assert f.counts.shape == (3, 3, 51)
    norm = ref.max(axis=2, keepdims=True).astype(float)
    norm[norm == 0] = 1
    np.testing.assert_allclose(f.heights, ref / norm)
    n = np.array([controller.supervisor.clustering.spike_counts[c] for c in ids])
    np.testing.assert_allclose(f.baseline, correlogram_baseline(n, 1e-3, controller.model.duration) / norm[..., 0])
    assert f.bin_edges[0] == pytest.approx(-25.5e-3) and f.bin_edges[-1] == pytest.approx(25.5e-3)
    assert tuple(f.colors[0, 0]) == selected_cluster_color(0) and tuple(f.colors[1, 1]) == selected_cluster_color(1)
    assert f.colors[0, 1, 1] > selected_cluster_color(0)[1]  # off-diagonal cells desaturated
    assert len(f.bars) == 9 and len(f.labels) == 6


def test_zero_lag_bin_kept_like_phy_unless_asked(controller: Any) -> None:
    ids = two_largest(controller)
    m = CorrelogramModel(controller, CorrelogramOptions(bin_size=5e-3, window_size=100e-3))
    m.set_selection(ids)
    f = m.compute()
    np.testing.assert_array_equal(f.counts, _kernel(controller, ids, 5e-3, 100e-3))
    m.set_state({"zero_acg_center": True})
    z = m.compute()
    centre = z.counts.shape[2] // 2
    assert z.counts[0, 0, centre] == 0 and z.counts[1, 1, centre] == 0
    assert z.counts[0, 1, centre] == f.counts[0, 1, centre]


def test_uniform_normalisation_and_refractory_lines(controller: Any) -> None:
    m = CorrelogramModel(controller)
    m.set_selection(two_largest(controller))
    m.toggle_normalization()
    f = m.compute()
    assert f.heights.max() == pytest.approx(1.0)
    np.testing.assert_allclose(f.heights, f.counts / f.counts.max())
    x0, x1 = refractory_lines(50e-3, 1e-3, 2e-3)
    line = f.lines[0]
    xs = line.x[np.isfinite(line.x)]
    assert m.cell_x(0, x0) in xs and m.cell_x(0, x1) in xs


def test_commands(controller: Any) -> None:
    m = CorrelogramModel(controller)
    m.set_selection(two_largest(controller))
    m.compute()
    m.set_bin(2)
    m.set_window(40)
    assert (m.options.bin_size, m.options.window_size) == pytest.approx((2e-3, 40e-3))
    assert m.is_dirty and m.compute().counts.shape[2] == 21
    m.increase()
    assert m.options.window_size == pytest.approx(44e-3)
    m.decrease()
    m.change_bin_size(1)
    assert m.options.bin_size == pytest.approx(2.2e-3)
    m.set_refractory_period(1000)
    assert m.options.refractory_period == pytest.approx(0.1)
    with pytest.raises(ActionError, match="bin size"):
        m.set_bin(100)
    m.toggle_labels()
    assert m.compute().labels == []
    assert m.status == "40.0 ms (2.2 ms)"
    assert m.get_state()["bin_size"] == pytest.approx(2.2e-3)
