"""`phygui params.py --screenshot`, and the headless demo that reruns itself under Xvfb."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.gui.conftest import assert_no_logged_errors, needs_display, run_python

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.mark.gui
@needs_display
def test_screenshot_option(dataset: Path, tmp_path: Path) -> None:
    out = ARTIFACTS / "cli_screenshot.png"
    ARTIFACTS.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    env = dict(os.environ, PHY_USER_DIR=str(tmp_path / "u"))
    proc = run_python(["-m", "phygui.app", str(dataset / "params.py"), "--screenshot", str(out), "--frames", "5",
                       "--select", "3,7"], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_no_logged_errors(proc)
    assert out.exists() and out.stat().st_size > 10_000
    assert f"Screenshot saved to {out}" in proc.stdout


@pytest.mark.gui
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_headless_demo_runs_under_xvfb(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PHYGUI_UNDER_XVFB")}
    env["PHY_USER_DIR"] = str(tmp_path / "u")
    demo = tmp_path / "demo"
    proc = run_python(["-m", "phygui.app", "--demo", "--demo-dir", str(demo), "--n-spikes", "5000",
                       "--n-channels", "16", "--n-templates", "8", "--duration", "5"], env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert_no_logged_errors(proc)
    shot = demo.resolve() / "phygui-demo.png"
    assert shot.exists()
    assert "No display" in proc.stdout and str(shot) in proc.stdout


@pytest.mark.gui
@needs_display
def test_template_gui_command_and_clear_cache(dataset: Path, tmp_path: Path) -> None:
    """phy's ``template-gui params.py --clear-cache``: the folder's memory cache is emptied first."""
    stale = dataset / ".phy" / "memcache" / "stale.pkl"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"junk")
    out = tmp_path / "shot.png"
    env = dict(os.environ, PHY_USER_DIR=str(tmp_path / "u"))
    proc = run_python(["-m", "phygui.app", "template-gui", str(dataset / "params.py"), "--clear-cache",
                       "--screenshot", str(out), "--frames", "3"], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_no_logged_errors(proc)
    assert out.exists() and not stale.exists()


@pytest.mark.gui
@needs_display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_extract_waveforms_feeds_the_feature_view(dataset: Path) -> None:
    """``phygui extract-waveforms`` on a folder without pc_features.npy: the FeatureView shows
    features computed from the cache (tests/gui/scenarios_extract_waveforms.py)."""
    from tests.gui.conftest import scenario_runner

    scenario_runner("tests.gui.scenarios_extract_waveforms", dataset)("features_from_cache")


@pytest.mark.gui
@needs_display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_extract_waveforms_replaces_missing_raw_data(dataset: Path) -> None:
    """Without the raw file, the waveform view draws the cached waveforms, as phy's does."""
    from tests.gui.conftest import scenario_runner

    scenario_runner("tests.gui.scenarios_extract_waveforms", dataset)("waveforms_without_raw_data")
