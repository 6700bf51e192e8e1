"""The recorded form of a clustering action, and how an assignment becomes one (private)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.clustering import _spike_index as si
from phycore.clustering.update_info import UpdateInfo

__all__ = ["Change", "assign_change"]

Int64Array = npt.NDArray[np.int64]


@attrs.define(eq=False)
class Change:
    """One action: the clusters it removed and created, with their spikes, its UpdateInfo,
    and the answers to ``request_undo_state`` (given back by its undo)."""

    before: dict[int, Int64Array]
    after: dict[int, Int64Array]
    up: UpdateInfo
    undo_state: Any = None


def assign_change(sc: Int64Array, index: dict[int, Int64Array], new_id: int, spikes: Int64Array,
                  rel: Int64Array) -> Change:
    """The change moving ``spikes`` (sorted, unique) to new clusters by relative label ``rel``.

    Labels map to ``new_id + rel - min(rel)``; the rest of every touched cluster then
    goes to one fresh id per cluster, in increasing old-id order (phy's semantics).
    """
    new_labels = rel - rel.min() + new_id
    old = sc[spikes]
    touched = np.unique(old)
    before = {int(c): index[int(c)] for c in touched}
    after: dict[int, Int64Array] = {}
    descendants: set[tuple[int, int]] = set()
    # Selected spikes, grouped by new label (stable: spike order kept in each group).
    order = np.argsort(new_labels, kind="stable")
    cuts = np.flatnonzero(np.diff(new_labels[order])) + 1
    for group in np.split(order, cuts):
        label = int(new_labels[group[0]])
        after[label] = si.readonly(spikes[group])
        descendants.update((int(c), label) for c in np.unique(old[group]).tolist())
    # The rest of each touched cluster goes to a fresh id, in increasing old-id order.
    next_id = int(new_labels.max()) + 1
    old_order = np.argsort(old, kind="stable")
    bounds = np.asarray(np.searchsorted(old[old_order], np.r_[touched, touched[-1] + 1]), dtype=np.int64)
    for k, c in enumerate(touched.tolist()):
        members = before[c]
        chosen = spikes[old_order[bounds[k]:bounds[k + 1]]]
        if len(chosen) == len(members):
            continue
        after[next_id] = si.readonly(si.remove_sorted(members, chosen))
        descendants.add((c, next_id))
        next_id += 1
    all_spikes = si.readonly(si.merge_sorted(list(before.values()), len(sc)))
    largest = si.largest(before)
    if len(after) == 1:
        (to,) = after
        up = UpdateInfo(description="merge", spike_ids=all_spikes, added=[to], deleted=sorted(before),
                        descendants=[(c, to) for c in sorted(before)], largest_old_cluster=largest)
        return Change(before, {to: all_spikes}, up)
    # up.spike_clusters is gathered from the updated array when the change is committed.
    up = UpdateInfo(description="assign", spike_ids=all_spikes, added=sorted(after),
                    deleted=sorted(before), descendants=sorted(descendants), largest_old_cluster=largest)
    return Change(before, after, up)
