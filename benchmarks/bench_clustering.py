"""Clustering benchmark: phycore vs phy's ``phy.cluster.clustering.Clustering``.

On 10,000,000 spikes / 600 clusters (log-normal cluster sizes, sigma=1: the largest
clusters hold ~10-15x the mean, as in real sortings): construction, merge of the two largest clusters, split of 1% of the spikes
(a lasso inside the largest cluster), a split of 1% random spikes (touches every
cluster), then 200 random merges/splits followed by undo and redo of the last one.
Both implementations replay exactly the same sequence and must end in the same state.

    python benchmarks/bench_clustering.py [--n-spikes N] [--n-clusters C] [--n-actions A] [--no-phy]

``--session PARAMS`` times, through a whole session instead
(``TemplateController(params, metrics=False)``), the select of the two largest clusters,
their merge and its undo, the same random 1% split and its undo: the Supervisor's action
alone (table rows, similarity of the new selection, journal, events; no view redraw),
after one warm-up round, over ``--repeat`` rounds (medians), with the fsyncs each made.
``--profile FILE`` writes the cProfile stats of the timed rounds; ``--parts`` times the
parts of the actions (rests, counter file, table rows, journal...) with wrappers.

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
    # phycore sorts its spike index on a worker thread: construction ends when a first
    # lookup no longer waits for it (phy's answers from its own index, built above).
    c.spikes_in_clusters([int(sc[0])])
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


def time_parts() -> dict[str, float]:
    """Wrap the parts of an action with timers; returns ``{part: total seconds}``."""
    import functools

    from phycore.clustering import Clustering, _changes
    from phycore.supervisor.cluster_table import ClusterTables
    from phycore.supervisor.journal import Journal
    from phycore.supervisor.selection import Selection

    totals: dict[str, float] = {}

    def wrap(owner: Any, name: str, label: str) -> None:
        f = getattr(owner, name, None)
        if f is None:  # an older tree (before/after runs): that part is not there
            return

        @functools.wraps(f)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - t0
        setattr(owner, name, timed)

    wrap(_changes, "remove_sorted_fast", "split: rests' index arrays")
    wrap(Clustering, "_save_counter", "id counter file")
    wrap(Clustering, "_commit", "Clustering._commit (relabel, histograms, counter)")
    wrap(ClusterTables, "apply", "table rows")
    wrap(Journal, "append", "journal entry (+ fsync)")
    wrap(Selection, "set", "selection (similarity)")
    return totals


def session(params: str, repeat: int, profile: str | None = None, parts: bool = False) -> None:
    """Select, merge, undo, split of 1% of all spikes drawn at random and its undo,
    through the Supervisor: the action alone (no view redraws), with its fsync count."""
    import os

    from phycore import TemplateController

    fsyncs = [0]
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        fsyncs[0] += 1
        real_fsync(fd)

    os.fsync = counting_fsync  # type: ignore[assignment]
    part_totals = time_parts() if parts else None
    t0 = time.perf_counter()
    c = TemplateController(params, metrics=False)
    print(f"controller: {time.perf_counter() - t0:.2f} s")
    if c.read_only:  # another session holds the folder: no journal, no fsync (not comparable)
        print(f"WARNING: read-only session ({c.read_only_reason})")
    s = c.supervisor
    n = s.clustering.n_spikes
    rnd = np.sort(np.random.default_rng(3).choice(n, n // 100, replace=False))
    before = np.asarray(s.clustering.spike_clusters).copy()
    counts = s.clustering.spike_counts
    big = sorted(counts, key=counts.__getitem__)[-2:]
    times: dict[str, list[float]] = {}
    nsync: dict[str, int] = {}

    def timed(name: str, f: Any, k: int) -> Any:
        n0 = fsyncs[0]
        t0 = time.perf_counter()
        out = f()
        dt = time.perf_counter() - t0
        if k:
            times.setdefault(name, []).append(dt)
            nsync[name] = fsyncs[0] - n0
        return out

    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
    for k in range(repeat + 1):  # the first round loads numba's cached kernels
        if k == 1 and part_totals is not None:
            part_totals.clear()
        if prof is not None and k == 1:
            prof.enable()
        s.select(sorted(counts, key=counts.__getitem__)[-3:-2])  # so that the next select changes it
        timed("select 2 largest", lambda: s.select(big), k)
        timed("merge them", lambda: s.merge(big), k)
        timed("undo merge", s.undo, k)
        up = timed("split 1% random", lambda: s.split(rnd), k)
        timed("undo split", s.undo, k)
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    assert np.array_equal(before, s.clustering.spike_clusters), "undo is not the exact inverse"
    print(f"{n:,} spikes, split of {len(rnd):,} spikes touching {len(up.deleted)} clusters; "
          f"medians of {repeat} (GUI-thread action only, no view redraw):")
    for name, ts in times.items():
        print(f"  {name:<18} {1000 * np.median(ts):7.1f} ms  (min {1000 * min(ts):.1f}, "
              f"max {1000 * max(ts):.1f}), fsyncs {nsync[name]}")
    if part_totals is not None:
        print(f"parts, per round of the five actions (mean of {repeat}):")
        for name, total in part_totals.items():
            print(f"  {name:<42} {1000 * total / repeat:7.1f} ms")
    if c.journal is not None:  # every action was undone: leave no journal for the next run to set aside
        c.journal.discard()
    c.close()
    os.fsync = real_fsync


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--session", metavar="PARAMS", help="time the random 1%% split and undo in a session")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--profile", metavar="FILE", help="with --session: cProfile stats of the timed rounds")
    p.add_argument("--parts", action="store_true", help="with --session: time the parts of the actions")
    p.add_argument("--n-spikes", type=int, default=10_000_000)
    p.add_argument("--n-clusters", type=int, default=600)
    p.add_argument("--n-actions", type=int, default=200)
    p.add_argument("--no-phy", action="store_true")
    add_json_arg(p)
    args = p.parse_args()
    if args.session:
        session(args.session, args.repeat, args.profile, args.parts)
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
