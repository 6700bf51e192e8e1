"""phygui.heap: the session's objects leave the collector's scans after start-up."""

from __future__ import annotations

import gc

from phygui.heap import HeapFreeze


def _scanned(obj: object) -> bool:
    """Whether a collection still visits ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


def test_the_heap_is_frozen_after_the_first_frame_and_after_the_background_work() -> None:
    heap = HeapFreeze()
    loaded = {"session": [1, 2]}  # a container: tracked by the collector
    try:
        assert _scanned(loaded)
        assert heap.after_frame(busy=True)  # the first frame: the session is loaded
        assert not _scanned(loaded)
        made_later = {"metrics": [3]}
        assert not heap.after_frame(busy=True)  # the quality metrics still run
        assert _scanned(made_later)
        assert heap.after_frame(busy=False)  # they are done
        assert not _scanned(made_later)
        assert heap.frozen == 2
        newest = {"selection": [4]}
        for busy in (False, True, False):  # later background work freezes nothing more
            assert not heap.after_frame(busy=busy)
        assert _scanned(newest)
    finally:
        heap.release()
    assert heap.frozen == 0
    assert gc.get_freeze_count() == 0
    assert _scanned(loaded) and _scanned(made_later)


def test_a_session_without_background_work_freezes_once() -> None:
    heap = HeapFreeze()
    try:
        assert heap.after_frame(busy=False)
        assert [heap.after_frame(busy=False) for _ in range(3)] == [False] * 3
        assert heap.frozen == 1
    finally:
        heap.release()
    heap.release()  # twice: nothing to give back
    assert gc.get_freeze_count() == 0


def test_two_windows_keep_the_heap_frozen_until_the_last_one_closes() -> None:
    a, b = HeapFreeze(), HeapFreeze()
    try:
        a.after_frame(busy=False)
        b.after_frame(busy=False)
        a.release()  # one window closes: the other's session stays out of the scans
        assert gc.get_freeze_count() > 0
    finally:
        a.release()
        b.release()
    assert gc.get_freeze_count() == 0
