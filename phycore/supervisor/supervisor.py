"""The Supervisor: curation actions, selection, tables and wizard, with no GUI.

The Supervisor is built from small objects that own their state: a
:class:`~phycore.supervisor.cluster_table.ClusterTables` (both tables and their column
functions), a :class:`~phycore.supervisor.selection.Selection` and an
:class:`~phycore.supervisor.editor.Editor` (the actions, their history, serials,
crash journal and replay). Its methods are phy's names for what those objects do.

Every action is synchronous: it changes the clustering, updates only the table rows
of the clusters it touched, records one undoable step, journals itself, emits
``cluster`` once and returns. A GUI draws the new state on its next frame; a script
simply reads it.

This module is a little over the ~400-line guideline: it is a facade of phy's names,
nearly every method a documented one-line delegation to a part that owns the logic.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy.typing as npt

from phycore.bunch import Bunch
from phycore.clustering import Clustering, ClusterMeta, UpdateInfo
from phycore.errors import ClusterIdError
from phycore.signals import emit
from phycore.supervisor._action_creator import ActionCreator
from phycore.supervisor._task_logger import TaskLogger
from phycore.supervisor.actions import Actions
from phycore.supervisor.cluster_table import ClusterTables, ColumnFunc
from phycore.supervisor.colors import ClusterColorSelector
from phycore.supervisor.editor import Editor, SaveCallback, SessionObserver
from phycore.supervisor.ids import check_ids, flatten_ids
from phycore.supervisor.journal import Journal
from phycore.supervisor.default_actions import add_sort_actions, register_actions
from phycore.supervisor.keymap import DEFAULT_SHORTCUTS, DEFAULT_SNIPPETS
from phycore.supervisor.selection import Selection, SimilarityFunc
from phycore.supervisor.table_model import TableModel
from phycore.supervisor.wizard import Wizard

__all__ = ["Supervisor"]

logger = logging.getLogger(__name__)


class Supervisor:
    """Curation session state and actions.

    Parameters
    ----------
    spike_clusters : array of int, shape (n_spikes,)
        Initial assignment; copied.
    cluster_groups : dict, optional
        ``{cluster_id: group}`` (``noise``/``mua``/``good``/``unsorted``).
    cluster_labels : dict, optional
        ``{field: {cluster_id: value}}`` for custom labels (``KSLabel``, ``ContamPct``...).
    cluster_metrics : dict, optional
        ``{column: f(cluster_id)}`` computed for each cluster (phy's ``cluster_metrics``).
    similarity : callable, optional
        ``f(cluster_id) -> [(id, score), ...]``; the similarity table shows its top 100.
    sort : (str, str), optional
        Initial sort of the cluster table, default ``('n_spikes', 'desc')``.
    new_cluster_id : int, optional
        Next fresh id (continues a previous session's counter).
    state_dir : path, optional
        ``<data>/.phy``: persists the id counter (written at each change when there is
        no ``journal``; with one, each journal entry records it and the file is written
        by ``clustering.flush_counter()``, e.g. on close; see :meth:`Journal.id_floor`).
    journal : Journal, optional
        Crash journal appended to on every action.
    save_callback : callable, optional
        ``f(spike_clusters, labels: {field: {id: value}}, cluster_info: list of rows)``
        called by :meth:`save` to write files.
    spike_templates : array of int, optional
        Original template of every spike, for :meth:`append_spikes` without explicit
        clusters (live template membership).

    Attributes
    ----------
    clustering, cluster_meta : Clustering, ClusterMeta
        Silent (``emit_events=False``): the Supervisor emits ``cluster`` once per action.
    tables : ClusterTables
        The cluster and similarity tables and their column functions.
    selection : Selection
    wizard : Wizard
    editor : Editor
        The actions' one path, history, journal and replay.

    Events
    ------
    select(supervisor, cluster_ids)
        The selection changed (cluster-table selection then similarity selection).
    cluster(supervisor, up)
        Once after every action, undo and redo, with its :class:`UpdateInfo`. (phy's
        Clustering and ClusterMeta also emit ``cluster`` with themselves as sender and
        phy's Supervisor re-emits it; here the Supervisor is the one sender.)
    save_clustering(supervisor, spike_clusters, groups, *labels)
        After a save (phy's signature; ``labels`` are ``(field, {id: value})`` pairs).
    request_split(supervisor)
        Asks lasso views for spike ids when :meth:`split` has none (phy compatibility).
    attach_gui(supervisor)
        When a GUI attaches.
    color_mapping_changed(supervisor)
        When :attr:`color_selector` changes field or colour map.
    spikes_added(supervisor, spike_ids, cluster_ids)
        After :meth:`append_spikes`, once the table rows of ``cluster_ids`` are updated.
    action(supervisor, name, *args)
        An Edit or Select action is run from its group (menu, key, snippet), before it runs.
    wizard_done(supervisor, result)
        After :meth:`reset_wizard`, :meth:`next_best`, :meth:`previous_best`, :meth:`next`
        and :meth:`previous` (see :class:`~phycore.supervisor.wizard.Wizard`).
    request_similar_clusters(similarity_view, cluster_id)
        Before the similarity table is refilled (see :class:`~phycore.supervisor.selection.Selection`).

    The full list, with phy's differences, is :data:`phycore.signals.EVENTS`.
    """

    def __init__(
        self,
        spike_clusters: npt.ArrayLike,
        *,
        cluster_groups: Mapping[int, str | None] | None = None,
        cluster_labels: Mapping[str, Mapping[int, Any]] | None = None,
        cluster_metrics: Mapping[str, ColumnFunc] | None = None,
        similarity: SimilarityFunc | None = None,
        sort: tuple[str, str] | None = ("n_spikes", "desc"),
        new_cluster_id: int | None = None,
        state_dir: str | Path | None = None,
        journal: Journal | None = None,
        save_callback: SaveCallback | None = None,
        spike_templates: npt.ArrayLike | None = None,
    ) -> None:
        # The journal records the counter after every action (fsynced): the counter file
        # is then written by flush_counter, on close (journal.py, Journal.id_floor).
        self.clustering = Clustering(spike_clusters, new_cluster_id=new_cluster_id, state_dir=state_dir,
                                     spike_templates=spike_templates, emit_events=False,
                                     sync_counter=journal is None)
        self.cluster_meta = ClusterMeta(emit_events=False)
        self.cluster_meta.add_field("group")
        labels: dict[str, dict[int, Any]] = {"group": {int(k): v for k, v in (cluster_groups or {}).items()}}
        for field, values in (cluster_labels or {}).items():
            if field != "group":
                self.cluster_meta.add_field(field)
            labels.setdefault(field, {}).update({int(k): v for k, v in values.items()})
        self.cluster_meta.from_dict(labels)
        self.gui: Any = None

        self.tables = ClusterTables(self.clustering, self.cluster_meta, cluster_metrics, sort=sort)
        self.selection = Selection(self.clustering, self.tables, sender=self)
        self.selection.similarity = similarity
        self.wizard = Wizard(self.tables, self.selection)
        self.editor = Editor(self.clustering, self.cluster_meta, self.tables, self.selection, sender=self,
                             journal=journal, save_callback=save_callback)
        self.actions = Actions("Edit", default_shortcuts=DEFAULT_SHORTCUTS, default_snippets=DEFAULT_SNIPPETS)
        self.select_actions = Actions("Select", default_shortcuts=DEFAULT_SHORTCUTS,
                                      default_snippets=DEFAULT_SNIPPETS)
        register_actions(self, self.actions, self.select_actions, self.cluster_table.columns)
        # Columns come later too (controller columns, background metrics, new labels).
        self.tables.on_new_columns.append(
            lambda: add_sort_actions(self, self.select_actions, self.cluster_table.columns))
        self.color_selector = ClusterColorSelector(
            values=lambda field, ids: [self.cluster_table.get(c, field) for c in ids],
            cluster_ids=lambda: self.clustering.cluster_ids, sender=self)

    # Parts, under phy's names ---------------------------------------------------------

    @property
    def cluster_table(self) -> TableModel:
        """The cluster table model."""
        return self.tables.cluster_table

    @property
    def similarity_table(self) -> TableModel:
        """The similarity table model."""
        return self.tables.similarity_table

    @property
    def cluster_view(self) -> TableModel:
        """The cluster table model (phy's ``supervisor.cluster_view``)."""
        return self.tables.cluster_table

    @property
    def similarity_view(self) -> TableModel:
        """The similarity table model (phy's ``supervisor.similarity_view``)."""
        return self.tables.similarity_table

    @property
    def cluster_metrics(self) -> dict[str, ColumnFunc]:
        """``{column: f(cluster_id)}`` behind the table's columns."""
        return self.tables.cluster_metrics

    @property
    def similarity(self) -> SimilarityFunc | None:
        """``f(cluster_id) -> [(id, score), ...]`` that fills the similarity table."""
        return self.selection.similarity

    @similarity.setter
    def similarity(self, func: SimilarityFunc | None) -> None:
        self.selection.similarity = func

    @property
    def n_similar_max(self) -> int:
        """Rows of the similarity table (100)."""
        return self.selection.n_similar_max

    @property
    def journal(self) -> Journal | None:
        """The crash journal (None when there is none, or after live appends)."""
        return self.editor.journal

    @property
    def save_callback(self) -> SaveCallback | None:
        """What :meth:`save` calls to write the files."""
        return self.editor.save_callback

    def add_observer(self, observer: SessionObserver) -> None:
        """Have ``observer`` follow every change before the tables do (see :class:`Editor`)."""
        self.editor.add_observer(observer)

    # Columns and rows ----------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """Columns of the cluster table (``group`` drives row colours and is not shown).

        Assigning a list shows only those columns (plus ``id`` and ``n_spikes``, as phy),
        in that order, in both tables (phy's ``supervisor.columns = ['id', 'fr']``);
        hidden columns still sort and filter.
        """
        return self.cluster_table.columns

    @columns.setter
    def columns(self, names: Sequence[str]) -> None:
        self.tables.set_columns(names)

    def get_cluster_info(self, cluster_id: int) -> dict[str, Any]:
        """All values of a cluster's row (phy's ``get_cluster_info``).

        Raises :class:`~phycore.errors.ClusterIdError` (a ``KeyError``) for an unknown id.
        """
        ids = check_ids(flatten_ids([cluster_id]), self.clustering.spike_counts, argument="cluster_id")
        if len(ids) != 1:
            raise ClusterIdError(f"get_cluster_info() takes one cluster id, got {cluster_id!r}.",
                                 argument="cluster_id")
        return self.cluster_table.row(ids[0])

    @property
    def cluster_info(self) -> list[dict[str, Any]]:
        """Rows of every cluster, sorted by id."""
        return self.tables.cluster_info()

    def add_column(self, name: str, func: ColumnFunc, before: str | None = None) -> None:
        """Add a cluster-table column computed by ``func(cluster_id)`` (plugins), last or
        ``before`` another column; its ``sort_by_<name>`` action and snippet come with it."""
        self.tables.add_column(name, func, before)

    def get_labels(self, field: str) -> dict[int, Any]:
        """``{cluster_id: value}`` of a label for every current cluster."""
        return self.editor.labels(field)

    @property
    def fields(self) -> list[str]:
        """Label fields, ``group`` first."""
        return list(self.cluster_meta.fields)

    # Selection -----------------------------------------------------------------------

    @property
    def selected_clusters(self) -> list[int]:
        """Clusters selected in the cluster table."""
        return self.selection.clusters

    @property
    def selected_similar(self) -> list[int]:
        """Clusters selected in the similarity table."""
        return self.selection.similar

    @property
    def selected(self) -> list[int]:
        """The whole selection: cluster-table selection then similarity selection."""
        return self.selection.all

    def _checked(self, cluster_ids: Sequence[npt.ArrayLike | None]) -> list[int]:
        return check_ids(flatten_ids(cluster_ids), self.clustering.spike_counts)

    def select(self, *cluster_ids: npt.ArrayLike | None) -> list[int]:
        """Select clusters in the cluster table (clears the similarity selection)."""
        self.selection.set(self._checked(cluster_ids), [])
        return self.selected

    def select_similar(self, *cluster_ids: npt.ArrayLike | None) -> list[int]:
        """Select clusters in the similarity table, keeping the cluster-table selection."""
        self.selection.set_similar(self._checked(cluster_ids))
        return self.selected

    def unselect_similar(self) -> list[int]:
        """Keep only the cluster-table selection."""
        self.selection.set_similar([])
        return self.selected

    def promote_similar(self, cluster_id: int) -> list[int]:
        """Move a similar cluster into the cluster-table selection (a right click on its
        similarity row or on a correlogram cell; a later phy's ``promote_similar``, not in phy 2.1).

        The other selected rows of both tables stay selected. As after any change of the
        cluster-table selection, the similarity table then lists the clusters similar to
        the last selected one (the promoted cluster); a similar cluster it no longer lists
        is unselected. A cluster not selected in the similarity table is left alone.
        """
        cid = int(cluster_id)
        if cid in self.selection.similar:
            rest = [c for c in self.selection.similar if c != cid]
            self.selection.set(self.selection.clusters + [cid], rest)
        return self.selected

    def demote_cluster(self, cluster_id: int) -> list[int]:
        """Move a cluster from the cluster-table selection to the similarity-table selection
        (a right click on its cluster row; a later phy's ``demote_cluster``, not in phy 2.1).

        The similarity table then follows the remaining cluster-table selection; the demoted
        cluster stays selected (first among the similar ones) when that table lists it. The
        only cluster-table selection, or a cluster not selected there, is left alone.
        """
        cid = int(cluster_id)
        clusters = self.selection.clusters
        if cid in clusters and len(clusters) > 1:
            self.selection.set([c for c in clusters if c != cid], [cid] + self.selection.similar)
        return self.selected

    def select_first_similar(self, n: int = 1) -> list[int]:
        """Select the first ``n`` navigable rows of the similarity table."""
        self.wizard.select_first_similar(n)
        return self.selected

    #: Similar clusters that ``select_n_similar`` (``ctrl+space``) selects.
    n_similar_clusters_to_select = 15

    def select_n_similar(self) -> list[int]:
        """Select the ``n_similar_clusters_to_select`` (15) most similar clusters."""
        return self.select_first_similar(self.n_similar_clusters_to_select)

    # Wizard (phy's names) ------------------------------------------------------------

    @property
    def skip_masked(self) -> bool:
        """Whether the wizard skips noise and mua clusters (on by default)."""
        return self.wizard.skip_masked

    @skip_masked.setter
    def skip_masked(self, value: bool) -> None:
        self.wizard.skip_masked = bool(value)

    def next_best(self) -> list[int]:
        """Select the next navigable cluster of the cluster table."""
        self.wizard.next_best()
        return self.selected

    def previous_best(self) -> list[int]:
        """Select the previous navigable cluster of the cluster table."""
        self.wizard.previous_best()
        return self.selected

    def next(self) -> list[int]:
        """Select the next similar cluster (the first best cluster if nothing is selected)."""
        self.wizard.next()
        return self.selected

    def previous(self) -> list[int]:
        """Select the previous similar cluster."""
        self.wizard.previous()
        return self.selected

    def first(self) -> list[int]:
        """Select the first navigable cluster."""
        self.wizard.first()
        return self.selected

    def last(self) -> list[int]:
        """Select the last navigable cluster."""
        self.wizard.last()
        return self.selected

    def reset_wizard(self) -> list[int]:
        """Restart the wizard from the first navigable cluster (emits ``wizard_done``, as phy)."""
        self.wizard.reset()
        return self.selected

    def toggle_skip_masked(self, checked: bool | None = None) -> bool:
        """Skip noise and mua clusters while navigating (on by default)."""
        self.skip_masked = (not self.skip_masked) if checked is None else bool(checked)
        return self.skip_masked

    # Sort and filter -----------------------------------------------------------------

    def sort(self, column: str, order: str = "desc") -> list[int]:
        """Sort the cluster table by a column (``'asc'`` or ``'desc'``)."""
        return self.cluster_table.sort_by(column, order)

    def filter(self, text: str | None = None) -> list[int]:
        """Filter the cluster table with an expression such as ``fr > 5 and group != 'noise'``."""
        return self.cluster_table.filter(text)

    def clear_filter(self) -> list[int]:
        """Show every cluster again."""
        return self.cluster_table.filter(None)

    # Actions (the Editor's) ----------------------------------------------------------

    def merge(self, *cluster_ids: npt.ArrayLike | None, to: int | None = None) -> UpdateInfo:
        """Merge clusters (default: the selection) into a new cluster and select it.

        ``merge(3, 7)``, ``merge([3, 7])`` and the snippet ``:g 3 7`` are equivalent.
        """
        return self.editor.merge(flatten_ids(cluster_ids) or None, to=to)

    def split(self, spike_ids: npt.ArrayLike | None = None, spike_clusters_rel: npt.ArrayLike = 0) -> UpdateInfo | None:
        """Split spikes off into new clusters (phy semantics, parity.md §4) and select them.

        Without ``spike_ids`` the lasso views are asked (``request_split``).
        """
        return self.editor.split(spike_ids, spike_clusters_rel)

    def label(self, name: str, value: object, cluster_ids: npt.ArrayLike | None = None) -> UpdateInfo | None:
        """Set label ``name`` to ``value`` on clusters (default: the selection)."""
        ids = flatten_ids([cluster_ids]) if cluster_ids is not None else None
        return self.editor.label(name, value, ids)

    def move(self, group: str | None, which: str | npt.ArrayLike = "all") -> UpdateInfo | None:
        """Move clusters to a group, then advance the wizard past them.

        ``which`` is ``'all'``, ``'best'``, ``'similar'`` or cluster ids.
        """
        group = "unsorted" if group is None else group
        best, similar = self.selected_clusters, self.selected_similar
        ids = {"all": self.selected, "best": best, "similar": similar}.get(which) if isinstance(which, str) \
            else flatten_ids([which])
        if not ids:
            logger.info("No cluster selected: nothing to move.")
            return None
        up = self.editor.label("group", group, cluster_ids=ids)
        if self.editor.replaying:
            return up
        self.wizard.after_move(set(ids), best, similar)
        self.editor.selection_changed()
        return up

    def undo(self) -> UpdateInfo | None:
        """Undo the last action; returns None (and logs it) when there is nothing to undo."""
        return self.editor.undo()

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action; returns None when there is nothing to redo."""
        return self.editor.redo()

    def append_spikes(self, spike_templates: npt.ArrayLike, clusters: npt.ArrayLike | None = None) -> UpdateInfo:
        """Add spikes recorded live (see :meth:`Clustering.append_spikes`); not undoable.

        Only the rows of the clusters that received spikes are recomputed; then
        ``spikes_added(supervisor, spike_ids, cluster_ids)`` is emitted.
        """
        return self.editor.append_spikes(spike_templates, clusters)

    def is_dirty(self) -> bool:
        """Whether there are unsaved changes (compared with the last save, not sticky)."""
        return self.editor.is_dirty()

    def save(self) -> list[Any]:
        """Save through ``save_callback`` and emit ``save_clustering``; returns written paths."""
        return self.editor.save()

    def replay(self, entries: Sequence[dict[str, Any]]) -> int:
        """Re-apply journaled actions after a crash; returns the number applied."""
        return self.editor.replay(entries)

    @property
    def can_undo(self) -> bool:
        """Whether there is an action to undo."""
        return self.editor.can_undo

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone action to redo."""
        return self.editor.can_redo

    def attach_gui(self, gui: object) -> None:
        """Remember the GUI and emit ``attach_gui``."""
        self.gui = gui
        emit("attach_gui", self)

    # phy's other Supervisor names -------------------------------------------------------

    def attach(self, gui: object) -> None:
        """phy's ``attach(gui)``: same as :meth:`attach_gui` (a phygui ``GUI`` builds its
        cluster and similarity tables and menus from its Supervisor, and calls it)."""
        self.attach_gui(gui)

    def n_spikes(self, cluster_id: int) -> int:
        """Number of spikes of a cluster in the live clustering (0 for an unknown id)."""
        return int(self.clustering.spike_counts.get(int(cluster_id), 0))

    @property
    def shown_cluster_ids(self) -> list[int]:
        """The ids of the cluster table's rows as shown: filtered, in sort order."""
        return self.cluster_table.visible_ids

    @property
    def state(self) -> Bunch:
        """phy's GUI state of the two tables: ``{'cluster_view': {'current_sort', 'selected'},
        'similarity_view': {...}}`` (``current_sort`` is ``(column, 'asc' | 'desc')`` or
        ``(None, None)``)."""
        def table(t: TableModel, selected: list[int]) -> Bunch:
            return Bunch(current_sort=tuple(t.current_sort or (None, None)), selected=selected)

        return Bunch(cluster_view=table(self.cluster_table, self.selected_clusters),
                     similarity_view=table(self.similarity_table, self.selected_similar))

    @cached_property
    def task_logger(self) -> TaskLogger:
        """phy's task queue; empty here, as actions (tables included) finish before they
        return (see :class:`~phycore.supervisor._task_logger.TaskLogger`)."""
        return TaskLogger(self.cluster_view, self.similarity_view, self)

    @cached_property
    def action_creator(self) -> ActionCreator:
        """phy's companion that adds the Edit and Select actions (see
        :class:`~phycore.supervisor._action_creator.ActionCreator`)."""
        return ActionCreator(self)

    @property
    def cluster_labels(self) -> dict[str, dict[int, Any]]:
        """``{field: {cluster_id: value}}`` of the label fields other than ``group``, live
        (phy's keeps the labels it was created with)."""
        return {f: {c: v for c, v in self.get_labels(f).items() if v is not None}
                for f in self.cluster_meta.fields if f != "group"}

    #: phy's cache (``phy.utils.Context``); the controller sets its own, else None.
    context: Any = None

    @property
    def view_actions(self) -> Any:
        """The attached GUI's View actions (phy's ``gui.view_actions``), None without a GUI."""
        return getattr(self.gui, "view_actions", None)

    def block(self) -> None:
        """phy's ``block()``, which waits for the queued actions: returns at once, since
        an action and its table updates have finished when its call returns."""

    # Action groups -------------------------------------------------------------------

    @property
    def edit_actions(self) -> Actions:
        """The Edit actions (phy's name for :attr:`actions`)."""
        return self.actions

    @property
    def action_groups(self) -> list[Actions]:
        """Edit and Select actions, in snippet resolution order."""
        return [self.actions, self.select_actions]

    def __repr__(self) -> str:
        return (
            f"<Supervisor {self.clustering.n_clusters} clusters, selected={self.selected}, "
            f"dirty={self.is_dirty()}>"
        )

