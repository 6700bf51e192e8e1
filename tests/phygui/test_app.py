"""The phygui command without a display: clear message, never a Dear PyGui abort (no display)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "phygui.app", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from phycore.model.synthetic import make_dataset

    out = tmp_path_factory.mktemp("cli")
    make_dataset(out, n_spikes=3000, n_channels=8, n_templates=6, duration=5.0, raw=False, seed=1)
    return out


def test_no_display_exits_with_a_clear_message(small_folder: Path) -> None:
    proc = _run([str(small_folder / "params.py")], PHYGUI_UNDER_XVFB="1")
    assert proc.returncode == 3, proc.stderr
    assert "no display" in proc.stderr and "xvfb-run" in proc.stderr and "--info" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_info_needs_no_display(small_folder: Path) -> None:
    proc = _run([str(small_folder / "params.py"), "--info"])
    assert proc.returncode == 0, proc.stderr
    assert "n_spikes" in proc.stdout or "spikes" in proc.stdout


def test_bad_folder_and_usage() -> None:
    proc = _run(["/nonexistent/params.py", "--info"])
    assert proc.returncode == 1 and "phygui: error:" in proc.stderr
    proc = _run([])
    assert proc.returncode == 2


def test_script_api_exists() -> None:
    import phygui
    from phygui import app

    assert callable(phygui.template_gui) and callable(phygui.create_gui)
    assert callable(app.create_gui) and callable(app.template_gui)
    # importing phygui does not import Dear PyGui (no side effects at import)
    proc = subprocess.run([sys.executable, "-c", "import sys, phygui, phygui.app; "
                           "print('dearpygui.dearpygui' in sys.modules)"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "False"


def test_create_gui_without_display_raises_clean_error() -> None:
    code = ("import os; os.environ.pop('DISPLAY', None); os.environ.pop('WAYLAND_DISPLAY', None)\n"
            "import numpy as np\n"
            "from phycore.supervisor import Supervisor\n"
            "from phygui.gui import GUI, NoDisplayError\n"
            "try:\n    GUI(supervisor=Supervisor(np.zeros(10, dtype=np.int64)))\n"
            "except NoDisplayError as e:\n    print('OK', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("OK No display"), proc.stderr
