"""End-to-end headless curation sessions on synthetic folders."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController, connect
from phycore.model.synthetic import make_dataset
from phycore.supervisor import Journal


@pytest.fixture
def params(tmp_path: Path) -> Path:
    return Path(make_dataset(tmp_path / "data", n_spikes=20_000, n_channels=32, n_templates=20,
                             duration=10.0, raw=True, seed=1))


def _files(dir_path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in dir_path.iterdir() if p.is_file()}


def test_full_session_save_and_reopen(params: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    assert s.columns == ["id", "ch", "sh", "depth", "fr", "amp", "n_spikes", "presence_ratio",  # phy's order
                         "isi_violation_ratio", "contamination", "amplitude_cutoff", "isolation_distance",
                         "l_ratio", "snr", "firing_range", "drift_ptp"]
    first = s.cluster_table.visible_ids[0]
    assert s.get_cluster_info(first)["n_spikes"] == max(s.clustering.spike_counts.values())

    # Filter and sort.
    visible = s.filter("n_spikes > 500 and group != 'noise'")
    assert visible and all(s.get_cluster_info(i)["n_spikes"] > 500 for i in visible)
    assert s.sort("depth", "asc") == sorted(visible, key=lambda i: (s.get_cluster_info(i)["depth"], i))
    s.clear_filter()
    s.sort("n_spikes", "desc")

    # Wizard, merge, split, label.
    s.next_best()
    s.next()
    a, b = s.selected
    n_ab = s.clustering.spike_counts[a] + s.clustering.spike_counts[b]
    up = s.merge()
    merged = up.added[0]
    assert s.selected == [merged] and s.clustering.spike_counts[merged] == n_ab
    spikes = s.clustering.spikes_in_clusters([merged])[::3]
    up = s.split(spikes)
    assert sorted(s.clustering.spike_counts[i] for i in up.added) == sorted([len(spikes), n_ab - len(spikes)])
    s.undo()
    s.redo()
    s.label("quality", "great")
    s.move("good", "all")
    expected = s.clustering.spike_counts.copy() if hasattr(s.clustering.spike_counts, "copy") else dict(
        s.clustering.spike_counts)
    written = c.save()
    assert {p.name for p in written} >= {"spike_clusters.npy", "cluster_group.tsv", "cluster_quality.tsv",
                                         "cluster_info.tsv"}
    assert not s.is_dirty()
    sc = s.clustering.spike_clusters.copy()
    groups = s.get_labels("group")
    c.close()

    # Reopen: exactly the saved state, and new ids continue after the old ones.
    c2 = TemplateController(params)
    s2 = c2.supervisor
    np.testing.assert_array_equal(s2.clustering.spike_clusters, sc)
    assert dict(s2.clustering.spike_counts) == dict(expected)
    assert s2.get_labels("group") == {k: v for k, v in groups.items()}
    assert s2.get_labels("quality")[up.added[0]] == "great"
    assert s2.clustering.new_cluster_id() > max(up.added)
    c2.close()


def test_save_writes_phy_formats_and_backups(params: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    c.save()
    d = params.parent
    sc = np.load(d / "spike_clusters.npy")
    assert sc.dtype == np.int32
    np.testing.assert_array_equal(sc, s.clustering.spike_clusters)
    info = (d / "cluster_info.tsv").read_bytes()
    header = info.split(b"\r\n")[0].split(b"\t")
    assert header[0] == b"cluster_id" and header[1:] == sorted(header[1:])
    assert b"is_masked" not in header
    group = (d / "cluster_group.tsv").read_bytes()
    assert group.startswith(b"cluster_id\tgroup\r\n")
    # The previous spike_clusters.npy is kept.
    backups = list((d / ".phy" / "backup").glob("spike_clusters.npy.*"))
    assert backups
    s.undo()
    c.save()
    assert len(list((d / ".phy" / "backup").glob("spike_clusters.npy.*"))) == 2
    c.close()


def test_saved_folder_loads_in_phylib(params: Path, tmp_path: Path) -> None:
    phylib_model = pytest.importorskip("phylib.io.model")
    c = TemplateController(params)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    s.label("quality", "good", cluster_ids=s.selected)
    c.save()
    sc = s.clustering.spike_clusters.copy()
    quality = {k: v for k, v in s.get_labels("quality").items() if v is not None}
    c.close()
    m = phylib_model.load_model(params)
    np.testing.assert_array_equal(m.spike_clusters, sc)
    assert m.metadata["quality"] == quality
    m.close()


def test_events_reach_plugins_and_views(params: Path) -> None:
    events: list[tuple[str, Any]] = []
    c = TemplateController(params)
    s = c.supervisor
    connect(lambda sender, ids: events.append(("select", list(ids))), event="select", sender=s)
    connect(lambda sender, up: events.append(("cluster", up.description)), event="cluster", sender=s)
    ids = s.cluster_table.visible_ids[:2]
    s.select(*ids)
    up = s.merge()
    assert events == [("select", ids), ("cluster", "merge"), ("select", up.added)]
    c.close()


def test_view_data_for_a_selection(params: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    a, b = s.cluster_table.visible_ids[:2]
    w = c.get_waveforms(a)
    assert w.data.shape == (100, c.model.n_samples_waveforms, len(c.get_best_channels(a)))
    assert c.get_waveforms(a) is w  # memoised
    f = c.get_features(a)
    assert f.data.shape == (min(2500, s.clustering.spike_counts[a]), 4, 3)
    amp = c.get_amplitudes(a, load_all=True)
    assert amp.shape == (s.clustering.spike_counts[a],)
    np.testing.assert_array_equal(amp, np.asarray(c.model.amplitudes)[c.get_spike_ids(a)])
    ccg = c.get_correlograms([a, b])
    assert ccg.shape == (2, 2, 51) and ccg.sum() > 0
    traces = c.get_traces(1.0, 1.1)
    assert traces["traces"].shape[1] == c.model.n_channels
    assert np.all((traces["spike_times"] >= 1.0) & (traces["spike_times"] < 1.1))
    # After a merge the merged cluster gets fresh data; the old entries are dropped.
    up = s.merge(a, b)
    w2 = c.get_waveforms(up.added[0])
    assert w2.spike_ids.size == 100
    c.close()


def test_similarity_from_similar_templates(params: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    a = s.cluster_table.visible_ids[0]
    t = c.get_template_for_cluster(a)
    st = np.asarray(c.model.similar_templates)
    s.select(a)
    top = s.similarity_table.visible_ids[0]
    assert s.similarity_table.get(top, "similarity") == pytest.approx(
        max(st[t, c.get_template_for_cluster(o)] for o in s.clustering.cluster_ids if o != a))
    c.close()


CRASHING_SESSION = textwrap.dedent(
    """
    import json, os, signal, sys
    import numpy as np
    from phycore import TemplateController
    c = TemplateController(sys.argv[1])
    s = c.supervisor
    ids = s.cluster_table.visible_ids
    s.merge(ids[0], ids[1])
    s.split(s.clustering.spikes_in_clusters(s.selected)[::4])
    s.label("quality", "ok", cluster_ids=[ids[2]])
    s.undo()
    s.undo()
    s.redo()
    s.move("noise", [ids[3]])
    np.save(sys.argv[2], s.clustering.spike_clusters)
    with open(sys.argv[3], "w") as f:
        json.dump({k: {str(c): v for c, v in s.get_labels(k).items()} for k in s.fields}, f)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_crash_journal_recovery_after_sigkill(params: Path, tmp_path: Path) -> None:
    script = tmp_path / "session.py"
    script.write_text(CRASHING_SESSION)
    expected_sc, expected_labels = tmp_path / "sc.npy", tmp_path / "labels.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, str(script), str(params), str(expected_sc), str(expected_labels)],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # Nothing was saved: the folder still has the original assignment.
    c = TemplateController(params, recover=True)
    s = c.supervisor
    np.testing.assert_array_equal(s.clustering.spike_clusters, np.load(expected_sc))
    labels = json.loads(expected_labels.read_text())
    for field, values in labels.items():
        assert {str(k): v for k, v in s.get_labels(field).items()} == values
    assert s.is_dirty()
    # Undo history survives recovery too, and new ids never collide with pre-crash ones.
    assert s.can_undo
    c.close()


