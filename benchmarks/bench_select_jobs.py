"""The worker jobs of a selection, one at a time: waveform view and template-feature view.

A selection of a pair of big clusters in the GUI runs each data view's job (``_load()``,
then ``compute()``: the picture) on the views' worker pool. This script runs the two
heaviest ones alone, in one process, for the pairs of big clusters ``bench_gui.py
--actions`` selects (the 3rd and 4th largest, 5th and 6th, ...), with the controller's
caches off so each run does the whole work:

- warm: the files' pages already in the page cache;
- ``--cold``: before each run, a fresh controller and ``posix_fadvise(DONTNEED)`` on the
  job's file (``raw.dat`` or ``template_features.npy``); pages that another process maps
  stay cached, so the resident share of the file is printed too.

``--profile NAME`` prints a cProfile of that job (``waveform`` or ``template_feature``)
instead of timings. ``--fresh K`` times first reads instead: the pairs from the K-th
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
        for name in FILES:
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


def make_job(controller: Any, name: str, pair: tuple[int, int]) -> Callable[[], Any]:
    """The view's worker job for ``pair``: ``_load()`` then ``compute()`` on a fresh model."""
    if name == "waveform":
        from phygui.viewmodels.waveform import WaveformModel as cls
    else:
        from phygui.viewmodels.template_feature import TemplateFeatureModel as cls  # type: ignore[assignment]

    def job() -> Any:
        m = cls(controller)
        m.set_selection(list(pair))
        m._load()
        return m.compute()

    return job


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3, help="passes over the pairs")
    p.add_argument("--cold", action="store_true")
    p.add_argument("--jobs", default="waveform,template_feature")
    p.add_argument("--profile", default="", help="cProfile this job instead of timing")
    p.add_argument("--fresh", type=int, default=0,
                   help="first reads: each variant reads its own pairs, from the FRESH-th largest cluster on")
    p.add_argument("--switch-interval", type=float, default=0.0,
                   help="sys.setswitchinterval (s) for the run (default: Python's 0.005)")
    p.add_argument("--compare", action="store_true",
                   help="alternate each run with the layout's numpy overlap test (before session 25)")
    p.add_argument("--no-spinner", action="store_true", help="no other Python thread during the jobs")
    args = p.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    work = BENCH_DATA / "select_jobs_10M"
    hardlink_copy(FOLDER, work)
    controller = make_controller(work)
    counts = controller.supervisor.clustering.spike_counts
    big = sorted(counts, key=lambda c: -counts[c])[: 2 * args.pairs + 2]
    pairs = [(big[i], big[i + 1]) for i in range(2, len(big) - 1, 2)][: args.pairs]
    print("pairs", [(a, b, counts[a], counts[b]) for a, b in pairs], "load", os.getloadavg()[0])
    jobs = args.jobs.split(",")
    warm_pair = (big[0], big[1])
    if args.profile:
        pair = pairs[0]
        controller = make_controller(work, controller, warm_pair)
        if args.cold:
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
    from phygui.viewmodels import box_layout

    real_ready = box_layout.kernels_ready
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
            if args.cold:
                controller = make_controller(work, controller, warm_pair)
                drop_file(work / FILES[j])
                share = resident_share(work / FILES[j])
            elif not args.fresh:
                make_job(controller, j, pair)()  # its pages in the page cache
            for variant in (("new", "old") if args.compare else ("new",)):
                box_layout.kernels_ready = real_ready if variant == "new" else (lambda: False)
                ms, other = spin.time(make_job(controller, j, pair))
                key = j if variant == "new" else f"{j} (before)"
                times.setdefault(key, []).append(ms)
                shares.setdefault(key, []).append(other)
                print(f"  {key:17s} pair {pair}: {ms:7.1f} ms, other thread {other:.0%}"
                      + (f"  (file resident before: {share:.1%})" if args.cold else ""))
            box_layout.kernels_ready = real_ready
    kind = "first reads" if args.fresh else "cold" if args.cold else "warm"
    print(f"medians ({kind}; load {os.getloadavg()[0]:.2f}):")
    for j, ms in times.items():
        print(f"  {j:17s} {statistics.median(ms):7.1f} ms  (min {min(ms):.1f}, max {max(ms):.1f}, n {len(ms)}), "
              f"other thread {statistics.median(shares[j]):.0%}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
