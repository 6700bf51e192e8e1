"""Benchmark: phycore's TemplateModel vs phylib 2.7.1's on a large synthetic folder.

    python benchmarks/bench_model.py [--n-spikes 10000000] [--n-channels 384]
        [--n-templates 600] [--duration 120] [--target-cluster-size 200000]

The folder (generated once by ``phycore.model.synthetic.make_dataset`` and cached in
``.bench-data/``) holds ``n_spikes`` spikes over ``duration`` seconds with int16 raw data
for the whole duration (384 channels × 120 s ≈ 2.8 GB), dense templates, 32-channel
sparse PC features (3 PCs) and template features; ``spike_clusters.npy`` has one merge,
as a curated folder does. Each side runs in a fresh interpreter (fair peak RSS) with a
warm page cache; phylib loads a hard-linked copy because it writes into its folder.
Times are wall-clock seconds; "warm" = best of 3 after a first call.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (AnonPeak, bench_dataset, add_dataset_args, add_json_arg, anon_rss_mb,  # noqa: E402
                     current_rss_mb, hardlink_copy, peak_rss_mb, print_table, run_worker, timed,
                     warm_page_cache, write_json)

SCRIPT = Path(__file__).resolve()


def _worker(side: str, params: str, cluster_id: int) -> dict[str, float]:
    res: dict[str, float] = {}
    anon = AnonPeak()
    t0 = time.perf_counter()
    if side == "ours":
        from phycore.model import load_model
    else:
        from phylib.io.array import SpikeSelector
        from phylib.io.model import load_model
    res["import"] = time.perf_counter() - t0
    res["load"], m = timed(lambda: load_model(params))
    res["rss_load"] = current_rss_mb()
    res["anon_load"] = anon_rss_mb()
    res["anon_peak_load"] = anon.sample()
    c = cluster_id

    res["channels_first"], ch = timed(lambda: m.get_cluster_channels(c))
    res["channels"], ch = timed(lambda: m.get_cluster_channels(c), 3)
    anon.sample()
    ch = np.asarray(ch)

    if side == "ours":
        res["all_channels"], _ = timed(lambda: m.clusters_channels)
    else:  # what phy's cluster table computes for its `ch` column, one cluster at a time
        res["all_channels"], _ = timed(
            lambda: [m.get_cluster_channels(k)[0] for k in m.cluster_ids])
    anon.sample()

    spikes = m.get_cluster_spikes(c)
    res["n_cluster_spikes"] = len(spikes)
    sel10k = spikes[np.linspace(0, len(spikes) - 1, min(10_000, len(spikes))).astype(np.int64)]
    res["features_first"], f = timed(lambda: m.get_features(sel10k, ch[:4]))
    res["features"], f = timed(lambda: m.get_features(sel10k, ch[:4]), 3)
    anon.sample()

    if side == "ours":
        def wf100():  # type: ignore[no-untyped-def]
            return m.get_cluster_spike_waveforms(c, 100)
    else:
        def wf100():  # type: ignore[no-untyped-def]
            # What phy's WaveformView does: SpikeSelector over 20 chunks, then get_waveforms.
            sp = m.get_cluster_spikes(c)
            sel = SpikeSelector(get_spikes_per_cluster=lambda _: sp, spike_times=m.spike_samples,
                                chunk_bounds=m.traces.chunk_bounds, n_chunks_kept=20)
            ids = sel(100, [c], subset_chunks=True)
            return m.get_waveforms(ids, m.get_cluster_channels(c))
    res["wf100_first"], w = timed(wf100)
    res["wf100"], w = timed(wf100, 3)
    anon.sample()
    res["wf10k"], w = timed(lambda: m.get_waveforms(sel10k, ch), 2)
    anon.sample()
    res["peak_before_all"] = peak_rss_mb()
    res["anon_before_all"] = anon.sample()
    if side == "ours":
        res["wf_all"], w = timed(lambda: m.get_cluster_spike_waveforms(c, -1))
    else:
        res["wf_all"], w = timed(lambda: m.get_cluster_spike_waveforms(c))
    res["wf_all_shape0"] = int(w.shape[0])
    res["anon_end"] = anon.sample()
    anon.stop()
    res["peak_end"] = peak_rss_mb()
    del m, w
    # Warm: two more loads, last (they would add to the memory figures above).
    res["load_warm"], _ = timed(lambda: load_model(params), 2)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataset_args(ap)
    ap.add_argument("--target-cluster-size", type=int, default=200_000)
    ap.add_argument("--skip-phylib", action="store_true")
    ap.add_argument("--worker", choices=["ours", "phylib"])
    ap.add_argument("--params")
    ap.add_argument("--cluster", type=int)
    add_json_arg(ap)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.params, args.cluster)))
        return 0

    d = bench_dataset(args)
    sc = np.load(d / "spike_clusters.npy", mmap_mode="r")
    counts = np.bincount(np.asarray(sc))
    cluster = int(np.argmin(np.abs(counts - args.target_cluster_size)))
    ref_dir = d.parent / "phylib_copy"
    hardlink_copy(d, ref_dir)
    print(f"Folder {d}: {args.n_spikes:,} spikes, {args.n_channels} channels, "
          f"{args.n_templates} templates, {args.duration:g} s raw; cluster {cluster} has "
          f"{counts[cluster]:,} spikes.", flush=True)
    ref = None
    if not args.skip_phylib:
        warm_page_cache(d)
        ref = run_worker(SCRIPT, ["--worker", "phylib", "--params", str(ref_dir / "params.py"),
                                  "--cluster", str(cluster)])
    warm_page_cache(d)  # same state for both sides (the two folders share their inodes)
    ours = run_worker(SCRIPT, ["--worker", "ours", "--params", str(d / "params.py"),
                               "--cluster", str(cluster)])
    g = (lambda k: None) if ref is None else ref.get
    n_all = int(ours["wf_all_shape0"])
    rows = [
        ("import (s)", g("import"), ours["import"], "s"),
        ("load_model (s)", g("load"), ours["load"], "s"),
        ("load_model, warm: best of 2 more calls (s)", g("load_warm"), ours["load_warm"], "s"),
        ("RSS after load (MB)", g("rss_load"), ours["rss_load"], "MB"),
        ("anonymous memory after load (MB)", g("anon_load"), ours["anon_load"], "MB"),
        ("peak anonymous memory during load (MB)", g("anon_peak_load"), ours["anon_peak_load"], "MB"),
        ("get_cluster_channels, first (s)", g("channels_first"), ours["channels_first"], "s"),
        ("get_cluster_channels, warm (s)", g("channels"), ours["channels"], "s"),
        ("best channel of every cluster (first call) (s)", g("all_channels"), ours["all_channels"], "s"),
        ("features 10k spikes × 4 ch, first (s)", g("features_first"), ours["features_first"], "s"),
        ("features 10k spikes × 4 ch, warm (s)", g("features"), ours["features"], "s"),
        ("waveforms, 100 spikes (GUI path), first (s)", g("wf100_first"), ours["wf100_first"], "s"),
        ("waveforms, 100 spikes (GUI path), warm (s)", g("wf100"), ours["wf100"], "s"),
        ("get_waveforms 10k spikes × 12 ch (s)", g("wf10k"), ours["wf10k"], "s"),
        ("peak anon. memory before all-spike extraction (MB)", g("anon_before_all"),
         ours["anon_before_all"], "MB"),
        ("peak RSS incl. mapped file pages, same point (MB)", g("peak_before_all"),
         ours["peak_before_all"], "MB"),
        (f"get_cluster_spike_waveforms, all {n_all:,} spikes (s)", g("wf_all"), ours["wf_all"], "s"),
        ("peak anon. memory at end (MB)", g("anon_end"), ours["anon_end"], "MB"),
        ("peak RSS incl. mapped file pages, end (MB)", g("peak_end"), ours["peak_end"], "MB"),
    ]
    print()
    print_table(rows, "phylib 2.7.1", "phycore")
    print("\nratio = phylib / phycore (higher is better for phycore). 'first' calls include "
          "one-time costs (phycore: numba import + cached-kernel load; template NaN scan).\n"
          "Anonymous memory (RssAnon) is sampled every 5 ms; RSS also counts the clean, "
          "droppable page-cache pages of memory-mapped files that were touched.")
    (d.parent / "last_results.json").write_text(json.dumps({"ours": ours, "phylib": ref}, indent=1))
    write_json(args.json, {"folder": str(d), "ours": ours, "phylib": ref})
    return 0


if __name__ == "__main__":
    sys.exit(main())
