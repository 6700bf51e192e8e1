"""Curate a folder from a script: label noise by metric thresholds, merge similar pairs, save.

Usage::

    python examples/batch_curation.py path/to/params.py [--min-amp 20]
        [--max-isi-violation 0.5] [--min-presence-ratio 0.9] [--merge-above 0.95]
        [--dry-run]

1. Opens the folder with :class:`phycore.TemplateController` (model, Supervisor, cluster
   table with the quality-metric columns).
2. Moves to ``noise`` every cluster that fails one of the given thresholds. The rule is
   written in the cluster table's filter language (the GUI's filter box), e.g.
   ``(amp < 20 or presence_ratio < 0.9) and group != 'noise'``; a cluster whose metric
   is unknown is never matched.
3. Merges, greedily from the most similar pair down, every pair of clusters (noise
   excluded) whose template similarity is at least ``--merge-above``.
4. Saves phy's files (``spike_clusters.npy``, ``cluster_group.tsv``, ``cluster_info.tsv``),
   atomically, the previous versions kept in ``.phy/backup/``. ``--dry-run`` saves nothing.

Every step prints what it did, with the cluster ids of the session, so the output is a
record of the curation; the files it replaced stay in ``.phy/backup/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from phycore import Supervisor, TemplateController
from phycore.errors import PhyCoreError


def noise_rule(min_amp: float | None, max_isi_violation: float | None,
               min_presence_ratio: float | None) -> str | None:
    """The filter expression matching clusters to label noise (None: no threshold given).

    Parameters
    ----------
    min_amp, max_isi_violation, min_presence_ratio : float or None
        Thresholds on the ``amp``, ``isi_violation_ratio`` and ``presence_ratio`` columns.

    Returns
    -------
    str or None
        e.g. ``"(amp < 20.0 or presence_ratio < 0.9) and group != 'noise'"``.
    """
    tests = []
    if min_amp is not None:
        tests.append(f"amp < {min_amp!r}")
    if max_isi_violation is not None:
        tests.append(f"isi_violation_ratio > {max_isi_violation!r}")
    if min_presence_ratio is not None:
        tests.append(f"presence_ratio < {min_presence_ratio!r}")
    if not tests:
        return None
    return f"({' or '.join(tests)}) and group != 'noise'"


def label_noise(supervisor: Supervisor, rule: str) -> list[int]:
    """Move the clusters matched by ``rule`` to the noise group; returns their ids."""
    ids = sorted(supervisor.filter(rule))
    supervisor.clear_filter()
    if ids:
        supervisor.move("noise", ids)
    return ids


def similar_pairs(supervisor: Supervisor, threshold: float) -> list[tuple[float, int, int]]:
    """Pairs ``(similarity, a, b)`` with ``a < b``, neither noise, most similar first."""
    groups = supervisor.get_labels("group")
    candidates = {c for c in supervisor.cluster_table.ids if groups.get(c) != "noise"}
    assert supervisor.similarity is not None  # a TemplateController always sets one
    best: dict[tuple[int, int], float] = {}
    for a in sorted(candidates):
        for b, score in supervisor.similarity(a):
            b = int(b)
            if b != a and b in candidates and score >= threshold:
                key = (min(a, b), max(a, b))
                best[key] = max(best.get(key, float(score)), float(score))
    return sorted(((s, a, b) for (a, b), s in best.items()), key=lambda p: (-p[0], p[1], p[2]))


def merge_pairs(supervisor: Supervisor, pairs: Sequence[tuple[float, int, int]]) -> list[tuple[int, int, int, float]]:
    """Merge the pairs in order, following earlier merges; returns ``(a, b, new, similarity)``.

    ``a`` and ``b`` are the ids merged at that step: when a cluster of the pair was
    already merged into another, its current cluster is merged instead, and a pair
    whose two clusters already ended up together is skipped.
    """
    current: dict[int, int] = {}

    def now(c: int) -> int:
        while c in current:
            c = current[c]
        return c

    done = []
    for score, a, b in pairs:
        ca, cb = now(a), now(b)
        if ca == cb:
            continue
        new = int(supervisor.merge(ca, cb).added[0])
        current[ca] = current[cb] = new
        done.append((ca, cb, new, score))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("params", type=Path, help="the folder's params.py (or the folder)")
    parser.add_argument("--min-amp", type=float, default=None,
                        help="label noise the clusters whose template amplitude `amp` is below this")
    parser.add_argument("--max-isi-violation", type=float, default=None,
                        help="label noise the clusters whose isi_violation_ratio is above this")
    parser.add_argument("--min-presence-ratio", type=float, default=None,
                        help="label noise the clusters whose presence_ratio is below this")
    parser.add_argument("--merge-above", type=float, default=None,
                        help="merge cluster pairs whose template similarity is at least this (0..1)")
    parser.add_argument("--dry-run", action="store_true", help="do everything but save")
    args = parser.parse_args(argv)
    if args.merge_above is not None and not 0 < args.merge_above <= 1:
        parser.error(f"--merge-above must be in (0, 1], got {args.merge_above}")

    try:
        controller = TemplateController(args.params)
    except PhyCoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    s = controller.supervisor
    try:
        print(f"loaded {args.params}: {len(s.cluster_table.ids)} clusters, {controller.model.n_spikes} spikes")
        rule = noise_rule(args.min_amp, args.max_isi_violation, args.min_presence_ratio)
        if rule is not None:
            print(f"noise rule: {rule}")
            ids = label_noise(s, rule)
            print(f"labelled noise: {', '.join(map(str, ids)) or 'none'}")
        if args.merge_above is not None:
            merges = merge_pairs(s, similar_pairs(s, args.merge_above))
            for a, b, new, score in merges:
                print(f"merged {a} + {b} -> {new} (similarity {score:.3f})")
            print(f"merges: {len(merges)}")
        if args.dry_run:
            print("dry run: nothing saved")
        elif s.is_dirty():
            written = controller.save()
            print(f"saved {len(written)} files: {', '.join(Path(p).name for p in written)}")
        else:
            print("nothing to save")
    finally:
        controller.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
