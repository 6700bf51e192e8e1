"""A view model's data step on a worker thread, its result installed on the GUI thread.

A per-selection view model (:class:`~phygui.viewmodels.ClusterViewModel`) splits its work
in two: ``_load()`` fetches the data of the selected clusters (raw waveforms, features,
correlograms...: the slow part, numpy/numba code that mostly releases the GIL) and
``compute()`` turns loaded data into a picture. :class:`AsyncData` runs ``_load()`` on a
worker of one small pool shared by every view, so the GUI thread never waits for it:

- :meth:`AsyncData.poll` (GUI thread, once per frame) submits a job when the model's data
  is invalid, and tells whether the data is ready; until then the drawer keeps its
  previous picture;
- the job runs ``_load()`` on a **copy** of the model taken on the GUI thread at submit
  time (its selection, options and size are that snapshot); the attributes ``_load()``
  rebinds on the copy are the result, installed on the model by :meth:`AsyncData.poll`
  on the GUI thread. A drawer's job also runs ``compute()`` on the copy (the
  rasterisation), and the GUI thread only uploads that picture, unless the model was
  marked dirty since the snapshot (resized, zoomed, an option changed): then it
  computes the picture from the installed data;
- every job carries a token: the model's :attr:`data_generation` (bumped by each
  ``invalidate()`` that drops data: new selection, option, filter) and the drawer's
  clustering epoch (bumped by every ``cluster`` event). The clustering is changed on the
  GUI thread while a job may read it, so a job whose token is no longer current is
  discarded, result or exception, and a new one is submitted;
- a current job's exception is raised by :meth:`poll`, on the GUI thread, into the
  view's error path (status bar, the view, tests' strict mode); the same token is not
  submitted again, so an error is reported once, until the next change.

The GUI sends a frame's jobs together, once every view has been updated
(:func:`jobs_after_updates`, around the update pass): a job started during the pass
would run Python on a worker while the GUI thread still updates the other views, and
both would wait for the GIL (in an action's frame the views' updates took 3-5 times
their time alone); sent at the end, the jobs run while Dear PyGui renders the frame,
which releases the GIL.

Without a worker (``enabled=False``: scripts, tests that read a view right after a
frame) :meth:`poll` leaves the model alone and ``compute()`` loads synchronously, as
before.

The copy is shallow: a ``_load()`` must rebind the attributes it changes, never mutate a
container the model shares with its copy (the GUI thread may read it meanwhile); caches
shared on purpose are thread-safe (:class:`~phygui.viewmodels.recent.RecentResults`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import threading
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from typing import Any, Callable, Iterator

import attrs

__all__ = ["AsyncData", "JobResult", "view_data_pool", "N_WORKERS", "load_on_copy", "install", "jobs_running",
           "jobs_after_updates", "warm_on_copies"]

logger = logging.getLogger(__name__)

#: Workers of the shared pool: the machine's cores are shared with the GUI thread and the
#: trace view's drawing thread; two keep both cores busy while one view's job waits on I/O.
N_WORKERS = 2

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_MISSING = object()
_RUNNING = [0]  # data jobs submitted and not finished, all views together (under _POOL_LOCK)


def jobs_running() -> int:
    """Data jobs of any view not finished yet: background work that is not urgent (the
    trace view's tiles ahead of its window) waits until they are done, so that the views
    of a new selection get the cores first."""
    return _RUNNING[0]


def _count(fut: Future[Any]) -> None:
    with _POOL_LOCK:
        _RUNNING[0] += 1

    def done(_: Future[Any]) -> None:
        with _POOL_LOCK:
            _RUNNING[0] -= 1

    fut.add_done_callback(done)


class _HeldJob(Future[Any]):
    """The future handed out for a job held until the end of the update pass: pending
    until the worker's future ends, and cancelled with it (a job still queued on the
    pool never runs; one running is not stopped), as a pool future would be."""

    def __init__(self) -> None:
        super().__init__()
        self._sent: Future[Any] | None = None
        # Sending (submit, then _sent) and cancelling exclude each other: a cancel between
        # the two would find no job to cancel and report one that runs as cancelled.
        self.sending = threading.Lock()

    def cancel(self) -> bool:
        with self.sending:
            sent = self._sent
            if sent is not None and not sent.cancel():
                return False  # running or done on its worker
            return super().cancel()

    def follow(self, sent: Future[Any]) -> None:
        """Take the sent job's outcome when it ends (on its worker thread)."""
        self._sent = sent

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                super(_HeldJob, self).cancel()
                return
            exc = f.exception()
            try:
                if exc is not None:
                    self.set_exception(exc)
                else:
                    self.set_result(f.result())
            except InvalidStateError:  # cancelled meanwhile (before it started)
                pass

        sent.add_done_callback(done)


# The jobs held by the thread's open jobs_after_updates() block: (submit, job, future).
_HOLD = threading.local()


