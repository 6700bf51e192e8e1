"""Properties of phycore.signals: order, sender filtering, strong refs, error isolation."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from phycore import signals
from phycore.signals import connect, emit, isolated, unconnect

SENDERS = 3


@given(plan=st.lists(st.tuples(st.integers(-1, SENDERS - 1), st.booleans(), st.booleans()), max_size=12),
       who=st.integers(0, SENDERS - 1))
def test_order_filtering_and_isolation(plan: list[tuple[int, bool, bool]], who: int) -> None:
    """Subscriber k (sender filter s, raises r, last l) is called iff s is None or the
    emitter; calls follow registration order (last ones at the end); raising
    subscribers do not stop the others."""
    senders = [object() for _ in range(SENDERS)]
    calls: list[int] = []
    with isolated():
        signals.set_raise_errors(False)
        try:
            for k, (s, raises, last) in enumerate(plan):
                def f(sender, x, k=k, raises=raises):
                    calls.append(k)
                    if raises:
                        raise ValueError(k)
                    return k

                connect(f, event="e", sender=None if s < 0 else senders[s], last=last)
            results = emit("e", senders[who], 1)
        finally:
            signals.set_raise_errors(True)
    eligible = [k for k, (s, _, _) in enumerate(plan) if s < 0 or s == who]
    expected = [k for k in eligible if not plan[k][2]] + [k for k in eligible if plan[k][2]]
    assert calls == expected
    assert results == [k for k in expected if not plan[k][1]]


@given(n=st.integers(1, 10), drop=st.sets(st.integers(0, 9)))
def test_strong_refs_and_unconnect(n: int, drop: set[int]) -> None:
    calls: list[int] = []
    funcs = []
    with isolated():
        for k in range(n):
            def make(k=k):
                return lambda sender: calls.append(k)

            funcs.append(connect(make(), event="e"))
        to_drop = [funcs[k] for k in sorted(drop) if k < n]
        del funcs
        gc.collect()
        unconnect(*to_drop)
        emit("e", None)
    assert calls == [k for k in range(n) if k not in drop]


@given(depth=st.integers(1, 4))
def test_silent_nesting_restores(depth: int) -> None:
    with isolated():
        calls = []
        connect(lambda s: calls.append(1), event="e")

        def nest(d: int) -> None:
            if d == 0:
                assert emit("e", None) == []
                return
            with signals.silent():
                nest(d - 1)

        nest(depth)
        emit("e", None)
        assert calls == [1]
