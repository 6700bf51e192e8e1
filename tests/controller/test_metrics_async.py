"""Quality metrics off the calling thread: set-up on a worker, rows of new clusters computed
asynchronously, rows of deleted clusters restored by undo/redo (phycore/controller/_metrics.py)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController, signals
from phycore.controller import _metrics
from phycore.controller._metrics import METRIC_COLUMNS
from phycore.model.synthetic import make_dataset


@pytest.fixture
def params(tmp_path: Path) -> Path:
    return Path(make_dataset(tmp_path / "data", n_spikes=20_000, n_channels=32, n_templates=20,
                             duration=10.0, raw=False, seed=3))


def _metric_cells(c: TemplateController, cluster_id: int) -> dict[str, Any]:
    row = c.supervisor.get_cluster_info(cluster_id)
    # No snr column without raw data; drift_ptp is empty (NaN) on these 10-s recordings,
    # shorter than two 60-s drift bins (as in SpikeInterface).
    return {k: row[k] for k in METRIC_COLUMNS if k in row and k != "drift_ptp"}


def _two_largest(c: TemplateController) -> list[int]:
    counts = c.supervisor.clustering.spike_counts
    return sorted(sorted(counts, key=lambda k: counts[k])[-2:])


class _Gate:
    """Holds the worker's row computations until released (no sleeps, no clocks)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
        self.release = threading.Event()
        self.calls: list[list[int]] = []
        real = _metrics.ClusterMetrics.compute_rows

        def compute_rows(metrics: Any, spikes: dict[int, np.ndarray]) -> Any:
            self.calls.append(sorted(spikes))
            assert self.release.wait(30)
            if fail:
                raise RuntimeError("metric kernel exploded")
            return real(metrics, spikes)

        monkeypatch.setattr(_metrics.ClusterMetrics, "compute_rows", compute_rows)


