"""Fixtures of the GUI tests: they need an X display (run under xvfb-run, as `make test` does).

Each scenario of ``scenarios.py`` runs in its own Python process (one Dear PyGui context per
process), on a fresh copy of a small synthetic folder. Screenshots of the last run are kept
in ``tests/gui/artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]

needs_display = pytest.mark.skipif(
    not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")),
    reason="GUI test needs an X display: run under xvfb-run -a -s '-screen 0 1600x1000x24' (make test does)",
)


@pytest.fixture(scope="session")
def synthetic_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from phycore.model.synthetic import make_dataset

    out = tmp_path_factory.mktemp("gui_source")
    make_dataset(out, n_spikes=20_000, n_channels=32, n_templates=30, duration=20.0, raw=True, seed=0)
    return out


@pytest.fixture
def dataset(synthetic_source: Path, tmp_path: Path) -> Path:
    """A fresh copy of the synthetic folder (scenarios save into it)."""
    dst = tmp_path / "data"
    shutil.copytree(synthetic_source, dst, ignore=shutil.ignore_patterns(".phy"))
    return dst


def run_python(args: list[str], timeout: float = 180, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` from the repository root; returns the completed process."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env if env is not None else dict(os.environ))


def scenario_runner(module: str, dataset: Path, tmp_path: Path) -> Callable[[str], str]:
    """``run(name)``: run ``<module>.scenario_<name>`` in a fresh process on ``dataset``
    (Dear PyGui may crash when a second GUI is built in one process); fail with its output."""

    def run(name: str) -> str:
        env = dict(os.environ, PHY_USER_DIR=str(tmp_path / "user_dir"))
        proc = run_python(["-m", module, name, str(dataset)], env=env)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"scenario {name} failed (exit {proc.returncode}):\n{out[-6000:]}"
        assert f"scenario {name}: OK" in proc.stdout
        return out

    return run


@pytest.fixture
def run_scenario(dataset: Path, tmp_path: Path) -> Callable[[str], str]:
    """Run ``tests.gui.scenarios.scenario_<name>`` in a fresh process."""
    return scenario_runner("tests.gui.scenarios", dataset, tmp_path)
