"""benchmarks/summary.py's table from fake JSON results (no benchmark runs; the script is
run as a program, tests never import benchmarks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "summary.py"

FAKE = {
    "model": {"ours": {"load": 0.05}, "phylib": {"load": 3.0}},
    "clustering": {"ours": {"split 1% random (every cluster)": 0.04, "undo of that split": 0.2,
                            "merge of the two largest": 0.005, "undo of that merge": 0.001},
                   "phy": {"split 1% random (every cluster)": 8.0, "undo of that split": 4.0,
                           "merge of the two largest": 0.1, "undo of that merge": 0.05}},
    "analysis": {"ccg_largest": {"n_spikes": 1354764, "phylib": 5.0, "ours": 0.5}},
    "gui_actions": {"actions": {"select": {"median": 70.0}, "merge": {"median": 60.0},
                                "frame_log": {"budget_ms": 16.7, "path": "x.csv",
                                              "merge": {"frames": 4, "longest_ms": 41.5, "over_budget": 3,
                                                        "over_two_budgets": 1}}}},
    "first_select": {"this tree": [{"first": {"ms": 130.0}}, {"first": {"ms": 90.0}}, {"first": {"ms": 400.0}}]},
}


def _table(tmp_path: Path) -> tuple[str, list[dict]]:
    for name, data in FAKE.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    (tmp_path / "start.json").write_text("{not json")  # unreadable: its rows are not measured
    r = subprocess.run([sys.executable, str(SCRIPT), "--from-json", str(tmp_path)],
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip() == (tmp_path / "summary.md").read_text().strip()
    return r.stdout, json.loads((tmp_path / "summary.json").read_text())


def _row(rows: list[dict], start: str) -> dict:
    return next(r for r in rows if r["step"].startswith(start))


def test_rows_ratios_and_targets_from_the_json_files(tmp_path: Path) -> None:
    text, rows = _table(tmp_path)
    load = _row(rows, "load_model")
    assert load["ratio"] == 60.0 and load["met"] == "met"
    ccg = _row(rows, "correlograms")
    assert ccg["ratio"] == 10.0 and ccg["met"] == "NOT met" and "1,354,764 spikes" in ccg["step"]
    split = _row(rows, "split of 1% of spikes over all clusters (Clustering)")
    assert split["ref"] == 8.0 and split["met"] == "met"
    assert _row(rows, "its undo (Clustering)")["met"] == "NOT met"
    assert _row(rows, "select a pair")["met"] == "met" and _row(rows, "merge →")["met"] == "NOT met"
    assert _row(rows, "process start")["met"] == "not measured"
    first = _row(rows, "first selection of a session")
    assert first["ours"] == 0.13 and first["met"] == "—"  # the median of the sessions
    assert _row(rows, "peak memory: anonymous")["met"] == "not measured"
    # Markdown: the same-run and the phy figures in their own columns, values with units.
    assert "| step | phy/phylib (same run) | phy (issue, other run) | phycore | ratio | target | met |" in text
    assert ("| load_model (first call of a fresh process) | 3 s | 3.5 s (phylib) | 50 ms | 60.0× | ≥ 40× (≤ 0.1 s) "
            "| met |") in text
    assert _row(rows, "load_model, warm")["met"] == "not measured"
    assert "| step | frames | longest frame | frames > 16.7 ms | frames > 33.4 ms |" in text
    assert "| merge | 4 | 41.5 ms | 3 | 1 |" in text  # the frame log's summary
