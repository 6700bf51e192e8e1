"""The "View settings" dialog's logic: which fields, their checks, and the options they set."""

from __future__ import annotations

from typing import Any

import pytest

from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.correlogram import CorrelogramModel
from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.viewmodels.probe import ProbeModel
from phygui.viewmodels.view_settings import (SettingsError, apply_settings, current_texts, parse_settings,
                                             view_settings)
from phygui.viewmodels.waveform import WaveformModel


def _names(model: Any) -> list[str]:
    return [s.name for s in view_settings(model)]


def test_fields_are_phys(controller: Any) -> None:
    assert _names(WaveformModel(controller)) == ["n_spikes_waveforms"]
    assert _names(AmplitudeModel(controller)) == ["n_spikes_amplitudes", "n_spikes_amplitudes_background"]
    assert _names(CorrelogramModel(controller)) == ["bin_size", "window_size", "refractory_period",
                                                    "n_spikes_correlograms"]
    assert _names(ISIModel(controller)) == _names(FiringRateModel(controller)) == ["bin_size", "x_min", "x_max"]
    assert view_settings(ProbeModel(controller)) == ()


def test_current_texts_in_the_snippets_units(controller: Any) -> None:
    assert current_texts(CorrelogramModel(controller)) == {
        "bin_size": "1", "window_size": "50", "refractory_period": "2", "n_spikes_correlograms": "100000"}
    assert current_texts(ISIModel(controller)) == {"bin_size": "1", "x_min": "0", "x_max": "50"}
    assert current_texts(WaveformModel(controller)) == {"n_spikes_waveforms": "100"}


@pytest.mark.parametrize("texts, field, words", [
    ({"n_spikes_waveforms": "many"}, "n_spikes_waveforms", "not a number"),
    ({"n_spikes_waveforms": "2.5"}, "n_spikes_waveforms", "not a whole number"),
    ({"n_spikes_waveforms": "0"}, "n_spikes_waveforms", "out of range"),
    ({"n_spikes_waveforms": "nan"}, "n_spikes_waveforms", "not a finite number"),
    ({"n_spikes_waveforms": "inf"}, "n_spikes_waveforms", "not a finite number"),
])
def test_bad_waveform_budget(controller: Any, texts: dict[str, str], field: str, words: str) -> None:
    m = WaveformModel(controller)
    with pytest.raises(SettingsError, match=words) as info:
        parse_settings(view_settings(m), texts)
    assert info.value.argument == field and "spikes per cluster" in str(info.value)


def test_correlogram_rules_between_fields(controller: Any) -> None:
    m = CorrelogramModel(controller)
    settings = view_settings(m)
    good = current_texts(m)
    with pytest.raises(SettingsError, match="smaller than the window"):
        parse_settings(settings, {**good, "bin_size": "60"})
    with pytest.raises(SettingsError, match="refractory period"):
        parse_settings(settings, {**good, "refractory_period": "500"})
    # A new bin above the old window is fine when the window grows with it (set together).
    changed = apply_settings(m, parse_settings(settings, {**good, "bin_size": "60", "window_size": "200"}))
    assert changed == {"bin_size": 60.0, "window_size": 200.0}
    assert m.options.bin_size == pytest.approx(0.06) and m.options.window_size == pytest.approx(0.2)


def test_correlogram_spike_cap_is_the_controllers_budget(fresh_controller: Any) -> None:
    m = CorrelogramModel(fresh_controller)
    apply_settings(m, parse_settings(view_settings(m), {**current_texts(m), "n_spikes_correlograms": "500"}))
    assert fresh_controller.n_spikes_correlograms == 500
    assert fresh_controller.view_data.n_spikes_correlograms == 500
    assert m.is_dirty


def test_histogram_range_and_bin(controller: Any) -> None:
    m = ISIModel(controller)
    settings = view_settings(m)
    with pytest.raises(SettingsError, match="range min"):
        parse_settings(settings, {"bin_size": "1", "x_min": "20", "x_max": "10"})
    with pytest.raises(SettingsError, match="at least 2 bins"):
        parse_settings(settings, {"bin_size": "30", "x_min": "0", "x_max": "50"})
    apply_settings(m, parse_settings(settings, {"bin_size": "2", "x_min": "10", "x_max": "30"}))
    assert (m.options.x_min, m.options.x_max, m.options.n_bins) == (pytest.approx(0.01), pytest.approx(0.03), 10)


def test_firing_rate_keeps_an_unset_max(controller: Any) -> None:
    m = FiringRateModel(controller)
    assert m.options.x_max is None
    texts = current_texts(m)
    apply_settings(m, parse_settings(view_settings(m), {**texts, "bin_size": "0.5"}))
    assert m.options.x_max is None and m.options.n_bins == round(m.x_range[1] / 0.5)


def test_amplitude_budgets_and_nothing_changed(controller: Any) -> None:
    m = AmplitudeModel(controller)
    settings = view_settings(m)
    assert apply_settings(m, parse_settings(settings, current_texts(m))) == {}
    apply_settings(m, parse_settings(settings, {"n_spikes_amplitudes": "1_000",
                                                "n_spikes_amplitudes_background": "0"}))
    assert (m.options.n_spikes_amplitudes, m.options.n_spikes_amplitudes_background) == (1000, 0)