def test_background_set_up_runs_on_the_worker(params: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    caller = threading.get_ident()
    seen: dict[str, int] = {}
    started = threading.Event()
    release = threading.Event()
    real_metrics, real_pc = _metrics.ClusterMetrics, _metrics._pc_features

    def metrics(*a: Any, **kw: Any) -> Any:
        seen["ClusterMetrics"] = threading.get_ident()
        started.set()
        assert release.wait(30)  # hold the worker: the table must be usable meanwhile
        return real_metrics(*a, **kw)

    def pc_features(model: Any) -> Any:
        seen["PCFeatures"] = threading.get_ident()
        return real_pc(model)

    class Numpy:  # numpy as _metrics sees it, recording where its first copy is made
        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

        def array(self, *a: Any, **kw: Any) -> Any:
            seen.setdefault("snapshot copy", threading.get_ident())
            return np.array(*a, **kw)

    monkeypatch.setattr(_metrics, "ClusterMetrics", metrics)
    monkeypatch.setattr(_metrics, "_pc_features", pc_features)
    monkeypatch.setattr(_metrics, "np", Numpy())
    c = TemplateController(params, metrics="background")
    try:
        assert started.wait(30)
        first = c.supervisor.cluster_table.visible_ids[0]
        assert set(_metric_cells(c, first).values()) == {None}  # empty cells until install()
        busy = c.busy
        assert busy is not None and busy[0].startswith("quality metrics")
        release.set()
        c.wait()
        assert c.busy is None
        assert seen and all(ident != caller for ident in seen.values()), seen
        assert set(seen) == {"ClusterMetrics", "PCFeatures", "snapshot copy"}
        assert None not in (_metric_cells(c, first)["presence_ratio"], _metric_cells(c, first)["l_ratio"])
    finally:
        release.set()
        c.close()


def test_rows_computed_on_the_worker_equal_the_synchronous_ones(params: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    sync = TemplateController(params, metrics=True, read_only=True)
    bg = TemplateController(params, metrics="background", read_only=True)
    try:
        bg.wait()
        a, b = _two_largest(bg)
        expected = _metric_cells(sync, sync.supervisor.merge(a, b).added[0])
        gate = _Gate(monkeypatch)
        new = bg.supervisor.merge(a, b).added[0]
        assert set(_metric_cells(bg, new).values()) == {None}  # the GUI thread did not compute them
        assert bg.quality is not None and bg.quality.n_pending == 1
        bg.poll()  # the job is held: nothing to install yet
        assert set(_metric_cells(bg, new).values()) == {None} and bg.quality.n_pending == 1
        gate.release.set()
        bg.wait()
        assert gate.calls == [[new]]
        assert _metric_cells(bg, new) == expected
        assert None not in expected.values()
        # Splits: every new cluster, one job each; equal to the synchronous rows.
        spikes = sync.supervisor.clustering.spikes_in_clusters([new])[::3]
        ids_sync = sync.supervisor.split(spikes).added
        ids_bg = bg.supervisor.split(spikes).added
        assert ids_sync == ids_bg
        bg.wait()
        for k in ids_bg:
            assert _metric_cells(bg, k) == _metric_cells(sync, k), k
    finally:
        sync.close()
        bg.close()


@pytest.mark.parametrize("mode", [True, "background"])
def test_undo_redo_restore_rows_without_computing_them(params: Path, mode: Any) -> None:
    c = TemplateController(params, metrics=mode)
    try:
        c.wait()
        s, q = c.supervisor, c.quality
        assert q is not None
        a, b = _two_largest(c)
        before = {k: _metric_cells(c, k) for k in (a, b)}
        new = s.merge(a, b).added[0]
        c.wait()
        merged = _metric_cells(c, new)
        n = q.n_computed
        assert n == 1
        s.undo()
        assert q.n_pending == 0  # nothing to compute: the rows came back with the clusters
        assert {k: _metric_cells(c, k) for k in (a, b)} == before
        s.redo()
        assert q.n_pending == 0 and _metric_cells(c, new) == merged
        c.wait()
        assert q.n_computed == n
    finally:
        c.close()


def test_an_action_during_a_pending_computation_installs_nothing_stale(params: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    c = TemplateController(params, metrics="background", read_only=True)
    try:
        c.wait()
        s, q = c.supervisor, c.quality
        assert q is not None
        a, b = _two_largest(c)
        gate = _Gate(monkeypatch)
        new = s.merge(a, b).added[0]
        assert q.n_pending == 1
        # While the worker holds the merged cluster's spikes: split it.
        up = s.split(s.clustering.spikes_in_clusters([new])[::2])
        assert new not in s.clustering.spike_counts
        gate.release.set()
        c.wait()
        assert new not in q.metrics and new not in s.cluster_table.ids
        for k in up.added:  # the split's clusters got their own rows
            counts = s.clustering.spike_counts[k]
            assert s.get_cluster_info(k)["n_spikes"] == counts and None not in _metric_cells(c, k).values()
            assert q.metrics.get(k, "n_spikes") == counts
        # Undo the split: the merged cluster was never computed, it is now (from its spikes).
        s.undo()
        c.wait()
        assert q.metrics.get(new, "n_spikes") == s.clustering.spike_counts[new]
        assert None not in _metric_cells(c, new).values()
    finally:
        c.close()


def test_a_failing_worker_job_is_reported(params: Path, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    c = TemplateController(params, metrics="background", read_only=True)
    try:
        c.wait()
        a, b = _two_largest(c)
        gate = _Gate(monkeypatch, fail=True)
        gate.release.set()
        new = c.supervisor.merge(a, b).added[0]
        with pytest.raises(RuntimeError, match="exploded"):  # raise_errors is on in tests
            c.wait()
        signals.set_raise_errors(False)
        c2_new = c.supervisor.split(c.supervisor.clustering.spikes_in_clusters([new])[::2]).added
        with caplog.at_level(logging.ERROR, logger="phycore.controller"):
            c.wait()
        assert "could not be computed" in caplog.text and "exploded" in caplog.text
        assert c.quality is not None and c.quality.n_pending == 0  # not retried forever
        assert all(set(_metric_cells(c, k).values()) == {None} for k in c2_new)
    finally:
        c.close()


def test_a_failing_initial_computation_is_reported(params: Path, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    def broken(model: Any) -> Any:
        raise RuntimeError("unreadable features")

    monkeypatch.setattr(_metrics, "_pc_features", broken)
    c = TemplateController(params, metrics="background", read_only=True)
    try:
        with pytest.raises(RuntimeError, match="unreadable"):  # raise_errors is on in tests
            c.wait()
        assert "could not be computed" in caplog.text
        assert c.busy is None and c.quality is not None and c.quality.ready
        new = c.supervisor.merge(*_two_largest(c)).added[0]
        assert set(_metric_cells(c, new).values()) == {None} and c.quality.n_pending == 0
    finally:
        c.close()
    with pytest.raises(RuntimeError, match="unreadable"):  # a script sees it at once
        TemplateController(params, metrics=True, read_only=True)


def test_rows_from_a_torn_copy_are_not_installed(params: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker copies the assignment while the GUI thread may be in an action: simulate
    # a copy taken halfway through moving spikes from cluster x to cluster y.
    sync = TemplateController(params, metrics=True, read_only=True)
    x, y = _two_largest(sync)

    class Numpy:
        def __getattr__(self, name: str) -> Any:
            return getattr(np, name)

        def array(self, a: Any, *args: Any, **kw: Any) -> Any:
            out = np.array(a, *args, **kw)
            if out.ndim == 1 and out.size == sync.model.n_spikes:
                moved = np.flatnonzero(out == x)[::2]
                out[moved] = y
            return out

    monkeypatch.setattr(_metrics, "np", Numpy())
    bg = TemplateController(params, metrics="background", read_only=True)
    try:
        bg.wait()
        q = bg.quality
        assert q is not None
        for k in (x, y):  # recomputed from the clusters' real spikes, not the torn copy
            assert q.metrics.get(k, "n_spikes") == bg.supervisor.clustering.spike_counts[k]
            assert _metric_cells(bg, k) == _metric_cells(sync, k), k
        assert q.n_computed == 2
    finally:
        sync.close()
        bg.close()


def test_live_appends_extend_the_pc_feature_pool(params: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from phycore.analysis import isolation

    c = TemplateController(params, metrics=True, read_only=True)
    try:
        q = c.quality
        assert q is not None
        pool0 = q.metrics.pc_features.pool_size
        read: list[int] = []
        real = isolation.read_rows
        monkeypatch.setattr(isolation, "read_rows", lambda f, rows, n: read.append(rows.size) or real(f, rows, n))
        m, rng, n0 = c.model, np.random.default_rng(4), c.model.n_spikes
        n = 300
        ids = c.append_spikes(m.duration + 0.5 + np.sort(rng.uniform(0, 1, n)), rng.integers(0, m.n_templates, n),
                              rng.uniform(10, 30, n),
                              features=rng.standard_normal((n,) + m.sparse_features.data.shape[1:]).astype(np.float32),
                              template_features=rng.standard_normal((n,) + m.sparse_template_features.data.shape[1:]))
        c.apply_pending()
        refreshed = c.refresh_metrics()
        assert refreshed and all(c.supervisor.get_cluster_info(k)["isolation_distance"] is not None
                                 for k in refreshed if c.supervisor.clustering.spike_counts[k] > 100)
        pc = q.metrics.pc_features
        assert pc.n_spikes == n0 + n and pc.pool_size > pool0
        assert np.isin(pc._pool.spikes[pool0:], ids).all()
        # Only appended rows were read (no new pool from the whole file).
        assert read and sum(read) == pc.pool_size - pool0
    finally:
        c.close()


def test_deferred_metrics_wait_for_start_background(params: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``metrics="deferred"`` (the GUI's, so that its first frame has the interpreter to
    itself): nothing is set up before ``start_background()``, then the values are those of
    ``metrics=True``; ``wait()`` starts a worker nobody started."""
    built: list[int] = []
    real_metrics = _metrics.ClusterMetrics

    def metrics(*a: Any, **kw: Any) -> Any:
        built.append(threading.get_ident())
        return real_metrics(*a, **kw)

    monkeypatch.setattr(_metrics, "ClusterMetrics", metrics)
    c = TemplateController(params, metrics="deferred", read_only=True)
    try:
        assert c.quality is not None and c.quality._thread is None and not built
        ids = _two_largest(c)
        assert all(v is None for v in _metric_cells(c, ids[0]).values())  # empty cells, not waiting
        assert c.busy == ("quality metrics: starting", 0.0)
        assert not c.poll() and not built
        c.start_background()
        c.start_background()  # idempotent: one worker
        thread = c.quality._thread
        assert thread is not None
        c.wait()
        assert c.quality._thread is thread and built == [thread.ident]
        sync = TemplateController(params, metrics=True, read_only=True)
        try:
            for cid in ids:
                assert _metric_cells(c, cid) == _metric_cells(sync, cid)
                assert _metric_cells(c, cid)["presence_ratio"] is not None
        finally:
            sync.close()
    finally:
        c.close()
    d = TemplateController(params, metrics="deferred", read_only=True)
    try:
        d.wait()  # never started: wait() starts it rather than waiting forever
        assert d.quality is not None and d.quality.ready
        assert _metric_cells(d, ids[0])["presence_ratio"] is not None
    finally:
        d.close()


def _started(q: Any) -> bool:
    """Every pending row submitted to the worker (none held)."""
    return not q._queued and all(job.future is not None for job in q._jobs.values())


def test_held_rows_start_when_released_or_when_held_too_long(params: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A GUI holds the new clusters' rows while its views compute (QualityColumns.hold):
    nothing is submitted until start_held(); a row held past _MAX_HOLD is submitted by the
    next poll; a held row whose cluster an undo deleted is dropped, never computed."""
    c = TemplateController(params, metrics="background", read_only=True)
    try:
        c.wait()
        q = c.quality
        assert q is not None
        gate = _Gate(monkeypatch)
        gate.release.set()  # rows compute as soon as they are submitted
        q.hold(True)
        a, b = _two_largest(c)
        new = c.supervisor.merge(a, b).added[0]
        for _ in range(3):
            c.poll()
        assert q.n_pending == 1 and q.n_held == 1 and not _started(q)  # held, not lost
        assert gate.calls == [] and set(_metric_cells(c, new).values()) == {None}
        q.start_held()
        assert _started(q) and q.n_pending == 1 and q.n_held == 0  # submitted now, not by a wait()
        c.wait()
        assert gate.calls == [[new]] and q.n_pending == 0
        assert None not in _metric_cells(c, new).values()
        # Still held for later clusters; one held past _MAX_HOLD is submitted by a poll.
        c.supervisor.undo()
        spikes = c.supervisor.clustering.spikes_in_clusters([a])[::2]
        added = c.supervisor.split(spikes).added
        c.poll()
        assert q.n_pending == len(added) and not _started(q)
        monkeypatch.setattr(_metrics, "_MAX_HOLD", 0.0)
        c.poll()
        assert _started(q)
        c.wait()
        assert sorted(k for call in gate.calls[1:] for k in call) == sorted(added) and q.n_pending == 0
        # Held rows of clusters an undo deleted are dropped without being computed.
        monkeypatch.setattr(_metrics, "_MAX_HOLD", 3600.0)
        n_calls = len(gate.calls)
        c.supervisor.undo()  # back to a and b (their rows come back from the store)
        more = c.supervisor.split(c.supervisor.clustering.spikes_in_clusters([b])[::3]).added
        assert q.n_pending == len(more) and not _started(q)
        c.supervisor.undo()
        q.start_held()
        assert q.n_pending == 0 and len(gate.calls) == n_calls
        # hold(False): later rows start at once, as without a GUI.
        q.hold(False)
        new2 = c.supervisor.merge(a, b).added[0]
        assert _started(q) and q.n_pending == 1
        c.wait()
        assert gate.calls[-1] == [new2] and None not in _metric_cells(c, new2).values()
    finally:
        c.close()


def test_a_held_row_takes_its_spikes_when_it_starts(params: Path) -> None:
    """Spikes appended while a row is held (a live session whose views are busy) do not
    make it stale: it copies the spikes when it starts, so it lands (a copy taken when it
    was held was dropped by collect() as computed for fewer spikes, and held again)."""
    c = TemplateController(params, metrics="background", read_only=True)
    try:
        c.wait()
        q, sup, m = c.quality, c.supervisor, c.model
        assert q is not None
        q.hold(True)
        a, b = _two_largest(c)
        new = sup.merge(a, b).added[0]
        assert q.n_pending == 1
        counts = sup.clustering.spike_counts
        other = max((k for k in counts if k != new), key=counts.get)  # the spikes go elsewhere
        template = int(np.bincount(m.spike_templates[sup.clustering.spikes_in_clusters([other])]).argmax())
        rng = np.random.default_rng(5)
        n = 40
        c.append_spikes(m.duration + 0.5 + np.sort(rng.uniform(0, 1, n)), np.full(n, template),
                        rng.uniform(10, 30, n), clusters=np.full(n, other),
                        features=rng.standard_normal((n,) + m.sparse_features.data.shape[1:]).astype(np.float32),
                        template_features=rng.standard_normal((n,) + m.sparse_template_features.data.shape[1:]))
        c.apply_pending()
        assert m.n_spikes == m.n_spikes_loaded + n
        q.start_held()
        (job,) = q._jobs.values()
        assert job.future is not None
        job.future.result(30)
        assert q.collect() == [new]  # installed, not dropped as stale
        assert q.n_pending == 0 and int(q.metrics._row(new)[0]) == sup.clustering.spike_counts[new]
    finally:
        c.close()
