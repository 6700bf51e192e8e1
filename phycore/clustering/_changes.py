"""The recorded form of a clustering action, and how an assignment becomes one (private)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.clustering import _spike_index as si
from phycore.clustering._relabel import remove_sorted_fast, remove_sorted_many
from phycore.clustering.update_info import UpdateInfo

__all__ = ["Change", "Fill", "assign_change", "renames_most"]

#: A change touching clusters of at least this many spikes in all computes their rests
#: with the numba kernel, small clusters included (see ``remove_sorted_fast``).
_JIT_SPIKES = 1_000_000

Int64Array = npt.NDArray[np.int64]


#: A split whose rests are written on a worker (see :func:`assign_change`) still writes
#: this many of them at once, those of its smallest ids: selecting the new clusters shows
#: the first ones (the views draw up to 20), and their data need not wait for the others.
FIRST_RESTS = 24


@attrs.define(eq=False)
class Fill:
    """Arrays in a change that are allocated but not written: ``write()`` writes those of
    ``cluster_ids`` (from immutable arrays: at any time, on any thread)."""

    cluster_ids: list[int]
    write: Callable[[], None]


@attrs.define(eq=False)
class Change:
    """One action: the clusters it removed and created, with their spikes, its UpdateInfo,
    and the answers to ``request_undo_state`` (given back by its undo).

    A split also records ``rest`` (``{new id: parent}``: the rest of each split cluster)
    and ``moved`` (the moved spikes, sorted, with their old and new cluster), so that
    applying it or its undo rewrites the rest of each cluster by id, in one pass, and
    only the moved spikes one by one. ``fill``, when set, writes the contents of rests'
    arrays that are allocated but not yet written (see :func:`assign_change`).
    """

    before: dict[int, Int64Array]
    after: dict[int, Int64Array]
    up: UpdateInfo
    undo_state: Any = None
    rest: dict[int, int] | None = None
    moved: tuple[Int64Array, Int64Array, Int64Array] | None = None
    fill: Fill | None = None


def renames_most(n_renamed: int, n_spikes: int) -> bool:
    """Whether renaming clusters holding ``n_renamed`` spikes is best done as one pass
    over the whole assignment (an old → new id table) rather than spike by spike."""
    return 8 * n_renamed >= n_spikes


def _distinct(ids: Int64Array) -> Int64Array:
    """Sorted distinct cluster ids: a histogram when the ids are small enough (ids of a
    split over every cluster: no sort of the moved spikes)."""
    top = int(ids.max())
    if top <= 4 * len(ids) + 1_000_000:
        return np.flatnonzero(np.bincount(ids, minlength=top + 1)).astype(np.int64)
    return np.unique(ids)


def _stable_order(ids: Int64Array) -> Int64Array:
    """``np.argsort(ids, kind="stable")``; a radix sort (O(n)) when the ids fit 16 bits."""
    if len(ids) and int(ids.min()) >= 0 and int(ids.max()) < 1 << 16:
        return np.argsort(ids.astype(np.uint16), kind="stable")
    return np.argsort(ids, kind="stable")


def _gather_parts(values: Int64Array, starts: Int64Array, ends: Int64Array) -> tuple[Int64Array, Int64Array]:
    """``values[starts[i]:ends[i]]`` for each i, one after the other, and their bounds."""
    lengths = ends - starts
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    index = np.repeat(starts - bounds[:-1], lengths) + np.arange(bounds[-1])
    return values[index], bounds


def assign_change(sc: Int64Array, index: dict[int, Int64Array], new_id: int, spikes: Int64Array,
                  rel: Int64Array, every_spike: Callable[[], Int64Array] | None = None,
                  defer: bool = False) -> Change:
    """The change moving ``spikes`` (sorted, unique) to new clusters by relative label ``rel``.

    Labels map to ``new_id + rel - min(rel)``; the rest of every touched cluster then
    goes to one fresh id per cluster, in increasing old-id order (phy's semantics).
    ``every_spike`` (optional, gives the read-only ``arange(len(sc))``) gives the spike
    ids of a change touching every spike, when they are first read. ``defer``: when the
    rests hold at least an eighth of all spikes, all but the first
    :data:`FIRST_RESTS` are only allocated here, and ``Change.fill`` writes them from the
    parents and the moved spikes (a split over every cluster writes ~80 MB of fresh
    memory: the caller runs it on a worker, and makes readers of those rests wait for
    it).
    """
    new_labels = rel - rel.min() + new_id
    old = sc[spikes]
    touched = _distinct(old)
    before = {int(c): index[int(c)] for c in touched}
    after: dict[int, Int64Array] = {}
    descendants: set[tuple[int, int]] = set()
    # Selected spikes, grouped by new label (stable: spike order kept in each group).
    if rel.min() == rel.max():  # one label (a plain split): one group, in spike order
        groups = [np.arange(len(spikes))]
    else:
        order = _stable_order(new_labels)
        groups = np.split(order, np.flatnonzero(np.diff(new_labels[order])) + 1)
    for group in groups:
        label = int(new_labels[group[0]])
        after[label] = si.readonly(spikes[group])
        parents = touched if len(group) == len(spikes) else _distinct(old[group])
        descendants.update((int(c), label) for c in parents.tolist())
    # The rest of each touched cluster goes to a fresh id, in increasing old-id order.
    next_id = int(new_labels.max()) + 1
    rest: dict[int, int] = {}
    old_order = _stable_order(old)
    bounds = np.asarray(np.searchsorted(old[old_order], np.r_[touched, touched[-1] + 1]), dtype=np.int64)
    total = sum(len(v) for v in before.values())
    rests: list[tuple[int, int]] = []  # (position of the parent in `touched`, size of its rest)
    for k, c in enumerate(touched.tolist()):
        n_rest = len(before[c]) - int(bounds[k + 1] - bounds[k])
        if n_rest == 0:
            continue
        rests.append((k, n_rest))
        rest[next_id] = c
        descendants.add((c, next_id))
        next_id += 1
    fill: Fill | None = None
    pairs = list(zip(rest.items(), rests))
    now, later = pairs, []
    if defer and renames_most(sum(n for _, n in rests), len(sc)):
        now, later = pairs[:FIRST_RESTS], pairs[FIRST_RESTS:]
    jit = total >= _JIT_SPIKES  # many rests to compute: load the kernel even for small ones
    for (rid, c), (k, _) in now:
        chosen = spikes[old_order[bounds[k]:bounds[k + 1]]]
        after[rid] = si.readonly(remove_sorted_fast(before[c], chosen, jit=jit))
    if later:
        # These rests' arrays are allocated, not written (their pages are the worker's to
        # touch). The worker reads the parents and the moved spikes only, all immutable:
        # an undo may rewrite the assignment meanwhile.
        later_ids = [rid for (rid, _), _ in later]
        sources = [before[c] for (_, c), _ in later]
        outs = [np.empty(n, dtype=np.int64) for _, (_, n) in later]
        for rid, out in zip(later_ids, outs):
            after[rid] = si.readonly(out.view())
        grouped = spikes[old_order]  # the moved spikes by old cluster, sorted in each
        starts = np.array([bounds[k] for _, (k, _) in later], dtype=np.int64)
        ends = np.array([bounds[k + 1] for _, (k, _) in later], dtype=np.int64)
        remove, part_bounds = _gather_parts(grouped, starts, ends)

        def write() -> None:
            remove_sorted_many(sources, remove, part_bounds, outs)
        fill = Fill(later_ids, write)
    # Disjoint subsets of the spikes holding them all: every spike (a split over every cluster).
    n = len(sc)
    all_spikes: Int64Array | Callable[[], Int64Array]
    if total == n:  # made when first read: 80 MB of fresh memory for 10M spikes
        all_spikes = every_spike or (lambda: si.readonly(np.arange(n, dtype=np.int64)))
    else:
        all_spikes = si.readonly(si.merge_sorted(list(before.values()), n))
    largest = si.largest(before)
    if len(after) == 1:
        (to,) = after
        members = all_spikes() if callable(all_spikes) else all_spikes  # the new cluster's index entry
        up = UpdateInfo(description="merge", spike_ids=members, added=[to], deleted=sorted(before),
                        descendants=[(c, to) for c in sorted(before)], largest_old_cluster=largest)
        return Change(before, {to: members}, up)
    # up.spike_clusters is gathered from the updated array when the change is committed.
    up = UpdateInfo(description="assign", spike_ids=all_spikes, added=sorted(after),
                    deleted=sorted(before), descendants=sorted(descendants), largest_old_cluster=largest)
    return Change(before, after, up, rest=rest, moved=(spikes, old, new_labels), fill=fill)
