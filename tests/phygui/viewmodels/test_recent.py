"""Results of clusters seen recently are reused (undo, reselection) and equal fresh ones."""

from __future__ import annotations

from typing import Any

import numpy as np

from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.viewmodels.recent import RecentResults
from phygui.viewmodels.template_feature import TemplateFeatureModel

from .conftest import two_largest


def test_recent_results_is_a_bounded_lru() -> None:
    r = RecentResults(2)
    r.put("a", 1)
    r.put("b", 2)
    assert r.get("a") == 1  # "a" is now the most recent
    r.put("c", 3)
    assert r.get("b") is None and r.get("a") == 1 and r.get("c") == 3 and len(r) == 2


def test_histogram_rows_reused(controller: Any) -> None:
    a, b = two_largest(controller)
    for cls in (ISIModel, FiringRateModel):
        m = cls(controller)
        asked: list[list[int]] = []
        real = m.histograms

        def spy(ids: Any = None, real: Any = real) -> Any:
            asked.append(list(ids))
            return real(ids)

        m.histograms = spy  # type: ignore[method-assign]
        m.set_selection([a, b])
        first = m.compute().values.copy()
        m.set_selection([b])
        m.compute()
        m.set_selection([a, b])  # an undo back to the pair
        again = m.compute().values
        assert asked == [[a, b]], asked  # each row computed once
        np.testing.assert_array_equal(first, again)
        fresh = cls(controller)
        fresh.set_selection([b, a])
        np.testing.assert_array_equal(fresh.compute().values, again[::-1])
        m.set_n_bins(20)  # other options: computed again
        assert m.compute().values.shape == (2, 20) and asked[-1] == [a, b]


def test_correlograms_and_template_features_reused(controller: Any) -> None:
    ids = two_largest(controller)
    for cls, attr in ((CorrelogramModel, "get_correlograms"), (TemplateFeatureModel, "get_template_features")):
        m = cls(controller)
        calls: list[Any] = []
        real = getattr(controller, attr)

        class Spy:
            def __getattr__(self, name: str) -> Any:
                if name == attr:
                    return lambda *a, **k: (calls.append(a), real(*a, **k))[1]
                return getattr(controller, name)

        m.controller = Spy()
        m.set_selection(ids)
        m.compute()
        m.set_selection(ids[:1])
        m.compute()
        m.set_selection(ids)
        m.compute()
        assert len([c for c in calls if list(c[0]) == ids]) == 1, (cls, calls)


def test_feature_view_merge_takes_the_parts_points(fresh_controller: Any) -> None:
    from phygui.viewmodels.feature import FeatureModel

    c = fresh_controller
    a, b = two_largest(c)
    sizes = [int(c.supervisor.clustering.spike_counts[x]) for x in (a, b)]
    m = FeatureModel(c)
    m.set_selection([a, b])
    m.compute()
    parts = {x: p for x, p in zip((a, b), m._clusters)}
    background = m._background
    channels = list(m.channel_ids)
    up = c.supervisor.merge([a, b])
    m.on_cluster(c.supervisor, up)
    merged = up.added[0]
    m.set_selection([merged])
    m.compute()
    assert list(m.channel_ids) == channels  # phy keeps the channels across the merge
    assert m._background is background  # the background points: the same spikes and channels
    p = m._clusters[0]
    n = min(m.options.n_spikes_features, sum(sizes))
    assert abs(len(p.spike_ids) - n) <= 2 and np.all(np.diff(p.spike_ids) > 0)
    assert np.isin(p.spike_ids, np.concatenate([q.spike_ids for q in parts.values()])).all()
    assert np.isin(p.spike_ids, c.supervisor.clustering.spikes_in_clusters([merged])).all()
    ref = m._points(p.spike_ids)  # the features of those spikes, read afresh
    np.testing.assert_array_equal(p.features, ref.features)
    np.testing.assert_array_equal(p.times, ref.times)


