"""The plugins of examples/plugins/, installed as a user would, on a real session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController, emit
from phycore import plugins as P
from phycore.model.synthetic import make_dataset
from phycore.plugins import clear_failures, get_failures

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "plugins"


@pytest.fixture(autouse=True)
def _isolated_registry() -> Any:
    registry, imported = dict(P._REGISTRY), dict(P._IMPORTED)
    P._IMPORTED.clear()
    clear_failures()
    yield
    P._REGISTRY.clear()
    P._REGISTRY.update(registry)
    P._IMPORTED.clear()
    P._IMPORTED.update(imported)
    clear_failures()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(make_dataset(tmp_path_factory.mktemp("data"), n_spikes=8000, n_channels=16, n_templates=8,
                             duration=5.0, raw=False, seed=3)).parent


def session(tmp_path: Path, folder: Path, names: list[str], extra: dict[str, str] | None = None) -> TemplateController:
    data = tmp_path / "data"
    shutil.copytree(folder, data)
    user = tmp_path / "user"
    (user / "plugins").mkdir(parents=True)
    for f in EXAMPLES.glob("*.py"):
        shutil.copy(f, user / "plugins" / f.name)
    for name, code in (extra or {}).items():
        (user / "plugins" / name).write_text(code)
    (user / "phy_config.py").write_text(f"c = get_config()\nc.TemplateGUI.plugins = {names!r}\n")
    return TemplateController(data / "params.py", config_dir=user)


def test_hello_plugin_hears_select(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["HelloPlugin"])
    (hello,) = c.plugins
    c.supervisor.select(c.supervisor.cluster_table.visible_ids[0])
    emit("gui_ready", c, object())
    assert hello.messages[0] == "Hello from HelloPlugin!"
    assert any("are selected" in m for m in hello.messages)
    assert any("is ready" in m for m in hello.messages)
    c.close()


def test_custom_column_values(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["IsiViolationColumnPlugin"])
    s = c.supervisor
    assert "isi_viol" in s.columns
    cid = s.cluster_table.visible_ids[0]
    times = np.sort(c.model.spike_times[s.clustering.spikes_in_clusters([cid])])
    expected = float(np.mean(np.diff(times) < 0.0015))
    assert s.get_cluster_info(cid)["isi_viol"] == pytest.approx(expected)
    up = s.merge(*s.cluster_table.visible_ids[:2])  # recomputed for the new cluster only
    assert s.get_cluster_info(up.added[0])["isi_viol"] is not None
    c.close()


def test_custom_action_splits_by_amplitude(tmp_path: Path, folder: Path) -> None:
    c = session(tmp_path, folder, ["SplitByAmplitudePlugin"])
    s = c.supervisor
    action = s.actions.get("split_by_amplitude")
    assert action is not None and action.shortcuts == ("ctrl+alt+a",) and action.alias == "sa"
    cid = s.cluster_table.visible_ids[0]
    amplitudes = c.get_amplitudes(cid, load_all=True)
    threshold = float(np.median(amplitudes))
    s.select(cid)
    up = s.actions.run("sa", threshold)
    assert up.deleted == [cid]
    sizes = sorted(s.clustering.spike_counts[i] for i in up.added)
    assert sizes == sorted([int((amplitudes > threshold).sum()), int((amplitudes <= threshold).sum())])
    c.close()


def test_event_logger_writes_events(tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHY_USER_DIR", str(tmp_path / "user"))
    c = session(tmp_path, folder, ["EventLoggerPlugin"])
    s = c.supervisor
    s.merge(*s.cluster_table.visible_ids[:2])
    log = (tmp_path / "user" / "event_log.txt").read_text().splitlines()
    events = [line.split("\t")[1] for line in log]
    assert "controller_ready" in events and "cluster" in events and "select" in events
    c.close()


def test_broken_and_missing_plugins_do_not_stop_the_session(tmp_path: Path, folder: Path) -> None:
    broken = (
        "from phycore import IPlugin\n"
        "class BrokenPlugin(IPlugin):\n"
        "    def attach_to_controller(self, controller):\n"
        "        raise RuntimeError('boom')\n"
    )
    c = session(tmp_path, folder, ["BrokenPlugin", "NoSuchPlugin", "IsiViolationColumnPlugin"],
                extra={"broken.py": broken, "syntax_error.py": "def (:\n"})
    assert [type(p).__name__ for p in c.plugins] == ["IsiViolationColumnPlugin"]
    failures = {f.name: f.message for f in get_failures()}
    assert "boom" in failures["BrokenPlugin"]
    assert "NoSuchPlugin" in failures
    assert any("syntax_error.py" in str(f.path) for f in get_failures())
    c.supervisor.merge(*c.supervisor.cluster_table.visible_ids[:2])  # the session works
    c.close()
