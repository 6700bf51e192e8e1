"""phycore.Bunch against phylib.utils.Bunch as the oracle."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import phycore
from phycore.bunch import Bunch

phylib_utils = pytest.importorskip("phylib.utils")


@pytest.mark.parametrize("cls", [Bunch, phylib_utils.Bunch])
def test_same_behaviour_as_phylib(cls: Any) -> None:
    b = cls({"a": 1}, b=[2])
    assert isinstance(b, dict) and b.a == b["a"] == 1 and b.b == [2]
    b.c = 3
    assert b["c"] == 3 and sorted(b) == ["a", "b", "c"]
    b["d"] = 4
    assert b.d == 4
    del b.d
    assert "d" not in b
    with pytest.raises(AttributeError):
        b.missing
    assert getattr(b, "missing", None) is None and not hasattr(b, "missing")
    c = b.copy()
    assert type(c) is cls and c == b and c is not b
    c.a = 10
    assert b.a == 1 and c.b is b.b  # shallow
    assert copy.deepcopy(b) == b and copy.deepcopy(b)["b"] is not b.b
    assert copy.copy(b) == b
    p = pickle.loads(pickle.dumps(b))
    assert type(p) is cls and p == b and p.a == 1
    assert cls(keys=5).keys == 5  # a key shadows the method, in both
    assert cls(x=1) | {"y": 2} == {"x": 1, "y": 2}
    assert {"a", "b", "c"} <= set(dir(b))
    b.update(e=5)
    assert b.e == 5 and b.get("zz", 0) == 0


def test_deepcopy_keeps_attribute_access() -> None:
    # phylib's deep copy loses it (its __dict__ becomes a separate dict): a fix, not a copy.
    d = copy.deepcopy(Bunch(b=[2]))
    d.c = 1
    assert d.b == [2] and d["c"] == 1


def test_exported() -> None:
    assert phycore.Bunch is Bunch
