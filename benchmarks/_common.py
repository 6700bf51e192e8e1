"""Helpers shared by the benchmarks: timing, peak memory, subprocess workers, tables."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
BENCH_DATA = ROOT / ".bench-data"


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def anon_rss_mb() -> float:
    """Current anonymous (private, non file-backed) resident memory in MB (Linux).

    Memory-mapped files count in RSS once their pages are touched, but those pages are
    clean page cache the kernel can drop; RssAnon is the memory a program really holds.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover
        pass
    return float("nan")


class AnonPeak:
    """Peak of :func:`anon_rss_mb`, sampled every ``interval`` s by a daemon thread and on
    every explicit :meth:`sample` call (catches transient temporaries inside calls)."""

    def __init__(self, interval: float = 0.005) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, anon_rss_mb())

    def sample(self) -> float:
        self.peak = max(self.peak, anon_rss_mb())
        return self.peak

    def stop(self) -> None:
        self._stop.set()


def current_rss_mb() -> float:
    """Current resident set size in MB."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        return float("nan")


def timed(f: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls (seconds) and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_worker(script: Path, args: list[str], timeout: float = 3600) -> dict[str, Any]:
    """Run ``script --worker ...`` in a fresh interpreter; parse the JSON it prints last."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def warm_page_cache(folder: Path, names: list[str] | None = None) -> None:
    """Read files once so that both implementations are measured with a warm page cache."""
    for p in sorted(folder.iterdir()):
        if p.is_file() and (names is None or p.name in names):
            with p.open("rb") as f:
                while f.read(1 << 24):
                    pass


def hardlink_copy(src: Path, dst: Path) -> None:
    """Hard-link every file of ``src`` into a fresh ``dst`` (phylib writes into its folder)."""
    if dst.exists():
        import shutil

        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.is_file():
            if p.suffix in (".py", ".tsv"):
                (dst / p.name).write_bytes(p.read_bytes())
            else:
                os.link(p, dst / p.name)


def print_table(rows: list[tuple[str, float | None, float | None, str]], ref: str, ours: str) -> None:
    """Print ``(label, reference value, our value, unit)`` rows with ratios ref/ours."""
    w = max(len(r[0]) for r in rows) + 2
    print(f"{'':<{w}}{ref:>14}{ours:>14}{'ratio':>10}")
    for label, a, b, unit in rows:
        fa = "n/a" if a is None else f"{a:.4g} {unit}"
        fb = "n/a" if b is None else f"{b:.4g} {unit}"
        ratio = "" if a is None or b is None or b == 0 else f"{a / b:.1f}x"
        print(f"{label:<{w}}{fa:>14}{fb:>14}{ratio:>10}")


def bench_dataset(args: Any) -> Path:
    """The cached synthetic folder for ``args.n_spikes/n_channels/n_templates/duration``."""
    name = f"model_{args.n_spikes}_{args.n_channels}_{args.n_templates}_{int(args.duration)}"
    d = BENCH_DATA / name / "data"
    if not (d / ".complete").exists():
        from phycore.model.synthetic import make_dataset

        print(f"Generating {d} (once) ...", flush=True)
        t0 = time.perf_counter()
        last = [0.0]

        def progress(step: str, frac: float) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"  {step}: {frac:.0%}", flush=True)

        make_dataset(d, n_spikes=args.n_spikes, n_channels=args.n_channels,
                     n_templates=args.n_templates, duration=args.duration, raw=True, seed=0,
                     progress=progress)
        (d / ".complete").write_text("ok")
        print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    return d


def add_dataset_args(ap: Any) -> None:
    """The arguments naming the synthetic benchmark folder (10M spikes x 384 channels by default)."""
    ap.add_argument("--n-spikes", type=int, default=10_000_000)
    ap.add_argument("--n-channels", type=int, default=384)
    ap.add_argument("--n-templates", type=int, default=600)
    ap.add_argument("--duration", type=float, default=120.0)


def add_json_arg(ap: Any) -> None:
    """``--json PATH``: also write the script's results as JSON (read by ``summary.py``)."""
    ap.add_argument("--json", type=Path, default=None, metavar="PATH",
                    help="also write the results as JSON to PATH (benchmarks/summary.py reads it)")


def write_json(path: Path | None, data: Any) -> None:
    """Write ``data`` to ``path`` as JSON (numpy scalars as numbers); nothing if ``path`` is None."""
    if path is None:
        return

    def default(o: Any) -> Any:
        if hasattr(o, "tolist"):
            return o.tolist()
        return str(o)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=default))
