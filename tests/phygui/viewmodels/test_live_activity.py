"""Live sessions in the view models: throttled refreshes, the rate in the status bar, and which
views recompute when spikes are appended (no display)."""

from __future__ import annotations

from typing import Any, Iterator

import attrs
import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.stream import SpikeStream
from phygui.viewmodels import ClusterViewModel
from phygui.viewmodels.histogram import FiringRateModel
from phygui.viewmodels.live_activity import LiveActivity
from phygui.viewmodels.raster import RasterModel
from phygui.viewmodels.scatter import ClusterScatterModel
from phygui.viewmodels.status import StatusModel


@pytest.fixture
def live() -> Iterator[tuple[TemplateController, SpikeStream]]:
    s = SpikeStream(n_channels=32, n_templates=6, rate=3000, n_channels_loc=8, seed=0)
    c = TemplateController(model=s.model(duration=1.0), metrics=False)
    yield c, s
    c.close()


def test_flush_hands_out_what_arrived_at_most_every_interval() -> None:
    a = LiveActivity(interval=0.5)
    assert a.flush(now=0.0) is None and not a.pending and a.text(now=0.0) == ""
    a.add(np.arange(10, 20), [3, 1], now=0.0)
    spikes, clusters = a.flush(now=0.0)  # the first one is due at once
    np.testing.assert_array_equal(spikes, np.arange(10, 20))
    assert clusters == [1, 3] and not a.pending
    a.add([20, 21], [3], now=0.1)
    a.add([22], [5], now=0.2)
    assert a.flush(now=0.3) is None and a.pending  # too soon
    spikes, clusters = a.flush(now=0.6)
    assert spikes.tolist() == [20, 21, 22] and clusters == [3, 5] and a.n_flushes == 2
    a.add([], [7], now=0.7)  # nothing new: ignored
    assert not a.pending and a.n_received == 13


def test_rate_over_the_window_and_falls_to_zero() -> None:
    a = LiveActivity(interval=0.5, window=2.0)
    for k in range(1, 101):  # 100 spikes every 0.05 s: 2,000 spikes/s
        a.add(np.arange(100), [0], now=k * 0.05)
    assert a.rate(now=5.0) == pytest.approx(2000, rel=0.03)
    assert a.text(now=5.0) == "live: 10,000 spikes received (2,000/s)"
    assert a.rate(now=8.0) == 0.0  # nothing for longer than the window
    with pytest.raises(ValueError, match="interval"):
        LiveActivity(interval=-1)


def test_status_bar_shows_the_live_part_after_the_selection() -> None:
    s = StatusModel()
    s.set_selection([3], {3: 10})
    v = s.version
    s.set_live("live: 5 spikes received (5/s)")
    assert s.version == v + 1
    s.set_live("live: 5 spikes received (5/s)")  # same text: nothing to redraw
    assert s.version == v + 1
    s.set_message("merge: 1, 2 -> 3")
    assert s.text() == "clusters: 3 (10 spikes)   |   live: 5 spikes received (5/s)   |   merge: 1, 2 -> 3"
    s.set_live("")
    assert "live" not in s.text()


def _append(c: TemplateController, s: SpikeStream, until: float) -> tuple[np.ndarray, list[int]]:
    c.append_spikes(*s.next_batch(until))
    ids = c.apply_pending()
    return ids, sorted(set(c.supervisor.clustering.spike_clusters[ids].tolist()))


def test_a_view_recomputes_only_when_a_drawn_cluster_grew(live: tuple[TemplateController, SpikeStream]) -> None:
    c, s = live
    fr = FiringRateModel(c)
    fr.set_selection([2])
    frame = fr.compute()
    assert not fr.is_dirty and frame.edges[-1] == pytest.approx(c.model.duration)
    n_before = len(c.supervisor.clustering.spikes_in_clusters([2]))
    ids, grown = _append(c, s, 2.0)
    fr.on_spikes_added(c.supervisor, ids, [k for k in grown if k != 2])
    assert not fr.is_dirty  # other clusters only
    fr.on_spikes_added(c.supervisor, ids, grown)
    assert fr.is_dirty
    frame = fr.compute()
    assert frame.edges[-1] == pytest.approx(c.model.duration) and c.model.duration > 1.9
    n_after = len(c.supervisor.clustering.spikes_in_clusters([2]))
    assert n_after > n_before
    width = frame.edges[1] - frame.edges[0]
    assert frame.values[0].sum() * width == pytest.approx(n_after)  # the rate integrates to the count


def test_a_time_window_view_ignores_spikes_outside_its_window(live: tuple[TemplateController, SpikeStream]) -> None:
    @attrs.define
    class Options:
        interval: tuple[float, float] = (0.2, 0.4)

    class Windowed(ClusterViewModel):
        options_class = Options

    c, s = live
    view = Windowed(c)
    view.set_selection([1])
    view.is_dirty = False
    ids, grown = _append(c, s, 1.5)
    view.on_spikes_added(c.supervisor, ids, grown)
    assert not view.is_dirty  # the new spikes are after 1 s
    view.options = Options(interval=(1.2, 1.4))
    view.on_spikes_added(c.supervisor, ids, grown)
    assert view.is_dirty


def test_global_views_follow_every_append(live: tuple[TemplateController, SpikeStream]) -> None:
    c, s = live
    scatter, raster = ClusterScatterModel(c), RasterModel(c)
    for m in (scatter, raster):
        m.compute()
        assert not m.is_dirty
    ids, grown = _append(c, s, 3.0)
    for m in (scatter, raster):
        m.on_spikes_added(c.supervisor, ids, grown[:1])
        assert m.is_dirty
    assert raster.duration == c.model.duration > 2.9
    frame: Any = scatter.compute()
    assert frame is not None and not scatter.is_dirty
