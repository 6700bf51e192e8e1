"""Fixtures of the GUI tests: they need an X display (run under xvfb-run, as `make test` does).

Each GUI test is marked ``subprocess`` (tests/_subprocess_marker.py): it runs in its own
Python process (one Dear PyGui context per process), on a fresh copy of a small synthetic
folder, and fails on any error logged meanwhile that its scenario does not declare
(tests/gui/strict.py). Screenshots of the last run are kept
in ``tests/gui/artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests._subprocess_marker import shared_dir

ROOT = Path(__file__).resolve().parents[2]

needs_display = pytest.mark.skipif(
    not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")),
    reason="GUI test needs an X display: run under xvfb-run -a -s '-screen 0 1600x1000x24' (make test does)",
)


@pytest.fixture(scope="session")
def synthetic_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small synthetic folder, made once per session (the ``subprocess`` children of a
    session share it: only the first one makes it)."""
    from phycore.model.synthetic import make_dataset

    shared = shared_dir()
    if shared is not None and (shared / "gui_source" / "params.py").exists():
        return shared / "gui_source"
    out = tmp_path_factory.mktemp("gui_source")
    make_dataset(out, n_spikes=20_000, n_channels=32, n_templates=30, duration=20.0, raw=True, seed=0)
    if shared is None:
        return out
    with contextlib.suppress(OSError):  # another child was faster: use its copy
        out.rename(shared / "gui_source")
    return shared / "gui_source"


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


def assert_no_logged_errors(proc: subprocess.CompletedProcess[str]) -> None:
    """A ``phygui`` command logs to stderr (``LEVEL logger: message``): no ERROR, CRITICAL or
    traceback there (a subscriber, view or plugin hook that raised while it ran)."""
    bad = [line for line in proc.stderr.splitlines() if re.match(r"(ERROR|CRITICAL)\b|Traceback", line)]
    assert not bad, "errors logged by the command:\n" + proc.stderr[-6000:]


def scenario_runner(module: str, dataset: Path) -> Callable[[str], str]:
    """``run(name)``: run ``<module>.scenario_<name>`` in a fresh process on ``dataset``, with
    this process's user directory (``$PHY_USER_DIR``); fail with its output. For a second GUI
    in a test (Dear PyGui may crash when a second GUI is built in one process), e.g. a state
    restored at the next start; the scenario fails on logged errors there too."""

    def run(name: str) -> str:
        proc = run_python(["-m", module, name, str(dataset)], env=dict(os.environ))
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"scenario {name} failed (exit {proc.returncode}):\n{out[-6000:]}"
        assert f"scenario {name}: OK" in proc.stdout
        return out

    return run


@pytest.fixture
def run_scenario(dataset: Path) -> Callable[[str], str]:
    """Run ``tests.gui.scenarios.scenario_<name>`` in a fresh process."""
    return scenario_runner("tests.gui.scenarios", dataset)