def test_unrecovered_journal_is_kept_aside(params: Path, tmp_path: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    c.journal.close()  # simulate a crash: no save, no clean close
    c.lock.release()  # (the OS releases a dead process's folder lock)
    c2 = TemplateController(params)  # recover=None: do not replay, do not lose
    assert len(c2.recovery_entries) == 1
    aside = list((params.parent / ".phy").glob("journal.jsonl.unrecovered-*"))
    assert len(aside) == 1
    c2.close()


def test_in_memory_model(tmp_path: Path) -> None:
    from phycore import TemplateModel, load_model

    ref = load_model(make_dataset(tmp_path / "d", n_spikes=5000, n_channels=16, n_templates=8, duration=5.0,
                                  raw=False, seed=2))
    model = TemplateModel.from_arrays(
        spike_samples=ref.spike_samples, spike_templates=ref.spike_templates,
        templates=np.asarray(ref.sparse_templates.data), template_ind=ref.sparse_templates.cols,
        sample_rate=ref.sample_rate, channel_positions=ref.channel_positions, channel_map=ref.channel_map,
        amplitudes=np.asarray(ref.amplitudes))
    c = TemplateController(model=model)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    assert c.save() == []
    c.close()


def test_quality_metric_columns_follow_actions(params: Path) -> None:
    from phycore.analysis import spike_train_metrics

    c = TemplateController(params)
    s = c.supervisor
    a, b = s.cluster_table.visible_ids[:2]
    up = s.merge(a, b)
    new = up.added[0]
    spikes = s.clustering.spikes_in_clusters([new])
    ref = spike_train_metrics(c.model.spike_times, [new], duration=c.model.duration,
                              spikes_per_cluster={new: spikes})
    row = s.get_cluster_info(new)
    assert row["presence_ratio"] == pytest.approx(float(ref.presence_ratio[0]))
    assert row["contamination"] == pytest.approx(float(ref.contamination[0]))
    assert s.filter("presence_ratio > 0.5 and contamination <= 1")  # usable in filters
    c.close()
    c2 = TemplateController(params, metrics=False)
    assert "contamination" not in c2.supervisor.columns
    c2.close()



def test_read_only_data_folder_uses_user_cache(params: Path, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from phycore import paths

    data = params.parent
    real = paths._is_writable_dir
    # Tests run as root, where chmod cannot make a folder read-only: simulate it.
    monkeypatch.setattr(paths, "_is_writable_dir", lambda p: False if Path(p) == data / ".phy" or
                        Path(p) == data else real(p))
    c = TemplateController(params)
    assert not str(c.phy_dir).startswith(str(data))
    assert str(c.phy_dir).startswith(str(paths.user_dir()))
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    assert (c.phy_dir / "journal.jsonl").exists()  # unsaved work is journaled in the fallback
    assert not (data / ".phy").exists()
    assert "not writable" in caplog.text or "read-only" in caplog.text or "fallback" in caplog.text.lower()
    c.close()


def test_split_init_restores_template_membership(params: Path) -> None:
    c = TemplateController(params)
    s = c.supervisor
    a, b = s.cluster_table.visible_ids[:2]
    ta, tb = c.get_template_for_cluster(a), c.get_template_for_cluster(b)
    merged = s.merge(a, b).added[0]
    up = s.actions.run("split_init")
    assert len(up.added) == 2 and up.deleted == [merged]
    groups = sorted(set(np.asarray(c.model.spike_templates)[s.clustering.spikes_in_clusters([k])]).pop()
                    for k in up.added)
    assert groups == sorted([ta, tb])
    assert s.actions.get("split_init").shortcuts == ("shift+ctrl+k",)
    c.close()


def test_waveform_similarity_fallback(tmp_path: Path) -> None:
    params = Path(make_dataset(tmp_path / "d", n_spikes=6000, n_channels=16, n_templates=8, duration=4.0,
                               raw=False, seed=5))
    (params.parent / "similar_templates.npy").unlink()
    c = TemplateController(params, metrics=False)
    s = c.supervisor
    a = s.cluster_table.visible_ids[0]
    s.select(a)
    scores = [s.similarity_table.get(i, "similarity") for i in s.similarity_table.visible_ids]
    assert scores and all(-1 <= x <= 1 for x in scores) and scores == sorted(scores, reverse=True)
    assert c.similarity_functions["template"].kind == "waveform"
    c.close()


def test_background_metrics_fill_the_table_when_ready(params: Path) -> None:
    c = TemplateController(params, metrics="background")
    s = c.supervisor
    a, b = s.cluster_table.visible_ids[:2]
    up = s.merge(a, b)  # curating while the metrics are computed
    busy = c.busy
    assert busy is None or busy[0].startswith("quality metrics")
    c.wait()
    assert c.busy is None
    assert c.quality is not None and c.quality.ready
    new = up.added[0]
    assert s.get_cluster_info(new)["presence_ratio"] is not None
    other = s.cluster_table.visible_ids[-1]
    assert s.get_cluster_info(other)["contamination"] is not None
    assert a not in c.quality.metrics  # deleted meanwhile: dropped
    c.close()


def test_saved_folder_loads_in_spikeinterface(params: Path) -> None:
    extractors = pytest.importorskip("spikeinterface.extractors")
    pytest.importorskip("pandas")
    c = TemplateController(params, metrics=False)
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    s.label("quality", "ok", cluster_ids=s.selected)
    merged = s.selected[0]
    c.save()
    sc = s.clustering.spike_clusters.copy()
    c.close()
    sorting = extractors.read_phy(params.parent)
    ids = [int(u) for u in sorting.get_unit_ids()]
    assert sorted(ids) == sorted(int(u) for u in np.unique(sc))
    for u in sorting.get_unit_ids():
        assert len(sorting.get_unit_spike_train(u)) == int((sc == int(u)).sum())
    quality = dict(zip(ids, sorting.get_property("quality")))
    assert quality[merged] == "ok"


def _crashed_session(params: Path) -> tuple[Path, list[int]]:
    """A session with three journaled actions that ends without a save or a clean close."""
    c = TemplateController(params, metrics=False)
    s = c.supervisor
    ids = s.cluster_table.visible_ids[:3]
    for k, i in enumerate(ids):
        s.label("quality", f"q{k}", cluster_ids=[i])
    c.journal.close()
    c.lock.release()  # (the OS releases a dead process's folder lock)
    return params.parent / ".phy" / "journal.jsonl", ids


@pytest.mark.parametrize("recover", [True, None, False])
def test_a_journal_with_a_non_utf8_byte_does_not_block_the_folder(params: Path, recover: bool | None,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    path, ids = _crashed_session(params)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = b"\xff\xfe" + lines[2][2:]  # a torn write in the second action
    path.write_bytes(b"".join(lines))
    c = TemplateController(params, metrics=False, recover=recover)
    try:
        quality = c.supervisor.get_labels("quality") if "quality" in c.supervisor.fields else {}
        aside = list(path.parent.glob("journal.jsonl.unrecovered-*"))
        if recover:
            assert quality.get(ids[0]) == "q0" and quality.get(ids[1]) is None
            assert len(aside) == 1 and aside[0].read_bytes().endswith(lines[2] + lines[3])
            assert "journal.jsonl" in caplog.text and "kept aside" in caplog.text
        elif recover is None:
            assert [e["value"] for e in c.recovery_entries] == ["q0"] and len(aside) == 1
    finally:
        c.close()


def test_an_entry_that_cannot_be_replayed_is_set_aside(params: Path, caplog: pytest.LogCaptureFixture) -> None:
    path, ids = _crashed_session(params)
    lines = path.read_bytes().splitlines(keepends=True)
    bad = json.loads(lines[2])
    bad.update(op="merge", cluster_ids=[10**6, 10**6 + 1], to=10**6 + 2)  # clusters that do not exist
    lines[2] = (json.dumps(bad) + "\n").encode()
    path.write_bytes(b"".join(lines))
    c = TemplateController(params, metrics=False, recover=True)
    try:
        quality = c.supervisor.get_labels("quality")
        assert quality[ids[0]] == "q0" and quality.get(ids[2]) is None
        assert "cannot be replayed" in caplog.text and str(path) in caplog.text
        aside = list(path.parent.glob("journal.jsonl.unrecovered-*"))
        assert len(aside) == 1 and str(aside[0]) in caplog.text
        c.supervisor.label("quality", "later", cluster_ids=[ids[2]])
    finally:
        c.close()
    # The journal now holds the replayed action then the new one, nothing unreadable between.
    assert [e.get("value") for e in Journal.read(path)[1]] == ["q0", "later"]
