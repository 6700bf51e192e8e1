"""The layer rules of design.md, checked by tools rather than by review."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests._import_graph import ROOT, cycles, import_graph


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


def test_no_import_cycles_including_type_only_imports() -> None:
    """Within and across packages, no module imports itself back, even under TYPE_CHECKING."""
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def _package(module: str) -> str:
    return module if (ROOT / module.replace(".", "/") / "__init__.py").exists() else module.rpartition(".")[0]


def test_private_modules_stay_in_their_package() -> None:
    """A ``_private`` module is imported only from inside the package that holds it:
    what other packages need has a public name (style.md rule 5)."""
    bad = []
    for module, targets in import_graph().items():
        here = _package(module)
        for target in targets:
            parts = target.split(".")
            private = next((k for k, p in enumerate(parts) if p.startswith("_")), None)
            if private is None:
                continue
            owner = ".".join(parts[:private])
            if here != owner:
                bad.append(f"{module} imports {target}")
    assert not bad, "private modules used across packages:\n" + "\n".join(sorted(bad))
