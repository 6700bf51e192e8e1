"""One path per action: one ``cluster`` event, internal observers first, no module re-entered."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset
from phycore.signals import connect, unconnect

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("one_path")
    make_dataset(d, n_spikes=4000, n_channels=16, n_templates=8, duration=5.0, raw=True, seed=3)
    return d


@pytest.fixture
def controller(folder: Path, tmp_path: Path) -> Iterator[TemplateController]:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(folder, data)
    c = TemplateController(data / "params.py", config_dir=tmp_path / "user", metrics=True)
    yield c
    c.close()


def _largest(c: TemplateController, n: int) -> list[int]:
    counts = c.supervisor.clustering.spike_counts
    return sorted(counts, key=lambda k: -counts[k])[:n]


def test_one_cluster_event_per_action(controller: TemplateController) -> None:
    s = controller.supervisor
    events: list[tuple[Any, Any]] = []

    def on_cluster(sender: Any, up: Any) -> None:
        events.append((sender, up))

    connect(on_cluster, event="cluster")
    try:
        a, b, c = _largest(controller, 3)
        actions = [
            ("merge", lambda: s.merge(a, b)),
            ("label", lambda: s.label("quality", "good")),
            ("move", lambda: s.move("mua", "all")),
            ("split", lambda: s.split(s.clustering.spikes_in_clusters([c])[:50])),
            ("undo", s.undo), ("undo", s.undo), ("redo", s.redo), ("undo", s.undo), ("undo", s.undo),
            ("undo", s.undo), ("redo", s.redo),
        ]
        for name, run in actions:
            events.clear()
            up = run()
            assert len(events) == 1, f"{name} emitted cluster {len(events)} times"
            sender, emitted = events[0]
            assert sender is s, f"{name}: sender {sender!r}"
            assert emitted is up
    finally:
        unconnect(on_cluster)


def test_observers_see_the_change_before_the_tables_and_the_event(controller: TemplateController) -> None:
    s = controller.supervisor
    order: list[str] = []

    class Observer:
        def cluster_changed(self, up: Any) -> None:
            # The caches are told first: no table row exists yet for the new cluster.
            order.append("observer" if up.added[0] not in s.cluster_table else "late")

        def spikes_added(self, spike_ids: Any, cluster_ids: list[int]) -> None:
            order.append("spikes")

    def on_cluster(sender: Any, up: Any) -> None:
        order.append("event" if up.added[0] in s.cluster_table else "early")

    s.add_observer(Observer())
    connect(on_cluster, event="cluster")
    try:
        s.merge(*_largest(controller, 2))
    finally:
        unconnect(on_cluster)
    assert order == ["observer", "event"]


def _module_of(frame: FrameType) -> str | None:
    path = Path(frame.f_code.co_filename)
    try:
        rel = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    if rel.parts[0] not in ("phycore", "phygui"):
        return None
    return ".".join(rel.with_suffix("").parts)


#: The packages an action's own path runs through. Column functions, similarity functions
#: and event subscribers are callbacks handed to it (the controller's, a plugin's): the
#: path is followed up to them, not into them.
ACTION_PATH = ("phycore.supervisor.", "phycore.clustering.", "phycore.signals")


def test_a_merge_touches_each_module_once(controller: TemplateController) -> None:
    """From ``supervisor.merge`` to the cluster table, no module is called back into once it
    has called another: the path goes down and returns, it never bounces."""
    s = controller.supervisor
    a, b = _largest(controller, 2)
    bounces: list[str] = []
    seen: set[tuple[str, ...]] = set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        chain: list[str] = []
        f: FrameType | None = frame
        while f is not None:
            m = _module_of(f)
            if m is not None and (not chain or chain[-1] != m):
                chain.append(m)
            f = f.f_back
        chain.reverse()
        if "phycore.supervisor.supervisor" not in chain:
            return
        path = chain[chain.index("phycore.supervisor.supervisor"):]
        outside = next((k for k, m in enumerate(path) if not m.startswith(ACTION_PATH)), len(path))
        path = tuple(path[:outside])
        seen.add(path)
        if len(set(path)) != len(path):
            bounces.append(" -> ".join(path))

    sys.setprofile(profile)
    try:
        up = s.merge(a, b)
    finally:
        sys.setprofile(None)
    assert not bounces, "modules called back into:\n" + "\n".join(sorted(set(bounces)))
    touched = {m for path in seen for m in path}
    # The path reached the clustering, the editor and the cluster table.
    assert {"phycore.supervisor.editor", "phycore.clustering.clustering",
            "phycore.supervisor.cluster_table", "phycore.supervisor.table_model"} <= touched
    assert s.cluster_table.row(up.added[0])["n_spikes"] == int(np.sum(s.clustering.spike_clusters == up.added[0]))
