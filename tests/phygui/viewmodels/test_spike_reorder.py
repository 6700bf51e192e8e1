"""ctrl+r: the feature and amplitude views' time axes use spike_times_reordered.npy (phy)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.signals import connect
from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.feature import FeatureModel

from .conftest import two_largest


def _reordered_copy(dataset_dir: Path, tmp_path: Path) -> tuple[Path, np.ndarray]:
    d = tmp_path / "data"
    shutil.copytree(dataset_dir, d)
    samples = np.load(d / "spike_times.npy")
    reordered = samples[::-1].copy()  # an order phy would draw differently: reversed in time
    np.save(d / "spike_times_reordered.npy", reordered)
    return d, reordered


def test_toggle_switches_the_time_axes_of_feature_and_amplitude_models(dataset_dir: Path, tmp_path: Path) -> None:
    d, reordered = _reordered_copy(dataset_dir, tmp_path)
    c = TemplateController(d / "params.py", metrics=False)
    try:
        events: list[Any] = []
        connect(lambda sender, checked: events.append((sender, checked)), event="toggle_spike_reorder")
        amp, feat = AmplitudeModel(c), FeatureModel(c)
        for m in (amp, feat):
            m.set_selection(two_largest(c))
            m.compute()
        spikes = amp._layers[0].spike_ids
        np.testing.assert_allclose(amp._layers[0].times, c.model.spike_times[spikes])
        connect(amp.on_toggle_spike_reorder, event="toggle_spike_reorder")
        connect(feat.on_toggle_spike_reorder, event="toggle_spike_reorder")
        assert c.toggle_spike_reorder() is True and events == [(c, True)]
        assert amp.is_dirty and feat.is_dirty
        amp.compute()
        feat.compute()
        expected = reordered[spikes] / c.model.sample_rate
        np.testing.assert_allclose(amp._layers[0].times, expected)
        fspikes = feat._clusters[0].spike_ids
        np.testing.assert_allclose(feat._clusters[0].times, reordered[fspikes] / c.model.sample_rate)
        assert c.toggle_spike_reorder(False) is False and events[-1] == (c, False)
        np.testing.assert_allclose(c.spike_times_of(spikes), c.model.spike_times[spikes])
    finally:
        c.close()


def test_toggle_without_the_file_is_refused(controller: Any) -> None:
    assert controller.model.spike_times_reordered is None
    with pytest.raises(ValueError, match="spike_times_reordered.npy"):
        controller.toggle_spike_reorder(True)
    assert controller.spike_reorder is False
    assert controller.toggle_spike_reorder(False) is False  # turning it off is always allowed
