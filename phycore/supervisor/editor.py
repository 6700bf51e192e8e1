"""The Editor: the one path every curation action takes, and the undo stack it records on.

Each action (merge, split, label, undo, redo, and live appends) runs the same steps in
the same order, so that nothing depends on the order in which an event bus delivers:

1. validate the arguments (nothing changes on error);
2. change the :class:`Clustering` and/or :class:`ClusterMeta` (both silent);
3. record one undoable step (the selections around it and a serial for dirty tracking)
   and emit ``request_undo_state`` (phy's: the answers come back in the undo's
   ``UpdateInfo.undo_state``);
4. tell the internal observers (:class:`SessionObserver`: the controller's caches,
   columns, quality metrics, similarity), in the order they were added;
5. recompute the table rows of the clusters the action touched;
6. emit the public ``cluster`` event **once**, with the Supervisor as sender;
7. append the action to the crash journal, with the id counter after it;
8. select the result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from phycore.clustering import Clustering, ClusterMeta, GlobalHistory, UpdateInfo
from phycore.clustering.update_info import combine_updates
from phycore.errors import ActionError
from phycore.signals import emit
from phycore.supervisor.cluster_table import ClusterTables
from phycore.supervisor.ids import check_ids
from phycore.supervisor.journal import Journal
from phycore.supervisor.selection import Selection, SelectionState

__all__ = ["Editor", "SaveCallback", "SessionObserver", "Step"]

logger = logging.getLogger("phycore.supervisor")

#: ``f(spike_clusters=, labels={field: {id: value}}, cluster_info=[rows]) -> written paths``.
SaveCallback = Callable[..., Any]


class SessionObserver(Protocol):
    """Something inside phycore that must follow every change, before the tables do."""

    def cluster_changed(self, up: UpdateInfo) -> None:
        """An action, undo or redo changed the clusters or labels in ``up``."""

    def spikes_added(self, spike_ids: npt.NDArray[np.int64], cluster_ids: list[int]) -> None:
        """Live sessions: ``spike_ids`` were appended to ``cluster_ids``."""


@attrs.define
class Step:
    """What the Editor keeps with each recorded action: the selections around it, a
    serial number that identifies the resulting state (for dirty tracking), and the
    answers to ``request_undo_state`` (the ``undo_state`` of its undo's UpdateInfo)."""

    before: SelectionState
    after: SelectionState = ([], [])
    serial: int = 0
    undo_state: Any = None
    external: bool = False  # recorded by :meth:`Editor.record`: not in the crash journal
    event: str = "cluster"  # the public event of the step, its undo and its redo


class Editor:
    """Runs the curation actions and owns their history, serials and crash journal.

    Parameters
    ----------
    clustering, cluster_meta : Clustering, ClusterMeta
        Changed by the actions (both with ``emit_events=False``).
    tables : ClusterTables
        Their rows follow every action.
    selection : Selection
        Saved around each action, restored by undo and redo.
    sender : object
        The sender of the events (the Supervisor).
    journal : Journal, optional
        Crash journal appended to after every action.
    save_callback : callable, optional
        Writes the files on :meth:`save`.

    Events
    ------
    request_undo_state(sender, up)
        Once per action, before ``cluster``; the subscribers' return values come back as
        ``undo_state`` of the UpdateInfo of the action's undo (phy's contract).
    cluster(sender, up)
        Once per action, undo and redo, after the observers and the tables.
    request_split(sender)
        By :meth:`split` without spike ids: lasso views answer with spike ids.
    save_clustering(sender, spike_clusters, groups, *labels)
        After :meth:`save` (phy's signature; ``labels`` are ``(field, {id: value})`` pairs).
    spikes_added(sender, spike_ids, cluster_ids)
        After :meth:`append_spikes`, once the rows of ``cluster_ids`` are updated.
    """

    def __init__(self, clustering: Clustering, cluster_meta: ClusterMeta, tables: ClusterTables,
                 selection: Selection, sender: object, journal: Journal | None = None,
                 save_callback: SaveCallback | None = None) -> None:
        self._clustering = clustering
        self._meta = cluster_meta
        self._tables = tables
        self._selection = selection
        self._sender = sender
        self.journal = journal
        self.save_callback = save_callback
        self.history = GlobalHistory()
        self._observers: list[SessionObserver] = []
        self._serial = 0
        self._saved_serial = 0
        self._unsaved_appends = 0
        self._replaying = False
        # Serials of the steps whose action is in the journal as it now stands, in the same
        # undo/redo order as in a session replaying it: their undo and redo are journaled by
        # name. Any other undo or redo (of an action older than the last save) is journaled
        # as its effect, which a replaying session applies as a new step; from then on
        # the two histories differ, so the set starts again.
        self._replayable: set[int] = set()

    def add_observer(self, observer: SessionObserver) -> None:
        """Call ``observer`` after every change, after those added before it."""
        self._observers.append(observer)

    def remove_observer(self, observer: SessionObserver) -> None:
        """Stop calling ``observer``."""
        self._observers = [o for o in self._observers if o is not observer]

    @property
    def replaying(self) -> bool:
        """Whether :meth:`replay` is running (actions are not journaled again)."""
        return self._replaying

    # The one path -------------------------------------------------------------------

    def _record(self, parts: list[Any], before: SelectionState) -> Step:
        """Push one user action onto the history (drops the redo branch)."""
        self._serial += 1
        step = Step(before=before, serial=self._serial)
        self.history.action(*parts, state=step)
        return step

    def _commit(self, up: UpdateInfo, parts: list[Any], before: SelectionState) -> tuple[UpdateInfo, Step]:
        """Steps 3 to 6 of the path: record, tell the observers and the tables, emit."""
        step = self._record(parts, before)
        step.undo_state = emit("request_undo_state", self._sender, up)
        self._publish(up)
        return up, step

    def _select_result(self, up: UpdateInfo, step: Step) -> None:
        """Step 8 for merges and splits: select the new clusters; redo restores them."""
        self._selection.set(list(up.added), [])
        step.after = self._selection.state()

    def _publish(self, up: UpdateInfo, event: str = "cluster") -> None:
        for observer in self._observers:
            observer.cluster_changed(up)
        self._tables.apply(up)
        emit(event, self._sender, up)

    def _journal(self, entry: dict[str, Any], step: Step | None = None) -> None:
        if self.journal is None:
            return
        if not self._replaying:
            # The id counter after the action: the journal (fsynced) is what makes it
            # durable; the counter file is written on close (Journal.id_floor).
            self.journal.append({**entry, "next_id": int(self._clustering.new_cluster_id())})
        if step is not None:
            self._replayable.add(step.serial)

    def journal_restarted(self) -> None:
        """The journal now starts at the current state (after a save): earlier actions are
        no longer in it, so their undo and redo must be journaled by their effect."""
        self._replayable.clear()

    def _changed_parts(self, up: UpdateInfo) -> list[Any]:
        """The parts a clustering change touched: the Clustering, and the ClusterMeta when
        the new clusters inherited labels from their parents."""
        meta_up = self._meta.set_from_descendants(up.descendants, largest_old_cluster=up.largest_old_cluster)
        inherited = meta_up is not None and bool(meta_up.metadata_changed)
        return [self._clustering, self._meta] if inherited else [self._clustering]

    def _check(self, ids: Sequence[int]) -> list[int]:
        return check_ids(ids, self._clustering.spike_counts)

    # Actions ------------------------------------------------------------------------

    def merge(self, cluster_ids: Sequence[int] | None = None, to: int | None = None) -> UpdateInfo:
        """Merge clusters (the selection by default) into a new cluster, and select it."""
        ids = self._check(list(cluster_ids) if cluster_ids else self._selection.all)
        if len(ids) < 2:
            raise ActionError(f"Select at least two clusters to merge (got {ids}).", argument="cluster_ids")
        before = self._selection.state()
        up = self._clustering.merge(ids, to=to)
        up, step = self._commit(up, self._changed_parts(up), before)
        self._journal({"op": "merge", "cluster_ids": ids, "to": int(up.added[0])}, step)
        self._select_result(up, step)
        return up

    def split(self, spike_ids: npt.ArrayLike | None = None, spike_clusters_rel: npt.ArrayLike = 0) -> UpdateInfo | None:
        """Split spikes into new clusters and select them.

        With no ``spike_ids``, lasso views are asked through ``request_split``; if none
        answers with spikes, nothing happens and None is returned.
        """
        if spike_ids is None:
            answers = [np.asarray(a, dtype=np.int64).ravel()
                       for a in emit("request_split", self._sender) if a is not None]
            answers = [a for a in answers if a.size]
            if not answers:
                logger.info("Nothing to split: no spikes were selected.")
                return None
            spike_ids = np.unique(np.concatenate(answers))
        spike_ids = np.asarray(spike_ids)
        before = self._selection.state()
        up = self._clustering.split(spike_ids, spike_clusters_rel=spike_clusters_rel)
        if not up.added and not up.deleted:
            return up
        up, step = self._commit(up, self._changed_parts(up), before)
        rel = spike_clusters_rel if np.isscalar(spike_clusters_rel) else np.asarray(spike_clusters_rel)
        self._journal({"op": "split", "spike_ids": np.asarray(spike_ids, dtype=np.int64), "spike_clusters_rel": rel},
                      step)
        self._select_result(up, step)
        return up

    def label(self, name: str, value: object, cluster_ids: Sequence[int] | None = None) -> UpdateInfo | None:
        """Set a label (``group`` or any custom field) on clusters (the selection by default)."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ActionError(f"A label name must be an identifier, got {name!r}.", argument="name")
        ids = self._check(list(cluster_ids) if cluster_ids is not None else self._selection.all)
        if not ids:
            logger.info("No cluster selected: nothing to label.")
            return None
        if name not in self._meta.fields:
            self._meta.add_field(name)
        before = self._selection.state()
        up, step = self._commit(self._meta.set(name, ids, value), [self._meta], before)
        self._journal({"op": "label", "name": name, "value": value, "cluster_ids": ids}, step)
        step.after = self._selection.state()
        return up

    def record(self, part: Any, up: UpdateInfo, event: str) -> UpdateInfo:
        """Record a change that an undoable ``part`` other than the Clustering and ClusterMeta
        already made (e.g. a rejected merge candidate), as one step of the same undo stack.

        ``part`` has ``undo()`` and ``redo()`` returning an UpdateInfo (as ClusterMeta).
        The internal observers see ``up`` (and its undo and redo) as any action's, but the
        public event is ``event``, not ``cluster``: phy plugins expect ``cluster`` for a
        change of the clustering or of the labels only, and switch on ``up.description``.
        No ``request_undo_state`` either (phy's subscribers store state per clustering step).
        The step is not journaled: the part keeps its own state on disk; its undo and redo
        are journaled by their effect (nothing on the clusters), so a replayed journal's
        undos stay aligned with the steps it holds. It keeps the serial of the state before
        it: the clusters and labels did not change, so neither does :meth:`is_dirty`.
        """
        if event == "cluster":
            raise ValueError("Editor.record: a recorded step needs its own event, not 'cluster'.")
        before = self._selection.state()
        step = Step(before=before, after=before, serial=self._current_serial(), external=True, event=event)
        self.history.action(part, state=step)
        self._publish(up, event)
        return up

    def selection_changed(self) -> None:
        """The selection moved on after the last action (e.g. the wizard after a move):
        redo restores this one."""
        step = self.history.current_state
        if isinstance(step, Step):
            step.after = self._selection.state()

    def undo(self) -> UpdateInfo | None:
        """Undo the last action and restore the selection before it; None at the start."""
        return self._travel("undo")

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action (same ids as the first time); None when nothing to redo."""
        return self._travel("redo")

    def _travel(self, op: str) -> UpdateInfo | None:
        if op == "undo":
            step = self.history.current_state  # the step being undone
            ups = self.history.undo()
        else:
            ups = self.history.redo()
            step = self.history.current_state
        up = combine_updates(ups, op)
        if up is None or not isinstance(step, Step):
            return None
        selection = step.before if op == "undo" else step.after
        # phy gives the answers to request_undo_state back on undo only.
        up = attrs.evolve(up, undo_state=step.undo_state if op == "undo" else None)
        self._publish(up, step.event)
        if step.serial in self._replayable and not step.external:
            self._journal({"op": op})
        else:
            self._journal(self._effect(up))
            self._replayable.clear()
        self._selection.restore(selection)
        return up

    def _effect(self, up: UpdateInfo) -> dict[str, Any]:
        """Journal entry of an undo or redo as the state it left: the spikes it moved with
        their clusters now, and every label of the clusters it touched."""
        spikes = np.asarray(up.spike_ids, dtype=np.int64)
        clusters = sorted(set(up.added) | set(up.changed) | set(up.metadata_changed))
        return {"op": "restore", "spike_ids": spikes, "spike_clusters": self._clustering.spike_clusters[spikes],
                "label_clusters": clusters, "labels": self._meta.values(clusters)}

    def restore(self, spike_ids: npt.ArrayLike, spike_clusters: npt.ArrayLike,
                label_clusters: Sequence[int] = (), labels: dict[str, dict[int, Any]] | None = None,
                ) -> UpdateInfo | None:
        """Put clusters and labels back as an undo or redo left them, as one new action.

        The crash journal's form of an undo or redo of an action older than the journal
        (see :meth:`Clustering.restore` and :meth:`ClusterMeta.restore`).
        """
        before = self._selection.state()
        parts: list[Any] = []
        ups = []
        if len(np.asarray(spike_ids).reshape(-1)):
            ups.append(self._clustering.restore(spike_ids, spike_clusters))
            parts.append(self._clustering)
        meta_up = self._meta.restore(label_clusters, labels or {})
        if meta_up.metadata_changed:
            ups.append(meta_up)
            parts.append(self._meta)
        up = combine_updates(ups, None)
        if up is None:
            return None
        up, step = self._commit(up, parts, before)
        self._journal({"op": "restore", "spike_ids": np.asarray(spike_ids, dtype=np.int64),
                       "spike_clusters": np.asarray(spike_clusters, dtype=np.int64),
                       "label_clusters": list(label_clusters), "labels": labels or {}}, step)
        if up.added:
            self._select_result(up, step)
        return up

    @property
    def can_undo(self) -> bool:
        """Whether there is an action to undo."""
        return bool(self.history.can_undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone action to redo."""
        return bool(self.history.can_redo)

    # Live sessions ------------------------------------------------------------------

    def append_spikes(self, spike_templates: npt.ArrayLike, clusters: npt.ArrayLike | None = None) -> UpdateInfo:
        """Add spikes recorded live; not an action (nothing goes on the undo stack).

        The observers, then the rows of the clusters that received spikes, follow;
        then ``spikes_added`` is emitted. Appended spikes are not in the data files, so
        a journal written after them could not be replayed on the folder: at the first
        append the journal gets an ``{"op": "append"}`` marker and stops recording.
        """
        up = self._clustering.append_spikes(spike_templates, clusters)
        if not len(up.spike_ids):
            return up
        touched = sorted(up.added + up.changed)
        for observer in self._observers:
            observer.spikes_added(up.spike_ids, touched)
        self._tables.rows_grew(touched)
        self._unsaved_appends += len(up.spike_ids)
        if self.journal is not None and not self._replaying:
            self.journal.append({"op": "append", "n_spikes": int(len(up.spike_ids)),
                                 "next_id": int(self._clustering.new_cluster_id())})
            logger.warning("Spikes were appended: the crash journal stops here (appended spikes are not "
                           "in the data files, so later actions could not be replayed on them).")
            self.journal = None
            self._clustering.sync_counter = True  # no journal records the counter from now on
            self._clustering.flush_counter()
        emit("spikes_added", self._sender, up.spike_ids, touched)
        return up

    # Saving and recovery ------------------------------------------------------------

    def is_dirty(self) -> bool:
        """Whether the state differs from the last save (or from the loaded state); spikes
        appended since then count as a change."""
        return self._current_serial() != self._saved_serial or self._unsaved_appends > 0

    def _current_serial(self) -> int:
        step = self.history.current_state
        return step.serial if isinstance(step, Step) else 0

    def save(self) -> list[Any]:
        """Write the clustering and labels through ``save_callback``; emits ``save_clustering``."""
        spike_clusters = self._clustering.spike_clusters
        labels = {field: self.labels(field) for field in self._meta.fields}
        written: list[Any] = []
        if self.save_callback is not None:
            written = list(self.save_callback(spike_clusters=spike_clusters, labels=labels,
                                              cluster_info=self._tables.cluster_info()) or [])
            self.journal_restarted()
        groups = {c: (g or "unsorted") for c, g in labels.get("group", {}).items()}
        emit("save_clustering", self._sender, spike_clusters, groups, *labels.items())
        self._saved_serial = self._current_serial()
        self._unsaved_appends = 0
        return written

    def labels(self, field: str) -> dict[int, Any]:
        """``{cluster_id: value}`` of a label for every current cluster."""
        return {int(c): self._meta.get(field, c) for c in self._clustering.cluster_ids.tolist()}

    def replay(self, entries: Sequence[dict[str, Any]]) -> int:
        """Re-apply journaled actions (crash recovery); returns how many were applied."""
        self._replaying = True
        try:
            for k, entry in enumerate(entries):
                op = entry.get("op")
                if op == "merge":
                    self.merge(entry["cluster_ids"], to=entry["to"])
                elif op == "split":
                    self.split(entry["spike_ids"], entry.get("spike_clusters_rel", 0))
                elif op == "label":
                    self.label(entry["name"], entry["value"], entry["cluster_ids"])
                elif op == "undo":
                    self.undo()
                elif op == "redo":
                    self.redo()
                elif op == "restore":
                    self.restore(entry["spike_ids"], entry["spike_clusters"], entry.get("label_clusters", ()),
                                 entry.get("labels"))
                elif op == "append":
                    logger.warning("The crash journal was replayed up to the point where spikes were appended "
                                   "(%d action(s)); those spikes are not in the data files.", k)
                    return k
                else:
                    raise ActionError(f"Unknown journal entry #{k + 1}: {entry!r}.", argument="journal")
        finally:
            self._replaying = False
        return len(entries)
