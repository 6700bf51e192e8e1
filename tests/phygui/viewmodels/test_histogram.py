"""ISI and firing-rate view models: values equal the analysis kernels', rows, commands."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.analysis import firing_rate_over_time
from phygui.viewmodels.histogram import FiringRateModel, HistogramOptions, ISIModel

from .conftest import two_largest


def test_isi_equals_numpy_density(controller: Any) -> None:
    ids = two_largest(controller)
    m = ISIModel(controller)
    m.set_selection(ids)
    f = m.compute()
    np.testing.assert_allclose(f.edges, np.linspace(0, 0.05, 51))
    for row, cid in zip(f.values, ids):
        t = controller.model.spike_times[controller.supervisor.clustering.spikes_in_clusters([cid])]
        ref, _ = np.histogram(np.diff(t), bins=f.edges, density=True)
        np.testing.assert_allclose(row, ref)
    assert [b.box for b in f.bars] == [0, 1] and f.home == (0.0, 0.0, 0.05, 2.0)
    assert m.status == "[0.0ms, 50.0ms]"


def test_firing_rate_in_hz(controller: Any) -> None:
    ids = two_largest(controller)
    m = FiringRateModel(controller)
    m.set_selection(ids)
    f = m.compute()
    clustering = controller.supervisor.clustering
    ref, edges = firing_rate_over_time(controller.model.spike_times, ids, duration=controller.model.duration,
                                       bin_size=controller.model.duration / 200,
                                       spike_clusters=clustering.spike_clusters)
    np.testing.assert_allclose(f.values, ref)
    np.testing.assert_allclose(f.edges, edges)
    assert f.values.shape == (2, 200)
    assert f.values[0].mean() == pytest.approx(clustering.spike_counts[ids[0]] / controller.model.duration)


def test_firing_rate_sub_range(controller: Any) -> None:
    ids = two_largest(controller)
    m = FiringRateModel(controller, HistogramOptions(n_bins=10, x_min=1.0, x_max=3.0))
    m.set_selection(ids[:1])
    f = m.compute()
    t = controller.model.spike_times[controller.supervisor.clustering.spikes_in_clusters(ids[:1])]
    counts, _ = np.histogram(t, bins=np.linspace(1, 3, 11))
    np.testing.assert_allclose(f.edges, np.linspace(1, 3, 11))
    np.testing.assert_allclose(f.values[0], counts / 0.2)


def test_commands(controller: Any) -> None:
    m = ISIModel(controller)
    m.set_selection(two_largest(controller))
    m.compute()
    m.set_bin_size(2)  # ms
    assert m.options.n_bins == 25 and m.is_dirty
    m.set_x_max(100)
    assert m.x_range == pytest.approx((0, 0.1))
    m.set_x_min(200)  # above x_max: ignored
    assert m.x_range[0] == 0
    m.set_n_bins(1)
    assert m.options.n_bins == 2
    m.change_n_bins(-10)
    assert m.options.n_bins == 3
    m.increase()
    assert m.x_range[1] == pytest.approx(0.11)
    assert m.snippets["set_n_bins"] == "isin" and FiringRateModel(controller).snippets["set_x_max"] == "frmax"
    assert m.compute().values.shape == (2, 3)


def test_isi_and_firing_rate_share_the_clusters_times(controller: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The two views of a selection gather every spike time of the clusters once: the
    # second finds the first's (read-only) times; the rows equal those of separate gathers.
    from phygui.viewmodels import histogram

    ids = two_largest(controller)
    isi, fr = ISIModel(controller), FiringRateModel(controller)
    for m in (isi, fr):
        m.set_selection(ids)
    a, b = isi.compute(), fr.compute()
    t = histogram.cluster_times(controller, ids[0])
    assert histogram.cluster_times(controller, ids[0]) is t and not t.flags.writeable
    np.testing.assert_array_equal(
        t, controller.model.spike_times[controller.supervisor.clustering.spikes_in_clusters([ids[0]])])
    monkeypatch.setattr(histogram, "_SHARE_TIMES", False)
    assert histogram.cluster_times(controller, ids[0]) is not t
    for m, frame in ((ISIModel(controller), a), (FiringRateModel(controller), b)):
        m.set_selection(ids)
        np.testing.assert_array_equal(m.compute().values, frame.values)


def test_shared_times_belong_to_their_model(controller: Any) -> None:
    # A key holds the model (its id, checked by a weak reference): another model with the
    # same cluster ids and counts gets its own times.
    from phygui.viewmodels import histogram

    cid = two_largest(controller)[0]
    t = histogram.cluster_times(controller, cid)

    class Other:
        model = type("M", (), {"spike_times": np.asarray(controller.model.spike_times) + 1.0})()
        supervisor = controller.supervisor

    other = Other()
    u = histogram.cluster_times(other, cid)
    np.testing.assert_array_equal(u, t + 1.0)
    assert histogram.cluster_times(controller, cid) is t
