"""Loading numba's kernels off the thread that draws (kernel warm-up).

The first call of any numba kernel in a process costs about 0.5 s, whatever the kernel
and even when its machine code is cached on disk: numba then builds its typing and
target contexts once, and its BLAS check imports SciPy's linalg. Each kernel's own
cached code then loads in a few milliseconds. A GUI starts this one-time loading on a
worker thread right after its first frame (:func:`warm_up`), and code on the drawing
thread asks :func:`kernels_ready` before calling a kernel: while the loading runs, it
takes a numpy path instead of waiting for numba's compiler lock.

numba's cache lives next to the sources (``__pycache__``); when that directory is not
writable (a system-wide install), numba uses the user's cache directory instead
(``~/.cache/numba``, or ``$NUMBA_CACHE_DIR``), so the cache works in every install.

Importing a module of kernels does not import numba either (0.15-0.3 s): kernels are
decorated with this module's :func:`njit`, whose dispatchers are made, with numba's own
``njit`` and the same options, on the first kernel call (the warm-up's, in a GUI);
kernels use this module's :func:`prange`, :func:`get_num_threads` and
:func:`parallel_chunksize` instead of numba's.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future

import numpy as np

from phycore.analysis._jit import get_num_threads, njit, parallel_chunksize, prange
from phycore.threads import on_thread

__all__ = ["defer_kernels", "get_num_threads", "kernels_ready", "njit", "parallel_chunksize", "prange",
           "warm_up"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_warm_up: Future[None] | None = None
_deferred = False


@njit(cache=True, nogil=True)
def _probe(x: np.ndarray) -> int:  # pragma: no cover - compiled
    return int(x.shape[0])


def _load() -> None:
    # Any cached kernel's first call builds numba's contexts for the whole process.
    _probe(np.zeros(1, dtype=np.int64))


def _load_logged() -> None:
    try:
        _load()
    except Exception:
        logger.exception("Loading numba's kernels failed.")
        raise


def warm_up(*, background: bool = True) -> Future[None]:
    """Load numba's kernel machinery once per process, on a worker thread by default.

    Idempotent: later calls return the same future. A failure is logged and kept in the
    future (the kernels then load, or fail, on their first call as without a warm-up).

    Parameters
    ----------
    background : bool
        Load on a daemon thread (default) or on the calling thread.

    Returns
    -------
    concurrent.futures.Future
        Done when the loading is.
    """
    global _warm_up
    with _lock:
        if _warm_up is None:
            if background:
                _warm_up = on_thread(_load_logged, "phycore-kernel-warm-up")
            else:
                _warm_up = Future()
                try:
                    _load_logged()
                except Exception as exc:  # kept for whoever waits on the future
                    _warm_up.set_exception(exc)
                else:
                    _warm_up.set_result(None)
        return _warm_up


def defer_kernels() -> None:
    """Declare that :func:`warm_up` will load the kernels soon: :func:`kernels_ready` is
    False from now until that loading is done (a GUI calls this before its first frame,
    and :func:`warm_up` after it)."""
    global _deferred
    _deferred = True


def kernels_ready() -> bool:
    """Whether calling a numba kernel now cannot wait for numba's one-time loading.

    False from :func:`defer_kernels` or :func:`warm_up` to the end of the warm-up's
    loading; True otherwise (a script's first kernel call then loads numba itself, as
    usual).
    """
    future = _warm_up
    return not _deferred if future is None else future.done()
