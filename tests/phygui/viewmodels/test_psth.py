"""PSTH view model: aligned data equal phycore.analysis.psth, layout, commands, events."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.analysis import psth
from phycore.errors import ActionError
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.async_data import AsyncData
from phygui.viewmodels.psth import PSTHModel
from tests._events import LATENCY, N_EVENTS, events_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return events_folder(tmp_path_factory)


@pytest.fixture
def ctrl(folder: tuple[Path, int], tmp_path: Path) -> Iterator[Any]:
    import shutil

    shutil.copytree(folder[0], tmp_path / "d", ignore=shutil.ignore_patterns(".phy"))
    c = TemplateController(tmp_path / "d" / "params.py", metrics=False)
    yield c
    c.close()


def _rgb(color: Any) -> np.ndarray:
    return np.asarray(color[:3], dtype=np.float32)


def test_psth_frame_equals_the_analysis(ctrl: Any, folder: tuple[Path, int]) -> None:
    cid = folder[1]
    other = next(int(c) for c in ctrl.supervisor.clustering.cluster_ids if c != cid)
    m = PSTHModel(ctrl)
    m.set_selection([cid, other])
    f = m.compute()
    assert f.event_type == "stimulus" and m.status == "stimulus: [-200, 500] ms, bin 10 ms"
    ev = ctrl.events["stimulus"]
    for p, c in zip(f.psths, [cid, other]):
        t = ctrl.model.spike_times[ctrl.supervisor.clustering.spikes_in_clusters([c])]
        ref = psth(t, ev, pre=0.2, post=0.5, bin_size=0.01)
        np.testing.assert_array_equal(p.counts, ref.counts)
        np.testing.assert_array_equal(p.event_index, ref.event_index)
    # The responsive cluster fires in every trial in the bin of its latency.
    p = f.psths[0]
    k = int(np.searchsorted(p.bin_edges, LATENCY, side="right")) - 1
    assert p.counts[k] >= N_EVENTS and p.rates[k] == p.rates.max()
    # Layout: cluster 0 on top (y in [1, 2]); its raster in its colour; the histograms below.
    assert f.home == pytest.approx((-0.2, 0.0, 0.5, 2.0))
    assert [b.cluster_id for b in f.bars] == [cid, other]
    assert f.bars[0].y.min() >= 1.0 and f.bars[1].y.max() <= 1.0
    img = f.raster.image
    top, bottom = img[: img.shape[0] // 2], img[img.shape[0] // 2:]
    blue, red = _rgb(selected_cluster_color(0)), _rgb(selected_cluster_color(1))
    assert (np.abs(top[..., :3] - blue).max(axis=-1) < 0.02).sum() > 8
    assert (np.abs(bottom[..., :3] - red).max(axis=-1) < 0.02).sum() > 0
    assert "trials" in f.labels[0].text and any(line.kind == "event" for line in f.lines)
    assert m.hover(LATENCY + 0.001, 1.0 + 0.2).startswith(f"{cid}: [30, 40] ms"), m.hover(LATENCY + 0.001, 1.2)


def test_commands_and_snippets(ctrl: Any) -> None:
    m = PSTHModel(ctrl)
    m.set_selection([int(ctrl.supervisor.clustering.cluster_ids[0])])
    m.compute()
    m.set_window(100, 300)
    m.set_bin(5)
    assert (m.options.pre, m.options.post, m.options.bin_size) == pytest.approx((0.1, 0.3, 0.005))
    assert m.is_dirty and m.compute().psths[0].bin_edges.size == 81
    with pytest.raises(ActionError, match="empty"):
        m.set_window(-100, 50)
    with pytest.raises(ActionError, match="smaller than the window"):
        m.set_bin(500)
    m.on_wheel(1, ctrl=True)
    assert m.options.post == pytest.approx(0.33)
    m.on_wheel(1, alt=True)
    assert m.options.bin_size == pytest.approx(0.0055)
    assert m.snippets == {"set_window": "psthw", "set_bin": "psthb", "set_event_type": "psthe"}
    with pytest.raises(ActionError, match="No event type 'nope'; event types: stimulus"):
        m.set_event_type("nope")


def test_event_types_follow_set_events(ctrl: Any, folder: tuple[Path, int]) -> None:
    m = PSTHModel(ctrl)
    m.set_selection([folder[1]])
    assert m.compute().psths[0].n_trials == N_EVENTS
    ctrl.set_events("laser", [1.0, 2.0, 3.0])
    m.on_events_changed(ctrl, "laser")
    # A new type does not replace the one shown, even when it comes first in name order.
    assert m.is_dirty and m.event_types == ["laser", "stimulus"] and m.event_type == "stimulus"
    assert m.previous_event_type() == "laser" and m.compute().psths[0].n_trials == 3
    assert m.next_event_type() == "stimulus" and m.compute().psths[0].n_trials == N_EVENTS
    m.set_event_type("laser")
    ctrl.set_events("laser", None)  # removed: back to the first type
    m.on_events_changed(ctrl, "laser")
    assert m.event_type == "stimulus" and m.compute().event_type == "stimulus"
    m.on_events_changed(object(), "x")  # another session's: nothing to do
    assert not m.is_dirty


def test_no_events_is_an_empty_frame(controller: Any) -> None:
    c = controller  # the view-model tests' folder has no event file
    assert c.events == {}
    m = PSTHModel(c)
    m.set_selection([int(c.supervisor.clustering.cluster_ids[0])])
    f = m.compute()
    assert f.raster is None and f.psths == [] and f.event_type is None
    assert m.status.startswith("no events") and m.next_event_type() is None


def test_data_step_on_a_worker(ctrl: Any, folder: tuple[Path, int]) -> None:
    from concurrent.futures import Future

    def run_now(fn: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_result(fn())
        return fut

    m = PSTHModel(ctrl)
    jobs = AsyncData(m, submit=run_now, picture=True)
    m.set_selection([folder[1]])
    assert not jobs.poll()  # submitted (ran at once here), installed at the next poll
    assert jobs.poll() and m._data_valid and len(m.psths) == 1
    frame = jobs.take_frame()
    assert frame is not None and frame.psths[0].n_trials == N_EVENTS


def test_responsive_units_of_the_realistic_synthetic_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The ground truth of ``make_dataset(realistic=True)``: each responsive cluster's PSTH
    rises after its latency above its pre-stimulus rate, and not before the latency."""
    from phycore.model.synthetic import make_dataset, read_truth

    d = tmp_path_factory.mktemp("psth_realistic")
    make_dataset(d, n_spikes=20_000, n_channels=32, n_templates=20, duration=60.0, raw=False, realistic=True,
                 seed=0)
    truth = read_truth(d)["responsive_clusters"]
    assert truth
    c = TemplateController(d / "params.py", metrics=False)
    try:
        m = PSTHModel(c)
        m.set_window(200, 200)
        m.set_bin(5)
        for cid, info in truth.items():
            m.set_selection([int(cid)])
            p = m.compute().psths[0]
            assert m.event_type == info["event"] and p.n_trials == len(c.events["stimulus"])
            t = p.bin_edges[:-1] + p.bin_size / 2
            lat = info["latency_ms"] * 1e-3
            before = p.rates[t < 0].mean()
            after = p.rates[(t > lat) & (t < lat + 0.03)].mean()
            # The response adds about ``rate_hz`` after the latency; before it, the rate is the
            # pre-stimulus one (seeded data: the margins are those of this folder's 30 trials).
            assert after > before + 0.4 * info["rate_hz"], (cid, info, before, after)
            early = p.rates[(t > 0) & (t < lat - p.bin_size)]
            assert early.size == 0 or early.mean() < before + 0.25 * info["rate_hz"], (cid, info, early.mean())
    finally:
        c.close()


def test_set_events_during_a_load_never_caches_old_psths_as_new(ctrl: Any, folder: tuple[Path, int]) -> None:
    """A worker's _load races the GUI thread's set_events: even when the events change right
    after the worker read them, the recompute that follows shows the new events' PSTH."""
    import sys

    cid = folder[1]
    shifted = ctrl.events["stimulus"] + 0.1

    class Racing:
        """The controller, with a set_events landing just after _load reads the events."""

        armed = True

        def __getattr__(self, name: str) -> Any:
            return getattr(ctrl, name)

        @property
        def events(self) -> Any:
            events = ctrl.events
            if self.armed and sys._getframe(1).f_code.co_name == "_load":
                Racing.armed = False
                ctrl.set_events("stimulus", shifted)
            return events

    m = PSTHModel(Racing())
    m.set_selection([cid])
    m.compute()  # computed on the old events, while they changed
    m.invalidate()  # what events_changed does
    p = m.compute().psths[0]
    t = ctrl.model.spike_times[ctrl.supervisor.clustering.spikes_in_clusters([cid])]
    np.testing.assert_array_equal(p.counts, psth(t, shifted, pre=0.2, post=0.5, bin_size=0.01).counts)
