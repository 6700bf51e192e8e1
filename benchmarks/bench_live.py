"""Live-session benchmark: spikes appended to a session that already holds millions.

A simulated acquisition (:class:`phycore.model.stream.SpikeStream`, 384 channels, 600
templates) fills an in-memory session with ``--n-spikes`` spikes (default 10,000,000),
then batches arrive as a 20k spikes/s source delivers them every frame (20 ms: ~400
spikes). Measured, each on the same data:

- **one frame's batch**: ``controller.append_spikes`` + ``controller.apply_pending()``
  (model, clustering, touched table rows, ``spikes_added``), median and p90 over
  ``--batches``;
- **one second's batch** (20,000 spikes at once: a GUI that stalled for a second);
- **the live metric refresh**: the quality metrics of every cluster that received spikes,
  recomputed at once (``controller.refresh_metrics()``), and as ``poll()`` does it every
  2 s in a live session: a round spread over polls of ``live_metrics_budget`` (10 ms) each
  (the longest poll of the round is reported);
- **sustained rate**: spikes per second applied when a thread pushes 10 s of recording
  (200,000 spikes) as fast as it can while the owner thread polls.

The reference is what phy must do to take the same batch: phy's ``Clustering`` has no
append, so the only way to add spikes is to build it again on the longer
``spike_clusters`` (its cost grows with the recording, ours with the batch).

    python benchmarks/bench_live.py [--n-spikes N] [--batches B] [--no-phy]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests._phy_reference import phy_clustering_class  # noqa: E402

from phycore import signals  # noqa: E402
from phycore.controller import TemplateController  # noqa: E402
from phycore.model.stream import SpikeStream  # noqa: E402

RATE = 20_000.0
FRAME = 0.02  # seconds of recording per GUI frame at 50 frames/s


def _p90(xs: list[float]) -> float:
    return float(np.percentile(xs, 90))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-spikes", type=int, default=10_000_000, help="spikes already in the session")
    ap.add_argument("--n-channels", type=int, default=384)
    ap.add_argument("--n-templates", type=int, default=600)
    ap.add_argument("--batches", type=int, default=100, help="frame batches timed")
    ap.add_argument("--no-phy", action="store_true", help="skip phy's reference")
    args = ap.parse_args(argv)
    signals.set_raise_errors(True)

    t = time.perf_counter()
    stream = SpikeStream(n_channels=args.n_channels, n_templates=args.n_templates, rate=RATE, seed=0)
    model = stream.model(duration=args.n_spikes / RATE)
    controller = TemplateController(model=model, metrics=True)
    print(f"session of {model.n_spikes:,} spikes, {args.n_channels} channels, {args.n_templates} templates "
          f"built in {time.perf_counter() - t:.1f} s")

    frame_ms, n_frame = [], []
    for _ in range(args.batches):
        batch = stream.next_batch(stream.position + FRAME)
        t = time.perf_counter()
        controller.append_spikes(*batch)
        controller.apply_pending()  # poll() without its metric rounds (timed below)
        frame_ms.append((time.perf_counter() - t) * 1000)
        n_frame.append(len(batch[0]))

    second_ms = []
    for _ in range(3):
        batch = stream.next_batch(stream.position + 1.0)
        t = time.perf_counter()
        controller.append_spikes(*batch)
        controller.apply_pending()
        second_ms.append((time.perf_counter() - t) * 1000)

    t = time.perf_counter()
    refreshed = controller.refresh_metrics()
    refresh_ms = (time.perf_counter() - t) * 1000

    # The same refresh as poll() does it in a live GUI: a round at live_metrics_budget per poll.
    controller.append_spikes(*stream.next_batch(stream.position + 1.0))
    controller.apply_pending()
    controller.live_metrics_interval = 0.0
    round_ms = []
    while True:
        t = time.perf_counter()
        controller.poll()
        round_ms.append((time.perf_counter() - t) * 1000)
        if not controller.quality.refreshing:
            break
    controller.live_metrics_interval = type(controller).live_metrics_interval

    sc = np.asarray(controller.supervisor.clustering.spike_clusters, dtype=np.int64)
    phy_frame = phy_second = None
    Clustering = None if args.no_phy else phy_clustering_class()
    if Clustering is not None:
        frame_sc = np.concatenate([sc, sc[-int(np.median(n_frame)):]])
        times = []
        for _ in range(3):
            t = time.perf_counter()
            Clustering(frame_sc)
            times.append((time.perf_counter() - t) * 1000)
        phy_frame = min(times)
        phy_second = phy_frame  # the rebuild costs the same whatever the batch size

    # Sustained: a thread pushes 10 s of recording in 20 ms batches, back to back, while
    # this thread polls; timed until every spike is applied.
    def push() -> None:
        end = stream.position + 10.0
        while stream.position < end:
            controller.append_spikes(*stream.next_batch(stream.position + FRAME))

    n0, t = model.n_spikes, time.perf_counter()
    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    while thread.is_alive():
        controller.poll()
    thread.join()
    controller.apply_pending()
    sustained = (model.n_spikes - n0) / (time.perf_counter() - t)

    print(f"\n{model.n_spikes:,} spikes at the end; {len(refreshed)} clusters' metrics refreshed")
    print_table([
        (f"one frame's batch (~{int(np.median(n_frame))} spikes), median", phy_frame,
         statistics.median(frame_ms), "ms"),
        ("one frame's batch, p90", phy_frame, _p90(frame_ms), "ms"),
        ("one second's batch (20,000 spikes)", phy_second, statistics.median(second_ms), "ms"),
        ("metric refresh of the clusters that grew, at once", None, refresh_ms, "ms"),
        (f"... as a live round: longest of its {len(round_ms)} polls", None, max(round_ms), "ms"),
    ], "phy (rebuild)", "phycore")
    print(f"sustained: {sustained:,.0f} spikes/s applied (a thread pushing as fast as it can, this thread polling)")
    controller.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