def test_feature_view_undo_takes_the_pairs_points_again(fresh_controller: Any) -> None:
    from phygui.viewmodels.feature import FeatureModel

    c = fresh_controller
    a, b = two_largest(c)
    m = FeatureModel(c)
    reads: list[int] = []
    real = m._points

    def spy(spike_ids: Any) -> Any:
        reads.append(len(spike_ids))
        return real(spike_ids)

    m._points = spy  # type: ignore[method-assign]
    m.set_selection([a, b])
    before = m.compute()
    pair = [p.spike_ids.copy() for p in m._clusters]
    up = c.supervisor.merge([a, b])
    m.on_cluster(c.supervisor, up)
    m.set_selection(up.added)
    m.compute()
    n_reads = len(reads)
    up = c.supervisor.undo()
    m.on_cluster(c.supervisor, up)
    m.set_selection([a, b])
    after = m.compute()
    assert len(reads) == n_reads, "the undo read no cluster's features again"
    for p, q in zip(m._clusters, pair):
        np.testing.assert_array_equal(p.spike_ids, q)
    np.testing.assert_array_equal(after.raster.image, before.raster.image)
    fresh = FeatureModel(c)
    fresh.set_selection([a, b])
    fresh.set_size(*m.size)
    np.testing.assert_array_equal(fresh.compute().raster.image, after.raster.image)
    # Another time axis (ctrl+r): read again, never the points of the other axis.
    c.spike_reorder = not getattr(c, "spike_reorder", False)
    try:
        m.invalidate()
        m.compute()
        assert len(reads) > n_reads
    finally:
        c.spike_reorder = not c.spike_reorder


def test_amplitude_view_undo_takes_the_pairs_layers_again(fresh_controller: Any) -> None:
    from phygui.viewmodels.amplitude import AmplitudeModel

    c = fresh_controller
    a, b = two_largest(c)
    m = AmplitudeModel(c)
    made: list[int] = []
    real = m._layer

    def spy(spike_ids: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(len(spike_ids))
        return real(spike_ids, *args, **kwargs)

    m._layer = spy  # type: ignore[method-assign]
    m.set_selection([a, b])
    m.set_size(300, 200)
    before = m.compute()
    up = c.supervisor.merge([a, b])
    m.on_cluster(c.supervisor, up)
    m.set_selection(up.added)
    m.compute()
    n_made = len(made)
    up = c.supervisor.undo()
    m.on_cluster(c.supervisor, up)
    m.set_selection([a, b])
    after = m.compute()
    assert len(made) == n_made, "the undo computed no layer again (clusters and background)"
    np.testing.assert_array_equal(after.raster.image, before.raster.image)
    fresh = AmplitudeModel(c)
    fresh.set_selection([a, b])
    fresh.set_size(300, 200)
    np.testing.assert_array_equal(fresh.compute().raster.image, after.raster.image)
    # Another amplitude type: computed again, never the layers of the other type.
    if len(m.amplitudes_types) > 1:
        m.next_amplitudes_type()
        m.compute()
        assert len(made) > n_made


def test_amplitude_background_of_a_grown_live_cluster_is_read_again() -> None:
    # A live background cluster that receives spikes keeps its id: the kept background is
    # keyed by (id, size), so the reload after spikes_added shows the new spikes.
    from phycore import TemplateController
    from phycore.model.stream import SpikeStream
    from phygui.viewmodels.amplitude import AmplitudeModel, AmplitudeOptions

    stream = SpikeStream(n_channels=32, n_templates=8, rate=3000, n_channels_loc=8, seed=5)
    c = TemplateController(model=stream.model(duration=1.0), metrics=False)
    try:
        def options() -> AmplitudeOptions:
            return AmplitudeOptions("template", n_spikes_amplitudes=10**6, n_spikes_amplitudes_background=10**6)

        m = AmplitudeModel(c, options())
        counts = c.supervisor.clustering.spike_counts
        a = max(counts, key=counts.get)
        m.set_selection([a])
        m.set_size(200, 100)
        m.compute()
        x = m.background_clusters()[0]
        ids = c.append_spikes([1.1, 1.2, 1.3, 1.4], [0, 0, 0, 0], [20.0] * 4, clusters=[a, a, x, x])
        c.apply_pending()
        m.on_spikes_added(c.supervisor, ids, [a, x])
        m.compute()
        fresh = AmplitudeModel(c, options())
        fresh.set_selection([a])
        fresh.set_size(200, 100)
        fresh.compute()
        assert fresh._background is not None and m._background is not None
        np.testing.assert_array_equal(np.sort(m._background.spike_ids), np.sort(fresh._background.spike_ids))
        np.testing.assert_array_equal(np.sort(m._layers[0].spike_ids), np.sort(fresh._layers[0].spike_ids))
    finally:
        c.close()