@contextlib.contextmanager
def jobs_after_updates() -> Iterator[None]:
    """Data jobs submitted on this thread inside the block are sent to their workers when
    it ends (see the module docstring); their futures are handed out at once and can be
    cancelled. Nested blocks send at the outermost one's end; other threads' jobs are
    sent at once. (Do not wait for a job inside the block: it is not sent yet.)"""
    if getattr(_HOLD, "jobs", None) is not None:
        yield
        return
    _HOLD.jobs = []
    try:
        yield
    finally:
        held, _HOLD.jobs = _HOLD.jobs, None
        for submit, job, fut in held:
            _send(submit, job, fut)


def _send(submit: Callable[[Callable[[], Any]], Future[Any]], job: Callable[[], Any], fut: _HeldJob) -> None:
    # Send a held job; ``fut`` (already handed out) follows the worker's future.
    with fut.sending:
        if fut.cancelled():
            return  # cancelled while held: never runs
        try:
            sent = submit(job)
        except BaseException as exc:  # e.g. the pool shut down with the GUI
            fut.set_exception(exc)
            return
        fut.follow(sent)


def _submit(submit: Callable[[Callable[[], Any]], Future[Any]], job: Callable[[], Any]) -> Future[Any]:
    # Now, or at the end of the update pass when inside jobs_after_updates().
    held = getattr(_HOLD, "jobs", None)
    if held is None:
        return submit(job)
    fut = _HeldJob()
    held.append((submit, job, fut))
    return fut


