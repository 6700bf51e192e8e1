from __future__ import annotations

import pytest

from phycore.errors import ActionError
from phycore.supervisor import Actions, parse_snippet, run_snippet


def test_parse_snippet_arguments() -> None:
    assert parse_snippet(":merge 3 7") == ("merge", [3, 7])
    assert parse_snippet(":c 10-12") == ("c", [[10, 11, 12]])
    assert parse_snippet(":c 10,20") == ("c", [[10, 20]])
    assert parse_snippet(":l quality good") == ("l", ["quality", "good"])
    assert parse_snippet(":cb 2.5") == ("cb", [2.5])
    assert parse_snippet(""":f "group == 'good'" """) == ("f", ["group == 'good'"])
    assert parse_snippet(':f "10"') == ("f", ["10"])


def test_parse_snippet_errors() -> None:
    with pytest.raises(ActionError, match="Empty snippet"):
        parse_snippet(":")
    with pytest.raises(ActionError, match="Cannot parse"):
        parse_snippet(':f "unclosed')


def test_add_run_alias_shortcut_defaults() -> None:
    calls = []
    actions = Actions("Edit", default_shortcuts={"merge": "g"}, default_snippets={"merge": "g"})

    @actions.add
    def merge(*ids: int) -> list[int]:
        """Merge clusters.

        Long description."""
        calls.append(ids)
        return list(ids)

    @actions.add(shortcut="alt+x", alias="sx", name="split_amp")
    def split_by_amplitude(threshold: float) -> float:
        return threshold

    assert "merge" in actions and "g" in actions and "nope" not in actions
    assert actions.merge.shortcuts == ("g",)
    assert actions.merge.docstring == "Merge clusters."
    assert actions.run("g", 1, 2) == [1, 2]
    assert actions.shortcuts == {"merge": ("g",), "split_amp": ("alt+x",)}
    assert run_snippet(":sx 3.5", [actions]) == 3.5
    assert run_snippet(":split_amp 2", [actions]) == 2
    assert calls == [(1, 2)]
    assert actions.names == ["merge", "split_amp"]


def test_wrong_arity_and_unknown_snippet() -> None:
    actions = Actions("Edit")
    actions.add(lambda x: x, name="one")
    with pytest.raises(ActionError, match="Invalid action arguments: 'one' takes 1"):
        actions.run("one")
    with pytest.raises(ActionError, match="Unknown snippet ':zzz'"):
        run_snippet(":zzz 1", [actions])
    with pytest.raises(ActionError, match="needs a name"):
        actions.add(lambda: None)


def test_checkable_toggle_and_disable() -> None:
    state = {}
    actions = Actions("View")
    actions.add(lambda checked: state.update(v=checked), name="toggle", checkable=True, checked=False)
    actions.run("toggle")
    assert state["v"] is True and actions.toggle.checked
    actions.run("toggle")
    assert state["v"] is False
    actions.disable("toggle")
    with pytest.raises(ActionError, match="disabled"):
        actions.run("toggle")
