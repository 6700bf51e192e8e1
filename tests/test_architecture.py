"""The layer rules of design.md, checked by tools rather than by review."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_phycore_imports_without_dearpygui() -> None:
    code = (
        "import sys, phycore, phycore.errors\n"
        "import phycore.model, phycore.clustering, phycore.signals\n"
        "assert 'dearpygui' not in sys.modules, 'phycore pulled in dearpygui'\n"
        "assert 'phygui' not in sys.modules, 'phycore pulled in phygui'\n"
        "assert not any(m == 'phylib' or m.startswith('phylib.') for m in sys.modules)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_phycore_has_no_side_effects() -> None:
    code = (
        "import logging, phycore\n"
        "root = logging.getLogger()\n"
        "assert root.level == logging.WARNING, root.level\n"
        "assert not root.handlers, root.handlers\n"
        "print(sorted(phycore.__all__)[:3])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(shutil.which("lint-imports") is None and not (Path(sys.executable).parent / "lint-imports").exists(),
                    reason="import-linter not installed")
def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    out = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "broken" not in out.stdout.lower() or "0 broken" in out.stdout.lower()
