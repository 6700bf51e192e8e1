"""phy's view creation rules (parity.md §1.0): views whose data the folder lacks are not offered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset
from phygui.views.registry import DATA_VIEWS, offered_views, spike_attribute_views, view_available


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("registry")
    kw: dict[str, Any] = dict(n_spikes=800, n_channels=8, n_templates=4, duration=2.0, seed=2)
    out = {"phy": root / "phy", "si": root / "si", "noraw": root / "noraw", "ks4": root / "ks4"}
    make_dataset(out["phy"], raw=True, **kw)
    make_dataset(out["ks4"], raw=True, flavor="ks4", **kw)
    make_dataset(out["si"], raw=True, flavor="spikeinterface", **kw)
    make_dataset(out["noraw"], raw=False, **kw)
    for f in ("pc_features.npy", "pc_feature_ind.npy"):  # a SpikeInterface export without PCs
        (out["si"] / f).unlink()
    n = len(np.load(out["si"] / "spike_times.npy"))
    np.save(out["si"] / "spike_amp2.npy", np.ones(n))
    return out


def _offered(path: Path) -> list[str]:
    c = TemplateController(path / "params.py", metrics=False)
    try:
        return offered_views(c)
    finally:
        c.close()


def test_full_folder_offers_every_view(folders: dict[str, Path]) -> None:
    names = _offered(folders["phy"])
    # Spike positions are Kilosort 4's: a phy folder has every other view.
    assert set(DATA_VIEWS) - {"SpikePositionView"} <= set(names) and "IPythonView" in names
    assert "SpikePositionView" not in names
    # Kilosort 4 writes spike positions, and no template features.
    ks4 = set(_offered(folders["ks4"]))
    assert "SpikePositionView" in ks4 and "TemplateFeatureView" not in ks4


def test_missing_features_and_template_features(folders: dict[str, Path]) -> None:
    c = TemplateController(folders["si"] / "params.py", metrics=False)
    try:
        names = offered_views(c)
        assert "FeatureView" not in names and "TemplateFeatureView" not in names
        assert not view_available("FeatureView", c) and not view_available("TemplateFeatureView (1)", c)
        assert spike_attribute_views(c) == ["SpikeAmp2View"] and "SpikeAmp2View" in names
        assert not view_available("SpikeOtherView", c)
        c.model.spike_attributes["txt"] = np.array(["a"] * len(c.model.spike_times))
        assert not view_available("SpikeTxtView", c)  # not numbers: nothing to plot
        assert {"TraceView", "TraceImageView", "WaveformView", "AmplitudeView"} <= set(names)
    finally:
        c.close()


def test_no_raw_data_no_trace_views(folders: dict[str, Path]) -> None:
    names = _offered(folders["noraw"])
    assert "TraceView" not in names and "TraceImageView" not in names
    assert "FeatureView" in names and "WaveformView" in names


def test_without_a_controller_every_data_view_is_a_placeholder() -> None:
    assert offered_views(None) == list(DATA_VIEWS)
    assert view_available("FeatureView", None)
