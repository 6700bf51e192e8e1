"""The selection: clusters selected in the cluster table, then in the similarity table.

Selecting in the cluster table refills the similarity table with the clusters most
similar to the last selected one; every change emits ``select``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from phycore.clustering import Clustering
from phycore.signals import emit
from phycore.supervisor.cluster_table import ClusterTables

__all__ = ["Selection", "SelectionState", "SimilarityFunc"]

logger = logging.getLogger("phycore.supervisor")

#: A similarity function: ``f(cluster_id) -> [(other_id, score), ...]``.
SimilarityFunc = Callable[[int], Sequence[tuple[int, float]]]
#: ``(cluster-table selection, similarity-table selection)``.
SelectionState = tuple[list[int], list[int]]


class Selection:
    """Which clusters are selected, and the similarity table that follows them.

    Parameters
    ----------
    clustering : Clustering
        To forget clusters that no longer exist when a selection is restored.
    tables : ClusterTables
        The similarity table is refilled from here.
    sender : object
        The sender of ``select`` (the Supervisor, as in phy).

    Attributes
    ----------
    similarity : callable or None
        ``f(cluster_id) -> [(id, score), ...]``; the similarity table shows the best
        :attr:`n_similar_max`.

    Events
    ------
    select(sender, cluster_ids)
        The selection changed (or the similarity table was refilled).
    request_similar_clusters(similarity_table, cluster_id)
        Before the similarity table is refilled for the last selected cluster (phy's
        event; the table is filled from :attr:`similarity`, not from the replies).
    """

    n_similar_max = 100

    def __init__(self, clustering: Clustering, tables: ClusterTables, sender: object) -> None:
        self._clustering = clustering
        self._tables = tables
        self._sender = sender
        self.similarity: SimilarityFunc | None = None
        self._clusters: list[int] = []
        self._similar: list[int] = []

    @property
    def sender(self) -> object:
        """The sender of the selection's events (the Supervisor)."""
        return self._sender

    @property
    def clusters(self) -> list[int]:
        """Clusters selected in the cluster table."""
        return list(self._clusters)

    @property
    def similar(self) -> list[int]:
        """Clusters selected in the similarity table."""
        return list(self._similar)

    @property
    def all(self) -> list[int]:
        """The cluster-table selection then the similarity selection."""
        return self._clusters + [c for c in self._similar if c not in self._clusters]

    def state(self) -> SelectionState:
        """A copy of the selection, to restore later."""
        return (self.clusters, self.similar)

    def set(self, clusters: Sequence[int], similar: Sequence[int], update_similarity: bool = True) -> None:
        """Select ``clusters`` then ``similar`` (kept only if in the similarity table)."""
        previous = self.all
        self._clusters = list(clusters)
        if update_similarity:
            self._update_similarity()
        table = self._tables.similarity_table
        self._similar = [c for c in similar if c in table]
        if self.all != previous or update_similarity:
            emit("select", self._sender, self.all)

    def set_similar(self, similar: Sequence[int]) -> None:
        """Change only the similarity-table selection."""
        self.set(self._clusters, similar, update_similarity=False)

    def restore(self, state: SelectionState) -> None:
        """Select ``state`` again, without the clusters that no longer exist."""
        known = self._clustering.spike_counts
        self.set([c for c in state[0] if c in known], [c for c in state[1] if c in known])

    def _update_similarity(self) -> None:
        pairs: list[tuple[int, float]] = []
        if self._clusters:
            # phy's SimilarityView asks its supervisor for the rows; here the function answers.
            emit("request_similar_clusters", self._tables.similarity_table, self._clusters[-1])
        if self._clusters and self.similarity is not None:
            last = self._clusters[-1]
            try:
                found = list(self.similarity(last))
            except Exception:  # a plugin's similarity must not break selecting
                logger.exception("The similarity function failed for cluster %d.", last)
                found = []
            table = self._tables.cluster_table
            pairs = [(int(c), float(s)) for c, s in found if int(c) in table and c not in self._clusters]
            pairs.sort(key=lambda p: -p[1])
        self._tables.set_similar(pairs[: self.n_similar_max])
