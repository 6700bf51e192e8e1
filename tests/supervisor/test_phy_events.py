"""phy 2.1's events from the SDK: names, senders and arguments as phy's, and a documented row
for every event phy 2.1 emits (read from phy's installed source) that phycore emits or not.

The GUI's events are checked in the real app by ``tests/gui/test_gui_events.py``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from phycore.signals import EVENTS, NOT_PHY, connect
from phycore.supervisor import Supervisor
from phycore.supervisor.table_model import TableModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs"))
import gen_events  # noqa: E402

# Cluster sizes: 0 -> 10 spikes, 1 -> 20, 2 -> 5, 3 -> 30 (noise).
SPIKE_CLUSTERS = np.repeat([0, 1, 2, 3], [10, 20, 5, 30])

# A literal event name in phy's calls: emit('x', ...), partial(emit, 'x', ...), table._emit_event('x', ...).
_PHY_EMIT = re.compile(r"""(?:(?<![\w.])emit\(|partial\(\s*emit,|_emit_event\()\s*['"](\w+)['"]""")


def phy_emitted_events() -> set[str]:
    """Every event phy 2.1 emits on its global bus, read from its installed source (not tests).

    Canvas-local events (``self.emit('mouse_click')``) and Qt signals (``x.emit(...)``) are
    not phy events; the tables' ``emit(f'{self._view_name}_init', self)`` is expanded.
    """
    spec = importlib.util.find_spec("phy")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("phy is not installed (the reference for the event names)")
    root = Path(list(spec.submodule_search_locations)[0])
    names: set[str] = set()
    for path in root.rglob("*.py"):
        if "tests" in path.relative_to(root).parts:
            continue
        text = path.read_text(encoding="utf-8")
        names |= set(_PHY_EMIT.findall(text))
        if "emit(f'{self._view_name}_init'" in text:
            names |= {f"{v}_init" for v in re.findall(r"_view_name = '(\w+)'", text)}
    return names


def make_supervisor() -> Supervisor:
    def similarity(cluster_id: int) -> list[tuple[int, float]]:
        return [(c, 1.0 / (1 + abs(c - cluster_id))) for c in range(4) if c != cluster_id]

    return Supervisor(SPIKE_CLUSTERS, cluster_groups={3: "noise"}, cluster_metrics={"fr": lambda c: 0.5 * c},
                      similarity=similarity)


def record(*events: str) -> list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]]:
    """Subscribe to ``events``; the list fills with ``(event, sender, args, kwargs)``."""
    got: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
    for event in events:
        connect(lambda sender, *args, _e=event, **kwargs: got.append((_e, sender, args, kwargs)), event=event)
    return got


# The reference: every phy 2.1 event has a row, and is emitted or says why not ----------------


def test_the_phy_scan_finds_phys_events() -> None:
    found = phy_emitted_events()
    # Direct calls, partial(emit, ...), the tables' _emit_event and the f-string init events.
    assert {"select", "cluster", "action", "wizard_done", "table_sort", "close_view",
            "cluster_view_init", "similarity_view_init"} <= found
    assert "mouse_click" not in found and "error" not in found  # canvas events, Qt signals


def test_every_phy_event_is_emitted_or_a_documented_difference() -> None:
    emitted = gen_events.emitted_events()
    phy = phy_emitted_events()
    missing = sorted(phy - set(EVENTS))
    assert not missing, f"phy 2.1 emits these, phycore.signals.EVENTS does not document them: {missing}"
    silent = sorted(n for n in phy if n not in emitted and not EVENTS[n].phy.startswith("Not emitted"))
    assert not silent, f"never emitted, and EVENTS[name].phy does not say why: {silent}"
    assert not [n for n in phy if n in emitted and EVENTS[n].phy.startswith("Not emitted")]
    # phycore's own events say so (or which phy event they alias).
    own = sorted(n for n in set(EVENTS) - phy if not EVENTS[n].phy)
    assert not own, f"not phy 2.1 events, documented as if they were: {own}"
    assert EVENTS["add_view"].phy == NOT_PHY and "alias" in EVENTS["spike_click"].phy


# Supervisor events ----------------------------------------------------------------------


def test_select_and_request_similar_clusters() -> None:
    s = make_supervisor()
    got = record("select", "request_similar_clusters")
    s.select(1)
    # phy's order: the similarity view asks for its rows, then the supervisor announces the selection.
    assert [(e, a) for e, _, a, _ in got] == [("request_similar_clusters", (1,)), ("select", ([1],))]
    assert got[0][1] is s.similarity_view and isinstance(got[0][1], TableModel)
    assert got[1][1] is s
    got.clear()
    s.select_similar(0)  # the similarity table is not refilled: not asked again
    assert [(e, a) for e, _, a, _ in got] == [("select", ([1, 0],))]


def test_wizard_done_after_each_wizard_step() -> None:
    s = make_supervisor()
    got = record("wizard_done")
    s.next_best()
    assert got[-1][1] is s and got[-1][2] == ({"selected": [1], "next": 0, "kwargs": {}},)
    s.next()  # the similarity table: 0 then 2 (3 is noise, skipped)
    assert got[-1][2] == ({"selected": [0], "next": 2, "kwargs": {}},)
    s.next()
    s.next()  # end of the similarity table: nothing moved
    assert got[-1][2] == (None,) and s.selected == [1, 2]
    s.previous()
    s.previous_best()
    s.reset_wizard()
    assert len(got) == 7 and got[-1][2] == ({"selected": [1], "next": 0, "kwargs": {}},)
    n = len(got)
    s.first()
    s.last()
    s.select(0)
    assert len(got) == n  # not wizard steps in phy either


def test_move_advances_without_wizard_done() -> None:
    s = make_supervisor()
    s.select(1)
    got = record("wizard_done")
    s.move("good", "best")
    assert s.selected_clusters == [0] and got == []  # phy steps its table directly here


def test_action_is_emitted_by_the_action_groups_only() -> None:
    s = make_supervisor()
    got = record("action")
    s.select(1, 0)
    s.merge()  # a direct call: no action event, as in phy
    assert got == []
    s.actions.run("undo")
    s.select_actions.run("select", [0, 1])
    s.actions.run("merge")
    s.actions.run("move_best_to_good")
    s.actions.run("label", "quality", "good")
    s.select_actions.run("sort_by_fr")
    s.select_actions.run("next_best")
    assert [(a, kw) for _, _, a, kw in got] == [
        (("undo",), {}), (("select", [0, 1]), {}), (("merge",), {}), (("move", "good", "best"), {}),
        (("label", "quality", "good"), {}), (("sort", "fr"), {}), (("next_best",), {})]
    assert all(sender is s for _, sender, _, _ in got)
    assert s.cluster_table.current_sort == ("fr", "desc")


def test_phy_events_of_actions_and_tables() -> None:
    s = make_supervisor()
    got = record("cluster", "request_split", "table_sort", "table_filter", "attach_gui", "save_clustering")
    s.select(0, 1)
    up = s.merge()
    assert got[-1][:3] == ("cluster", s, (up,))
    assert s.split() is None  # no spike ids and no lasso view answers
    assert got[-1][:3] == ("request_split", s, ())
    s.sort("fr", "asc")
    assert got[-1][:3] == ("table_sort", s.cluster_view, (s.cluster_table.visible_ids,))
    s.filter("fr > 0.6")
    assert got[-1][:3] == ("table_filter", s.cluster_view, (s.cluster_table.visible_ids,))
    gui = object()
    s.attach_gui(gui)
    assert got[-1][:3] == ("attach_gui", s, ())
    s.save()
    event, sender, args, _ = got[-1]
    assert (event, sender) == ("save_clustering", s)
    spike_clusters, groups, *labels = args
    assert len(spike_clusters) == len(SPIKE_CLUSTERS) and isinstance(groups, dict)
    assert all(isinstance(field, str) and isinstance(values, dict) for field, values in labels)


def test_controller_ready_is_sent_by_the_controller(tmp_path: Path) -> None:
    from phycore.controller import TemplateController
    from phycore.model.synthetic import make_dataset

    params = Path(make_dataset(tmp_path / "data", n_spikes=2_000, n_channels=8, n_templates=5, duration=2.0,
                               seed=0))
    got = record("controller_ready")
    controller = TemplateController(params)
    try:
        assert got == [("controller_ready", controller, (), {})]
    finally:
        controller.close()


def test_a_raising_subscriber_fails_the_emitting_call() -> None:
    # The test suite re-raises subscriber errors (tests/conftest.py), as the GUI scenarios fail
    # on logged ones: a phy plugin's broken handler cannot go unnoticed here.
    s = make_supervisor()

    @connect
    def on_wizard_done(sender: Any, result: Any) -> None:
        raise RuntimeError("broken plugin")

    with pytest.raises(RuntimeError, match="broken plugin"):
        s.next_best()
