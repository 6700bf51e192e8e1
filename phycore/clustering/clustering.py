"""`Clustering`: the spike → cluster assignment, its actions and its undo stack.

Each action records its inverse as ``{old cluster: its spike ids}`` and
``{new cluster: its spike ids}``. Those arrays are the very arrays of the per-cluster
index (shared, read-only), so the history costs almost no memory, and undo/redo only
touch the spikes of the clusters involved: never all spikes, never the whole history.

Live sessions append spikes (:meth:`Clustering.append_spikes`, buffers in ``_growth.py``).
Undo and redo then move exactly the spikes the action moved: appended spikes keep the
cluster they were given, so a cluster can outlive the undo of the action that created
it (it is then reported in ``UpdateInfo.changed``, not in ``deleted``).

This module is over the ~400-line guideline: it is one class whose public methods carry
phy's semantics in full numpydoc; the index and change kernels are already in
``_spike_index.py``, ``_changes.py`` and ``_growth.py``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.clustering import _counter
from phycore.clustering import _spike_index as si
from phycore.clustering._changes import Change, assign_change, renames_most
from phycore.clustering._growth import LiveGrowth, check_explicit_clusters, check_templates, groups_by_cluster
from phycore.clustering._relabel import relabel_inplace
from phycore.clustering._template_counts import TemplateCounts, count_all
from phycore.clustering._counter import NEW_CLUSTER_ID_FILE
from phycore.clustering.history import History
from phycore.clustering.update_info import UpdateInfo
from phycore.errors import ActionError, ClusterIdError
from phycore.signals import emit

__all__ = ["Clustering", "NEW_CLUSTER_ID_FILE"]

logger = logging.getLogger(__name__)

Int64Array = npt.NDArray[np.int64]


class Clustering:
    """Spike → cluster assignment with merge, split, assign, undo and redo.

    .. versionadded:: 0.1.0

    Cluster ids are never renamed nor reused: every changed cluster gets a fresh id
    from :meth:`new_cluster_id`, which only increases (also across undo, redo and, with
    ``state_dir``, across sessions).

    Parameters
    ----------
    spike_clusters : array-like of int
        Cluster of every spike. Copied to int64: the caller's array is never modified.
    new_cluster_id : int, optional
        Lower bound of the next fresh id (e.g. the counter of a previous session).
    spikes_per_cluster : dict, optional
        Accepted for phy's signature and ignored: the per-cluster index is built in one
        pass over ``spike_clusters`` anyway, and a stale cached one would be wrong.
    state_dir : path, optional
        ``<data>/.phy``: the counter is read from and written to
        ``new_cluster_id.json`` there (``{"new_cluster_id": N}``, atomically).
    sync_counter : bool
        Whether the counter file is written (atomically, fsynced) at every change of the
        counter (default True). A session whose crash journal records the counter after
        every action sets it False: the journal's fsync is then the action's only one,
        :meth:`flush_counter` writes the file (e.g. on close), and the next session
        starts from the journal's ids (:meth:`raise_stored_counter`). Also settable
        later as an attribute.
    spike_templates : array-like of int, optional
        Original template of every spike (kept by reference, never modified). Only
        :meth:`append_spikes` uses it, for the live template membership rule.
    emit_events : bool
        Whether to emit the events below (default True, as phy's Clustering). A
        :class:`~phycore.supervisor.Supervisor` makes its Clustering silent and emits
        one ``cluster`` per action itself.

    Events
    ------
    request_undo_state(clustering, up)
        After every merge, split and assign, before ``cluster``: the subscribers' return
        values are kept with the action and given back as ``undo_state`` of the
        UpdateInfo of its undo (phy's contract).
    cluster(clustering, up)
        After every merge, split, assign, undo and redo, with its :class:`UpdateInfo`.
    spikes_added(clustering, spike_ids, cluster_ids)
        After :meth:`append_spikes`: the new spike ids and the sorted ids of every
        cluster that received some (new clusters included).

    Notes
    -----
    Undoing a merge reports an ``'assign'`` that recreates the original clusters;
    undoing a split reports a ``'merge'`` (when the split came from one cluster) with
    ``history='undo'``, as phy does. Redo returns the original UpdateInfo with
    ``history='redo'`` and recreates the same ids.
    """

    def __init__(
        self,
        spike_clusters: npt.ArrayLike,
        new_cluster_id: int | None = None,
        spikes_per_cluster: Mapping[int, npt.ArrayLike] | None = None,
        *,
        state_dir: str | os.PathLike[str] | None = None,
        spike_templates: npt.ArrayLike | None = None,
        emit_events: bool = True,
        sync_counter: bool = True,
    ) -> None:
        self.emit_events = emit_events
        self.sync_counter = sync_counter
        self._sc = si.check_spike_clusters(spike_clusters)
        self._view: Int64Array = self._sc.view()
        self._view.flags.writeable = False
        self._spike_templates = (None if spike_templates is None
                                 else check_templates(spike_templates, len(self._sc)))
        self._live: LiveGrowth | None = None
        self._counts = TemplateCounts() if self._spike_templates is not None else None
        # Histograms counted on another thread (a view's data job) are not kept: the owner
        # may change the cluster meanwhile (a live append), and a late store would keep
        # the counts from before it.
        self._owner = threading.get_ident()
        # Bumped as the assignment starts and ends changing (odd meanwhile): what another
        # thread counted from it is kept only if no change started since (count_templates).
        self._changes = 0
        # Counts now, arrays sorted on a worker thread (see si.LazyIndex): read `_index`
        # (which waits for them) before changing the index or `_sc`.
        self._lazy_index = si.LazyIndex(self._sc)
        self._cluster_ids: Int64Array | None = None
        self._spike_ids: Int64Array | None = None
        self._history: History[Change] = History()
        self._state_dir = Path(state_dir) if state_dir is not None else None
        candidates = [int(self._sc.max()) + 1 if self._sc.size else 0]
        if new_cluster_id is not None:
            candidates.append(int(new_cluster_id))
        stored = self._read_counter()
        if stored is not None:
            candidates.append(stored)
        self._new_cluster_id = max(candidates)
        self._saved_counter: int | None = stored

    def _templates_now(self) -> Int64Array:
        """Original template of every spike, appended ones included."""
        live = self._live
        if live is not None and live.templates is not None:
            return live.templates
        assert self._spike_templates is not None
        return self._spike_templates

    def _read_counter(self) -> int | None:
        return None if self._state_dir is None else _counter.read_counter(self._state_dir)

    def _save_counter(self) -> None:
        if self.sync_counter:
            self.flush_counter()

    def flush_counter(self) -> None:
        """Write the counter file now if it is behind (with ``sync_counter=False``)."""
        if self._state_dir is None or self._saved_counter == self._new_cluster_id:
            return
        if _counter.save_counter(self._state_dir, self._new_cluster_id):
            self._saved_counter = self._new_cluster_id

    @staticmethod
    def raise_stored_counter(state_dir: str | os.PathLike[str], at_least: int) -> int:
        """Make the counter stored in ``state_dir`` at least ``at_least``, durably.

        For the ids a crash journal recorded (a session that journals writes the counter
        file only at close): called before that journal is replayed, set aside or
        discarded. Returns the stored counter (unchanged when already large enough).
        """
        stored = _counter.read_counter(Path(state_dir))
        if stored is not None and stored >= at_least:
            return stored
        _counter.save_counter(Path(state_dir), int(at_least))
        return int(at_least)

    # Read-only state
    # ------------------------------------------------------------------------------------

    @property
    def _index(self) -> dict[int, Int64Array]:
        return self._lazy_index.index()

    @property
    def spike_clusters(self) -> Int64Array:
        """Cluster of every spike: a live, read-only view (it follows later actions).

        After :meth:`append_spikes` read the property again: an array taken before
        keeps the earlier spikes only (and may stop following actions).
        """
        return self._view

    @property
    def spike_ids(self) -> Int64Array:
        """``arange(n_spikes)``: the id of every spike (read-only)."""
        if self._spike_ids is None or len(self._spike_ids) != self.n_spikes:
            self._spike_ids = si.readonly(np.arange(self.n_spikes, dtype=np.int64))
        return self._spike_ids

    def _spike_ids_now(self) -> Callable[[], Int64Array]:
        """The spike ids of now, made when first called (spikes may be appended meanwhile)."""
        n = self.n_spikes
        return lambda: self.spike_ids[:n]

    @property
    def n_spikes(self) -> int:
        """Number of spikes."""
        return int(self._sc.shape[0])

    @property
    def cluster_ids(self) -> Int64Array:
        """Sorted ids of the non-empty clusters."""
        if self._cluster_ids is None:
            ids = np.fromiter(sorted(self._lazy_index), dtype=np.int64, count=len(self._lazy_index))
            self._cluster_ids = si.readonly(ids)
        return self._cluster_ids

    @property
    def n_clusters(self) -> int:
        """Number of non-empty clusters."""
        return len(self._lazy_index)

    @property
    def spike_counts(self) -> Mapping[int, int]:
        """Live read-only mapping ``{cluster_id: number of spikes}``."""
        return si.SpikeCounts(self._lazy_index)

    @property
    def spikes_per_cluster(self) -> Mapping[int, Int64Array]:
        """Live read-only mapping ``{cluster_id: sorted int64 spike ids}``."""
        return si.SpikesPerCluster(self._lazy_index)

    @property
    def history(self) -> History[Change]:
        """The undo stack (items are private records)."""
        return self._history

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return self._history.can_redo

    def attach_state_dir(self, state_dir: str | os.PathLike[str]) -> None:
        """Start persisting the id counter in ``state_dir`` (after a journal replay).

        The counter becomes the larger of the current one and the stored one, so ids
        handed out by any earlier session are never reused.
        """
        self._state_dir = Path(state_dir)
        stored = self._read_counter()
        self._saved_counter = stored
        if stored is not None:
            self._new_cluster_id = max(self._new_cluster_id, stored)
        self._save_counter()

    def new_cluster_id(self) -> int:
        """The next fresh cluster id (never used before in this session)."""
        return self._new_cluster_id

    def spikes_in_clusters(self, cluster_ids: npt.ArrayLike) -> Int64Array:
        """Sorted spike ids of the given clusters (from the index, no scan of all spikes)."""
        ids = si.check_cluster_ids(cluster_ids, self._lazy_index)
        if not ids:
            return np.zeros(0, dtype=np.int64)
        index = self._lazy_index.arrays_for(ids)  # (waits only if one of them is being written)
        return si.merge_sorted([index[c] for c in ids], self.n_spikes)

    def template_counts(self, cluster_id: int, store: bool = True) -> tuple[Int64Array, Int64Array]:
        """How many spikes of the cluster come from each original template.

        .. versionadded:: 0.3

        Kept by id and derived from each action (the rest of a split cluster is its
        parent's histogram minus the moved spikes'), so after a split over every cluster
        the new clusters cost the moved spikes, not their sizes. ``store=False`` counts a
        cluster not known yet without keeping it; so does a call from another thread than
        the one that made the Clustering (a read there must not write into it).

        Returns
        -------
        (templates, counts)
            Sorted distinct template ids and their spike counts (int64 arrays, both
            shared: do not modify).

        Raises
        ------
        ActionError
            The Clustering was made without ``spike_templates``.
        ClusterIdError
            Unknown cluster.
        """
        if self._counts is None:
            raise ActionError("template_counts() needs a Clustering made with spike_templates.",
                              argument="cluster_id")
        ids = self._lazy_index  # (the ids only: a histogram derived by an action needs no spikes)
        cid = cluster_id if type(cluster_id) is int and cluster_id in ids else None  # the common case, fast
        if cid is None:
            (cid,) = si.check_cluster_ids([cluster_id], ids, argument="cluster_id")
        known = self._counts.known(cid)
        if known is not None:
            return known
        store = store and threading.get_ident() == self._owner
        return self._counts.get(cid, self._index[cid], self._templates_now(), store=store)

    @property
    def has_templates(self) -> bool:
        """Whether :meth:`template_counts` is available (made with ``spike_templates``)."""
        return self._counts is not None

    def prefill_template_counts(self) -> None:
        """Count the templates of every current cluster in one pass over all spikes.

        .. versionadded:: 0.3

        Cheaper than one :meth:`template_counts` per cluster when most of them are
        needed (the similarity table, a split over every cluster). No-op without
        ``spike_templates``.
        """
        if self._counts is not None:
            index = self._index
            self._counts.prefill(self._sc, index, self._templates_now())

    def count_templates(self) -> tuple[int, dict[int, tuple[Int64Array, Int64Array]]] | None:
        """Count the templates of every current cluster in one pass over all spikes, on any
        thread (a GUI's start-up worker), for :meth:`keep_template_counts`.

        .. versionadded:: 0.3

        Returns
        -------
        (changes, histograms) or None
            The change counter the counting started at and ``{cluster: (templates,
            counts)}``; None without ``spike_templates`` or while an action changes the
            assignment.
        """
        changes = self._changes
        if self._counts is None or changes % 2:
            return None
        try:
            return changes, count_all(self._view, self._templates_now())
        except (ValueError, IndexError):
            if self._changes != changes:  # read while an action wrote new ids: dropped anyway
                return None
            raise

    def keep_template_counts(self, counted: tuple[int, dict[int, tuple[Int64Array, Int64Array]]] | None) -> int:
        """Keep what :meth:`count_templates` counted (on the thread that made the
        Clustering), unless the assignment changed since it started: an action or an
        append meanwhile may have been read half done. Returns how many were kept.

        .. versionadded:: 0.3
        """
        if (counted is None or self._counts is None or counted[0] != self._changes
                or threading.get_ident() != self._owner):
            return 0
        return self._counts.keep(counted[1])

    # Actions
    # ------------------------------------------------------------------------------------

    def merge(self, cluster_ids: npt.ArrayLike, to: int | None = None) -> UpdateInfo:
        """Move all spikes of ``cluster_ids`` into one new cluster.

        Parameters
        ----------
        cluster_ids : list of int
            Existing clusters (at least one; duplicates are ignored).
        to : int, optional
            Id of the new cluster; default :meth:`new_cluster_id`, and never below it.

        Returns
        -------
        UpdateInfo
            ``description='merge'``, ``added=[to]``, ``deleted`` the sorted ids.

        Raises
        ------
        ClusterIdError
            Unknown or non-integer ids.
        ActionError
            No cluster given, or ``to`` below the next fresh id.
        """
        ids = si.check_cluster_ids(cluster_ids, self._index)
        if not ids:
            raise ActionError("merge() needs at least one id in cluster_ids.", argument="cluster_ids")
        if to is None:
            to = self._new_cluster_id
        if not si._is_int_scalar(to):
            raise ClusterIdError(f"to must be an integer, got {to!r}.", argument="to")
        to = int(to)
        if to < self._new_cluster_id:
            raise ActionError(f"to must be at least {self._new_cluster_id} (ids are never reused), got {to}.",
                              argument="to")
        before = {c: self._index[c] for c in ids}
        spikes = si.readonly(si.merge_sorted(list(before.values()), self.n_spikes))
        up = UpdateInfo(description="merge", spike_ids=spikes, added=[to], deleted=ids,
                        descendants=[(c, to) for c in ids], largest_old_cluster=si.largest(before))
        return self._commit(Change(before, {to: spikes}, up))

    def assign(self, spike_ids: npt.ArrayLike, spike_clusters_rel: npt.ArrayLike = 0) -> UpdateInfo:
        """Move spikes into new clusters; the rest of every touched cluster gets a new id too.

        Parameters
        ----------
        spike_ids : array-like of int
            Spikes to move (in range, no duplicates).
        spike_clusters_rel : int or array-like of int
            Relative label of each spike (or one for all): spikes with the same label go
            to the same new cluster; labels map to ``new_cluster_id() + rel - min(rel)``.
            The remaining spikes of each touched cluster then go to one fresh id per
            cluster, in increasing old-id order.

        Returns
        -------
        UpdateInfo
            ``'assign'``, or ``'merge'`` when only one new cluster results. Empty spike
            ids: an empty UpdateInfo, nothing recorded nor emitted.

        Raises
        ------
        SpikeIdError
            Non-integer, out-of-range or duplicated spike ids.
        ActionError
            Labels of the wrong length, dtype or sign.
        """
        spikes = si.check_spike_ids(spike_ids, self.n_spikes)
        rel = si.check_rel(spike_clusters_rel, len(spikes))
        if spikes.size == 0:
            return UpdateInfo()
        spikes, rel = si.sorted_unique_check(spikes, rel)
        return self._commit(assign_change(self._sc, self._index, self._new_cluster_id, spikes, rel,
                                          every_spike=self._spike_ids_now(), defer=self._live is None))

    def split(self, spike_ids: npt.ArrayLike, spike_clusters_rel: npt.ArrayLike = 0) -> UpdateInfo:
        """Split spikes out of their clusters: same as :meth:`assign`."""
        return self.assign(spike_ids, spike_clusters_rel)

    def restore(self, spike_ids: npt.ArrayLike, spike_clusters: npt.ArrayLike) -> UpdateInfo:
        """Put whole clusters back: ``spike_ids`` go to the absolute ids ``spike_clusters``.

        This is how a crash journal replays an undo or redo of an action it does not hold
        (one that predates the last save), as one new undoable step. The spikes must be
        exactly those of the clusters they are in now, and the target ids must not be
        taken by other spikes.

        Raises
        ------
        SpikeIdError
            Bad spike ids.
        ActionError
            The spikes are not whole clusters, or a target id is in use elsewhere.
        """
        spikes = si.check_spike_ids(spike_ids, self.n_spikes)
        target = np.asarray(spike_clusters, dtype=np.int64).reshape(-1)
        if target.shape != spikes.shape or (target.size and target.min() < 0):
            raise ActionError(f"restore() needs one non-negative cluster id per spike ({len(spikes)}), "
                              f"got {target.shape[0]}.", argument="spike_clusters")
        if spikes.size == 0:
            return UpdateInfo()
        order = np.argsort(spikes, kind="stable")
        spikes, target = spikes[order], target[order]
        old = self._sc[spikes]
        touched = np.unique(old).tolist()
        before = {c: self._index[c] for c in touched}
        if sum(len(v) for v in before.values()) != len(spikes):
            raise ActionError("restore() must move whole clusters: the spikes given are only part of "
                              f"clusters {touched}.", argument="spike_ids")
        new_ids = np.unique(target).tolist()
        taken = [c for c in new_ids if c in self._index and c not in before]
        if taken:
            raise ActionError(f"restore() cannot move spikes into clusters {taken}: they hold other spikes.",
                              argument="spike_clusters")
        after = {int(c): si.readonly(spikes[target == c]) for c in new_ids}
        pairs = np.unique(np.stack([old, target]), axis=1)
        up = UpdateInfo(description="merge" if len(after) == 1 else "assign", spike_ids=si.readonly(spikes),
                        added=sorted(after), deleted=touched,
                        descendants=[(int(a), int(b)) for a, b in pairs.T],
                        largest_old_cluster=si.largest(before))
        return self._commit(Change(before, after, up))

    def _relabel_plan(self, change: Change, undo: bool) -> tuple[dict[int, int], Int64Array, Int64Array] | None:
        """How to write a split (or its undo) by id, when that beats writing spike by spike.

        ``({old id: new id}, moved spikes, their new clusters)``: the rest of each split
        cluster is renamed in one pass over the assignment, then the moved spikes are
        written. Only worth it when the renamed clusters hold a good part of all spikes,
        and only outside live sessions (an appended spike must keep its cluster).
        """
        if change.rest is None or change.moved is None or self._live is not None:
            return None
        if not renames_most(sum(len(change.after[r]) for r in change.rest), self.n_spikes):
            return None
        spikes, old, new = change.moved
        if undo:
            return dict(change.rest), spikes, old
        return {p: r for r, p in change.rest.items()}, spikes, new

    def _apply(self, remove: dict[int, Int64Array], add: dict[int, Int64Array],
               relabel: tuple[dict[int, int], Int64Array, Int64Array] | None = None,
               fills: bool = True) -> tuple[list[int], list[int], list[int]]:
        """:meth:`_move`, the change counter odd meanwhile (see :meth:`count_templates`)."""
        self._changes += 1
        try:
            return self._move(remove, add, relabel, fills)
        finally:
            self._changes += 1

    def _move(self, remove: dict[int, Int64Array], add: dict[int, Int64Array],
              relabel: tuple[dict[int, int], Int64Array, Int64Array] | None = None,
              fills: bool = True) -> tuple[list[int], list[int], list[int]]:
        """Move the spikes of ``remove`` out of their clusters and those of ``add`` into theirs.

        Returns the clusters created, emptied, and kept-but-changed. Outside live
        sessions every removed cluster loses all its spikes and every added one is new.
        ``relabel`` (see :meth:`_relabel_plan`) writes the assignment by id instead.
        ``fills=False``: do not wait for arrays being written (see :meth:`LazyIndex.defer`):
        this change's own rests, or those an undo removes (it reads only their lengths).
        """
        created: list[int] = []
        emptied: list[int] = []
        changed: list[int] = []
        live = self._live
        # The index is complete (not being built) before `_sc` changes.
        index = self._lazy_index.index(fills=fills)
        if relabel is not None:
            mapping, moved, target = relabel
            # Moved spikes first: a copy of the assignment taken meanwhile (the metrics
            # worker's snapshot) then only ever sees spikes leave their old cluster, never
            # a renamed cluster holding spikes that are not its own. Targets are never
            # keys of the mapping, so the order does not change the result.
            self._sc[moved] = target
            relabel_inplace(self._sc, mapping, max(self._new_cluster_id, max(add) + 1))
        for c, spikes in remove.items():
            current = index.pop(c)
            if live is not None:
                live.moved(c, spikes, joined=False)
            if len(current) != len(spikes):  # spikes appended since the action stay here
                index[c] = si.readonly(si.remove_sorted(current, spikes))
                changed.append(c)
            else:
                emptied.append(c)
        for c, members in add.items():
            if relabel is None:
                self._sc[members] = c
            existing = index.get(c)
            if existing is None:
                index[c] = members
                created.append(c)
            else:
                index[c] = si.readonly(si.merge_sorted([existing, members]))
                if c not in changed:
                    changed.append(c)
            if live is not None:
                live.moved(c, members, joined=True)
        self._cluster_ids = None
        if self._counts is not None and changed:
            self._counts.drop(changed)
        return sorted(created), sorted(emptied), sorted(changed)

    @staticmethod
    def _clusters_of(groups: dict[int, Int64Array], spike_ids_of: Callable[[], Int64Array],
                     ready: Callable[[], object] | None = None) -> Callable[[], Int64Array]:
        """``UpdateInfo.spike_clusters``, computed on first access from the (immutable)
        arrays of the clusters ``groups`` that partition ``spike_ids_of()``: a split over
        every cluster neither copies the whole assignment nor keeps it in the history.
        ``ready`` waits until the arrays are written (a split's rests, see ``_commit``)."""
        def compute() -> Int64Array:
            if ready is not None:
                ready()
            spike_ids = spike_ids_of()
            out = np.empty(len(spike_ids), dtype=np.int64)
            for c, members in groups.items():
                out[np.searchsorted(spike_ids, members)] = c
            return out
        return compute

    def _derive_counts(self, change: Change) -> None:
        """The new clusters' template histograms, from the action (not their spikes)."""
        if self._counts is None:
            return
        if change.moved is not None and change.rest is not None:
            spikes, old, new = change.moved
            self._counts.split(spikes, old, new, change.rest, change.before, self._templates_now())
        elif len(change.after) == 1:
            (to,) = change.after
            self._counts.merged(to, change.before, self._templates_now())

    def _commit(self, change: Change) -> UpdateInfo:
        fill, change.fill = change.fill, None
        relabel = self._relabel_plan(change, undo=False)
        # A change with rests to write is made outside live sessions only, when its rests
        # are renamed by id (see `assign`): `_move` never reads them.
        assert fill is None or relabel is not None
        if fill is not None:
            # Most rests are written on a worker while this action goes on: the index and
            # the assignment are complete (the rests' lengths are right), and whatever
            # reads one of those rests' spikes waits for them (LazyIndex). They are
            # registered before they enter the index.
            self._lazy_index.defer(fill.write, fill.cluster_ids)
        self._apply(change.before, change.after, relabel, fills=fill is None)
        self._derive_counts(change)
        if change.up.description == "assign":
            up = change.up
            up.spike_clusters = self._clusters_of(change.after, lambda: up.spike_ids, self._lazy_index.index)
        self._new_cluster_id = max(self._new_cluster_id, max(change.after) + 1)
        change.up.all_cluster_ids = self.cluster_ids.tolist()
        self._history.add(change)
        self._save_counter()
        if self.emit_events:
            change.undo_state = emit("request_undo_state", self, change.up)
        self._emit("cluster", change.up)
        return change.up

    def undo(self) -> UpdateInfo | None:
        """Undo the last action by applying its stored inverse.

        Returns
        -------
        UpdateInfo or None
            The change from the current state back to the previous one
            (``history='undo'``, ``undo_state`` the answers to the action's
            ``request_undo_state``), or None (and an info log) when there is nothing
            to undo.
        """
        up = self._undo()
        if up is None:
            logger.info("Nothing to undo.")
            return None
        self._emit("cluster", up)
        return up

    def _undo(self) -> UpdateInfo | None:
        change = self._history.undo()
        if change is None:
            return None
        # An undo reads no spikes of the clusters it removes (their lengths only): the
        # undo of a split does not wait for its rests to be written.
        created, emptied, changed = self._apply(change.after, change.before, self._relabel_plan(change, undo=True),
                                                fills=self._live is not None)
        restored = sorted(change.before)
        done = change.up
        return UpdateInfo(
            description="merge" if len(restored) == 1 else "assign",
            history="undo",
            added=created,
            deleted=emptied,
            changed=changed,
            descendants=sorted((new, old) for old, new in change.up.descendants),
            largest_old_cluster=si.largest(change.after),
            all_cluster_ids=self.cluster_ids.tolist(),
            undo_state=change.undo_state,
            spike_ids=done._spike_ids,  # (the action's as stored: the array, or what makes it)
            spike_clusters=self._clusters_of(change.before, lambda: done.spike_ids) if len(restored) > 1 else None,
        )

    def reset(self) -> None:
        """Go back to the loaded assignment and forget the undo stack (no event, as phy).

        Unlike phy, the id counter is kept: ids handed out before the reset are never
        reused, so caches keyed by cluster id stay valid. In live sessions, appended
        spikes keep their clusters (as with undo).
        """
        while self._undo() is not None:
            pass
        self._history.clear()

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action, recreating the same cluster ids.

        Returns
        -------
        UpdateInfo or None
            The original UpdateInfo with ``history='redo'``, or None (and an info log)
            when there is nothing to redo.
        """
        change = self._history.redo()
        if change is None:
            logger.info("Nothing to redo.")
            return None
        created, emptied, changed = self._apply(change.before, change.after, self._relabel_plan(change, undo=False))
        self._new_cluster_id = max(self._new_cluster_id, max(change.after) + 1)
        up = attrs.evolve(change.up, history="redo", all_cluster_ids=self.cluster_ids.tolist(),
                          added=created, deleted=emptied, changed=changed, undo_state=None)
        self._emit("cluster", up)
        return up

    # Live sessions
    # ------------------------------------------------------------------------------------

    def clusters_for(self, spike_templates: npt.ArrayLike, clusters: npt.ArrayLike | None = None) -> Int64Array:
        """The clusters :meth:`append_spikes` would give to new spikes now (nothing changes).

        Raises the same errors as :meth:`append_spikes`.
        """
        return self._assignment(spike_templates, clusters)[1]

    def _assignment(self, spike_templates: npt.ArrayLike, clusters: npt.ArrayLike | None = None) -> tuple[Int64Array, Int64Array]:
        """Validated templates and the cluster of each new spike; nothing observable changes."""
        templates = check_templates(spike_templates)
        n = len(templates)
        if clusters is not None:
            return templates, check_explicit_clusters(clusters, n, self._index, self._new_cluster_id)
        if self._spike_templates is None:
            raise ActionError("append_spikes needs clusters= when the Clustering was made without "
                              "spike_templates.", argument="clusters")
        if not n:
            return templates, np.zeros(0, dtype=np.int64)
        return templates, self._go_live(n).assign(templates, self._new_cluster_id)

    def _go_live(self, extra: int) -> LiveGrowth:
        """Switch to live mode (once): the assignment moves into a growable buffer."""
        if self._live is None:
            # Live actions read the spikes of what they move: no rest left to write.
            self._lazy_index.index()
            self._live = LiveGrowth(self._sc, self._spike_templates, extra)
            self._sc, self._view = self._live.assignment
        return self._live

    def append_spikes(self, spike_templates: npt.ArrayLike, clusters: npt.ArrayLike | None = None) -> UpdateInfo:
        """Add new spikes at the end (live acquisition); not an action (no undo).

        Each new spike goes to ``clusters`` if given, else by *live template
        membership*: to the cluster that now holds the most spikes of the same original
        template (ties: the smallest id); spikes of a template that no cluster holds
        start one new cluster per template (fresh ids, in template order).

        Parameters
        ----------
        spike_templates : array-like of int
            Original template of each new spike.
        clusters : array-like of int, optional
            Cluster of each new spike: existing clusters or fresh ids (at least
            :meth:`new_cluster_id`; deleted ids are never reused).

        Returns
        -------
        UpdateInfo
            ``description='spikes_added'``, ``spike_ids`` (the new ids, following the
            existing ones), ``spike_clusters`` (their clusters), ``added`` (new clusters),
            ``changed`` (existing clusters that grew), ``all_cluster_ids``.

        Raises
        ------
        ActionError
            Bad templates, or no ``clusters`` while the Clustering has no
            ``spike_templates``.
        ClusterIdError
            Bad ``clusters``. Nothing changes on error.

        Notes
        -----
        Undo and redo stay exact: they move exactly the spikes the undone action moved;
        appended spikes keep their cluster. Undoing every action and redoing them all
        returns to the same assignment.
        """
        templates, assigned = self._assignment(spike_templates, clusters)
        n0 = self.n_spikes
        ids = np.arange(n0, n0 + len(templates), dtype=np.int64)
        if not len(ids):
            return UpdateInfo()
        live = self._go_live(len(ids))
        created: list[int] = []
        grown: list[int] = []
        self._changes += 1  # odd while the assignment changes (see count_templates)
        try:
            self._sc, self._view = live.append(assigned, templates)
            for c, members in groups_by_cluster(assigned, ids):
                current = self._index.get(c)
                (grown if current is not None else created).append(c)
                self._index[c] = live.grow_cluster(current, c, si.readonly(members))
            if self._counts is not None:
                self._counts.drop(grown)  # their content changed under the same id
        finally:
            self._changes += 1
        self._cluster_ids = None
        self._new_cluster_id = max(self._new_cluster_id, int(assigned.max()) + 1)
        created, grown = sorted(created), sorted(grown)
        self._save_counter()
        up = UpdateInfo(description="spikes_added", spike_ids=ids, spike_clusters=self._sc[ids],
                        added=created, changed=grown, all_cluster_ids=self.cluster_ids.tolist())
        self._emit("spikes_added", ids, sorted(created + grown))
        return up

    def _emit(self, event: str, *args: Any) -> None:
        if self.emit_events:
            emit(event, self, *args)

    def __repr__(self) -> str:
        return (f"<Clustering {self.n_spikes} spikes, {self.n_clusters} clusters, "
                f"next id {self._new_cluster_id}, {self._history!r}>")
