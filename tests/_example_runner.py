"""Running the scripts of examples/ as a user does: in a subprocess, on a synthetic folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from phycore.model.synthetic import make_dataset

__all__ = ["EXAMPLES", "make_folder", "copy_folder", "run_example", "notebook_cells"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def make_folder(root: Path) -> Path:
    """A small synthetic phy folder with raw data; returns its ``params.py``."""
    return Path(make_dataset(root, n_spikes=5000, n_channels=16, n_templates=10, duration=10.0, raw=True,
                             seed=0))


def copy_folder(params: Path, dest: Path) -> Path:
    """A private copy of a folder (scripts write into it); returns the copy's ``params.py``."""
    shutil.copytree(params.parent, dest, ignore=shutil.ignore_patterns(".phy"))
    return dest / "params.py"


def run_example(name: str, *args: str | Path, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``examples/<name>`` with ``args``; the result has ``returncode``, ``stdout``, ``stderr``."""
    return subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)


def notebook_cells(text: str) -> list[tuple[str, str]]:
    """``(kind, source)`` of each ``# %%`` cell of a jupytext percent file (header skipped).

    ``kind`` is ``'markdown'`` for ``# %% [markdown]`` cells, else ``'code'``.
    """
    parts = re.split(r"^# %%(.*)$", text, flags=re.M)
    return [("markdown" if marker.strip() == "[markdown]" else "code", source.strip("\n"))
            for marker, source in zip(parts[1::2], parts[2::2])]
