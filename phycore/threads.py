"""One-shot work on a daemon thread, handed back as a future.

The standard library's executors keep their worker threads and join them at exit; the
start-up work of a session (sorting the spike index, hashing the assignment, unwhitening
the templates) runs once, must never delay the interpreter's exit, and hands its result
or its exception to whoever asks for it.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Callable, TypeVar

__all__ = ["on_thread"]

T = TypeVar("T")


def on_thread(func: Callable[[], T], name: str) -> Future[T]:
    """Run ``func()`` on a new daemon thread named ``name``.

    Returns
    -------
    Future
        Its result, or the exception it raised (re-raised by ``result()`` on the
        thread that waits for it).
    """
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return  # cancelled before it started
        try:
            future.set_result(func())
        except BaseException as exc:  # handed to the thread that calls result()
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
