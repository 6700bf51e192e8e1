"""History and GlobalHistory against phy's own (``phy.cluster._history``) as oracles: the
same random operations on both give the same positions, items and return values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phycore.clustering import GlobalHistory, History

from tests._phy_reference import phy_cluster_module

_phy = phy_cluster_module("_history")
if _phy is None:
    pytest.skip("phy is not installed", allow_module_level=True)

HISTORY_OPS = st.lists(st.one_of(st.tuples(st.just("add"), st.integers(0, 99)),
                                 st.sampled_from([("back",), ("forward",), ("undo",), ("redo",), ("clear",)])),
                       max_size=30)


def _same_history(ours: History[Any], theirs: Any) -> None:
    assert len(ours) == len(theirs)
    assert ours.current_item == theirs.current_item
    assert ours.current_position == theirs.current_position
    assert ours.is_first() == theirs.is_first() and ours.is_last() == theirs.is_last()
    assert list(ours) == list(theirs)
    n = len(theirs)
    for start in range(n + 1):
        for end in [None, *range(0, n + 1)]:
            assert list(ours.iter(start, end)) == list(theirs.iter(start, end)), (start, end)


@settings(max_examples=150)
@given(ops=HISTORY_OPS, base=st.sampled_from([None, "base"]))
def test_history_same_as_phy(ops: list[tuple[Any, ...]], base: Any) -> None:
    ours: History[Any] = History(base)
    theirs = _phy.History(base)
    _same_history(ours, theirs)
    for op, *args in ops:
        if op == "clear":
            ours.clear(base)
            theirs.clear(base)
        else:
            assert getattr(ours, op)(*args) == getattr(theirs, op)(*args), op
        _same_history(ours, theirs)


def test_history_documented_examples() -> None:
    h: History[str] = History()
    h.add("a")
    h.add("b")
    assert len(h) == 3 and h.current_item == "b" and h.current_position == 2 and h.is_last()
    assert h.back() == "b" and h.back() == "a" and h.back() is None
    assert h.current_item is None and not h.is_first()
    assert h.forward() == "a" and h.is_first() and h.forward() == "b" and h.forward() is None
    assert list(h.iter(1)) == ["a", "b"] and list(h.iter(0, 0)) == []


def test_history_iter_out_of_range_is_a_typed_error() -> None:
    h: History[int] = History()
    h.add(1)
    with pytest.raises(IndexError):
        list(h.iter(0, 5))


class _Part:
    """A stand-in for a Clustering or ClusterMeta: undo/redo return what they did."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def undo(self) -> str:
        self.log.append(f"undo {self.name}")
        return f"undo {self.name}"

    def redo(self) -> str:
        self.log.append(f"redo {self.name}")
        return f"redo {self.name}"


GLOBAL_OPS = st.lists(st.one_of(st.tuples(st.just("action"), st.lists(st.integers(0, 2), min_size=1, max_size=3)),
                                st.tuples(st.just("add_to_current_action"), st.integers(0, 2)),
                                st.sampled_from([("undo",), ("redo",)])),
                      max_size=25)


@settings(max_examples=150)
@given(ops=GLOBAL_OPS, process=st.booleans())
def test_global_history_same_as_phy(ops: list[tuple[Any, ...]], process: bool) -> None:
    log_ours: list[str] = []
    log_theirs: list[str] = []
    parts_ours = [_Part(str(i), log_ours) for i in range(3)]
    parts_theirs = [_Part(str(i), log_theirs) for i in range(3)]
    process_ups = (lambda ups: list(ups)) if process else None
    ours, theirs = GlobalHistory(process_ups=process_ups), _phy.GlobalHistory(process_ups=process_ups)
    for op, *args in ops:
        if op == "action":
            ours.action(*[parts_ours[i] for i in args[0]])
            theirs.action(*[parts_theirs[i] for i in args[0]])
        elif op == "add_to_current_action":
            ours.add_to_current_action(parts_ours[args[0]])
            theirs.add_to_current_action(parts_theirs[args[0]])
        else:
            a, b = getattr(ours, op)(), getattr(theirs, op)()
            assert a == b, op  # the tuple of the parts' returns ([] with process_ups), in part order
            if not process:
                assert isinstance(a, tuple)
        # The same parts were undone/redone (ours undoes the last part first: compare as sets).
        assert sorted(log_ours) == sorted(log_theirs)
        assert len(ours) == len(theirs) and ours.current_position == theirs.current_position
        assert [p.name for p in ours.current_item] == [p.name for p in theirs.current_item]


def test_global_history_undo_returns_tuple_and_empty_tuple() -> None:
    log: list[str] = []
    a, b = _Part("a", log), _Part("b", log)
    gh = GlobalHistory()
    assert gh.undo() == () and gh.redo() == ()
    gh.action(a, b)
    assert len(gh) == 2 and gh.current_item == (a, b)
    assert gh.undo() == ("undo a", "undo b") and log == ["undo b", "undo a"]  # last part first
    assert gh.undo() == ()
    assert gh.redo() == ("redo a", "redo b") and gh.redo() == ()


def test_global_history_keeps_state_with_the_action() -> None:
    gh = GlobalHistory()
    gh.action(_Part("a", []), state="s1")
    gh.add_to_current_action(_Part("b", []))
    assert gh.current_state == "s1" and len(gh.current_item) == 2
    gh.undo()
    assert gh.current_state is None
