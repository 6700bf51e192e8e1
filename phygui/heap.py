"""The session's long-lived objects, kept out of the garbage collector's full scans.

A loaded 10M-spike session holds ~140,000 Python objects that live as long as the window
(the model's and the tables' containers, the views' items and callbacks, numba's
dispatchers). CPython's full collection visits every one of them: ~70 ms, at whatever
moment enough younger objects survived, in the middle of a split, a merge or a frame
(one split in three on the bench folder). :func:`gc.freeze` moves the objects that exist
when it is called into a permanent generation that collections skip; what is made later
is collected as before, and objects are still freed when their last reference goes.

The price: cyclic garbage that already exists when the heap is frozen stays until
:meth:`HeapFreeze.release` (a few dozen objects at start-up on the bench folder). The
setting is process-wide, so it belongs to the application (the GUI), not to the SDK.

Why by hand: it is two standard-library calls; what is ours is when to make them.
"""

from __future__ import annotations

import gc

__all__ = ["HeapFreeze"]


class HeapFreeze:
    """Freezes the heap once the session is loaded and again once its start-up work is done
    (objects made later, such as the rows of the clusters later actions create, are
    collected as usual).

    Call :meth:`after_frame` after every frame and :meth:`release` when the window closes.
    With several windows in one process, the heap is given back when the last one that
    froze it releases it.
    """

    _holders = 0  # windows of this process whose objects are frozen

    def __init__(self) -> None:
        self.frozen = 0  # how many times this GUI froze the heap
        self._was_busy = False

    def after_frame(self, busy: bool) -> bool:
        """After a frame: freeze after the first one (model, clustering, tables and views
        are built) and after the first frame that finds the start-up's background work
        (the quality metrics) done; never again. ``busy``: whether that work still runs.
        Returns whether it froze."""
        first = self.frozen == 0
        if first or (self.frozen == 1 and self._was_busy and not busy):
            gc.freeze()
            if first:
                HeapFreeze._holders += 1
            self.frozen += 1
            self._was_busy = busy and first
            return True
        self._was_busy = self._was_busy or busy
        return False

    def release(self) -> None:
        """The window is gone: when no other window of the process still holds the heap
        frozen, give the frozen objects back to the collector (they may be garbage now).
        Process-wide: it also unfreezes what others froze."""
        if self.frozen:
            self.frozen = 0
            HeapFreeze._holders -= 1
            if HeapFreeze._holders == 0:
                gc.unfreeze()
