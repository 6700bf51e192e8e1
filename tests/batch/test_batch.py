"""phycore.batch: engines agree, failures are reported, unchanged sessions are skipped,
results land in each folder's .phy/ and in the summary table, the CLI end to end."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import cli
from phycore.batch import BatchResult, SessionResult, find_sessions, run_batch
from phycore.controller.proposed_labels import read_proposed_labels

from .conftest import BAD, NAMES

RULES = ["noise: n_spikes < 200", "flag=suspect: presence_ratio < 0.95"]


def _essence(result: BatchResult) -> list[tuple[Any, ...]]:
    """What must not depend on the engine (folders compared by name)."""
    return [(Path(s.folder).name, s.status, s.units, s.proposed, s.export) for s in result.sessions]


@pytest.fixture(scope="module")
def serial(batch_template: Path, tmp_path_factory: pytest.TempPathFactory) -> BatchResult:
    root = tmp_path_factory.mktemp("serial") / "lab"
    shutil.copytree(batch_template, root)
    return run_batch([root], engine="serial", labels=RULES)


def test_serial_run_does_every_session_and_reports_the_failing_one(serial: BatchResult) -> None:
    by_name = {Path(s.folder).name: s for s in serial.sessions}
    assert sorted(by_name) == sorted([*NAMES, BAD])
    bad = by_name[BAD]
    assert bad.status == "failed" and "spike_times.npy" in bad.error and bad.traceback
    assert [s.status for s in serial.done] == ["done"] * 4 and not serial.ok
    for name in NAMES:
        s = by_name[name]
        assert s.units and [u["id"] for u in s.units] == sorted(u["id"] for u in s.units)
        # The quality metrics of the cluster table, one row per unit.
        assert {"n_spikes", "isi_violation_ratio", "presence_ratio", "amplitude_cutoff", "group"} <= set(s.units[0])
    # The rules ran: some unit of some session got each proposed label, and exactly the matching ones.
    proposed = {(name, f) for name in NAMES for f in by_name[name].proposed}
    assert {f for _, f in proposed} == {"group", "flag"}
    for name in NAMES:
        for unit in by_name[name].units:
            match = unit["n_spikes"] < 200 and unit["group"] in (None, "unsorted")
            assert (unit.get("proposed_group") == "noise") == match


def test_joblib_pool_gives_the_serial_results(serial: BatchResult, sessions: Path) -> None:
    result = run_batch([sessions], engine="joblib", n_jobs=2, labels=RULES)
    assert result.engine == "joblib"
    assert _essence(result) == _essence(serial)


def test_dask_local_cluster_with_two_workers_gives_the_serial_results(serial: BatchResult, sessions: Path) -> None:
    pytest.importorskip("dask.distributed")
    result = run_batch([sessions], n_workers=2, labels=RULES)
    assert result.engine == "dask"
    assert _essence(result) == _essence(serial)


def test_results_go_to_each_folders_phy_dir(serial: BatchResult) -> None:
    for s in serial.done:
        out = Path(s.output_dir)
        assert out == Path(s.folder) / ".phy" / "batch"
        record = json.loads((out / "result.json").read_text())
        assert record["fingerprint"] == s.fingerprint and len(record["units"]) == len(s.units)
        with open(out / "metrics.tsv", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        assert [int(r["cluster_id"]) for r in rows] == [u["id"] for u in s.units]
        proposal = read_proposed_labels(out.parent)
        if s.proposed:
            assert proposal is not None and proposal["labels"] == s.proposed
        else:
            assert proposal is None
        # The curation export, always there.
        assert s.export == "done" and (out / "curation.json").is_file()
    # The failing folder got nothing written.
    bad = next(s for s in serial.sessions if s.status == "failed")
    assert not (Path(bad.folder) / ".phy" / "batch" / "result.json").exists()


def test_second_run_skips_unchanged_sessions_and_redoes_a_changed_one(sessions: Path) -> None:
    first = run_batch([sessions], engine="serial", labels=RULES)
    again = run_batch([sessions], engine="serial", labels=RULES)
    assert [(Path(s.folder).name, s.status) for s in again.sessions if s.status != "failed"] == \
        [(n, "skipped") for n in NAMES]
    assert [s.units for s in again.sessions] == [s.units for s in first.sessions]  # reused as they were
    assert [s.status for s in again.failed] == ["failed"]  # a failed session is tried again

    # A curator labels a unit of s2 (its cluster_group.tsv changes): only s2 is redone.
    s2 = first.sessions[[Path(s.folder).name for s in first.sessions].index("s2")]
    unit = s2.units[0]["id"]
    (sessions / "s2" / "cluster_group.tsv").write_text(f"cluster_id\tgroup\n{unit}\tgood\n")
    third = run_batch([sessions], engine="serial", labels=RULES)
    status = {Path(s.folder).name: s.status for s in third.sessions}
    assert status == {"s0": "skipped", "s1": "skipped", "s2": "done", "s3": "skipped", BAD: "failed"}
    redone = next(s for s in third.sessions if s.folder == s2.folder)
    assert next(u for u in redone.units if u["id"] == unit)["group"] == "good"

    # Other batch parameters are other results: every session is redone.
    fourth = run_batch([sessions], engine="serial", labels=RULES[:1])
    assert {s.status for s in fourth.sessions} == {"done", "failed"}
    forced = run_batch([sessions], engine="serial", labels=RULES[:1], force=True)
    assert {s.status for s in forced.sessions} == {"done", "failed"}


def test_summary_table_has_a_row_per_session_and_unit(sessions: Path, tmp_path: Path) -> None:
    result = run_batch([sessions], engine="serial", labels=RULES, summary=tmp_path / "qc.csv")
    assert result.summary_csv == tmp_path / "qc.csv"
    with open(tmp_path / "qc.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["session", "status", "error", "cluster_id"]
    assert len(rows) == sum(len(s.units) for s in result.sessions) + 1  # + the failed session's row
    assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in _as_csv(result.rows())]
    bad = [r for r in rows if r["status"] == "failed"]
    assert len(bad) == 1 and Path(bad[0]["session"]).name == BAD and "spike_times.npy" in bad[0]["error"]
    # Values are written with every digit.
    first = next(r for r in rows if r["status"] == "done")
    unit = next(u for s in result.sessions for u in s.units if s.folder == first["session"])
    assert float(first["isi_violation_ratio"]) == unit["isi_violation_ratio"]


def _as_csv(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns = list(dict.fromkeys(["session", "status", "error", "cluster_id", *(k for r in rows for k in r)]))
    return [{c: repr(r[c]) if isinstance(r.get(c), float) else r.get(c) for c in columns} for r in rows]


def test_find_sessions_searches_folders_and_accepts_params_files(sessions: Path) -> None:
    found = find_sessions([sessions, sessions / "s1" / "params.py"])
    assert [Path(f).name for f in found] == [BAD, *NAMES]  # sorted, s1 once
    assert find_sessions([sessions / "nowhere"]) == [str((sessions / "nowhere").absolute())]


def test_cli_end_to_end(sessions: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "out" / "qc.csv"
    code = cli.main(["batch", str(sessions), "--serial", "--label", RULES[0], "--summary", str(summary)])
    out, err = capsys.readouterr()
    assert code == 1  # a session failed
    assert "4 done, 0 skipped, 1 failed" in out and str(summary) in out
    assert f"failed: {sessions / BAD}: MissingFileError" in err  # on the progress bar, as it happened
    assert f"FAILED {sessions / BAD}" in err
    assert summary.exists()

    # Only the good folders, again: all skipped, exit code 0.
    code = cli.main(["batch", *(str(sessions / n) for n in NAMES), "--serial", "--label", RULES[0],
                     "--summary", str(summary), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0 and "0 done, 4 skipped, 0 failed" in out and err == ""


def test_cli_rejects_a_bad_rule_before_any_work(sessions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["batch", str(sessions), "--serial", "--label", "noise n_spikes < 3"]) == 2
    assert "LABEL: EXPRESSION" in capsys.readouterr().err
    assert cli.main(["batch", str(sessions), "--serial", "--label", "noise: n_spikes <"]) == 2
    assert "Cannot parse the filter" in capsys.readouterr().err
    assert not (sessions / NAMES[0] / ".phy").exists()


def test_a_rule_naming_an_unknown_column_fails_each_session_with_the_columns(sessions: Path) -> None:
    result = run_batch([sessions / "s0"], engine="serial", labels=["noise: isi_viol > 0.5"])
    [s] = result.sessions
    assert s.status == "failed" and "Unknown column 'isi_viol'" in s.error and "isi_violation_ratio" in s.error


def test_session_results_are_plain_values(serial: BatchResult) -> None:
    for s in serial.done:
        for unit in s.units:
            assert all(v is None or type(v) in (int, float, str, bool) for v in unit.values()), unit
            assert all(not (isinstance(v, float) and np.isnan(v)) for v in unit.values())
    assert isinstance(serial.sessions[0], SessionResult)


def test_parquet_summary_when_pyarrow_is_installed(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")  # not in the test extra: checked where it is installed
    from phycore.batch.summary import write_summary

    sessions = [SessionResult(folder="/a", status="done",
                              units=({"id": 1, "fr": 1.5, "group": None, "q": 3}, {"id": 2, "fr": None, "group": "good",
                                                                                    "q": "x"})),
                SessionResult(folder="/b", status="failed", error="boom")]
    _, parquet = write_summary(sessions, tmp_path / "s.csv")
    assert parquet == tmp_path / "s.parquet"
    rows = pq.read_table(parquet).to_pylist()
    assert [r["cluster_id"] for r in rows] == [1, 2, None] and rows[1]["group"] == "good"
    assert [r["q"] for r in rows] == ["3", "x", None]  # a column of mixed types is stored as text


def test_a_failing_curation_export_fails_the_session(sessions: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Something in the way of the export file (here a folder): that session fails, the others are done.
    blocked = sessions / "s1" / ".phy" / "batch" / "curation.json"
    blocked.mkdir(parents=True)
    folders = [str(sessions / n) for n in ("s0", "s1")]
    assert cli.main(["batch", *folders, "--serial", "--no-progress", "--summary", str(sessions / "qc.csv")]) == 1
    err = capsys.readouterr().err
    assert f"FAILED {sessions / 's1'}: ExportError: curation export failed" in err
    result = run_batch(folders, engine="serial")
    assert [s.status for s in result.sessions] == ["skipped", "failed"]  # s1 is not recorded as done
    assert not (blocked.parent / "result.json").exists()
    blocked.rmdir()
    assert [s.status for s in run_batch(folders, engine="serial").sessions] == ["skipped", "done"]


def test_a_session_first_run_without_its_raw_data_runs_again_when_the_data_appears(tmp_path: Path) -> None:
    from phycore.model.synthetic import make_dataset

    folder = tmp_path / "raw"
    make_dataset(folder, n_spikes=1500, n_channels=16, n_templates=5, duration=3.0, raw=True, seed=3)
    [raw] = [p for p in folder.iterdir() if p.suffix in (".dat", ".bin")]
    raw.rename(tmp_path / raw.name)
    [first] = run_batch([folder], engine="serial", export=False).sessions
    assert first.status == "done" and all(u.get("snr") is None for u in first.units)  # the SNR needs the raw data
    (tmp_path / raw.name).rename(raw)
    [again] = run_batch([folder], engine="serial", export=False).sessions
    assert again.status == "done" and again.fingerprint != first.fingerprint
    assert all(u.get("snr") is not None for u in again.units)
    # Its metadata files count too (by name, size and time: never read).
    assert run_batch([folder], engine="serial", export=False).sessions[0].status == "skipped"
    raw.with_suffix(".meta").write_text("nSavedChans=16\n")
    assert run_batch([folder], engine="serial", export=False).sessions[0].status == "done"
