"""The Supervisor's editing actions: merge, split, label, move, undo, redo, save, replay.

Private: these functions take the :class:`~phycore.supervisor.Supervisor` as first
argument and are exposed as its methods. Each validates its input before touching
anything, records one undoable step, journals itself and emits ``cluster``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Sequence

import attrs
import numpy as np

from phycore.clustering import UpdateInfo
from phycore.errors import ActionError
from phycore.signals import emit

if TYPE_CHECKING:
    from phycore.supervisor.supervisor import Supervisor

logger = logging.getLogger("phycore.supervisor")


@attrs.define
class Step:
    """What the Supervisor keeps with each recorded action: selections around it, and a
    serial number that identifies the resulting state (for dirty tracking)."""

    before: tuple[list[int], list[int]]
    after: tuple[list[int], list[int]] = ([], [])
    serial: int = 0


def _selection(sup: Supervisor) -> tuple[list[int], list[int]]:
    return (sup.selected_clusters, sup.selected_similar)


def _journal(sup: Supervisor, entry: dict[str, Any]) -> None:
    if sup.journal is not None and not sup._replaying:
        sup.journal.append(entry)


def record(sup: Supervisor, parts: list[Any], before: tuple[list[int], list[int]]) -> Step:
    """Push one user action onto the Supervisor's history (drops the redo branch)."""
    sup._serial += 1
    step = Step(before=before, serial=sup._serial)
    sup._history.action(*parts, state=step)
    return step


def _apply_tables(sup: Supervisor, up: UpdateInfo) -> None:
    """Recompute the table rows of the clusters an UpdateInfo touched, and only those."""
    known = sup.clustering.spike_counts
    if up.added or up.deleted or up.changed:
        rows = {c: sup._compute_row(c) for c in (*up.added, *up.changed) if c in known}
        sup.cluster_table.update_rows(rows, removed=up.deleted)
    if up.metadata_changed:
        for field in sup.cluster_meta.fields:
            if field != "group" and field not in sup.cluster_table.columns:
                sup.cluster_table.add_column(field)
                sup.similarity_table.add_column(field)
        sup.cluster_table.update_rows({c: sup._compute_row(c) for c in up.metadata_changed if c in known})


def apply_update(sup: Supervisor, up: UpdateInfo) -> None:
    """Bring the tables up to date with one UpdateInfo, then emit ``cluster``."""
    _apply_tables(sup, up)
    emit("cluster", sup, up)


def _inherit(sup: Supervisor, up: UpdateInfo) -> UpdateInfo | None:
    """Propagate labels from parents to children; None when nothing was inherited."""
    meta_up = sup.cluster_meta.set_from_descendants(up.descendants, largest_old_cluster=up.largest_old_cluster)
    if meta_up is None or not meta_up.metadata_changed:
        return None
    return meta_up


def merge(sup: Supervisor, cluster_ids: Sequence[int] | None = None, to: int | None = None) -> UpdateInfo:
    """Merge clusters (the selection by default) into a new cluster, and select it."""
    ids = sup._check_ids(list(cluster_ids) if cluster_ids else sup.selected)
    if len(ids) < 2:
        raise ActionError(f"Select at least two clusters to merge (got {ids}).", argument="cluster_ids")
    before = _selection(sup)
    up = sup.clustering.merge(ids, to=to)
    parts: list[Any] = [sup.clustering]
    meta_up = _inherit(sup, up)
    if meta_up is not None:
        parts.append(sup.cluster_meta)
    step = record(sup, parts, before)
    up = attrs.evolve(up, undo_state=before)
    apply_update(sup, up)
    _journal(sup, {"op": "merge", "cluster_ids": ids, "to": int(up.added[0])})
    sup._set_selection(list(up.added), [])
    step.after = _selection(sup)
    return up


def split(sup: Supervisor, spike_ids: Any = None, spike_clusters_rel: Any = 0) -> UpdateInfo | None:
    """Split spikes into new clusters and select them.

    With no ``spike_ids``, lasso views are asked through ``request_split``; if none
    answers with spikes, nothing happens and None is returned.
    """
    if spike_ids is None:
        answers = [np.asarray(a, dtype=np.int64).ravel() for a in emit("request_split", sup) if a is not None]
        answers = [a for a in answers if a.size]
        if not answers:
            logger.info("Nothing to split: no spikes were selected.")
            return None
        spike_ids = np.unique(np.concatenate(answers))
    spike_ids = np.asarray(spike_ids)
    before = _selection(sup)
    up = sup.clustering.split(spike_ids, spike_clusters_rel=spike_clusters_rel)
    if not up.added and not up.deleted:
        return up
    parts: list[Any] = [sup.clustering]
    if _inherit(sup, up) is not None:
        parts.append(sup.cluster_meta)
    step = record(sup, parts, before)
    up = attrs.evolve(up, undo_state=before)
    apply_update(sup, up)
    rel = spike_clusters_rel if np.isscalar(spike_clusters_rel) else np.asarray(spike_clusters_rel)
    _journal(sup, {"op": "split", "spike_ids": np.asarray(spike_ids, dtype=np.int64), "spike_clusters_rel": rel})
    sup._set_selection(list(up.added), [])
    step.after = _selection(sup)
    return up


