"""The view models' data step on a worker (phygui.viewmodels.async_data): the data equals
the synchronous load's, stale results are discarded, errors are raised once on poll."""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import Future
from typing import Any, Callable

import attrs
import numpy as np
import pytest

from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.async_data import AsyncData, jobs_after_updates, jobs_running, load_on_copy, warm_on_copies
from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.feature import FeatureModel
from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.viewmodels.template_feature import TemplateFeatureModel
from phygui.viewmodels.waveform import WaveformModel

from .conftest import two_largest

MODELS = [WaveformModel, FeatureModel, AmplitudeModel, CorrelogramModel, ISIModel, FiringRateModel,
          TemplateFeatureModel]


class ManualPool:
    """A pool whose jobs run only when the test says so (no threads, no timing)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Future[Any]]] = []

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self.jobs.append((fn, fut))
        return fut

    def run_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        for fn, fut in jobs:
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except Exception as exc:
                fut.set_exception(exc)


def _on_manual_pool(model: Any, ids: list[int], **kwargs: Any) -> tuple[ManualPool, AsyncData]:
    """``model`` selecting ``ids``, its jobs on a pool the test runs by hand."""
    model.set_selection(ids)
    pool = ManualPool()
    return pool, AsyncData(model, submit=pool.submit, **kwargs)


def _frame_arrays(frame: Any) -> list[np.ndarray]:
    out = []
    raster = getattr(frame, "raster", None)
    if raster is not None:
        out.append(np.asarray(raster.image))
    for name in ("lines", "histograms", "bars"):
        for line in getattr(frame, name, None) or []:
            out += [np.asarray(line.x), np.asarray(line.y)]
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_async_data_equals_synchronous(controller: Any, cls: Any) -> None:
    ids = two_largest(controller)
    sync, lazy = cls(controller), cls(controller)
    sync.set_selection(ids)
    pool, data = _on_manual_pool(lazy, ids)
    running = jobs_running()
    assert not data.poll() and data.pending and len(pool.jobs) == 1
    assert jobs_running() == running + 1  # the trace view's prefetch waits for it
    assert not lazy._data_valid  # nothing installed before the job ran
    pool.run_all()
    assert jobs_running() == running
    assert data.poll() and lazy._data_valid and not data.pending
    assert data.n_installed == 1
    a, b = _frame_arrays(sync.compute()), _frame_arrays(lazy.compute())
    assert len(a) == len(b) and len(a) > 0
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert lazy.cluster_ids == ids


def test_stale_selection_is_discarded(controller: Any) -> None:
    ids = two_largest(controller)
    m = WaveformModel(controller)
    pool, data = _on_manual_pool(m, ids)
    assert not data.poll()
    first = pool.jobs[0][0]
    m.set_selection(ids[:1])  # the user moved on before the job ran
    assert not data.poll()  # a job for the new selection; the old one cancelled
    assert data.n_discarded == 1 and len(pool.jobs) == 2 and pool.jobs[0][1].cancelled()
    # Even a stale job that ran to the end is never installed.
    stale_result = first()
    pool.run_all()
    assert data.poll()
    assert [w.spike_ids.size > 0 for w in m._waves] == [True]
    assert m._waves[0] is not stale_result.changes["_waves"][1][0]
    assert len(m._waves) == 1 and m.cluster_ids == ids[:1]


def test_clustering_change_makes_a_running_job_stale(controller: Any) -> None:
    ids = two_largest(controller)
    m = CorrelogramModel(controller)
    pool, data = _on_manual_pool(m, ids)
    data.poll()
    data.clustering_changed()  # a cluster event while the job reads the clustering
    pool.run_all()  # the job finishes, for the old clustering
    assert not data.poll() and data.n_installed == 0 and len(pool.jobs) == 1
    pool.run_all()
    assert data.poll() and data.n_installed == 1


def test_worker_error_is_raised_once_on_poll(controller: Any) -> None:
    class Broken(ISIModel):
        def histograms(self, cluster_ids: Any = None) -> Any:
            raise RuntimeError("broken data")

    m = Broken(controller)
    pool, data = _on_manual_pool(m, two_largest(controller))
    data.poll()
    pool.run_all()
    with pytest.raises(RuntimeError, match="broken data"):
        data.poll()
    assert not data.poll() and not pool.jobs  # reported once; no new job until a change
    m.invalidate()
    assert not data.poll() and len(pool.jobs) == 1


def test_disabled_keeps_synchronous_semantics(controller: Any) -> None:
    m = ISIModel(controller)
    pool, data = _on_manual_pool(m, two_largest(controller), enabled=False)
    assert data.poll() and not pool.jobs
    assert m.compute().values.shape[0] == 2  # compute() loaded on the calling thread


def test_option_changed_meanwhile_wins(controller: Any) -> None:
    m = AmplitudeModel(controller)
    pool, data = _on_manual_pool(m, two_largest(controller))
    data.poll()
    m.options = attrs.evolve(m.options, marker_size=m.options.marker_size + 3)  # a redraw-only option
    new = m.options
    pool.run_all()
    assert data.poll()
    assert m.options is new  # the job's snapshot of the options did not overwrite it


def test_real_pool_equals_synchronous(controller: Any) -> None:
    ids = two_largest(controller)
    m, ref = FeatureModel(controller), FeatureModel(controller)
    m.set_selection(ids)
    ref.set_selection(ids)
    data = AsyncData(m)
    assert not data.poll()
    data.wait(timeout=60)
    assert data.poll()
    for x, y in zip(_frame_arrays(ref.compute()), _frame_arrays(m.compute())):
        np.testing.assert_array_equal(x, y)


def test_load_on_copy_leaves_the_model_alone(controller: Any) -> None:
    m = WaveformModel(controller)
    m.set_selection(two_largest(controller))
    result = load_on_copy(m)()
    assert not m._data_valid and m._waves == []
    assert set(result.changes) >= {"_waves", "_data_valid", "layout", "channel_ids"}
    assert result.frame is None and "_is_dirty" not in result.changes


@pytest.mark.parametrize("cls", [WaveformModel, FeatureModel, CorrelogramModel], ids=lambda c: c.__name__)
def test_picture_made_on_the_worker(controller: Any, cls: Any) -> None:
    ids = two_largest(controller)
    m, ref = cls(controller), cls(controller)
    m.set_selection(ids)
    ref.set_selection(ids)
    pool = ManualPool()
    data = AsyncData(m, submit=pool.submit, picture=True)
    data.poll()
    pool.run_all()
    assert data.poll() and m.is_dirty  # the GUI thread clears the flag when it shows the picture
    frame = data.take_frame()
    assert frame is not None and data.take_frame() is None  # handed out once
    for x, y in zip(_frame_arrays(ref.compute()), _frame_arrays(frame)):
        np.testing.assert_array_equal(x, y)


def test_picture_not_used_after_a_resize(controller: Any) -> None:
    m = FeatureModel(controller)
    pool, data = _on_manual_pool(m, two_largest(controller), picture=True)
    data.poll()
    m.set_viewport(333, 222)  # the plot was resized while the job ran
    pool.run_all()
    assert data.poll() and data.take_frame() is None  # the data is kept, the picture redone
    assert m.compute().raster.image.shape[:2] == (222, 333)


def test_close_drops_the_job(controller: Any) -> None:
    m = ISIModel(controller)
    pool, data = _on_manual_pool(m, two_largest(controller))
    data.poll()
    fut = pool.jobs[0][1]
    data.close()
    assert fut.cancelled() and not data.pending
    pool.run_all()  # a cancelled job never runs
    assert not m._data_valid


def test_jobs_are_sent_when_the_update_pass_ends(controller: Any) -> None:
    ids = two_largest(controller)
    models = [ISIModel(controller), CorrelogramModel(controller)]
    pool = ManualPool()
    datas = [AsyncData(m, submit=pool.submit) for m in models]
    running = jobs_running()
    with jobs_after_updates():
        for m, data in zip(models, datas):
            m.set_selection(ids)
            assert not data.poll() and data.pending
        with jobs_after_updates():  # nested: sent by the outer block
            pass
        assert not pool.jobs  # held: no worker runs while the GUI thread updates views
        assert jobs_running() == running + 2  # but counted (the trace view's prefetch waits)
    assert len(pool.jobs) == 2
    assert all(data.pending for data in datas)
    pool.run_all()
    assert all(data.poll() for data in datas) and jobs_running() == running
    assert [m._data_valid for m in models] == [True, True]
    ref = ISIModel(controller)
    ref.set_selection(ids)
    for x, y in zip(_frame_arrays(ref.compute()), _frame_arrays(models[0].compute())):
        np.testing.assert_array_equal(x, y)


def _polled_in_a_pass(model: Any, submit: Callable[[Callable[[], Any]], Future[Any]],
                      *selections: list[int]) -> AsyncData:
    # An update pass (jobs held until its end) where ``model`` is given each selection
    # in turn and polled after each.
    data = AsyncData(model, submit=submit)
    with jobs_after_updates():
        for ids in selections:
            model.set_selection(ids)
            data.poll()
    return data


def test_a_held_job_cancelled_never_runs_and_errors_still_reach_poll(controller: Any) -> None:
    ids = two_largest(controller)
    m = ISIModel(controller)
    pool = ManualPool()
    data = _polled_in_a_pass(m, pool.submit, ids, ids[:1])  # the user moved on within the same pass
    assert len(pool.jobs) == 1 and data.n_discarded == 1  # the stale one was never sent
    pool.run_all()
    assert data.poll() and m.cluster_ids == ids[:1]

    class Broken(ISIModel):
        def histograms(self, cluster_ids: Any = None) -> Any:
            raise RuntimeError("broken data")

    bdata = _polled_in_a_pass(Broken(controller), pool.submit, ids)
    pool.run_all()
    with pytest.raises(RuntimeError, match="broken data"):
        bdata.poll()

    def refuse(fn: Callable[[], Any]) -> Future[Any]:
        raise RuntimeError("cannot schedule new futures after shutdown")

    cdata = _polled_in_a_pass(ISIModel(controller), refuse, ids)
    with pytest.raises(RuntimeError, match="after shutdown"):
        cdata.poll()


def test_a_sent_job_still_queued_is_cancelled_with_its_future(controller: Any) -> None:
    # A held job, once sent, is cancelled like a pool job: still queued, it never runs,
    # and closing its view does not wait for it (the pool here runs nothing by itself).
    ids = two_largest(controller)
    m = ISIModel(controller)
    pool = ManualPool()
    data = _polled_in_a_pass(m, pool.submit, ids)
    assert len(pool.jobs) == 1
    queued = pool.jobs[0][1]
    m.set_selection(ids[:1])  # the user moved on before a worker took the job
    data.poll()
    assert queued.cancelled() and data.n_discarded == 1 and len(pool.jobs) == 2
    data.close()  # returns at once: the queued job is cancelled, not waited for
    assert pool.jobs[1][1].cancelled()
    pool.run_all()
    assert not m._data_valid and not data.pending


def test_jobs_of_other_threads_are_not_held(controller: Any) -> None:
    import threading

    ids = two_largest(controller)
    m = ISIModel(controller)
    pool, data = _on_manual_pool(m, ids)
    with jobs_after_updates():
        t = threading.Thread(target=data.poll)
        t.start()
        t.join()
        assert len(pool.jobs) == 1  # sent at once: only the block's own thread holds jobs
    pool.run_all()
    assert data.poll() and m._data_valid


def _record_pictures(monkeypatch: pytest.MonkeyPatch, classes: list[Any],
                     after_each: Callable[[], None] = lambda: None) -> list[tuple[str, list[int]]]:
    """Each ``compute()`` of these classes, as (class name, the model's selection)."""
    seen: list[tuple[str, list[int]]] = []
    for cls in classes:
        def compute(self: Any, *args: Any, _orig: Any = cls.compute, **kwargs: Any) -> Any:
            frame = _orig(self, *args, **kwargs)
            seen.append((type(self).__name__, list(self.cluster_ids)))
            after_each()
            return frame
        monkeypatch.setattr(cls, "compute", compute)
    return seen


def test_warm_up_draws_each_view_of_a_selection_on_copies(controller: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = two_largest(controller)
    models = [cls(controller) for cls in MODELS]
    seen = _record_pictures(monkeypatch, MODELS)
    pool, loading = ManualPool(), Future()
    fut = warm_on_copies([*models, object()], ids, after=loading, submit=pool.submit)
    assert not pool.jobs  # nothing sent while numba loads (no worker waits for it)
    loading.set_result(None)
    pool.run_all()
    assert fut.result() == len(MODELS)
    assert seen == [(cls.__name__, ids) for cls in MODELS]
    for m in models:  # the views themselves still show nothing
        assert m.cluster_ids == [] and not m._data_valid


def test_warm_up_stops_at_a_selection_skips_failures_and_can_be_cancelled(controller: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ids = two_largest(controller)
    stop = threading.Event()
    seen = _record_pictures(monkeypatch, [ISIModel, FiringRateModel], after_each=stop.set)

    def broken_load(self: Any) -> None:
        raise RuntimeError("unreadable")

    monkeypatch.setattr(CorrelogramModel, "_load", broken_load)
    pool = ManualPool()
    fut = warm_on_copies([CorrelogramModel(controller), ISIModel(controller), FiringRateModel(controller)], ids,
                         stop=stop, submit=pool.submit)
    pool.run_all()
    # The failing view is skipped; the first picture made, the user selects: the rest waits.
    assert fut.result() == 2 and seen == [("ISIModel", ids)]
    loading = Future()
    cancelled = warm_on_copies([ISIModel(controller)], ids, after=loading, submit=pool.submit)
    assert cancelled.cancel()
    loading.set_result(None)
    assert not pool.jobs and cancelled.cancelled()


_SELECTED: list[Any] = []  # weak references to the _TinyModel copies given a selection


class _TinyModel:
    """The least a data view model has (for the warm-up's references)."""

    _data_valid = False

    def __init__(self) -> None:
        self.cluster_ids: list[int] = []

    def set_selection(self, ids: list[int]) -> None:
        self.cluster_ids = list(ids)
        _SELECTED.append(weakref.ref(self))

    def _load(self) -> None:
        self.loaded = True

    def compute(self) -> None:
        return None


@pytest.mark.parametrize("cancelled", [False, True])
def test_warm_up_keeps_no_session_alive(cancelled: bool) -> None:
    # numba's loading future lives as long as the process and keeps its callbacks: once
    # the job ran, or was cancelled, nothing there may hold the models' copies.
    import gc

    pool, loading = ManualPool(), Future()
    model = _TinyModel()
    _SELECTED.clear()
    fut = warm_on_copies([model], [1, 2], after=loading, submit=pool.submit)
    (alive,) = _SELECTED
    copy_ = alive()
    assert copy_ is not None and copy_ is not model and copy_.cluster_ids == [1, 2] and model.cluster_ids == []
    del copy_
    if cancelled:
        assert fut.cancel()
    else:
        loading.set_result(None)
        pool.run_all()
        assert fut.result() == 1
    gc.collect()
    assert alive() is None
    if cancelled:
        loading.set_result(None)
        assert not pool.jobs  # never sent


def test_a_cancel_while_the_job_is_being_sent_waits_for_it() -> None:
    # The warm-up is sent from numba's loading thread while the GUI may close: a cancel
    # between the submit and the bookkeeping must not report a started job as cancelled.
    outcome: list[bool] = []

    def submit(fn: Callable[[], Any]) -> Future[Any]:
        started: Future[Any] = Future()
        started.set_running_or_notify_cancel()  # the worker took it at once
        closer = threading.Thread(target=lambda: outcome.append(fut.cancel()))
        closer.start()
        closer.join(0.05)  # the closing thread gets its chance inside the send
        return started

    loading: Future[Any] = Future()
    fut = warm_on_copies([_TinyModel()], [1], after=loading, submit=submit)
    loading.set_result(None)
    while not outcome:
        threading.Event().wait(0.001)
    assert outcome == [False] and not fut.cancelled()
