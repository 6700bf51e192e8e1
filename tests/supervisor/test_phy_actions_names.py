"""phy 2.1's ``Actions`` menu names, ``TaskLogger``, ``ActionCreator`` and the Supervisor's
``action_creator``, ``cluster_labels``, ``context`` and ``view_actions`` (phy's need Qt:
behaviour tests following ``phy/gui/actions.py`` and ``phy/cluster/supervisor.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from phycore.bunch import Bunch
from phycore.supervisor import Actions, Supervisor
from phycore.supervisor._action_creator import ActionCreator
from phycore.supervisor._task_logger import TaskLogger


def _supervisor() -> Supervisor:
    return Supervisor(np.array([0, 0, 1, 2, 2, 2, 5]), cluster_labels={"quality": {2: 3.5}})


def test_actions_menu_names(capsys: pytest.CaptureFixture[str]) -> None:
    gui, view = object(), object()
    a = Actions("Tools", submenu="Sub", view=view, view_submenu="Change", insert_menu_before="&View", gui=gui,
                default_snippets={"go": "g"})
    assert (a.gui, a.view, a.view_submenu, a.insert_menu_before) == (gui, view, "Change", "&View")
    a.add(lambda: 1, name="go", shortcut="ctrl+g")
    a.add(lambda: 2, name="other", submenu="Elsewhere")
    assert a.get("go").submenu == "Sub" and a.get("other").submenu == "Elsewhere"
    a.separator()
    a.show_shortcuts()
    out = capsys.readouterr().out
    assert out.startswith("Tools\n-----\n") and "Keyboard shortcuts" in out and "ctrl+g" in out and ":g" in out
    a.remove_all()
    assert len(a) == 0 and a.get("go") is None and a._separators == []
    assert Actions("Edit").submenu is None and Actions("Edit").gui is None
    phy_style = Actions(gui, name="Mine", menu="&Mine")  # phy passes the GUI first
    assert (phy_style.gui, phy_style.name, phy_style.menu) == (gui, "Mine", "&Mine")
    assert Actions(name="X").name == "X" and Actions().name == "Actions"
    with pytest.raises(TypeError):
        Actions("A", "B")


def test_task_logger_runs_logs_and_reports_states(capsys: pytest.CaptureFixture[str]) -> None:
    s = _supervisor()
    t = s.task_logger
    assert (t.cluster_view, t.similarity_view, t.supervisor) == (s.cluster_view, s.similarity_view, s)
    assert TaskLogger.auto_select_after_action is False and t.dequeue() is None and t.has_finished()
    t.enqueue(s, "select", [1])
    assert s.selected == [1] and t.last_state() == ([1], None, None, None)
    up = t.enqueue(s, "merge", np.array([0, 2]))
    merge = t.last_task("merge")
    assert merge is not None and merge[2] == ([0, 2],) and merge[4] is up
    assert t.last_state(merge) == ([1], None, None, None)  # the state just before the merge
    assert t.last_state() == ([up.added[0]], None, None, None)
    t.enqueue_after(merge, up)
    t.process()
    assert t.dequeue() is None and t.has_finished()
    t.log(s, "select", [1], output=Bunch(selected=[1]))
    t.log(s, "select", [1], output=Bunch(selected=[1]))  # successive duplicates are logged once
    assert [task[1] for task in t.history] == ["select", "merge", "select"]
    assert t.last_task(name_not_in=("select",)) == merge and t.last_task("undo") is None
    t.show_history()
    assert capsys.readouterr().out.splitlines()[0] == "=== History ==="
    assert TaskLogger().last_state() == (None, None, None, None)


def test_action_creator_over_the_supervisor_groups() -> None:
    s = _supervisor()
    ac = s.action_creator
    assert isinstance(ac, ActionCreator) and ac is s.action_creator and ac.supervisor is s
    assert ac.edit_actions is s.actions and ac.select_actions is s.select_actions
    assert ac.default_shortcuts["merge"] and "merge" in ac.default_shortcuts
    assert isinstance(ac.default_snippets, dict)
    ac.add("edit", "move_best_to_good_now", method_name="move", method_args=("good", "best"), submenu="Move")
    ac.add("select", "select_them", method_name="select")
    s.select_actions.run("select_them", [2])
    assert s.selected == [2]
    s.actions.run("move_best_to_good_now")
    assert s.get_labels("group")[2] == "good"
    assert s.actions.get("move_best_to_good_now").docstring  # the method's docstring
    gui = object()
    ac.attach(gui)
    assert s.gui is gui
    with pytest.raises(AttributeError):
        ActionCreator().edit_actions


def test_supervisor_labels_context_view_actions() -> None:
    s = _supervisor()
    assert s.cluster_labels == {"quality": {2: 3.5}}
    s.label("quality", 1.0, [5])
    assert s.cluster_labels == {"quality": {2: 3.5, 5: 1.0}}
    assert s.context is None and s.view_actions is None
    s.attach(Bunch(view_actions="the view actions"))
    assert s.view_actions == "the view actions"
