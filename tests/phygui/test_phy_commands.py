"""phy's command line in phygui: ``template-gui``, ``template-describe``, ``extract-waveforms``,
``--clear-state`` (all display-free here; ``--clear-cache`` is run in tests/gui/test_gui_cli.py)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], user_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PHY_USER_DIR"] = str(user_dir)
    return subprocess.run([sys.executable, "-m", "phygui.app", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from phycore.model.synthetic import make_dataset

    out = tmp_path_factory.mktemp("phycmd")
    make_dataset(out, n_spikes=3000, n_channels=8, n_templates=6, duration=5.0, raw=True, seed=1)
    return out


def test_template_describe_prints_what_phy_prints(folder: Path, tmp_path: Path) -> None:
    from phylib.io.model import load_model

    phylib_model = load_model(folder / "params.py")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        phylib_model.describe()
    phylib_model.close()
    proc = _run(["template-describe", str(folder / "params.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == buf.getvalue().splitlines()


SUBSET = ("_phy_spikes_subset.spikes.npy", "_phy_spikes_subset.channels.npy", "_phy_spikes_subset.waveforms.npy")


def test_extract_waveforms_writes_phylibs_files(folder: Path, tmp_path: Path) -> None:
    from phylib.io.model import load_model

    import numpy as np

    ours, ref = tmp_path / "ours", tmp_path / "ref"
    shutil.copytree(folder, ours)
    shutil.copytree(folder, ref)
    # phy's spelling: N_SPIKES_PER_CLUSTER --nc C (here 100 of ~500 spikes: a random sample).
    proc = _run(["extract-waveforms", str(ours / "params.py"), "100", "--nc", "16"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Saved the waveforms of" in proc.stdout and "100.0%" in proc.stderr
    model = load_model(ref / "params.py")
    np.random.seed(0)  # phygui's default --seed
    model.save_spikes_subset_waveforms(max_n_spikes_per_template=100, max_n_channels=16)
    model.close()
    for name in SUBSET:
        assert (ours / name).read_bytes() == (ref / name).read_bytes(), name
    # The brief's spelling of the same options, and phy's defaults (500 spikes, 16 channels).
    proc = _run(["extract-waveforms", str(ours / "params.py"), "--n-spikes-per-cluster", "500",
                 "--max-n-channels", "16"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = _run(["extract-waveforms", str(ref / "params.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in SUBSET:
        assert (ours / name).read_bytes() == (ref / name).read_bytes(), name


def test_extract_waveforms_errors(folder: Path, tmp_path: Path) -> None:
    d = tmp_path / "noraw"
    shutil.copytree(folder, d)
    (d / "raw.dat").unlink()
    proc = _run(["extract-waveforms", str(d / "params.py")], tmp_path)
    assert proc.returncode == 1
    assert "phygui: error: Cannot extract waveforms" in proc.stderr and str(d / "raw.dat") in proc.stderr
    assert not list(d.glob("_phy_spikes_subset.*"))
    proc = _run(["extract-waveforms", str(d / "params.py"), "0"], tmp_path)
    assert proc.returncode == 1 and "max_n_spikes_per_template must be a positive integer" in proc.stderr
    proc = _run(["extract-waveforms", str(tmp_path / "missing" / "params.py")], tmp_path)
    assert proc.returncode == 1 and "params.py" in proc.stderr


def test_clear_state_deletes_global_and_local_state(folder: Path, tmp_path: Path) -> None:
    user = tmp_path / "u"
    glob_state = user / "TemplateGUI" / "state.json"
    local_state = folder / ".phy" / "state.json"
    for path in (glob_state, local_state):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"GUI": {"viewport": {"width": 900, "height": 700}}}))
    proc = _run(["template-gui", str(folder / "params.py"), "--clear-state", "--info"], user)
    assert proc.returncode == 0, proc.stderr
    assert not glob_state.exists() and not local_state.exists()
    assert "n_spikes" in proc.stdout  # ``template-gui params.py`` is ``params.py``: --info still works


def test_usage_names_phy_commands(tmp_path: Path) -> None:
    proc = _run(["--help"], tmp_path)
    assert proc.returncode == 0
    for word in ("template-gui", "template-describe", "extract-waveforms", "--clear-cache", "--clear-state"):
        assert word in proc.stdout
