"""examples/batch_curation.py: labels and merges happen as printed; phy and phycore read the result."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController, load_model

from ._example_runner import copy_folder, make_folder, run_example

SCRIPT = "batch_curation.py"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_folder(tmp_path_factory.mktemp("batch"))


def _table(params: Path) -> tuple[np.ndarray, dict[int, dict[str, Any]]]:
    c = TemplateController(params)
    try:
        rows = {int(r["id"]): dict(r) for r in c.supervisor.cluster_info}
        return np.array(c.supervisor.clustering.spike_clusters), rows
    finally:
        c.close()


def _printed(stdout: str) -> tuple[list[int], list[tuple[int, int, int]]]:
    noise_line = re.search(r"^labelled noise: (.*)$", stdout, re.M)
    assert noise_line is not None, stdout
    noise = [int(x) for x in noise_line.group(1).split(", ") if x != "none"]
    merges = [(int(a), int(b), int(n)) for a, b, n in re.findall(r"^merged (\d+) \+ (\d+) -> (\d+) ", stdout, re.M)]
    return noise, merges


def test_labels_and_merges_as_printed(folder: Path, tmp_path: Path) -> None:
    params = copy_folder(folder, tmp_path / "data")
    before, rows = _table(params)
    r = run_example(SCRIPT, params, "--min-amp", "7", "--max-isi-violation", "0.6", "--merge-above", "0.5")
    assert r.returncode == 0, r.stderr
    noise, merges = _printed(r.stdout)

    # Exactly the clusters failing a threshold, and not already noise, were labelled.
    expected_noise = sorted(c for c, row in rows.items() if row["group"] != "noise" and (
        row["amp"] < 7 or (row["isi_violation_ratio"] is not None and row["isi_violation_ratio"] > 0.6)))
    assert noise == expected_noise and noise
    assert merges, r.stdout
    merged_ids = {i for a, b, _ in merges for i in (a, b)}
    assert not merged_ids & (set(noise) | {c for c, row in rows.items() if row["group"] == "noise"})

    # Replaying the printed merges on the original assignment gives the saved one.
    expected = before.copy()
    for a, b, new in merges:
        expected[np.isin(expected, [a, b])] = new
    mine = load_model(params)
    np.testing.assert_array_equal(mine.spike_clusters, expected)
    assert all(mine.metadata["group"][c] == "noise" for c in noise)

    phylib_model = pytest.importorskip("phylib.io.model")
    theirs = phylib_model.load_model(params)
    try:
        np.testing.assert_array_equal(theirs.spike_clusters, expected)
        assert all(theirs.metadata["group"][c] == "noise" for c in noise)
    finally:
        theirs.close()

    with open(params.parent / "cluster_info.tsv", newline="") as f:
        info = list(csv.DictReader(f, delimiter="\t"))
    assert {int(row["cluster_id"]) for row in info} == set(np.unique(expected).tolist())
    assert "saved 3 files: spike_clusters.npy, cluster_group.tsv, cluster_info.tsv" in r.stdout


def test_dry_run_writes_nothing(folder: Path, tmp_path: Path) -> None:
    params = copy_folder(folder, tmp_path / "data")
    files = {p.name: p.read_bytes() for p in params.parent.iterdir() if p.is_file()}
    r = run_example(SCRIPT, params, "--min-presence-ratio", "0.95", "--merge-above", "0.8", "--dry-run")
    assert r.returncode == 0, r.stderr
    noise, merges = _printed(r.stdout)
    assert noise and merges and "dry run: nothing saved" in r.stdout
    assert {p.name: p.read_bytes() for p in params.parent.iterdir() if p.is_file()} == files


def test_bad_input_is_reported(tmp_path: Path, folder: Path) -> None:
    missing = tmp_path / "nowhere" / "params.py"
    r = run_example(SCRIPT, missing, "--merge-above", "0.9")
    assert r.returncode == 1 and str(missing) in r.stderr
    r = run_example(SCRIPT, folder, "--merge-above", "1.5")
    assert r.returncode == 2 and "--merge-above must be in (0, 1]" in r.stderr
