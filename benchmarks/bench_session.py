"""Benchmark: a headless curation session on the 10M-spike, 384-channel folder.

    python benchmarks/bench_session.py [--n-spikes 10000000] [--n-channels 384]

Steps (wall-clock seconds): controller start (quality metrics on a worker thread, as in
the GUI) and the time until those metrics are in the table; first selection of the two biggest
clusters with all view data computed (waveforms, features, amplitudes, correlograms);
the same selection again (warm cache); merge of the two (clustering + table update +
new cluster's row); undo; save (spike_clusters.npy + tsv files, atomic, with backup).
Targets: every interactive step under 0.2 s once warm, save under 2 s.

phy has no headless session; the reference column times the same steps with phy's
own pieces where they exist without Qt: phylib's ``load_model`` + phy's ``Clustering``
(start), phy's ``Clustering.merge`` / ``undo`` and phylib's ``save_spike_clusters``.
Each side runs in a fresh process on a copy of the folder (both write into it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_DATA, bench_dataset, add_dataset_args, hardlink_copy, print_table, run_worker, timed  # noqa: E402

SCRIPT = Path(__file__).resolve()


def _ours(params: str) -> dict[str, float]:
    from phycore import TemplateController

    res: dict[str, float] = {}
    # The GUI's mode: quality metrics on a worker thread, the table usable meanwhile.
    res["start"], c = timed(lambda: TemplateController(params, metrics="background"))
    res["metrics_ready"], _ = timed(c.wait)
    s = c.supervisor
    a, b = s.cluster_table.visible_ids[:2]

    def select() -> Any:
        s.select(a, b)
        for cid in (a, b):
            c.get_waveforms(cid)
            c.get_features(cid)
            c.get_amplitudes(cid)
        return c.get_correlograms([a, b])

    res["select_first"], _ = timed(select)
    res["select_warm"], _ = timed(select)
    res["merge"], up = timed(lambda: s.merge(a, b))
    res["undo"], _ = timed(s.undo)
    res["redo"], _ = timed(s.redo)
    res["save"], _ = timed(c.save)
    res["n_spikes_merged"] = float(s.clustering.spike_counts[up.added[0]])
    return res


def _phy(params: str) -> dict[str, float]:
    from phylib.io.model import load_model

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests._phy_reference import phy_clustering_class

    Clustering = phy_clustering_class()

    res: dict[str, float] = {}
    t0 = time.perf_counter()
    m = load_model(params)
    clustering = Clustering(m.spike_clusters)
    res["start"] = time.perf_counter() - t0
    counts = np.bincount(m.spike_clusters)
    a, b = np.argsort(counts)[::-1][:2]
    res["merge"], _ = timed(lambda: clustering.merge([int(a), int(b)]))
    res["undo"], _ = timed(clustering.undo)
    res["redo"], _ = timed(clustering.redo)
    res["save"], _ = timed(lambda: m.save_spike_clusters(clustering.spike_clusters))
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_dataset_args(ap)
    ap.add_argument("--worker", choices=["ours", "phy"])
    ap.add_argument("--params")
    args = ap.parse_args()
    if args.worker:
        import json

        out = _ours(args.params) if args.worker == "ours" else _phy(args.params)
        print(json.dumps(out))
        return 0

    src = bench_dataset(args)
    results = {}
    for side in ("ours", "phy"):
        work = BENCH_DATA / f"session_{side}"
        shutil.rmtree(work, ignore_errors=True)
        hardlink_copy(src, work)
        results[side] = run_worker(SCRIPT, ["--worker", side, "--params", str(work / "params.py")])
        shutil.rmtree(work, ignore_errors=True)
    ours, phy = results["ours"], results["phy"]
    print(f"\nSession on {args.n_spikes:,} spikes x {args.n_channels} channels "
          f"(merge of the two biggest clusters: {int(ours['n_spikes_merged']):,} spikes)")
    rows = [
        ("start (phy: load_model + Clustering)", phy.get("start"), ours["start"], "s"),
        ("quality metrics ready (background, after start)", None, ours["metrics_ready"], "s"),
        ("select 2 + view data, first", None, ours["select_first"], "s"),
        ("select 2 + view data, warm (< 0.2 s)", None, ours["select_warm"], "s"),
        ("merge + table update (< 0.2 s)", phy.get("merge"), ours["merge"], "s"),
        ("undo (< 0.2 s)", phy.get("undo"), ours["undo"], "s"),
        ("redo (< 0.2 s)", phy.get("redo"), ours["redo"], "s"),
        ("save (< 2 s; phy: spike_clusters only)", phy.get("save"), ours["save"], "s"),
    ]
    print_table(rows, ref="phy", ours="phycore")
    return 0


if __name__ == "__main__":
    sys.exit(main())