def label(sup: Supervisor, name: str, value: Any, cluster_ids: Sequence[int] | None = None) -> UpdateInfo | None:
    """Set a label (``group`` or any custom field) on clusters (the selection by default)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ActionError(f"A label name must be an identifier, got {name!r}.", argument="name")
    ids = sup._check_ids(list(cluster_ids) if cluster_ids is not None else sup.selected)
    if not ids:
        logger.info("No cluster selected: nothing to label.")
        return None
    if name not in sup.cluster_meta.fields:
        sup.cluster_meta.add_field(name)
    before = _selection(sup)
    up = sup.cluster_meta.set(name, ids, value)
    step = record(sup, [sup.cluster_meta], before)
    up = attrs.evolve(up, undo_state=before)
    apply_update(sup, up)
    refresh_similarity_rows(sup, ids)
    _journal(sup, {"op": "label", "name": name, "value": value, "cluster_ids": ids})
    step.after = _selection(sup)
    return up


def refresh_similarity_rows(sup: Supervisor, ids: Sequence[int]) -> None:
    """Copy the cluster-table rows of ``ids`` into the similarity table (keeping the scores)."""
    rows = {c: {**sup.cluster_table.row(c), "similarity": sup.similarity_table.get(c, "similarity")}
            for c in ids if c in sup.similarity_table}
    if rows:
        sup.similarity_table.update_rows(rows)


def move(sup: Supervisor, group: str | None, which: Any = "all") -> UpdateInfo | None:
    """Set the group of the selection (``which`` = all/best/similar or ids), then advance the wizard."""
    group = "unsorted" if group is None else group
    if which == "all":
        ids = sup.selected
    elif which == "best":
        ids = sup.selected_clusters
    elif which == "similar":
        ids = sup.selected_similar
    else:
        from phycore.supervisor.supervisor import _flatten_ids

        ids = _flatten_ids([which])
    if not ids:
        logger.info("No cluster selected: nothing to move.")
        return None
    best, similar = sup.selected_clusters, sup.selected_similar
    up = label(sup, "group", group, cluster_ids=ids)
    moved = set(ids)
    if sup._replaying:
        return up
    if moved <= set(best) and best:
        sup.next_best()
    elif moved <= set(similar) and similar:
        sup.next()
    elif moved & set(best) and moved & set(similar):
        sup.next_best()
        sup.next()
    if sup._history.current_state is not None:
        sup._history.current_state.after = _selection(sup)
    return up


def _travel(sup: Supervisor, op: str) -> UpdateInfo | None:
    up = sup._history.undo() if op == "undo" else sup._history.redo()
    if up is None:
        return None
    step: Step = up.undo_state
    selection = step.before if op == "undo" else step.after
    up = attrs.evolve(up, undo_state=selection)
    apply_update(sup, up)
    _journal(sup, {"op": op})
    _restore_selection(sup, selection)
    return up


def undo(sup: Supervisor) -> UpdateInfo | None:
    """Undo the last action and restore the selection that preceded it; None at the start."""
    return _travel(sup, "undo")


def redo(sup: Supervisor) -> UpdateInfo | None:
    """Redo the last undone action (same ids as the first time); None when nothing to redo."""
    return _travel(sup, "redo")


def _restore_selection(sup: Supervisor, selection: tuple[list[int], list[int]]) -> None:
    known = sup.clustering.spike_counts
    sup._set_selection([c for c in selection[0] if c in known], [c for c in selection[1] if c in known])


def is_dirty(sup: Supervisor) -> bool:
    """Whether the state differs from the last save (or from the loaded state); spikes
    appended since then count as a change."""
    step = sup._history.current_state
    current = step.serial if step is not None else 0
    return current != sup._saved_serial or sup._unsaved_appends > 0


def save(sup: Supervisor) -> list[Any]:
    """Write the clustering and labels through ``save_callback``; emits ``save_clustering``."""
    spike_clusters = sup.clustering.spike_clusters
    labels = {field: sup.get_labels(field) for field in sup.cluster_meta.fields}
    written: list[Any] = []
    if sup.save_callback is not None:
        written = list(sup.save_callback(spike_clusters=spike_clusters, labels=labels,
                                         cluster_info=sup.cluster_info) or [])
    groups = {c: (g or "unsorted") for c, g in labels.get("group", {}).items()}
    emit("save_clustering", sup, spike_clusters, groups, *labels.items())
    step = sup._history.current_state
    sup._saved_serial = step.serial if step is not None else 0
    sup._unsaved_appends = 0
    return written


def replay(sup: Supervisor, entries: Sequence[dict[str, Any]]) -> int:
    """Re-apply journaled actions (crash recovery); returns how many were applied."""
    sup._replaying = True
    try:
        for k, entry in enumerate(entries):
            op = entry.get("op")
            if op == "merge":
                merge(sup, entry["cluster_ids"], to=entry["to"])
            elif op == "split":
                split(sup, entry["spike_ids"], entry.get("spike_clusters_rel", 0))
            elif op == "label":
                label(sup, entry["name"], entry["value"], entry["cluster_ids"])
            elif op == "undo":
                undo(sup)
            elif op == "redo":
                redo(sup)
            elif op == "append":
                logger.warning("The crash journal was replayed up to the point where spikes were appended "
                               "(%d action(s)); those spikes are not in the data files.", k)
                return k
            else:
                raise ActionError(f"Unknown journal entry #{k + 1}: {entry!r}.", argument="journal")
    finally:
        sup._replaying = False
    return len(entries)
