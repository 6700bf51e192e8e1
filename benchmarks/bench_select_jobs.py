"""The worker jobs of a selection, one at a time: every data view but the trace view.

A selection of a pair of big clusters in the GUI runs each data view's job (``_load()``,
then ``compute()``: the picture) on the views' worker pool. This script runs them
(:data:`JOBS`: waveform, feature, correlogram, template-feature, amplitude, ISI and
firing-rate views) alone and prints the sum of their medians (on 2 workers, half of it is
the select's floor), in one process, for the pairs of big clusters ``bench_gui.py
--actions`` selects (the 3rd and 4th largest, 5th and 6th, ...), with the controller's
caches off so each run does the whole work:

- warm: the files' pages already in the page cache;
- ``--cold``: before each run, a fresh controller and ``posix_fadvise(DONTNEED)`` on the
  job's file (``raw.dat`` or ``template_features.npy``); pages that another process maps
  stay cached, so the resident share of the file is printed too.

``--profile NAME`` prints a cProfile of that job (a name of :data:`JOBS`) instead of
timings; ``--compare`` alternates each run with the code paths before session 26
(:class:`OldPaths`, the same values). ``--fresh K`` times first reads instead: the pairs from the K-th
largest cluster on, each read once (pages that neither this run nor, likely, the host read
lately; ``posix_fadvise`` only empties the guest's cache). Each timing also gives the share
of a core that another Python thread (a stand-in for the GUI thread) got during the job:
``other thread``, 100 % when the job never held the GIL.

Run on the 10M-spike, 384-channel folder (``.bench-data/model_10000000_384_600_120``);
serialise with other heavy runs (``flock /tmp/bench.lock python benchmarks/bench_select_jobs.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import mmap
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).parent))
from _common import BENCH_DATA, hardlink_copy  # noqa: E402

FOLDER = BENCH_DATA / "model_10000000_384_600_120" / "data"
FILES = {"waveform": "raw.dat", "template_feature": "template_features.npy"}


def drop_file(path: Path) -> None:
    """Ask the kernel to drop the file's unmapped pages from the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def resident_share(path: Path) -> float:
    """Share of the file's pages in the page cache (mincore of a fresh mapping)."""
    import ctypes

    import numpy as np

    size = path.stat().st_size
    n = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    vec = np.zeros(n, dtype=np.uint8)
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)
        try:
            view = np.frombuffer(mm, dtype=np.uint8, count=1)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.mincore(ctypes.c_void_p(int(view.ctypes.data)), ctypes.c_size_t(size),
                         vec.ctypes.data_as(ctypes.c_void_p))
            del view
        finally:
            mm.close()
    return float((vec & 1).mean())


def make_controller(work: Path, old: Any = None, warm_pair: tuple[int, int] | None = None) -> Any:
    """A controller without caches (``old`` closed first, so its mappings go); with
    ``warm_pair``, both jobs run once on that pair, as the GUI's first selection does
    (the spike index, the spike times and the numba kernels are then loaded)."""
    import gc

    from phycore.controller import TemplateController

    if old is not None:
        old.close()
        del old
        gc.collect()
    c = TemplateController(work / "params.py", metrics=False, cache=False, read_only=True)
    if warm_pair is not None:
        for name in JOBS:
            make_job(c, name, warm_pair)()
    return c


class Spinner:
    """Another Python thread counting as fast as it can: its rate during a job over its
    rate alone is the share of a core the job's GIL holding left it."""

    def __init__(self, idle: bool = False) -> None:
        import threading

        self.ticks = 0
        self._stop = idle
        self.rate = float("nan")
        if idle:  # no thread: the job alone
            return
        threading.Thread(target=self._run, daemon=True).start()
        t, n = time.perf_counter(), self.ticks
        time.sleep(0.3)
        self.rate = (self.ticks - n) / (time.perf_counter() - t)

    def _run(self) -> None:
        while not self._stop:
            self.ticks += 1

    def time(self, job: Callable[[], Any]) -> tuple[float, float]:
        """``(ms, other thread's share)`` of one run of ``job``."""
        t, n = time.perf_counter(), self.ticks
        job()
        dt = time.perf_counter() - t
        return dt * 1000, (self.ticks - n) / dt / self.rate


#: Every data job of a selection but the trace view's: name -> (module, view model class).
JOBS = {
    "waveform": ("phygui.viewmodels.waveform", "WaveformModel"),
    "feature": ("phygui.viewmodels.feature", "FeatureModel"),
    "correlogram": ("phygui.viewmodels.correlogram", "CorrelogramModel"),
    "template_feature": ("phygui.viewmodels.template_feature", "TemplateFeatureModel"),
    "amplitude": ("phygui.viewmodels.amplitude", "AmplitudeModel"),
    "isi": ("phygui.viewmodels.histogram", "ISIModel"),
    "firing_rate": ("phygui.viewmodels.histogram", "FiringRateModel"),
}


