"""Live sessions in a TemplateController: an acquisition thread appends, the owner thread curates.

``controller.append_spikes`` is called on another thread; the owner thread applies the
queue in ``poll()``. The tests check on which thread the events run, that only the rows
of the clusters that received spikes are recomputed, that the quality metrics equal
those of a session opened on the final data, that undo/redo stay exact and what a save
writes.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests._clock import FakeClock
from tests._folders import file_hashes, fresh_copy, small_folder
from phycore import TemplateController, connect, emit, signals
from phycore.controller._metrics import METRIC_COLUMNS
from phycore.errors import DataFormatError
from phycore.model import TemplateModel
from phycore.model.stream import SpikeStream


@pytest.fixture
def stream() -> SpikeStream:
    return SpikeStream(n_channels=32, n_templates=8, rate=3000, n_channels_loc=8, seed=5)


@pytest.fixture
def controller(stream: SpikeStream) -> Any:
    c = TemplateController(model=stream.model(duration=1.0))
    yield c
    c.close()


def _fresh(controller: TemplateController, stream: SpikeStream) -> TemplateController:
    """A session opened on the live session's current data (the reference)."""
    m, ts = controller.model, stream.templates
    model = TemplateModel.from_arrays(
        spike_samples=np.array(m.spike_samples), spike_templates=np.array(m.spike_templates),
        spike_clusters=np.array(controller.supervisor.clustering.spike_clusters),
        amplitudes=np.array(m.amplitudes), sample_rate=m.sample_rate,
        templates=np.take_along_axis(ts.templates_w, ts.local[:, None, :], axis=2), template_ind=ts.local,
        channel_positions=ts.pos, channel_shanks=ts.shanks, whitening_mat=ts.wm, whitening_mat_inv=ts.wmi,
        similar_templates=ts.sim)
    return TemplateController(model=model)


def _assert_rows_as_in_a_fresh_session(controller: TemplateController, stream: SpikeStream) -> None:
    """Every cluster-table row equals that of a session opened on the live session's data."""
    table, ref = controller.supervisor.cluster_table, _fresh(controller, stream)
    try:
        for c in table.ids:
            assert table.row(c) == ref.supervisor.cluster_table.row(c), c
    finally:
        ref.close()


def _assert_table_matches_clustering(c: TemplateController) -> None:
    sup, table = c.supervisor, c.supervisor.cluster_table
    counts = sup.clustering.spike_counts
    assert sorted(table.ids) == sup.clustering.cluster_ids.tolist()
    for cid in table.ids:
        assert table.get(cid, "n_spikes") == counts[cid], cid
        assert table.get(cid, "fr") == pytest.approx(counts[cid] / c.model.duration), cid


