"""examples/walkthrough.py: a jupytext percent notebook that runs as a script and cell by cell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from ._example_runner import EXAMPLES, copy_folder, make_folder, notebook_cells, run_example

SCRIPT = EXAMPLES / "walkthrough.py"


def test_is_a_percent_notebook() -> None:
    text = SCRIPT.read_text()
    header, _, _ = text.partition("\n# %%")
    assert "format_name: percent" in header
    found = notebook_cells(text)
    kinds = [k for k, _ in found]
    assert kinds.count("markdown") >= 7 and kinds.count("code") >= 7
    for kind, source in found:
        if kind == "markdown":
            assert all(line == "#" or line.startswith("# ") for line in source.splitlines()), source
        else:
            compile(source, str(SCRIPT), "exec")


def test_runs_as_a_script_on_synthetic_data(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TMPDIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    merged = re.search(r"^merged \[(\d+), (\d+)\] -> (\d+) \((\d+) spikes\)", r.stdout, re.M)
    assert merged is not None, r.stdout
    a, b, new, n = map(int, merged.groups())
    assert "history=undo" in r.stdout and "history=redo" in r.stdout
    assert "saved: spike_clusters.npy" in r.stdout
    (folder,) = tmp_path.glob("phycore-walkthrough-*")
    saved = np.load(folder / "spike_clusters.npy")
    assert int(np.sum(saved == new)) == n and not np.isin([a, b], saved).any()


def test_runs_cell_by_cell_as_in_jupyter_on_a_given_folder(tmp_path: Path) -> None:
    params = copy_folder(make_folder(tmp_path / "source"), tmp_path / "data")
    before = (params.parent / "spike_clusters.npy").read_bytes()
    # A kernel's argv is its own (-f connection file): the folder comes from PHYCORE_PARAMS.
    runner = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from _example_runner import notebook_cells
        sys.argv = ["ipykernel_launcher.py", "-f", "kernel-1.json"]
        namespace = {{"__name__": "__main__"}}
        for kind, source in notebook_cells(open({str(SCRIPT)!r}).read()):
            if kind == "code":
                exec(compile(source, "cell", "exec"), namespace)
        """)
    r = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PHYCORE_PARAMS": str(params.parent)})
    assert r.returncode == 0, r.stderr
    assert f"folder: {params.parent}" in r.stdout
    assert "not saved" in r.stdout and "merged [" in r.stdout
    assert (params.parent / "spike_clusters.npy").read_bytes() == before


def test_a_path_argument_is_used(tmp_path: Path) -> None:
    params = copy_folder(make_folder(tmp_path / "source"), tmp_path / "data")
    r = run_example("walkthrough.py", params)
    assert r.returncode == 0, r.stderr
    assert f"folder: {params.parent}" in r.stdout and "not saved" in r.stdout
    assert re.search(r"^cluster \d+: best channels \[.*\], waveforms \(20, 82, \d+\)$", r.stdout, re.M)
