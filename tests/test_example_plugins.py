"""The plugins of examples/plugins/, loaded as a user would and run against a fake controller.

The fake controller has the attributes the examples use (``model.spike_times``,
``supervisor.clustering.spikes_in_clusters``, ``supervisor.actions.add``,
``supervisor.add_column``, ``supervisor.split``, ``supervisor.selected``,
``cluster_metrics``, ``context``, ``get_amplitudes``); the same plugins are run
end-to-end against the real TemplateController in the controller tests.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

signals = pytest.importorskip("phycore.signals")

from phycore import plugins as P  # noqa: E402
from phycore.cache import Context  # noqa: E402
from phycore.plugins import Config, attach_plugins, clear_failures, get_failures  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "plugins"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("PHY_DISABLE_CACHE", raising=False)
    registry, imported = dict(P._REGISTRY), dict(P._IMPORTED)
    P._IMPORTED.clear()
    clear_failures()
    signals.reset()
    yield
    signals.reset()
    P._REGISTRY.clear()
    P._REGISTRY.update(registry)
    P._IMPORTED.clear()
    P._IMPORTED.update(imported)
    clear_failures()


class FakeActions:
    def __init__(self) -> None:
        self.actions: dict[str, dict[str, Any]] = {}

    def add(self, callback: Any = None, name: str | None = None, *, shortcut: Any = None,
            alias: str | None = None, **kwargs: Any) -> Any:
        self.actions[name or callback.__name__] = dict(callback=callback, shortcut=shortcut, alias=alias)
        return callback


class FakeClustering:
    def __init__(self, spike_clusters: np.ndarray) -> None:
        self.spike_clusters = spike_clusters

    def spikes_in_clusters(self, cluster_ids: Any) -> np.ndarray:
        return np.nonzero(np.isin(self.spike_clusters, cluster_ids))[0]


class FakeSupervisor:
    def __init__(self, spike_clusters: np.ndarray) -> None:
        self.clustering = FakeClustering(spike_clusters)
        self.actions = FakeActions()
        self.columns: dict[str, Any] = {}
        self.selected: list[int] = []
        self.splits: list[np.ndarray] = []

    def add_column(self, name: str, func: Any) -> None:
        self.columns[name] = func

    def split(self, spike_ids: Any) -> str:
        self.splits.append(np.asarray(spike_ids))
        return "up"


class FakeController:
    gui_name = "TemplateGUI"

    def __init__(self, tmp_path: Path, with_supervisor: bool = True) -> None:
        # cluster 1: spikes 0-3; cluster 2: spikes 4-7 (two of them 1 ms apart).
        self.spike_clusters = np.array([1, 1, 1, 1, 2, 2, 2, 2])
        self.model = SimpleNamespace(spike_times=np.array([0., 1., 2., 3., 0., .001, 1., 2.]))
        self.amplitudes = np.array([1., 9., 2., 8., 5., 5., 5., 5.])
        self.cluster_metrics: dict[str, Any] = {}
        self.context = Context(tmp_path / ".phy", fingerprint="fp")
        self._supervisor = FakeSupervisor(self.spike_clusters)
        self.supervisor = self._supervisor if with_supervisor else None

    def get_amplitudes(self, cluster_id: int) -> np.ndarray:
        return self.amplitudes[self.spike_clusters == cluster_id]


def attach(controller: Any, *names: str, tmp_path: Path) -> list[Any]:
    config = Config()
    config.TemplateGUI.plugins = list(names)
    out = attach_plugins(controller, config=config, dirs=[EXAMPLES], config_dir=tmp_path)
    assert get_failures() == []
    assert [type(p).__name__ for p in out] == list(names)
    return out


def test_hello(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    controller = FakeController(tmp_path)
    with caplog.at_level(logging.INFO, logger="phycore"):
        [hello] = attach(controller, "HelloPlugin", tmp_path=tmp_path)
        signals.emit("gui_ready", controller, SimpleNamespace())
        signals.emit("select", controller.supervisor, [1, 2])
    assert hello.messages == ["Hello from HelloPlugin!", "Hello, the GUI SimpleNamespace is ready.",
                              "Hello, clusters [1, 2] are selected."]
    assert "clusters [1, 2] are selected" in caplog.text


def test_custom_column(tmp_path: Path) -> None:
    controller = FakeController(tmp_path)
    attach(controller, "IsiViolationColumnPlugin", tmp_path=tmp_path)
    metric = controller.cluster_metrics["isi_viol"]
    assert controller.supervisor.columns["isi_viol"] is metric
    assert metric(1) == 0.0 and metric(2) == pytest.approx(1 / 3)
    controller.spike_clusters[:] = 1  # an action changed cluster 1: the memcache must be invalidated
    assert metric(1) == 0.0
    controller.context.invalidate([1])
    assert metric(1) == pytest.approx(4 / 7)  # merged times 0,0,.001,1,1,2,2,3


def test_custom_action(tmp_path: Path) -> None:
    controller = FakeController(tmp_path)
    attach(controller, "SplitByAmplitudePlugin", tmp_path=tmp_path)
    action = controller.supervisor.actions.actions["split_by_amplitude"]
    assert action["shortcut"] == "ctrl+alt+a" and action["alias"] == "sa"
    controller.supervisor.selected = [1]
    assert action["callback"](5) == "up"
    np.testing.assert_array_equal(controller.supervisor.splits[-1], [1, 3])
    action["callback"]()  # median threshold
    np.testing.assert_array_equal(controller.supervisor.splits[-1], [1, 3])
    controller.supervisor.selected = [2]
    assert action["callback"](5) is None  # nothing above: no split
    controller.supervisor.selected = [1, 2]
    assert action["callback"](5) is None and len(controller.supervisor.splits) == 2


def test_custom_action_waits_for_gui_ready(tmp_path: Path) -> None:
    controller = FakeController(tmp_path, with_supervisor=False)
    attach(controller, "SplitByAmplitudePlugin", tmp_path=tmp_path)
    controller.supervisor = controller._supervisor
    assert controller.supervisor.actions.actions == {}
    signals.emit("gui_ready", controller, SimpleNamespace())
    assert "split_by_amplitude" in controller.supervisor.actions.actions


def test_event_logger(tmp_path: Path) -> None:
    controller = FakeController(tmp_path)
    [logger_plugin] = attach(controller, "EventLoggerPlugin", tmp_path=tmp_path)
    signals.emit("select", controller.supervisor, [3])
    signals.emit("cluster", controller.supervisor, SimpleNamespace(description="merge"))
    signals.emit("spike_click", object(), channel_id=1, spike_id=2, cluster_id=3)
    signals.emit("not_a_builtin_event", object())
    lines = logger_plugin.path.read_text().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["select", "cluster", "spike_click"]
    assert lines[0].split("\t")[2] == "FakeSupervisor" and lines[0].endswith("[3]")
    assert "cluster_id=3" in lines[2]


def test_event_logger_subscribes_every_builtin_event(tmp_path: Path) -> None:
    controller = FakeController(tmp_path)
    [logger_plugin] = attach(controller, "EventLoggerPlugin", tmp_path=tmp_path)
    for event in signals.EVENTS:
        signals.emit(event, controller)
    events = [line.split("\t")[1] for line in logger_plugin.path.read_text().splitlines()]
    assert events == list(signals.EVENTS)
