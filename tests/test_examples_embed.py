"""examples/embed_acquisition.py --headless: the reports grow as spikes arrive, the metrics it
prints are those of the saved folder, and the folder opens in phycore."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from phycore import TemplateController, load_model

from ._example_runner import run_example

SCRIPT = "embed_acquisition.py"
HEADER = re.compile(r"^t=([\d.]+) s: ([\d,]+) spikes \(([\d,]+) received, ([\d,]+)/s\), (\d+) clusters$", re.M)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("embed") / "session"
    r = run_example(SCRIPT, "--headless", "--seconds", "2.5", "--rate", "4000", "--n-channels", "32",
                    "--n-templates", "8", "--initial", "1", "--report-every", "0.5", "--top", "3", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r.stdout


def _reports(stdout: str) -> list[tuple[dict[str, int], dict[int, list[str]]]]:
    """Each report: its header numbers and ``{cluster: cells}`` of its rows."""
    out = []
    blocks = stdout.split("\nt=")
    for block in blocks[1:]:
        lines = ("t=" + block).splitlines()
        m = HEADER.match(lines[0])
        assert m is not None, lines[0]
        head = {"spikes": _int(m.group(2)), "received": _int(m.group(3)), "rate": _int(m.group(4)),
                "clusters": int(m.group(5))}
        columns = lines[1].split()
        assert columns == ["cluster", "n_spikes", "fr", "presence_ratio", "isi_violation_ratio", "amplitude_cutoff"]
        rows = {}
        for line in lines[2:]:
            cells = line.split()
            if len(cells) != len(columns) or not cells[0].isdigit():
                break
            rows[int(cells[0])] = cells[1:]
        out.append((head, rows))
    return out


def test_reports_follow_the_acquisition(run: tuple[Path, str]) -> None:
    _, stdout = run
    assert "acquiring at 4,000 spikes/s" in stdout
    initial = _int(re.search(r"Initial model: ([\d,]+) spikes", stdout).group(1))
    reports = _reports(stdout)
    assert len(reports) >= 5  # every 0.5 s for 2.5 s, then the final one
    spikes = [h["spikes"] for h, _ in reports]
    received = [h["received"] for h, _ in reports]
    assert spikes == sorted(spikes) and spikes[-1] > spikes[0] and received[-1] > 0
    assert all(s == initial + r for s, r in zip(spikes, received))  # the model holds what was pushed
    head, rows = reports[-1]
    assert 0.6 * 4000 < head["rate"] < 1.4 * 4000
    assert len(rows) == 3 and head["clusters"] == 8
    counts = [_int(cells[0]) for cells in rows.values()]
    assert counts == sorted(counts, reverse=True)  # the largest clusters first


def test_saved_folder_opens_with_the_printed_counts_and_metrics(run: tuple[Path, str]) -> None:
    out, stdout = run
    head, rows = _reports(stdout)[-1]
    saved = re.search(r"^Saved ([\d,]+) spikes in (\d+) clusters to (.+) \(open it with: phygui (.+)\)$",
                      stdout, re.M)
    assert saved is not None, stdout
    assert _int(saved.group(1)) == head["spikes"] and Path(saved.group(3)) == out
    assert Path(saved.group(4)) == out / "params.py"
    m = load_model(out / "params.py")
    assert m.n_spikes == head["spikes"] and m.n_templates == 8 and m.n_channels == 32
    assert np.all(np.diff(m.spike_samples) >= 0)
    c = TemplateController(out / "params.py")
    try:
        table = c.supervisor.cluster_table
        assert len(table) == head["clusters"]
        for cid, cells in rows.items():
            # The live session's values (refreshed before the report) are those of a
            # session opened on the saved folder.
            assert _int(cells[0]) == table.get(cid, "n_spikes")
            for text, col in zip(cells[1:], ("fr", "presence_ratio", "isi_violation_ratio", "amplitude_cutoff")):
                assert text == f"{table.get(cid, col):.3f}", (cid, col)
        info = (out / "cluster_info.tsv").read_text().splitlines()
        assert len(info) == 1 + head["clusters"] and info[0].startswith("cluster_id\t")
    finally:
        c.close()


def test_bad_rate_is_refused(tmp_path: Path) -> None:
    r = run_example(SCRIPT, "--headless", "--rate", "0", "--out", tmp_path / "x")
    assert r.returncode == 2 and "--rate must be > 0" in r.stderr
    assert not (tmp_path / "x").exists()
