"""Micro-benchmark: PC features of two big clusters' sampled spikes, cold and warm.

Cold = this file's pages dropped from the page cache first (``posix_fadvise(DONTNEED)``,
no root needed). Run: ``.venv/bin/python benchmarks/bench_features.py [params.py] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DATA  # noqa: E402

DEFAULT = BENCH_DATA / "model_10000000_384_600_120" / "data" / "params.py"


def drop_cache(path: Path) -> None:
    """Evict ``path``'s pages from the page cache (advisory; works without root)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("params", nargs="?", default=str(DEFAULT))
    p.add_argument("--repeats", type=int, default=4)
    p.add_argument("--n", type=int, default=2500, help="spikes per cluster (phy's n_spikes_features)")
    args = p.parse_args()
    import phycore.model._features as features
    from phycore.controller._data import even_subset
    from phycore.model import load_model

    model = load_model(args.params)
    pcf = Path(args.params).parent / "pc_features.npy"
    clusters = np.asarray(model.spike_clusters)
    counts = np.bincount(clusters)
    big = np.argsort(counts)[::-1][:4 * args.repeats]
    real = getattr(features, "file_rows")
    # "before": the memmap indexed directly. Pages a mapping holds cannot be evicted, so
    # each variant reads its own pairs (alternating), each time after dropping the cache.
    res: dict[str, tuple[list[float], list[float]]] = {"before": ([], []), "after": ([], [])}
    for i in range(2 * args.repeats):
        name = ("before", "after")[(i + i // 2) % 2]
        setattr(features, "file_rows", real if name == "after" else (lambda a: None))
        pair = big[2 * i:2 * i + 2]
        sel = [even_subset(np.nonzero(clusters == c)[0].astype(np.int64), args.n) for c in pair]
        chans = [model.get_template_channels(int(c))[:4] for c in pair]
        drop_cache(pcf)
        for out in res[name]:
            t0 = time.perf_counter()
            for s, ch in zip(sel, chans):
                model.get_features(s, ch)
            out.append((time.perf_counter() - t0) * 1e3)
    setattr(features, "file_rows", real)
    print(f"features of a pair of big clusters ({args.n} spikes each), ms, median of {args.repeats} pairs:")
    for name, (cold, warm) in res.items():
        print(f"  {name:6s} cold {statistics.median(cold):7.1f} ({' '.join(f'{x:.0f}' for x in cold)})"
              f"   warm {statistics.median(warm):5.1f} ({' '.join(f'{x:.1f}' for x in warm)})")
    with open("/proc/self/status") as f:
        print("  " + " ".join(ln.split(":")[0] + "=" + ln.split()[1] + "kB" for ln in f
                          if ln.startswith(("VmHWM", "RssAnon", "RssFile"))))


if __name__ == "__main__":
    main()