def view_data_pool() -> ThreadPoolExecutor:
    """The pool every view's data job runs on (created on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(N_WORKERS, thread_name_prefix="phygui-view-data")
        return _POOL


# The dirty flag and its counter stay the GUI thread's: a picture made on a worker is
# shown only if the model was not marked dirty since the snapshot (AsyncData.take_frame).
_NOT_INSTALLED = frozenset({"_is_dirty", "is_dirty", "redraw_generation"})


@attrs.define(eq=False)
class JobResult:
    """What a data job hands back to the GUI thread."""

    #: ``{attribute: (value at the snapshot, new value)}`` rebound by ``_load()``.
    changes: dict[str, tuple[Any, Any]]
    #: ``compute()``'s frame on the snapshot (None when not asked for).
    frame: Any
    #: The model's ``redraw_generation`` at the snapshot.
    redraws: int


def load_on_copy(model: Any, picture: bool = False) -> Callable[[], JobResult]:
    """A job computing ``model._load()`` on a snapshot of ``model`` (taken now), and
    with ``picture`` its ``compute()`` too (the rasterisation, at the snapshot's size).

    Returns a function (to call on any thread) returning a :class:`JobResult`; the
    model itself is not touched.
    """
    shadow = copy.copy(model)
    before = dict(shadow.__dict__)
    redraws = int(getattr(model, "redraw_generation", 0))

    def job() -> JobResult:
        shadow._load()
        frame = shadow.compute() if picture else None
        changes = {k: (before.get(k, _MISSING), v) for k, v in shadow.__dict__.items()
                   if before.get(k, _MISSING) is not v and k not in _NOT_INSTALLED}
        return JobResult(changes, frame, redraws)

    return job


def warm_on_copies(models: list[Any], cluster_ids: list[int], after: Future[Any] | None = None,
                   stop: threading.Event | None = None,
                   submit: Callable[[Callable[[], Any]], Future[Any]] | None = None) -> Future[Any]:
    """One job: each model's data step and picture on a copy selecting ``cluster_ids``
    (taken now), one model after the other, the results dropped; its future can be
    cancelled until the job starts.

    A GUI runs it after its first frame, when nothing is selected yet: the first call of
    each numba kernel in a process loads it (5-40 ms each; ~0.2 s for the views of a
    pair, which made the first selection of a session ~0.6 s against ~0.15 s for the
    next ones), and the shared data caches then hold those clusters. ``after``: a future
    to wait for first (numba's loading); ``stop``: once set, the models not done yet
    are skipped (the user selected something: their own jobs load what they need). A
    model that fails is skipped (logged at debug level: the same error reaches the user
    through the view when it draws that data). Models without a data step are left out,
    unless they have ``warm_kernels()`` (loads their kernels, reads only: called as it is).
    """
    shadows = []
    for model in models:
        if AsyncData.supports(model):
            shadow = copy.copy(model)
            shadow.set_selection(cluster_ids)  # rebinds the copy's attributes only
            shadows.append(shadow)
        elif callable(getattr(model, "warm_kernels", None)):
            shadows.append(model)  # its warm_kernels() reads only (any thread)

    def job() -> int:
        done = 0
        try:
            for shadow in shadows:
                if stop is not None and stop.is_set():
                    break
                try:
                    if AsyncData.supports(shadow):
                        shadow._load()
                        shadow.compute()
                    else:
                        shadow.warm_kernels()
                except Exception:
                    logger.debug("Warming up %s failed.", type(shadow).__name__, exc_info=True)
                done += 1
        finally:
            shadows.clear()  # the copies hold the session: not kept past the job
        return done

    # Sent once ``after`` is done, so that no worker waits for it meanwhile; cancelled
    # (before it starts) as a pool job is. ``after`` (numba's loading) lives as long as
    # the process and keeps its callbacks: the one-shot ``send`` is dropped once used or
    # cancelled, so that it does not keep the job (and the session) alive.
    fut = _HeldJob()
    send = [functools.partial(_send, submit or view_data_pool().submit, job, fut)]

    def send_once(_: Any = None) -> None:
        try:
            first = send.pop()
        except IndexError:
            return
        first()

    fut.add_done_callback(lambda _: send.clear())
    if after is None:
        send_once()
    else:
        after.add_done_callback(send_once)
    return fut


def install(model: Any, changes: dict[str, tuple[Any, Any]]) -> None:
    """Set on ``model`` the attributes a job rebound, except those the GUI thread rebound
    since the snapshot (e.g. an option changed without dropping the data): theirs win."""
    state = model.__dict__
    for k, (old, new) in changes.items():
        if state.get(k, _MISSING) is old:
            state[k] = new


class AsyncData:
    """The data jobs of one view model (see the module docstring).

    Parameters
    ----------
    model : ClusterViewModel
        A view model with ``_load()``, ``_data_valid`` and ``data_generation``.
    submit : callable, optional
        ``submit(fn) -> Future``; default the shared :func:`view_data_pool`.
    enabled : bool
        False: :meth:`poll` always answers ready and the model loads synchronously.
    picture : bool
        The job also runs the model's ``compute()`` (the picture at the snapshot's size
        and options), handed out by :meth:`take_frame` unless the model was marked dirty
        since.

    Attributes
    ----------
    n_submitted, n_installed, n_discarded : int
        Job counts (tests, benchmarks).
    """

    def __init__(self, model: Any, submit: Callable[[Callable[[], Any]], Future[Any]] | None = None,
                 enabled: bool = True, picture: bool = False) -> None:
        self.model = model
        self._submit = submit
        self.enabled = enabled
        self.picture = picture
        self._frame: tuple[Any, int] | None = None
        self.epoch = 0
        self._job: tuple[tuple[int, int], Future[Any]] | None = None
        self._failed: tuple[int, int] | None = None
        self.n_submitted = self.n_installed = self.n_discarded = 0

    @staticmethod
    def supports(model: Any) -> bool:
        """Whether ``model`` has a separate data step to run on a worker."""
        return callable(getattr(model, "_load", None)) and hasattr(model, "_data_valid")

    @property
    def token(self) -> tuple[int, int]:
        """The state a job's result must have been computed for to be installed."""
        return (int(getattr(self.model, "data_generation", 0)), self.epoch)

    @property
    def pending(self) -> bool:
        """Whether a job for the current state is still running."""
        return self._job is not None and self._job[0] == self.token and not self._job[1].done()

    def clustering_changed(self) -> None:
        """A ``cluster`` event: a job running now may have read a clustering mid-change."""
        self.epoch += 1

    def poll(self) -> bool:
        """GUI thread, once per frame: True when the model's data is loaded (then the
        drawer may draw); else a job is submitted or still running.

        Raises
        ------
        Exception
            The current job's exception, once.
        """
        model = self.model
        if not self.enabled or not self.supports(model) or model._data_valid:
            self._drop_stale(keep_current=False)
            return True
        token = self.token
        if self._job is not None and self._job[0] == token:
            fut = self._job[1]
            if not fut.done():
                return False
            self._job = None
            exc = fut.exception()
            if exc is not None:
                self._failed = token
                raise exc
            result: JobResult = fut.result()
            install(model, result.changes)
            model._data_valid = True
            self._frame = (result.frame, result.redraws) if result.frame is not None else None
            self.n_installed += 1
            return True
        self._drop_stale(keep_current=False)
        if token == self._failed:
            return False  # reported already: wait for the next change
        job = load_on_copy(model, self.picture)
        fut = _submit(self._submit or view_data_pool().submit, job)
        _count(fut)
        self._job = (token, fut)
        self.n_submitted += 1
        return False

    def take_frame(self) -> Any:
        """The picture the last installed job computed, if the model was not marked
        dirty since its snapshot (else None: the caller runs ``compute()``); once."""
        frame, self._frame = self._frame, None
        if frame is None or int(getattr(self.model, "redraw_generation", 0)) != frame[1]:
            return None
        return frame[0]

    def _drop_stale(self, keep_current: bool) -> None:
        if self._job is not None and not (keep_current and self._job[0] == self.token):
            self._job[1].cancel()  # not started yet: never runs; running: its result is dropped
            self._job = None
            self.n_discarded += 1

    def close(self) -> None:
        """Drop the job: not started, it never runs; running, it is waited for (its result
        dropped), so that no worker reads the session's files once the view is gone."""
        if self._job is not None:
            fut = self._job[1]
            self._job = None
            if not fut.cancel():
                fut.exception()  # a join; the exception is no longer anyone's
        self._frame = None

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running job ends (tests; the GUI never waits)."""
        if self._job is not None and not self._job[1].cancelled():
            self._job[1].exception(timeout=timeout)
