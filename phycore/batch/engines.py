"""Where the sessions of a batch run: in this process, a joblib process pool, or dask.distributed.

Each engine takes the session folders and a :class:`SessionConfig` and yields one
:class:`SessionResult` per folder, in the order they finish. No engine schedules
anything itself: joblib (loky's process pool) and dask do.

- ``"serial"``: one after the other in this process (debugging, tiny batches).
- ``"joblib"``: a pool of ``n_jobs`` worker processes on this machine (loky).
- ``"dask"``: a dask.distributed cluster: an existing ``client``, the scheduler at
  ``scheduler`` (``tcp://host:8786``; its workers need phycore installed and the folders
  at the same paths), or a ``LocalCluster`` of ``n_workers`` single-threaded worker
  processes made for the batch. Needs the ``dask`` extra (``pip install phycore[dask]``).

A worker process that dies (killed, out of memory, a crash in native code) fails only
the session that killed it, with a message saying so; the others go on. dask
reschedules them on the remaining workers. The joblib engine submits one task per
session to loky's process pool, at most one per worker at a time; when a worker dies
the pool breaks, and the sessions that were running then (one of them the cause, the
others lost with the pool) are retried on a fresh pool one at a time, alone, so a
session that breaks the pool again, alone, is the one that fails (a session that was
the only one lost when it broke fails at once). The sessions not started yet simply
run on the fresh pool. A lost session whose run had in fact finished (its results were
written just before the pool broke) is found up to date by its retry and reported done.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from phycore.batch.session import SessionConfig, SessionResult, run_session

__all__ = ["ENGINES", "run_sessions"]

ENGINES = ("serial", "joblib", "dask")

#: The work of one session: ``work(folder, config) -> SessionResult`` (picklable).
Work = Callable[[str, SessionConfig], SessionResult]


def _crashed(folder: str, e: BaseException) -> SessionResult:
    return SessionResult(folder=folder, status="failed", error=f"worker failure: {type(e).__name__}: {e}")


def _serial(folders: Sequence[str], config: SessionConfig, work: Work) -> Iterator[SessionResult]:
    for folder in folders:
        yield work(folder, config)


def _joblib(folders: Sequence[str], config: SessionConfig, n_jobs: int | None, work: Work) -> Iterator[SessionResult]:
    from joblib.externals.loky import get_reusable_executor

    n = max(1, min(n_jobs or os.cpu_count() or 1, len(folders)))
    waiting = deque(folders)  # not started
    suspects: deque[str] = deque()  # running when the pool broke: retried alone
    running: dict[Future[SessionResult], str] = {}
    retried: set[str] = set()
    executor = get_reusable_executor(max_workers=n)

    def submit(folder: str) -> None:
        nonlocal executor
        try:
            future = executor.submit(work, folder, config)
        except BrokenProcessPool:  # it broke since the last look: its running futures say so
            executor = get_reusable_executor(max_workers=n)
            future = executor.submit(work, folder, config)
        running[future] = folder

    while waiting or suspects or running:
        if suspects:
            if not running:
                retried.add(suspects[0])
                submit(suspects.popleft())
        else:
            # At most one session per worker: the ones submitted are the ones running.
            while waiting and len(running) < n:
                submit(waiting.popleft())
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
            wait(running)  # the pool sets every future of a broken pool at once
            done = set(running)
        lost: list[tuple[str, BaseException]] = []
        for future in done:
            folder = running.pop(future)
            error = future.exception()
            if isinstance(error, BrokenProcessPool):
                lost.append((folder, error))
            elif error is not None:  # the task could not be sent or its result not returned
                yield _crashed(folder, error)
            elif folder in retried and future.result().status == "skipped":
                # Its first run finished and recorded its results, but the broken pool lost
                # the answer: the retry finds them up to date. It was done in this batch.
                yield attrs.evolve(future.result(), status="done")
            else:
                yield future.result()
        if lost:
            if len(lost) == 1:  # the only session lost (the others had finished): it broke the pool
                yield _crashed(*lost[0])
            else:
                suspects.extend(folder for folder, _ in lost)
            executor = get_reusable_executor(max_workers=n)  # a fresh pool (the broken one is replaced)


def _dask(folders: Sequence[str], config: SessionConfig, *, client: Any, scheduler: str | None,
          n_workers: int | None, work: Work) -> Iterator[SessionResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:
        raise ImportError("The dask engine needs dask.distributed: pip install 'phycore[dask]'.") from e
    with contextlib.ExitStack() as stack:
        if client is None:
            if scheduler:
                client = stack.enter_context(Client(scheduler))
            else:
                import dask

                n = max(1, min(n_workers or os.cpu_count() or 1, len(folders)))
                # Without dask's statistical profiler (it samples the worker's stack every
                # 10 ms, which a batch never looks at); the workers get this config at start.
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                               dashboard_address=None))
                client = stack.enter_context(Client(cluster))
        futures = client.map(work, list(folders), config=config, pure=False)
        folder_of = {f.key: folder for f, folder in zip(futures, folders)}
        for future in as_completed(futures):
            if future.status == "error":
                yield _crashed(folder_of[future.key], future.exception())
            else:
                yield future.result()
            future.release()


def run_sessions(folders: Sequence[str], config: SessionConfig, *, engine: str = "joblib",
                 n_jobs: int | None = None, client: Any = None, scheduler: str | None = None,
                 n_workers: int | None = None, work: Work = run_session) -> Iterator[SessionResult]:
    """Run every session on an engine (see the module docstring); results as they finish.

    ``work(folder, config)`` does one session (:func:`~phycore.batch.session.run_session`;
    another picklable function for tests).
    """
    if engine == "serial":
        return _serial(folders, config, work)
    if engine == "joblib":
        return _joblib(folders, config, n_jobs, work)
    if engine == "dask":
        return _dask(folders, config, client=client, scheduler=scheduler, n_workers=n_workers, work=work)
    raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}.")
