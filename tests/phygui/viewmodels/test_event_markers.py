"""Event markers in the trace, raster, amplitude and firing-rate view models."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phygui.viewmodels.amplitude import AmplitudeModel
from phygui.viewmodels.event_markers import EVENT_COLORS, event_color, marker_lines
from phygui.viewmodels.histogram import FiringRateModel, ISIModel
from phygui.viewmodels.raster import RasterModel
from phygui.viewmodels.trace import TraceModel
from tests._events import events_folder


@pytest.fixture(scope="module")
def ctrl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import shutil

    d = tmp_path_factory.mktemp("markers_vm")
    shutil.copytree(events_folder(tmp_path_factory)[0], d, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".phy"))
    c = TemplateController(d / "params.py", metrics=False)
    yield c
    c.close()


def test_marker_lines_visible_and_decimated() -> None:
    ev = {"b": np.array([0.5, 1.0, 1.0001, 3.0]), "a": np.array([2.0])}
    lines = marker_lines(ev, 0.8, 2.5, 0.0, 4.0, width_px=1000)
    assert [line.box for line in lines] == ["a", "b"] and lines[0].color == EVENT_COLORS[0]
    b = lines[1]
    assert np.isnan(b.x[2::3]).all() and b.x[0::3].tolist() == [1.0]  # 1.0001 is < 2 px away: merged
    assert b.y[:2].tolist() == [0.0, 4.0]
    assert marker_lines({}, 0, 1, 0, 1) == [] and marker_lines(ev, 5, 6, 0, 1) == []
    assert event_color(["x", "y"], "y") == EVENT_COLORS[1]
    many = {"s": np.linspace(0, 100, 100_000)}
    assert len(marker_lines(many, 0, 100, 0, 1, width_px=800)[0].x) <= 3 * 401  # a line every 2 px at most


def _event_lines(frame: Any) -> list[Any]:
    return [line for line in (getattr(frame, "lines", None) or getattr(frame, "markers", None) or [])
            if line.kind == "event"]


def test_views_draw_the_markers(ctrl: Any) -> None:
    ids = [int(c) for c in ctrl.supervisor.clustering.cluster_ids[:2]]
    stim = ctrl.events["stimulus"]
    for model in (FiringRateModel(ctrl), AmplitudeModel(ctrl), RasterModel(ctrl)):
        model.set_selection(ids)
        lines = _event_lines(model.compute())
        assert len(lines) == 1, type(model).__name__
        np.testing.assert_allclose(lines[0].x[0::3], stim)
    assert _event_lines(ISIModel(ctrl).compute()) == []  # no time axis
    tm = TraceModel(ctrl)
    t0, t1 = float(stim[1]) - 0.1, float(stim[1]) + 0.1
    tm.set_interval((t0, t1))
    frame = tm.compute()
    assert frame is not None and len(frame.markers) == 1
    shown = frame.markers[0].x[0::3]
    np.testing.assert_allclose(shown, stim[(stim >= t0) & (stim <= t1)])  # only the visible ones
    tm.set_interval((float(stim[-1]) + 0.01, float(stim[-1]) + 0.02))
    assert tm.compute().markers == []


def test_set_events_redraws_the_markers(ctrl: Any) -> None:
    m = FiringRateModel(ctrl)
    m.set_selection([int(ctrl.supervisor.clustering.cluster_ids[0])])
    m.compute()
    ctrl.set_events("laser", [1.0, 2.0])
    try:
        m.on_events_changed(ctrl, "laser")
        assert m.is_dirty
        assert [line.box for line in _event_lines(m.compute())] == ["laser", "stimulus"]
    finally:
        ctrl.set_events("laser", None)


def test_no_events_no_markers(controller: Any) -> None:
    # The view-model tests' folder has no event file.
    assert RasterModel(controller).compute().lines == []
    m = TraceModel(controller)
    frame = m.compute()
    assert frame is not None and frame.markers == []
