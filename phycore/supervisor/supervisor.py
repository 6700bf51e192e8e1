"""The Supervisor: curation actions, selection, tables and wizard, with no GUI.

Every action is synchronous: it changes the clustering, updates only the table rows
of the clusters it touched, records one undoable step, journals itself, emits its
events and returns. A GUI draws the new state on its next frame; a script simply
reads it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from phycore.clustering import Clustering, ClusterMeta, GlobalHistory, UpdateInfo
from phycore.errors import ActionError, ClusterIdError
from phycore.signals import emit
from phycore.supervisor import _edits, _live, wizard
from phycore.supervisor._register import register_actions
from phycore.supervisor.actions import Actions
from phycore.supervisor.colors import ClusterColorSelector
from phycore.supervisor.journal import Journal
from phycore.supervisor.keymap import DEFAULT_SHORTCUTS, DEFAULT_SNIPPETS
from phycore.supervisor.table import TableModel

__all__ = ["Supervisor"]

logger = logging.getLogger(__name__)

#: A column function: ``f(cluster_id) -> value``.
ColumnFunc = Callable[[int], Any]
#: A similarity function: ``f(cluster_id) -> [(other_id, score), ...]``.
SimilarityFunc = Callable[[int], Sequence[tuple[int, float]]]


def _flatten_ids(args: Iterable[Any]) -> list[int]:
    out: list[int] = []
    for a in args:
        if a is None:
            continue
        if isinstance(a, (list, tuple, np.ndarray, range)):
            out.extend(_flatten_ids(a))
        else:
            try:
                if isinstance(a, bool) or int(a) != a:
                    raise ValueError
            except (TypeError, ValueError):
                raise ClusterIdError(f"Cluster ids must be integers, got {a!r}.", argument="cluster_ids") from None
            out.append(int(a))
    return out


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
        ``<data>/.phy``: persists the id counter.
    journal : Journal, optional
        Crash journal appended to on every action.
    save_callback : callable, optional
        ``f(spike_clusters, labels: {field: {id: value}}, cluster_info: list of rows)``
        called by :meth:`save` to write files.
    spike_templates : array of int, optional
        Original template of every spike, for :meth:`append_spikes` without explicit
        clusters (live template membership).

    Events
    ------
    select(supervisor, cluster_ids)
        The selection changed (cluster-table selection then similarity selection).
    cluster(supervisor, up)
        After every action, undo and redo, with its :class:`UpdateInfo`.
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
    """

    n_similar_max = 100

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
        save_callback: Callable[..., Any] | None = None,
        spike_templates: npt.ArrayLike | None = None,
    ) -> None:
        self.clustering = Clustering(spike_clusters, new_cluster_id=new_cluster_id, state_dir=state_dir,
                                     spike_templates=spike_templates)
        self.cluster_meta = ClusterMeta()
        self.cluster_meta.add_field("group")
        labels: dict[str, dict[int, Any]] = {"group": {int(k): v for k, v in (cluster_groups or {}).items()}}
        for field, values in (cluster_labels or {}).items():
            if field != "group":
                self.cluster_meta.add_field(field)
            labels.setdefault(field, {}).update({int(k): v for k, v in values.items()})
        self.cluster_meta.from_dict(labels)
        self.cluster_metrics: dict[str, ColumnFunc] = dict(cluster_metrics or {})
        self.similarity = similarity
        self.journal = journal
        self.save_callback = save_callback
        self.skip_masked = True
        self.gui: Any = None

        self._history = GlobalHistory()
        self._serial = 0
        self._saved_serial = 0
        self._unsaved_appends = 0
        self._selected: list[int] = []
        self._selected_similar: list[int] = []
        self._replaying = False

        self.cluster_table = TableModel("ClusterView", self._column_names(), sort=sort)
        self.similarity_table = TableModel("SimilarityView", self._column_names() + ["similarity"],
                                           sort=("similarity", "desc"))
        self.cluster_table.set_rows({c: self._compute_row(c) for c in self.clustering.cluster_ids})
        self.actions = Actions("Edit", default_shortcuts=DEFAULT_SHORTCUTS, default_snippets=DEFAULT_SNIPPETS)
        self.select_actions = Actions("Select", default_shortcuts=DEFAULT_SHORTCUTS,
                                      default_snippets=DEFAULT_SNIPPETS)
        register_actions(self)
        self.color_selector = ClusterColorSelector(
            lambda field, ids: [self.cluster_table.get(c, field) for c in ids],
            lambda: self.clustering.cluster_ids, sender=self)

    # phy names for the two tables
    @property
    def cluster_view(self) -> TableModel:
        """The cluster table model (phy's ``supervisor.cluster_view``)."""
        return self.cluster_table

    @property
    def similarity_view(self) -> TableModel:
        """The similarity table model (phy's ``supervisor.similarity_view``)."""
        return self.similarity_table

    # Columns and rows ----------------------------------------------------------------

    def _column_names(self) -> list[str]:
        cols = ["id", "n_spikes"] + [c for c in self.cluster_metrics if c not in ("id", "n_spikes")]
        cols += [f for f in self.cluster_meta.fields if f != "group" and f not in cols]
        return cols

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
        known = set(self.cluster_table.columns) | set(self.cluster_metrics) | set(self.cluster_meta.fields)
        unknown = [c for c in names if c not in known | {"id", "n_spikes"}]
        if unknown:
            raise ActionError(f"Unknown column(s) {unknown} in columns; known columns are: "
                              f"{', '.join(sorted(known | {'id', 'n_spikes'}))}.", argument="columns")
        shown = [*names] + ([] if "n_spikes" in names else ["n_spikes"])  # phy keeps n_spikes too
        self.cluster_table.set_columns(shown)
        self.similarity_table.set_columns([*shown, "similarity"])

    def _compute_row(self, cluster_id: int) -> dict[str, Any]:
        row: dict[str, Any] = {"id": int(cluster_id), "n_spikes": int(self.clustering.spike_counts[cluster_id])}
        for name, func in self.cluster_metrics.items():
            try:
                row[name] = func(cluster_id)
            except Exception:  # a broken plugin column must not break the table
                logger.exception("Column %r failed for cluster %d.", name, cluster_id)
                row[name] = None
        for field in self.cluster_meta.fields:
            row[field] = self.cluster_meta.get(field, cluster_id)
        row["is_masked"] = row.get("group") in wizard.MASKED_GROUPS
        return row

    def get_cluster_info(self, cluster_id: int) -> dict[str, Any]:
        """All values of a cluster's row (phy's ``get_cluster_info``)."""
        return self.cluster_table.row(cluster_id)

    @property
    def cluster_info(self) -> list[dict[str, Any]]:
        """Rows of every cluster, sorted by id."""
        return [self.cluster_table.row(c) for c in self.clustering.cluster_ids]

    def add_column(self, name: str, func: ColumnFunc) -> None:
        """Add a cluster-table column computed by ``func(cluster_id)`` (plugins)."""
        self.cluster_metrics[name] = func
        self.cluster_table.add_column(name)
        self.similarity_table.add_column(name)
        self.cluster_table.update_values(name, {c: self._safe(func, c) for c in self.clustering.cluster_ids})

    @staticmethod
    def _safe(func: ColumnFunc, cluster_id: int) -> Any:
        try:
            return func(cluster_id)
        except Exception:
            logger.exception("Column function failed for cluster %d.", cluster_id)
            return None

    def get_labels(self, field: str) -> dict[int, Any]:
        """``{cluster_id: value}`` of a label for every current cluster."""
        return {int(c): self.cluster_meta.get(field, c) for c in self.clustering.cluster_ids}

    @property
    def fields(self) -> list[str]:
        """Label fields, ``group`` first."""
        return list(self.cluster_meta.fields)

    # Selection -----------------------------------------------------------------------

    @property
    def selected_clusters(self) -> list[int]:
        """Clusters selected in the cluster table."""
        return list(self._selected)

    @property
    def selected_similar(self) -> list[int]:
        """Clusters selected in the similarity table."""
        return list(self._selected_similar)

    @property
    def selected(self) -> list[int]:
        """The whole selection: cluster-table selection then similarity selection."""
        return self._selected + [c for c in self._selected_similar if c not in self._selected]

    def _check_ids(self, ids: Sequence[int], argument: str = "cluster_ids") -> list[int]:
        known = self.clustering.spike_counts
        missing = [c for c in ids if c not in known]
        if missing:
            raise ClusterIdError(f"Unknown cluster id(s) {missing} in {argument}.", argument=argument)
        return list(dict.fromkeys(ids))

    def select(self, *cluster_ids: Any) -> list[int]:
        """Select clusters in the cluster table (clears the similarity selection)."""
        ids = self._check_ids(_flatten_ids(cluster_ids))
        self._set_selection(ids, [])
        return self.selected

    def select_similar(self, *cluster_ids: Any) -> list[int]:
        """Select clusters in the similarity table, keeping the cluster-table selection."""
        ids = self._check_ids(_flatten_ids(cluster_ids))
        self._set_selection(self._selected, ids, update_similarity=False)
        return self.selected

    def unselect_similar(self) -> list[int]:
        """Keep only the cluster-table selection."""
        self._set_selection(self._selected, [], update_similarity=False)
        return self.selected

    def select_first_similar(self, n: int = 1) -> list[int]:
        """Select the first ``n`` navigable rows of the similarity table."""
        ids = wizard.navigable_ids(self.similarity_table, self.skip_masked)[: max(1, int(n))]
        self._set_selection(self._selected, ids, update_similarity=False)
        return self.selected

    def _set_selection(self, clusters: list[int], similar: list[int], update_similarity: bool = True) -> None:
        previous = self.selected
        self._selected = list(clusters)
        if update_similarity:
            self._update_similarity()
        self._selected_similar = [c for c in similar if c in self.similarity_table]
        if self.selected != previous or update_similarity:
            emit("select", self, self.selected)

    def _update_similarity(self) -> None:
        rows: dict[int, dict[str, Any]] = {}
        if self._selected and self.similarity is not None:
            last = self._selected[-1]
            try:
                pairs = list(self.similarity(last))
            except Exception:
                logger.exception("The similarity function failed for cluster %d.", last)
                pairs = []
            pairs = [(int(c), float(s)) for c, s in pairs if int(c) in self.cluster_table and c not in self._selected]
            pairs.sort(key=lambda p: -p[1])
            for c, s in pairs[: self.n_similar_max]:
                rows[c] = {**self.cluster_table.row(c), "similarity": s}
        self.similarity_table.set_rows(rows)

    # Wizard --------------------------------------------------------------------------

    def _step_best(self, direction: int) -> list[int]:
        current = self._selected[0] if self._selected else None
        target = wizard.step(self.cluster_table, current, direction, self.skip_masked)
        if target is not None:
            self._set_selection([target], [])
        return self.selected

    def next_best(self) -> list[int]:
        """Select the next navigable cluster of the cluster table."""
        return self._step_best(+1)

    def previous_best(self) -> list[int]:
        """Select the previous navigable cluster of the cluster table."""
        return self._step_best(-1)

    def _step_similar(self, direction: int) -> list[int]:
        if not self._selected:
            return self.next_best() if direction > 0 else self.selected
        current = self._selected_similar[0] if self._selected_similar else None
        target = wizard.step(self.similarity_table, current, direction, self.skip_masked)
        if target is not None:
            self._set_selection(self._selected, [target], update_similarity=False)
        return self.selected

    def next(self) -> list[int]:
        """Select the next similar cluster (the first best cluster if nothing is selected)."""
        return self._step_similar(+1)

    def previous(self) -> list[int]:
        """Select the previous similar cluster."""
        return self._step_similar(-1)

    def first(self) -> list[int]:
        """Select the first navigable cluster."""
        target = wizard.first(self.cluster_table, self.skip_masked)
        self._set_selection([target] if target is not None else [], [])
        return self.selected

    def last(self) -> list[int]:
        """Select the last navigable cluster."""
        target = wizard.last(self.cluster_table, self.skip_masked)
        self._set_selection([target] if target is not None else [], [])
        return self.selected

    def reset_wizard(self) -> list[int]:
        """Restart the wizard from the first navigable cluster."""
        return self.first()

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

    # Actions -------------------------------------------------------------------------

    def merge(self, *cluster_ids: Any, to: int | None = None) -> UpdateInfo:
        """Merge clusters (default: the selection) into a new cluster and select it.

        ``merge(3, 7)``, ``merge([3, 7])`` and the snippet ``:g 3 7`` are equivalent.
        """
        return _edits.merge(self, _flatten_ids(cluster_ids) or None, to=to)

    def split(self, spike_ids: Any = None, spike_clusters_rel: Any = 0) -> UpdateInfo | None:
        """Split spikes off into new clusters (phy semantics, parity.md §4) and select them.

        Without ``spike_ids`` the lasso views are asked (``request_split``).
        """
        return _edits.split(self, spike_ids, spike_clusters_rel)

    def label(self, name: str, value: Any, cluster_ids: Any = None) -> UpdateInfo | None:
        """Set label ``name`` to ``value`` on clusters (default: the selection)."""
        ids = _flatten_ids([cluster_ids]) if cluster_ids is not None else None
        return _edits.label(self, name, value, ids)

    def move(self, group: str | None, which: Any = "all") -> UpdateInfo | None:
        """Move clusters to a group; ``which`` is ``'all'``, ``'best'``, ``'similar'`` or ids."""
        return _edits.move(self, group, which)

    def undo(self) -> UpdateInfo | None:
        """Undo the last action; returns None (and logs it) when there is nothing to undo."""
        return _edits.undo(self)

    def redo(self) -> UpdateInfo | None:
        """Redo the last undone action; returns None when there is nothing to redo."""
        return _edits.redo(self)

    def append_spikes(self, spike_templates: Any, clusters: Any = None) -> UpdateInfo:
        """Add spikes recorded live (see :meth:`Clustering.append_spikes`); not undoable.

        Only the rows of the clusters that received spikes are recomputed; then
        ``spikes_added(supervisor, spike_ids, cluster_ids)`` is emitted.
        """
        return _live.append_spikes(self, spike_templates, clusters)

    def is_dirty(self) -> bool:
        """Whether there are unsaved changes (compared with the last save, not sticky)."""
        return _edits.is_dirty(self)

    def save(self) -> list[Any]:
        """Save through ``save_callback`` and emit ``save_clustering``; returns written paths."""
        return _edits.save(self)

    def replay(self, entries: Sequence[dict[str, Any]]) -> int:
        """Re-apply journaled actions after a crash; returns the number applied."""
        return _edits.replay(self, entries)

    @property
    def can_undo(self) -> bool:
        """Whether there is an action to undo."""
        return bool(self._history.can_undo)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone action to redo."""
        return bool(self._history.can_redo)

    def attach_gui(self, gui: Any) -> None:
        """Remember the GUI and emit ``attach_gui``."""
        self.gui = gui
        emit("attach_gui", self)

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

