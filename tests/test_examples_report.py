"""examples/metric_report.py: the CSV holds the controller's values; the HTML page its plots and rows."""

from __future__ import annotations

import base64
import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from phycore import TemplateController

from ._example_runner import EXAMPLES, copy_folder, make_folder, run_example

SCRIPT = "metric_report.py"
METRICS = ("presence_ratio", "isi_violation_ratio", "contamination", "amplitude_cutoff", "isolation_distance",
           "l_ratio")


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    return copy_folder(make_folder(root / "source"), root / "data")


@pytest.fixture(scope="module")
def expected(params: Path) -> tuple[list[str], dict[int, dict[str, object]]]:
    c = TemplateController(params)
    try:
        s = c.supervisor
        columns = ["cluster_id"] + [col for col in s.columns if col != "id"] + list(s.fields)
        return columns, {cid: s.get_cluster_info(cid) for cid in s.cluster_table.ids}
    finally:
        c.close()


@pytest.fixture(scope="module")
def report(params: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("out")
    r = run_example(SCRIPT, params, "--out-dir", out, "--n-correlograms", "4")
    assert r.returncode == 0, r.stderr
    return out, r.stdout


def test_csv_matches_the_controller(report: tuple[Path, str], expected: tuple[list[str], dict]) -> None:
    out, _ = report
    columns, info = expected
    assert set(METRICS) <= set(columns)
    with open(out / "metrics.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == columns
        rows = list(reader)
    assert sorted(int(r["cluster_id"]) for r in rows) == sorted(info)
    for row in rows:
        want = info[int(row["cluster_id"])]
        for col in columns[1:]:
            value = want[col]
            if value is None:
                assert row[col] == "", (col, row)
            elif isinstance(value, str):
                assert row[col] == value
            else:
                assert float(row[col]) == value, (col, row[col], value)  # exact: written at full precision


def test_html_has_one_image_per_plot_and_every_cluster(report: tuple[Path, str],
                                                       expected: tuple[list[str], dict]) -> None:
    out, stdout = report
    _, info = expected
    page = (out / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)">', page)
    printed = re.search(r"report\.html: (\d+) plots", stdout)
    assert printed is not None, stdout
    n_plots = int(printed.group(1))
    assert len(images) == n_plots == page.count("<img")
    assert all(base64.b64decode(data).startswith(b"\x89PNG") for data, _ in images)
    captions = {alt for _, alt in images}
    assert {f"Distribution of {m}" for m in METRICS} <= captions
    assert "Autocorrelograms (ms) of the 4 largest clusters" in captions
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == len(info)
    assert all(f"<tr><td>{cid}</td>" in body for cid in info)


def test_without_matplotlib_the_csv_is_written_and_the_need_is_said(params: Path, tmp_path: Path) -> None:
    code = ("import runpy, sys; sys.modules['matplotlib'] = None; "
            f"sys.argv = ['metric_report.py', {str(params)!r}, '--out-dir', {str(tmp_path)!r}]; "
            f"runpy.run_path({str(EXAMPLES / SCRIPT)!r}, run_name='__main__')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "needs matplotlib" in r.stderr
    assert (tmp_path / "metrics.csv").stat().st_size > 0 and not (tmp_path / "report.html").exists()
