"""The rows of the cluster and similarity tables, kept up to date action by action.

:class:`ClusterTables` owns both :class:`~phycore.supervisor.table_model.TableModel`\\ s
and the column functions. A row is ``id``, ``n_spikes``, every column function's value
and every label field; after an action only the rows of the clusters it touched are
recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from phycore.clustering import Clustering, ClusterMeta, UpdateInfo
from phycore.errors import ActionError
from phycore.supervisor.keymap import MASKED_GROUPS
from phycore.supervisor.table_model import TableModel

__all__ = ["ClusterTables", "ColumnFunc"]

logger = logging.getLogger("phycore.supervisor")

#: A column function: ``f(cluster_id) -> value``.
ColumnFunc = Callable[[int], Any]


class ClusterTables:
    """The cluster table, the similarity table and the functions behind their columns.

    Parameters
    ----------
    clustering : Clustering
    cluster_meta : ClusterMeta
    cluster_metrics : dict, optional
        ``{column: f(cluster_id)}`` (phy's ``cluster_metrics``).
    sort : (str, str), optional
        Initial sort of the cluster table.
    """

    def __init__(self, clustering: Clustering, cluster_meta: ClusterMeta,
                 cluster_metrics: Mapping[str, ColumnFunc] | None = None,
                 sort: tuple[str, str] | None = ("n_spikes", "desc")) -> None:
        self._clustering = clustering
        self._meta = cluster_meta
        self.cluster_metrics: dict[str, ColumnFunc] = dict(cluster_metrics or {})
        self.cluster_table = TableModel("ClusterView", self._column_names(), sort=sort)
        self.similarity_table = TableModel("SimilarityView", self._column_names() + ["similarity"],
                                           sort=("similarity", "desc"))
        self.cluster_table.set_rows(self.compute_rows(clustering.cluster_ids.tolist()))
        #: Called with no argument after columns were added (the Supervisor adds their sort actions).
        self.on_new_columns: list[Callable[[], None]] = []

    def _column_names(self) -> list[str]:
        cols = ["id", "n_spikes"] + [c for c in self.cluster_metrics if c not in ("id", "n_spikes")]
        cols += [f for f in self._meta.fields if f != "group" and f not in cols]
        return cols

    def set_columns(self, names: Sequence[str]) -> None:
        """Show only ``names`` (plus ``n_spikes``, as phy), in that order, in both tables."""
        known = set(self.cluster_table.columns) | set(self.cluster_metrics) | set(self._meta.fields)
        unknown = [c for c in names if c not in known | {"id", "n_spikes"}]
        if unknown:
            raise ActionError(f"Unknown column(s) {unknown} in columns; known columns are: "
                              f"{', '.join(sorted(known | {'id', 'n_spikes'}))}.", argument="columns")
        shown = [*names] + ([] if "n_spikes" in names else ["n_spikes"])
        self.cluster_table.set_columns(shown)
        self.similarity_table.set_columns([*shown, "similarity"])

    def compute_row(self, cluster_id: int) -> dict[str, Any]:
        """Every column of one cluster (a failing column function gives None, logged)."""
        return self.compute_rows([cluster_id])[int(cluster_id)]

    def compute_rows(self, cluster_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """:meth:`compute_row` of each cluster (the lookups shared by all rows made once:
        a split over every cluster recomputes ~600 rows, and its undo as many)."""
        counts = self._clustering.spike_counts
        metrics = list(self.cluster_metrics.items())
        fields = self._meta.fields
        get_label = self._meta.get
        rows: dict[int, dict[str, Any]] = {}
        for c in cluster_ids:
            cid = int(c)
            row: dict[str, Any] = {"id": cid, "n_spikes": int(counts[cid])}
            for name, func in metrics:
                try:
                    row[name] = func(cid)
                except Exception:  # a broken plugin column must not break the table
                    logger.exception("Column %r failed for cluster %d.", name, cid)
                    row[name] = None
            for field in fields:
                row[field] = get_label(field, cid)
            row["is_masked"] = row.get("group") in MASKED_GROUPS
            rows[cid] = row
        return rows

    def add_column(self, name: str, func: ColumnFunc, before: str | None = None) -> None:
        """Add a column computed by ``func(cluster_id)`` (plugins) and fill it.

        ``before`` places it before that column (the controller puts phy's ``ch, sh, depth,
        fr, amp`` before ``n_spikes``); by default it goes last.
        """
        self.cluster_metrics[name] = func
        self.cluster_table.add_column(name, before)
        self.similarity_table.add_column(name, before)
        self.cluster_table.update_values(
            name, {c: _safe(func, c, name) for c in self._clustering.cluster_ids.tolist()})
        self._new_columns()

    def _new_columns(self) -> None:
        for callback in self.on_new_columns:
            callback()

    def cluster_info(self) -> list[dict[str, Any]]:
        """Rows of every cluster, sorted by id."""
        return [self.cluster_table.row(c) for c in self._clustering.cluster_ids.tolist()]

    def apply(self, up: UpdateInfo) -> None:
        """Recompute the rows of the clusters ``up`` touched, and only those."""
        known = self._clustering.spike_counts
        if up.added or up.deleted or up.changed:
            rows = self.compute_rows(c for c in (*up.added, *up.changed) if c in known)
            self.cluster_table.update_rows(rows, removed=up.deleted)
        if up.metadata_changed:
            for field in self._meta.fields:
                if field != "group" and field not in self.cluster_table.columns:
                    self.cluster_table.add_column(field)
                    self.similarity_table.add_column(field)
                    self._new_columns()
            self.cluster_table.update_rows(self.compute_rows(c for c in up.metadata_changed if c in known))
            self.refresh_similarity_rows(up.metadata_changed)

    def rows_grew(self, cluster_ids: Sequence[int]) -> None:
        """Live sessions: clusters received spikes; recompute their rows in both tables."""
        self.cluster_table.update_rows(self.compute_rows(cluster_ids))
        self.refresh_similarity_rows(cluster_ids)

    def refresh_similarity_rows(self, ids: Iterable[int]) -> None:
        """Copy the cluster-table rows of ``ids`` into the similarity table (keeping the scores)."""
        table = self.similarity_table
        rows = {c: {**self.cluster_table.row(c), "similarity": table.get(c, "similarity")}
                for c in ids if c in table}
        if rows:
            table.update_rows(rows)

    def set_similar(self, pairs: Sequence[tuple[int, float]]) -> None:
        """Fill the similarity table with ``(cluster, score)`` pairs."""
        self.similarity_table.set_rows({c: {**self.cluster_table.row(c), "similarity": s} for c, s in pairs})


def _safe(func: ColumnFunc, cluster_id: int, name: str) -> Any:
    try:
        return func(cluster_id)
    except Exception:  # a broken plugin column must not break the table
        logger.exception("Column %r failed for cluster %d.", name, cluster_id)
        return None