def _old_filter_kernel() -> Callable[..., Any]:
    """The waveform filter's kernel before session 26 (column by column; same values)."""
    import numpy as np
    from numba import njit

    @njit(nogil=True)
    def lfilter(b, a, x, y, reverse):  # type: ignore[no-untyped-def]
        n_t, n_c = x.shape
        n = b.shape[0]
        state = np.zeros(n)
        for c in range(n_c):
            state[:] = 0.0
            for i in range(n_t):
                t = n_t - 1 - i if reverse else i
                xv = x[t, c]
                yv = b[0] * xv + state[0]
                for k in range(1, n - 1):
                    state[k - 1] = b[k] * xv - a[k] * yv + state[k]
                state[n - 2] = b[n - 1] * xv - a[n - 1] * yv
                y[t, c] = yv

    @njit(nogil=True)
    def filtfilt_2d(b, a, x):  # type: ignore[no-untyped-def]
        y = np.empty_like(x)
        lfilter(b, a, x, y, False)
        z = np.empty_like(x)
        lfilter(b, a, y, z, True)
        return z

    return filtfilt_2d  # type: ignore[no-any-return]


class OldPaths:
    """``with OldPaths(True):`` the jobs run the code paths before session 26 (the same
    values; ``--compare``); ``OldPaths(False)`` changes nothing."""

    def __init__(self, old: bool) -> None:
        self.old = old
        self._saved: list[tuple[Any, str, Any]] = []

    def _patch(self, obj: Any, name: str, value: Any) -> None:
        self._saved.append((obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    def __enter__(self) -> "OldPaths":
        if not self.old:
            return self
        from phycore.controller import _columns
        from phycore.model import _features, filters, waveforms
        from phygui.viewmodels import histogram

        kernel = _OLD.setdefault("filter", _old_filter_kernel())
        self._patch(waveforms, "_highpass_windows", lambda *a: None)
        self._patch(filters, "_get_kernel", lambda: kernel)
        self._patch(_columns, "_FROM_CLUSTERING", False)
        self._patch(_features, "_KEEP", False)
        self._patch(histogram, "_SHARE_TIMES", False)
        for hook in OLD_HOOKS:
            hook(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        while self._saved:
            obj, name, value = self._saved.pop()
            setattr(obj, name, value)


_OLD: dict[str, Any] = {}
#: More ``f(old_paths)`` patches (each calls ``old_paths._patch``), added with the changes.
OLD_HOOKS: list[Callable[[OldPaths], None]] = []


def forget_shared_times() -> None:
    """Empty the spike times the ISI and firing-rate views share (in a selection, the
    first of the two gathers them, the other finds them: ``firing_rate`` run after
    ``isi`` on the same pair is timed that way)."""
    from phygui.viewmodels import histogram

    with histogram._TIMES_LOCK:
        histogram._TIMES = type(histogram._TIMES)(histogram._TIMES.maxsize)


def make_job(controller: Any, name: str, pair: tuple[int, int]) -> Callable[[], Any]:
    """The view's worker job for ``pair``: ``_load()`` then ``compute()`` on a fresh model."""
    import importlib

    module, attr = JOBS[name]
    cls = getattr(importlib.import_module(module), attr)

    def job() -> Any:
        m = cls(controller)
        m.set_selection(list(pair))
        m._load()
        return m.compute()

    return job


def run_pool(controller: Any, jobs: list[str], runs: list[tuple[int, int]], compare: bool) -> int:
    """Each pair's jobs on two worker threads at once, as a selection runs them: the time
    until the last one is done (the jobs' CPU on 2 cores, their GIL contention included)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(2)
    walls: dict[str, list[float]] = {}
    for pair in runs:
        for j in jobs:
            make_job(controller, j, pair)()  # pages cached, kernels loaded
        for variant in (("new", "old") if compare else ("new",)):
            forget_shared_times()
            with OldPaths(variant == "old"):
                t = time.perf_counter()
                for f in [pool.submit(make_job(controller, j, pair)) for j in jobs]:
                    f.result()
                ms = (time.perf_counter() - t) * 1000
            walls.setdefault(variant, []).append(ms)
            print(f"  {variant:4s} pair {pair}: all jobs on 2 workers {ms:7.1f} ms")
    print(f"medians (load {os.getloadavg()[0]:.2f}):")
    for variant, ms in walls.items():
        label = "after" if variant == "new" else "before"
        print(f"  {label:6s} {statistics.median(ms):7.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f}, n {len(ms)})")
    pool.shutdown()
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3, help="passes over the pairs")
    p.add_argument("--cold", action="store_true")
    p.add_argument("--jobs", default="all", help="comma-separated names of JOBS, or all")
    p.add_argument("--profile", default="", help="cProfile this job instead of timing")
    p.add_argument("--fresh", type=int, default=0,
                   help="first reads: each variant reads its own pairs, from the FRESH-th largest cluster on")
    p.add_argument("--switch-interval", type=float, default=0.0,
                   help="sys.setswitchinterval (s) for the run (default: Python's 0.005)")
    p.add_argument("--compare", action="store_true",
                   help="alternate each run with the code paths before session 26 (OldPaths)")
    p.add_argument("--no-spinner", action="store_true", help="no other Python thread during the jobs")
    p.add_argument("--pool", action="store_true",
                   help="time all the jobs of a pair together on 2 worker threads (the GUI's pool), "
                        "the main thread idle; with --compare, alternating with the old paths")
    p.add_argument("--numba-threads", type=int, default=0,
                   help="numba.set_num_threads for the jobs' parallel kernels (default: numba's)")
    args = p.parse_args()
    if args.numba_threads:
        import numba

        numba.set_num_threads(args.numba_threads)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    work = BENCH_DATA / "select_jobs_10M"
    hardlink_copy(FOLDER, work)
    controller = make_controller(work)
    counts = controller.supervisor.clustering.spike_counts
    big = sorted(counts, key=lambda c: -counts[c])[: 2 * args.pairs + 2]
    pairs = [(big[i], big[i + 1]) for i in range(2, len(big) - 1, 2)][: args.pairs]
    print("pairs", [(a, b, counts[a], counts[b]) for a, b in pairs], "load", os.getloadavg()[0])
    jobs = list(JOBS) if args.jobs == "all" else args.jobs.split(",")
    warm_pair = (big[0], big[1])
    if args.profile:
        pair = pairs[0]
        controller = make_controller(work, controller, warm_pair)
        if args.cold and args.profile in FILES:
            drop_file(work / FILES[args.profile])
            print(f"file resident: {resident_share(work / FILES[args.profile]):.1%}")
        else:
            make_job(controller, args.profile, pair)()
        spin = Spinner(idle=args.no_spinner)  # noqa: F841 (competes for the GIL meanwhile)
        prof = cProfile.Profile()
        prof.runcall(make_job(controller, args.profile, pair))
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
        return 0
    if args.pool:
        return run_pool(controller, jobs, pairs * args.repeats, args.compare)
    spin = Spinner(idle=args.no_spinner)
    times: dict[str, list[float]] = {j: [] for j in jobs}
    shares: dict[str, list[float]] = {j: [] for j in jobs}
    if args.fresh:  # pages never read in this run (nor, likely, lately by the host)
        more = sorted(counts, key=lambda c: -counts[c])[args.fresh: args.fresh + 2 * args.pairs]
        runs = [(more[k], more[k + 1]) for k in range(0, len(more) - 1, 2)]
        controller = make_controller(work, controller, warm_pair)
    else:
        runs = pairs * args.repeats
    for pair in runs:
        for j in jobs:
            share = float("nan")
            if args.cold and j in FILES:
                controller = make_controller(work, controller, warm_pair)
                drop_file(work / FILES[j])
                share = resident_share(work / FILES[j])
            elif not args.fresh:
                make_job(controller, j, pair)()  # its pages in the page cache
            for variant in (("new", "old") if args.compare else ("new",)):
                if j == "isi" or (j == "firing_rate" and "isi" not in jobs):
                    forget_shared_times()  # the first of the two views gathers them
                with OldPaths(variant == "old"):
                    ms, other = spin.time(make_job(controller, j, pair))
                key = j if variant == "new" else f"{j} (before)"
                times.setdefault(key, []).append(ms)
                shares.setdefault(key, []).append(other)
                print(f"  {key:17s} pair {pair}: {ms:7.1f} ms, other thread {other:.0%}"
                      + (f"  (file resident before: {share:.1%})" if args.cold else ""))
    kind = "first reads" if args.fresh else "cold" if args.cold else "warm"
    print(f"medians ({kind}; load {os.getloadavg()[0]:.2f}):")
    for j, ms in times.items():
        print(f"  {j:17s} {statistics.median(ms):7.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f}, n {len(ms)}), "
              f"other thread {statistics.median(shares[j]):.0%}")
    for suffix in ("", " (before)"):
        total = sum(statistics.median(times[j + suffix]) for j in jobs if times.get(j + suffix))
        if total:
            print(f"  sum of the medians{suffix}: {total:.1f} ms; the select's floor on 2 cores: {total / 2:.1f} ms")
    return 0

if __name__ == "__main__":
    sys.exit(main())
