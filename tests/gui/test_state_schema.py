"""GUI state files that are valid JSON with values of the wrong type: dropped at load, one warning per file.

No display needed: :class:`phycore.state.GUIState` with phygui's schema
(:func:`phygui.views.state_schema.state_schema`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import attrs
import numpy as np
import pytest

from phycore.state import GUIState
from phygui.viewmodels.waveform import WaveformOptions
from phygui.views.state_schema import state_schema, value_check

BAD_GLOBAL = {
    "WaveformView": {"n_spikes_waveforms": "many", "box_scaling": "x", "overlap": 1, "waveform_alpha": 0.3,
                     "plugin_key": "kept"},
    "WaveformView (1)": {"n_spikes_waveforms": {"a": 1}},
    "FeatureView": {"channel_ids": "x", "marker_size": [1, 2]},
    "AmplitudeView": [1, 2],
    "TraceView": {"interval": [0, "x"], "scaling": 2},
    "GUI": {"viewport": {"width": "wide", "height": 900}, "open_views": "x"},
    "ClusterView": {"current_sort": ["fr", "desc"]},
    "MyPluginView": {"anything": [1, {"x": 2}]},
}


def test_wrong_types_are_dropped_with_one_warning_per_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    glob, local = tmp_path / "global.json", tmp_path / "local.json"
    glob.write_text(json.dumps(BAD_GLOBAL))
    local.write_text(json.dumps({"ClusterView": {"selected": "x"}, "WaveformView": {"probe_scaling": [1, 2]}}))
    with caplog.at_level(logging.WARNING, logger="phycore.state"):
        state = GUIState(glob, local, local_keys=["ClusterView.selected"], schema=state_schema())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    g, l_ = (next(w for w in warnings if str(p) in w) for p in (glob, local))
    for key in ("WaveformView.n_spikes_waveforms = 'many' (expected int)", "WaveformView.box_scaling",
                "WaveformView.overlap", "WaveformView (1).n_spikes_waveforms", "FeatureView.marker_size",
                "AmplitudeView = [1, 2] (expected an object)", "TraceView.interval", "GUI.viewport.width",
                "GUI.open_views"):
        assert key in g, (key, g)
    assert "ClusterView.selected = 'x' (expected a list of int)" in l_ and "probe_scaling" not in l_
    # Dropped: the defaults apply. Right types and unknown keys are kept as they were.
    wf = state.get_view_state("WaveformView")
    assert wf == {"waveform_alpha": 0.3, "plugin_key": "kept", "probe_scaling": [1, 2]}
    assert state.get_view_state("WaveformView (1)") == {}
    assert state.get_view_state("FeatureView") == {"channel_ids": "x"}  # not an option of the view
    assert "AmplitudeView" not in state
    assert state.get_view_state("TraceView") == {"scaling": 2}  # an int is a fine float
    assert state["GUI"] == {"viewport": {"height": 900}}
    assert state["ClusterView"] == {"current_sort": ["fr", "desc"]}
    assert state["MyPluginView"] == BAD_GLOBAL["MyPluginView"]
    caplog.clear()
    state.save()  # the files are rewritten without the bad values: no warning at the next load
    with caplog.at_level(logging.WARNING, logger="phycore.state"):
        GUIState(glob, local, local_keys=["ClusterView.selected"], schema=state_schema())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_every_option_default_passes_its_check() -> None:
    """What phygui writes is what it reads back (a default failing its own check would warn at every start)."""
    from phygui.views.registry import DATA_VIEWS
    from phygui.viewmodels._base import options_state

    schema = state_schema()
    for name, view in DATA_VIEWS.items():
        options = options_state(view.model_class.options_class())  # type: ignore[attr-defined]
        for key, value in options.items():
            assert schema[name][key](value), (name, key, value)


@pytest.mark.parametrize(("annotation", "good", "bad"), [
    (int, [0, 3, np.int64(2)], [True, 1.5, "1", None]),
    (float, [0, 1.5, np.float32(1)], [False, "1.0", [1.0]]),
    (bool, [True, False], [0, 1, "true"]),
    (tuple[float, float], [[1, 2.5], (1.0, 1.0), np.array([1.0, 2.0])], [[1], [1, "x"], "ab", {"a": 1}]),
    (tuple[float, float] | None, [None, [0, 1]], ["x", [None, None]]),
    (tuple[int, ...], [[], [1, 2, 3]], [[1, "2"], "x"]),
])
def test_value_check(annotation: object, good: list[object], bad: list[object]) -> None:
    check = value_check(annotation)
    assert all(check(v) for v in good), [v for v in good if not check(v)]
    assert not any(check(v) for v in bad), [v for v in bad if check(v)]


def test_options_schema_follows_the_annotations() -> None:
    schema = state_schema()["WaveformView"]
    assert set(schema) == {f.name for f in attrs.fields(WaveformOptions)}
    assert schema["box_scaling"].__name__ == "[float, float]"
