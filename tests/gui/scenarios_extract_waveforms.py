"""GUI scenario of phy's ``extract-waveforms`` (issue #17, "phy's command line"): a Kilosort 3
folder (no ``pc_features.npy``) gets its waveform cache from the real ``phygui
extract-waveforms`` command; the session then has phy's FeatureView, whose points are
computed from the cache, for a cluster selected with a real ``Down`` key. Runs in its own
process (``test_gui_cli.py``); any logged error fails it.

Run by hand:  xvfb-run -a python -m tests.gui.scenarios_extract_waveforms features_from_cache /path/to/data
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from tests.gui.helpers import grab, has_color, keyboard, region
from tests.gui.strict import controller_scenarios, scenario_main

ROOT = Path(__file__).resolve().parents[2]
BLUE = (0x08, 0x92, 0xFC)  # the first selected cluster's colour


def scenario_features_from_cache(controller: Any, dataset: Path) -> None:
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    folder = dataset.parent / "ks3_like"
    shutil.copytree(dataset, folder, ignore=shutil.ignore_patterns(".phy", "pc_feature*.npy"))
    proc = subprocess.run([sys.executable, "-m", "phygui.app", "extract-waveforms", str(folder / "params.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    other = TemplateController(folder / "params.py")
    try:
        assert other.model.sparse_features is None and other.model.spike_waveforms is not None
        gui = create_gui(other)
        try:
            gui.render(3)
            keyboard(gui)("Down")
            gui.render(3)
            cid = other.supervisor.selected[0]
            view = gui.get_view("FeatureView")
            assert view is not None, "no FeatureView with the waveform cache"
            points = view.model._clusters[0]
            pool = np.isin(points.spike_ids, other.model.spike_waveforms.rows)
            assert pool.any() and np.abs(points.features[pool]).max() > 0, "no feature computed from the cache"
            # As phy: only the cached spikes have features, so only they are drawn (no zeros).
            cached = np.isin(other.model.get_cluster_spikes(cid), other.model.spike_waveforms.rows).sum()
            assert pool.all() and len(points.spike_ids) == min(view.model.options.n_spikes_features, cached)
            frame = grab(gui, "extract_waveforms_feature_view")
            assert has_color(region(gui, view, frame), BLUE, tol=40, min_count=50)
        finally:
            gui.destroy()
    finally:
        other.close()


def scenario_waveforms_without_raw_data(controller: Any, dataset: Path) -> None:
    """phy's use of the cache: with the raw file gone, the waveform view draws the cached
    waveforms of the selected cluster (no error), and the feature view only the cached spikes."""
    from phycore.controller import TemplateController
    from phygui.app import create_gui

    folder = dataset.parent / "no_raw"
    shutil.copytree(dataset, folder, ignore=shutil.ignore_patterns(".phy", "pc_feature*.npy"))
    proc = subprocess.run([sys.executable, "-m", "phygui.app", "extract-waveforms", str(folder / "params.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for raw in folder.glob("*.dat"):
        raw.unlink()
    other = TemplateController(folder / "params.py")
    try:
        assert other.model.traces is None and other.model.spike_waveforms is not None
        gui = create_gui(other)
        try:
            gui.render(3)
            assert gui.get_view("TraceView") is None, "no raw data: phy shows no trace view"
            keyboard(gui)("Down")
            gui.render(5)
            cid = other.supervisor.selected[0]
            pool = other.model.spike_waveforms.rows
            wf = other.get_waveforms(cid)
            assert len(wf.spike_ids) and np.isin(wf.spike_ids, pool).all() and np.abs(wf.data).max() > 0
            fv = gui.get_view("FeatureView")
            assert np.isin(fv.model._clusters[0].spike_ids, pool).all()
            wv = gui.get_view("WaveformView")
            frame = grab(gui, "extract_waveforms_noraw")
            assert has_color(region(gui, wv, frame), BLUE, tol=40, min_count=50), "no waveform drawn"
            assert not gui.status.error, gui.status.error
        finally:
            gui.destroy()
    finally:
        other.close()


run = controller_scenarios(globals())

if __name__ == "__main__":
    scenario_main(run)
