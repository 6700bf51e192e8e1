"""Clustering benchmark: phycore vs phy's ``phy.cluster.clustering.Clustering``.

On 10,000,000 spikes / 600 clusters (log-normal cluster sizes, sigma=1: the largest
clusters hold ~10-15x the mean, as in real sortings): construction, merge of the two largest clusters, split of 1% of the spikes
(a lasso inside the largest cluster), a split of 1% random spikes (touches every
cluster), then 200 random merges/splits followed by undo and redo of the last one.
Both implementations replay exactly the same sequence and must end in the same state.

    python benchmarks/bench_clustering.py [--n-spikes N] [--n-clusters C] [--n-actions A] [--no-phy]

``--session PARAMS`` times the same random 1% split and its undo through a whole session
instead (``TemplateController(params, metrics=False)``: the Supervisor's split/undo with
the table rows, the similarity of the new selection, the journal and the events), after
one warm-up pair, over ``--repeat`` pairs (medians).

    python benchmarks/bench_clustering.py --session .bench-data/model_10000000_384_600_120/data/params.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import add_json_arg, print_table, write_json  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests._phy_reference import phy_clustering_class  # noqa: E402

from phycore.clustering import Clustering  # noqa: E402


def make_spike_clusters(n_spikes: int, n_clusters: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 1.0, n_clusters)  # max cluster ~10-15x the mean size
    weights /= weights.sum()
    ids = np.sort(rng.choice(3 * n_clusters, n_clusters, replace=False))
    return ids[rng.choice(n_clusters, n_spikes, p=weights)].astype(np.int64)


def make_actions(c: Clustering, n: int, seed: int = 1) -> list[tuple[str, Any]]:
    """Draw a random action sequence by running it on a phycore Clustering."""
    rng = np.random.default_rng(seed)
    actions: list[tuple[str, Any]] = []
    for _ in range(n):
        ids = c.cluster_ids
        if rng.random() < 0.5 and len(ids) > 2:
            action = ("merge", sorted(rng.choice(ids, 2, replace=False).tolist()))
            c.merge(action[1])
        else:
            cid = int(rng.choice(ids))
            members = c.spikes_per_cluster[cid]
            k = max(1, len(members) // 3)
            action = ("split", np.sort(rng.choice(members, k, replace=False)))
            c.split(action[1])
        actions.append(action)
    return actions


def run(impl: Any, sc: np.ndarray, actions: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    c = impl(sc.copy())
    out["construction"] = time.perf_counter() - t0
    counts = np.bincount(c.spike_clusters)
    largest = np.argsort(counts)[::-1][:2].tolist()
    t0 = time.perf_counter()
    up = c.merge(largest)
    out["merge of the two largest"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.undo()
    out["undo of that merge"] = time.perf_counter() - t0
    c.redo()  # the state the rest of the sequence starts from
    n = len(sc)
    big = np.flatnonzero(c.spike_clusters == up.added[0])[: n // 100]
    t0 = time.perf_counter()
    c.split(big)
    out["split 1% (lasso in a cluster)"] = time.perf_counter() - t0
    rnd = np.sort(np.random.default_rng(3).choice(n, n // 100, replace=False))
    t0 = time.perf_counter()
    c.split(rnd)
    out["split 1% random (every cluster)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.undo()
    out["undo of that split"] = time.perf_counter() - t0
    c.redo()
    times = []
    for kind, arg in actions:
        t0 = time.perf_counter()
        if kind == "merge":
            c.merge(arg)
        else:
            c.split(arg)
        times.append(time.perf_counter() - t0)
    out[f"{len(actions)} random actions (total)"] = sum(times)
    out["slowest random action"] = max(times)
    t0 = time.perf_counter()
    c.undo()
    out["undo after history"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    c.redo()
    out["redo after history"] = time.perf_counter() - t0
    out["final"] = np.asarray(c.spike_clusters).copy()
    return out


def session(params: str, repeat: int) -> None:
    """Split of 1% of all spikes drawn at random, then undo, through the Supervisor."""
    from phycore import TemplateController

    t0 = time.perf_counter()
    c = TemplateController(params, metrics=False)
    print(f"controller: {time.perf_counter() - t0:.2f} s")
    s = c.supervisor
    n = s.clustering.n_spikes
    rnd = np.sort(np.random.default_rng(3).choice(n, n // 100, replace=False))
    before = np.asarray(s.clustering.spike_clusters).copy()
    splits, undos = [], []
    for k in range(repeat + 1):  # the first pair loads numba's cached kernels
        t0 = time.perf_counter()
        up = s.split(rnd)
        t1 = time.perf_counter()
        s.undo()
        t2 = time.perf_counter()
        if k:
            splits.append(t1 - t0)
            undos.append(t2 - t1)
    assert np.array_equal(before, s.clustering.spike_clusters), "undo is not the exact inverse"
    print(f"{n:,} spikes, split of {len(rnd):,} spikes touching {len(up.deleted)} clusters "
          f"(medians of {repeat}): split {1000 * np.median(splits):.1f} ms, undo {1000 * np.median(undos):.1f} ms")
    c.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--session", metavar="PARAMS", help="time the random 1%% split and undo in a session")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--n-spikes", type=int, default=10_000_000)
    p.add_argument("--n-clusters", type=int, default=600)
    p.add_argument("--n-actions", type=int, default=200)
    p.add_argument("--no-phy", action="store_true")
    add_json_arg(p)
    args = p.parse_args()
    if args.session:
        session(args.session, args.repeat)
        return

    sc = make_spike_clusters(args.n_spikes, args.n_clusters)
    sizes = np.sort(np.bincount(sc))[::-1]
    print(f"{args.n_spikes:,} spikes, {len(np.unique(sc))} clusters (largest: {sizes[:3].tolist()}, "
          f"median {int(np.median(sizes[sizes > 0]))}), {args.n_actions} random actions")
    # The random sequence starts from the state after the three fixed actions.
    prep = Clustering(sc)
    counts = np.bincount(sc)
    up = prep.merge(np.argsort(counts)[::-1][:2].tolist())
    prep.split(prep.spikes_per_cluster[up.added[0]][: args.n_spikes // 100])
    prep.split(np.sort(np.random.default_rng(3).choice(args.n_spikes, args.n_spikes // 100, replace=False)))
    actions = make_actions(prep, args.n_actions)
    del prep

    ours = run(Clustering, sc, actions)
    PhyClustering = None if args.no_phy else phy_clustering_class()
    theirs = run(PhyClustering, sc, actions) if PhyClustering is not None else None
    if theirs is not None:
        same = np.array_equal(ours["final"], theirs["final"])
        print(f"same final spike_clusters as phy: {same}")
        if not same:
            raise SystemExit("phycore and phy disagree")
    rows = []
    for key, value in ours.items():
        if key == "final":
            continue
        ref = None if theirs is None else theirs[key] * 1000
        rows.append((key, ref, value * 1000, "ms"))
    print_table(rows, "phy 2.1", "phycore")
    write_json(args.json, {"n_spikes": args.n_spikes, "unit": "s",
                           "ours": {k: v for k, v in ours.items() if k != "final"},
                           "phy": None if theirs is None else {k: v for k, v in theirs.items() if k != "final"}})


if __name__ == "__main__":
    main()
