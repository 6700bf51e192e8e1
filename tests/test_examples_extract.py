"""examples/extract_waveforms.py runs on a synthetic folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from phycore.model.synthetic import make_dataset

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "extract_waveforms.py"


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("ex"), n_spikes=1000, n_channels=16,
                        n_templates=4, duration=2.0)


def test_extract_waveforms_plot(params: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "fig.png"
    r = subprocess.run([sys.executable, str(SCRIPT), str(params), "0", "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "cluster 0:" in r.stdout and "best channels" in r.stdout
    assert out.stat().st_size > 1000


def test_extract_waveforms_no_plot_and_errors(params: Path) -> None:
    r = subprocess.run([sys.executable, str(SCRIPT), str(params), "3", "--no-plot", "--n-spikes", "5"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "5 spikes, 82 samples" in r.stdout
    r = subprocess.run([sys.executable, str(SCRIPT), str(params), "777", "--no-plot"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "cluster_id 777 does not exist" in r.stderr