def _batch_of_templates(stream: SpikeStream, until: float, keep: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    t, tp, a = stream.next_batch(until)
    m = np.isin(tp, keep)
    return t[m], tp[m], a[m]


# Threads ----------------------------------------------------------------------------------------


def test_appends_from_a_thread_are_applied_and_delivered_on_the_owner_thread(
        controller: TemplateController, stream: SpikeStream) -> None:
    signals.set_owner_thread()
    owner = threading.get_ident()
    n0 = controller.model.n_spikes
    added: list[tuple[int, str, np.ndarray]] = []
    acquired: list[tuple[int, int]] = []
    connect(lambda s, ids, cl: added.append((threading.get_ident(), type(s).__name__, np.array(ids))),
            event="spikes_added")
    connect(lambda s, n: acquired.append((threading.get_ident(), n)), event="acquired")
    returned: list[np.ndarray] = []
    pending: list[int] = []
    # Lock-step, no sleeps: the thread queues two batches, then the owner polls once.
    turn = threading.Barrier(2, timeout=30)

    def acquire() -> None:
        end = 1.0
        for i in range(40):
            end += 0.02
            ids = controller.append_spikes(*stream.next_batch(end))
            returned.append(ids)
            emit("acquired", None, len(ids))  # from this thread: queued for the owner
            pending.append(controller.n_pending_spikes)
            if i % 2:
                turn.wait()  # two batches queued: the owner polls
                turn.wait()  # the poll is done

    thread = threading.Thread(target=acquire, name="acquisition")
    thread.start()
    polls = 0
    for _ in range(20):
        turn.wait()
        assert controller.poll()
        polls += 1
        turn.wait()
    thread.join(30)
    assert not thread.is_alive()
    controller.poll()
    expected = np.concatenate(returned)
    n = controller.model.n_spikes
    assert n == n0 + len(expected) and controller.n_pending_spikes == 0
    np.testing.assert_array_equal(expected, np.arange(n0, n))
    assert min(pending) > 0  # the thread saw its spikes queued, not applied yet
    # Every subscriber ran on the owner thread; the Supervisor is the one sender of spikes_added.
    assert {who for who, _, _ in added} == {owner} and {who for who, _ in acquired} == {owner}
    assert [n for _, n in acquired] == [len(ids) for ids in returned]
    assert {s for _, s, _ in added} == {"Supervisor"}
    np.testing.assert_array_equal(np.concatenate([ids for _, _, ids in added]), expected)
    assert len(added) == polls == 20  # the two batches queued between two polls are applied at once
    _assert_table_matches_clustering(controller)


def test_apply_pending_belongs_to_the_owner_thread(controller: TemplateController, stream: SpikeStream) -> None:
    controller.append_spikes(*stream.next_batch(1.1))
    errors: list[BaseException] = []

    def other() -> None:
        try:
            controller.apply_pending()
        except RuntimeError as e:
            errors.append(e)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors and "thread that created the controller" in str(errors[0])
    assert controller.n_pending_spikes > 0 and controller.model.n_spikes == controller.model.n_spikes_loaded


def test_a_bad_batch_raises_in_the_caller_and_queues_nothing(controller: TemplateController) -> None:
    with pytest.raises(DataFormatError, match="templates refers to template 99") as info:
        controller.append_spikes([1.5], [99], [20.0])
    assert info.value.argument == "templates"
    ids = controller.append_spikes([1.5], [0], [20.0])
    with pytest.raises(DataFormatError, match="back in time") as info:
        controller.append_spikes([1.2], [0], [20.0])  # before the last *queued* spike
    assert info.value.argument == "times" and controller.n_pending_spikes == 1
    np.testing.assert_array_equal(controller.apply_pending(), ids)


def test_queued_waveforms_must_agree_before_the_model_has_any(controller: TemplateController) -> None:
    ns = controller.model.n_samples_waveforms
    first = np.ones((2, ns, 4), np.float32)
    ids = controller.append_spikes([1.5, 1.6], [0, 1], [20.0, 20.0], waveforms=first)
    with pytest.raises(DataFormatError, match=r"waveforms must have shape \(1, 82, 4\)") as info:
        controller.append_spikes([1.7], [0], [20.0], waveforms=np.ones((1, ns, 6), np.float32))
    assert info.value.argument == "waveforms" and controller.n_pending_spikes == 2
    more = controller.append_spikes([1.8], [2], [20.0], waveforms=np.full((1, ns, 4), 2, np.float32))
    controller.poll()  # both queued batches are applied together
    sw = controller.model.spike_waveforms
    assert sw is not None and sw.data.shape == (3, ns, 4)
    np.testing.assert_array_equal(sw.rows, np.concatenate([ids, more]))
    np.testing.assert_array_equal(sw.data[2], 2)


# Tables and metrics --------------------------------------------------------------------------------


def test_only_the_rows_of_the_clusters_that_grew_are_recomputed(controller: TemplateController,
                                                                stream: SpikeStream) -> None:
    sup, table = controller.supervisor, controller.supervisor.cluster_table
    calls: list[int] = []
    sup.add_column("probe", lambda c: calls.append(int(c)) or 0)
    before = {c: table.row(c) for c in table.ids}
    calls.clear()
    t, tp, a = _batch_of_templates(stream, 1.5, (2, 5))
    controller.append_spikes(t, tp, a)
    assert controller.poll()
    grown = sorted({int(sup.clustering.spike_clusters[i]) for i in range(controller.model.n_spikes_loaded,
                                                                        controller.model.n_spikes)})
    assert grown == [2, 5] and sorted(set(calls)) == grown
    for c in table.ids:
        n_new = int(np.sum(tp == c)) if c in grown else 0
        assert table.get(c, "n_spikes") == before[c]["n_spikes"] + n_new, c
        if c not in grown:
            assert {k: v for k, v in table.row(c).items() if k != "fr"} == \
                {k: v for k, v in before[c].items() if k != "fr"}
    # The recording grew: every firing rate is n_spikes / the new duration.
    assert controller.model.duration == t[-1]
    _assert_table_matches_clustering(controller)
    # The similarity table's copies of the rows follow.
    sup.select(2)
    sim = sup.similarity_table
    assert 5 in sim.ids and sim.get(5, "n_spikes") == table.get(5, "n_spikes")


def test_quality_metrics_are_refreshed_in_batches(controller: TemplateController, stream: SpikeStream) -> None:
    table = controller.supervisor.cluster_table
    controller.live_metrics_interval = 1e9  # poll() does not refresh them
    controller.poll()
    before = {c: table.row(c) for c in table.ids}
    controller.append_spikes(*_batch_of_templates(stream, 3.0, (1, 3, 4)))
    controller.poll()
    assert controller.quality.n_stale == 3
    assert all(table.get(c, m) == before[c][m] for c in table.ids for m in METRIC_COLUMNS if m in before[c])
    assert controller.refresh_metrics() == [1, 3, 4] and controller.quality.n_stale == 0
    ref = _fresh(controller, stream)
    try:
        for c in table.ids:
            for m in METRIC_COLUMNS:
                if m not in table.columns:
                    continue
                if c in (1, 3, 4):  # recomputed: the values of a session opened on the final data
                    assert table.get(c, m) == ref.supervisor.cluster_table.get(c, m), (c, m)
                else:  # untouched clusters keep the values of their last computation
                    assert table.get(c, m) == before[c][m], (c, m)
        assert table.get(3, "presence_ratio") != before[3]["presence_ratio"]
    finally:
        ref.close()


def test_poll_refreshes_metrics_every_interval(controller: TemplateController, stream: SpikeStream) -> None:
    controller.live_metrics_interval = 0.0
    controller.live_metrics_budget = None  # the whole round in one poll
    controller.append_spikes(*stream.next_batch(3.0))
    controller.poll()
    assert controller.quality.n_stale == 0
    _assert_rows_as_in_a_fresh_session(controller, stream)


def test_a_budgeted_refresh_round_spreads_over_polls_and_ends_exact(controller: TemplateController,
                                                                    stream: SpikeStream) -> None:
    controller.live_metrics_interval = 0.0
    controller.live_metrics_budget = 1e-9  # one chunk of clusters per poll
    q = controller.quality
    controller.append_spikes(*stream.next_batch(3.0))
    controller.apply_pending()
    n = q.n_stale
    assert n == len(controller.supervisor.clustering.cluster_ids) > 4
    polls = 0
    controller.poll()
    assert q.refreshing and 0 < q.n_stale < n  # one poll did only part of the round
    while q.refreshing:
        controller.poll()
        polls += 1
    assert polls >= 1 and q.n_stale == 0
    _assert_rows_as_in_a_fresh_session(controller, stream)


def test_poll_applies_queued_spikes_at_most_every_apply_interval(controller: TemplateController,
                                                                  stream: SpikeStream) -> None:
    clock = FakeClock()
    controller.clock = clock
    controller.live_apply_interval = 0.25  # steps of 1/16 s: exact in binary
    n0 = controller.model.n_spikes
    controller.append_spikes(*stream.next_batch(1.5))
    assert controller.poll() and controller.n_pending_spikes == 0  # the first poll applies
    n1 = controller.model.n_spikes
    assert n1 > n0
    controller.append_spikes(*stream.next_batch(2.0))
    queued = controller.n_pending_spikes
    assert queued > 0
    for _ in range(3):
        clock.advance(0.0625)
        controller.poll()  # may still work on the metrics, but applies nothing
        assert controller.model.n_spikes == n1 and controller.n_pending_spikes == queued  # kept, not lost
    clock.advance(0.0625)  # 0.25 s since the last application
    controller.poll()
    assert controller.model.n_spikes == n1 + queued and controller.n_pending_spikes == 0
    controller.append_spikes(*stream.next_batch(2.5))
    controller.poll()
    assert controller.n_pending_spikes > 0
    controller.apply_pending()  # always at once
    assert controller.n_pending_spikes == 0
    assert len(controller.supervisor.clustering.spike_clusters) == controller.model.n_spikes


def test_poll_refreshes_stale_metrics_every_metrics_interval(controller: TemplateController,
                                                            stream: SpikeStream) -> None:
    clock = FakeClock()
    controller.clock = clock
    controller.live_metrics_interval = 2.0
    controller.live_metrics_budget = None  # a whole round per poll
    q = controller.quality
    controller.append_spikes(*stream.next_batch(2.0))
    controller.poll()  # no refresh for 2 s before: at once
    assert q.n_stale == 0
    controller.append_spikes(*stream.next_batch(3.0))
    controller.poll()
    stale = q.n_stale
    assert stale > 0  # refreshed 0 s ago
    clock.advance(1.875)
    controller.poll()
    assert q.n_stale == stale
    clock.advance(0.125)
    controller.poll()
    assert q.n_stale == 0
    _assert_rows_as_in_a_fresh_session(controller, stream)


def test_spikes_of_a_template_without_cluster_start_a_new_one(stream: SpikeStream) -> None:
    t, tp, a = stream.next_batch(1.0)
    keep = tp != 6  # template 6 has no spike yet
    c = TemplateController(model=TemplateModel.from_arrays(
        spike_samples=np.round(t[keep] * stream.sample_rate).astype(np.int64), spike_templates=tp[keep],
        amplitudes=a[keep], sample_rate=stream.sample_rate,
        templates=np.take_along_axis(stream.templates.templates_w, stream.templates.local[:, None, :], axis=2),
        template_ind=stream.templates.local, channel_positions=stream.templates.pos))
    try:
        sup = c.supervisor
        fresh = sup.clustering.new_cluster_id()
        c.append_spikes([1.1, 1.2], [6, 0], [20.0, 20.0])
        c.poll()
        assert fresh in sup.cluster_table and sup.cluster_table.get(fresh, "n_spikes") == 1
        assert sup.clustering.spike_clusters[-2:].tolist() == [fresh, 0]
        _assert_table_matches_clustering(c)
    finally:
        c.close()


def test_explicit_clusters_deleted_meanwhile_fall_back_to_membership(
        controller: TemplateController, caplog: pytest.LogCaptureFixture) -> None:
    sup = controller.supervisor
    controller.append_spikes([1.5], [3], [20.0], clusters=[3])
    merged = sup.merge(3, 4).added[0]  # cluster 3 is gone before the spikes are applied
    with caplog.at_level(logging.WARNING, logger="phycore"):
        controller.poll()
    assert sup.clustering.spike_clusters[-1] == merged
    assert "membership" in caplog.text
    _assert_table_matches_clustering(controller)


# Undo / redo -------------------------------------------------------------------------------------


def test_undo_redo_after_appends_are_exact(controller: TemplateController, stream: SpikeStream) -> None:
    sup = controller.supervisor
    cl = sup.clustering
    loaded = cl.spike_clusters.copy()
    merged = sup.merge(0, 1).added[0]
    controller.append_spikes(*stream.next_batch(1.5))
    controller.poll()
    n1 = controller.model.n_spikes
    after_merge = cl.spike_clusters.copy()
    grown_merged = int(np.sum(after_merge[len(loaded):] == merged))
    assert grown_merged > 0  # spikes of templates 0 and 1 now go to the merged cluster
    spikes = cl.spikes_in_clusters([2])[::2]
    sup.split(spikes)
    controller.append_spikes(*stream.next_batch(2.0))
    controller.poll()
    after_split = cl.spike_clusters.copy()
    _assert_table_matches_clustering(controller)

    sup.undo()  # the split: its spikes go back to cluster 2, later spikes keep their cluster
    now = cl.spike_clusters
    np.testing.assert_array_equal(now[:n1], after_merge)
    np.testing.assert_array_equal(now[n1:], after_split[n1:])
    _assert_table_matches_clustering(controller)
    sup.undo()  # the merge: the loaded spikes are back; the merged cluster keeps the appended ones
    now = cl.spike_clusters
    np.testing.assert_array_equal(now[:len(loaded)], loaded)
    assert merged in sup.cluster_table and sup.cluster_table.get(merged, "n_spikes") == int(np.sum(now == merged))
    _assert_table_matches_clustering(controller)
    sup.redo()
    sup.redo()
    np.testing.assert_array_equal(cl.spike_clusters, after_split)
    _assert_table_matches_clustering(controller)
    # The table after all this equals a session opened on the final assignment.
    controller.live_metrics_interval = 0.0
    controller.poll()
    _assert_rows_as_in_a_fresh_session(controller, stream)


# Saving a folder that received spikes ------------------------------------------------------------


@pytest.fixture(scope="module")
def folder_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_folder(tmp_path_factory, "live_save", seed=2)


@pytest.fixture
def folder(folder_source: Path, tmp_path: Path) -> Path:
    return fresh_copy(folder_source, tmp_path)


def _push_folder_spikes(c: TemplateController, n: int, t0: float, seed: int = 0) -> dict[str, np.ndarray]:
    m, rng = c.model, np.random.default_rng(seed)
    batch = dict(times=t0 + np.sort(rng.uniform(0, 1, n)), templates=rng.integers(0, m.n_templates, n),
                 amplitudes=rng.uniform(10, 30, n),
                 features=rng.standard_normal((n,) + m.sparse_features.data.shape[1:]).astype(np.float32),
                 template_features=rng.standard_normal((n,) + m.sparse_template_features.data.shape[1:]))
    c.append_spikes(**batch)
    c.poll()
    return batch


def test_save_keeps_the_sorter_files_and_writes_the_appended_spikes(folder: Path) -> None:
    sorter = {k: v for k, v in file_hashes(folder).items() if k.endswith(".npy") and k != "spike_clusters.npy"}
    c = TemplateController(folder, metrics=False)
    sup = c.supervisor
    n0 = c.model.n_spikes
    assert not sup.is_dirty()
    batch = _push_folder_spikes(c, 200, c.model.duration + 0.5)
    assert sup.is_dirty()  # appended spikes are unsaved work
    merged = sup.merge(*sup.cluster_table.visible_ids[:2]).added[0]
    sc = sup.clustering.spike_clusters.copy()
    written = c.save()
    assert not sup.is_dirty()
    assert {k: v for k, v in file_hashes(folder).items() if k in sorter} == sorter
    saved = np.load(folder / "spike_clusters.npy")
    np.testing.assert_array_equal(saved, sc[:n0])
    out = folder / ".phy" / "appended_spikes"
    assert {p.name for p in out.iterdir()} == {"spike_times.npy", "spike_templates.npy", "spike_clusters.npy",
                                              "amplitudes.npy"}
    assert set(out.glob("*.npy")) <= set(written)
    np.testing.assert_array_equal(np.load(out / "spike_times.npy"), batch["times"])
    np.testing.assert_array_equal(np.load(out / "spike_templates.npy"), batch["templates"])
    np.testing.assert_array_equal(np.load(out / "spike_clusters.npy"), sc[n0:])
    np.testing.assert_allclose(np.load(out / "amplitudes.npy"), batch["amplitudes"])
    info = (folder / "cluster_info.tsv").read_text().splitlines()
    assert any(line.split("\t")[0] == str(merged) for line in info[1:])
    # The crash journal stopped at the first append; after the save it starts again, empty.
    journal = (folder / ".phy" / "journal.jsonl").read_text().splitlines()
    assert len(journal) == 1 and "op" not in json.loads(journal[0])
    c.close()

    # The folder reopens: the sorter's spikes with their saved clusters, nothing to recover.
    c2 = TemplateController(folder, metrics=False)
    try:
        assert c2.model.n_spikes == n0 and not c2.recovery_entries
        np.testing.assert_array_equal(c2.supervisor.clustering.spike_clusters, sc[:n0])
        assert merged in c2.supervisor.cluster_table
    finally:
        c2.close()


def test_saved_folder_with_appends_loads_in_phylib(folder: Path) -> None:
    phylib_model = pytest.importorskip("phylib.io.model")
    c = TemplateController(folder, metrics=False)
    n0 = c.model.n_spikes
    _push_folder_spikes(c, 50, c.model.duration + 0.5)
    c.supervisor.merge(*c.supervisor.cluster_table.visible_ids[:2])
    c.save()
    sc = c.supervisor.clustering.spike_clusters[:n0].copy()
    c.close()
    m = phylib_model.load_model(folder / "params.py")
    try:
        np.testing.assert_array_equal(m.spike_clusters, sc)
    finally:
        m.close()


def test_journal_replays_up_to_the_first_append(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    c = TemplateController(folder, metrics=False)
    sup = c.supervisor
    a, b = sup.cluster_table.visible_ids[:2]
    merged = sup.merge(a, b).added[0]
    _push_folder_spikes(c, 20, c.model.duration + 0.5)
    sup.merge(*sup.cluster_table.visible_ids[:2])  # after the append: not journaled
    entries = [json.loads(line) for line in (folder / ".phy" / "journal.jsonl").read_text().splitlines()]
    assert [e.get("op") for e in entries[1:]] == ["merge", "append"]
    c.journal.close()  # a crash: no save, no clean close
    c.lock.release()  # (the OS releases a dead process's folder lock)
    with caplog.at_level(logging.WARNING, logger="phycore"):
        c2 = TemplateController(folder, metrics=False, recover=True)
    try:
        assert merged in c2.supervisor.cluster_table and a not in c2.supervisor.cluster_table
        assert c2.supervisor.clustering.n_spikes == c2.model.n_spikes_loaded
        assert "up to the point where spikes were appended" in caplog.text
    finally:
        c2.close()
