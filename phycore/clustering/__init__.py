"""Curation core: spike → cluster assignment, per-cluster metadata, undo stacks.

- :class:`Clustering`: merge / split / assign / undo / redo with a per-cluster spike
  index; undo and redo cost what the undone action touched.
- :class:`ClusterMeta`: ``group`` and custom labels, with undo/redo (inherited labels
  included); :func:`create_cluster_meta` makes one from ``{cluster_id: group}``.
- :class:`History`: a generic undo stack; :class:`GlobalHistory` groups the parts of one
  user action (e.g. a merge and the labels its result inherits).
- :class:`UpdateInfo`: what an action changed, passed with the ``cluster`` event.
"""

from __future__ import annotations

from phycore.model.tables import read_cluster_tsv, write_cluster_tsv
from phycore.clustering.cluster_meta import DEFAULT_GROUPS, ClusterMeta, create_cluster_meta
from phycore.clustering.clustering import NEW_CLUSTER_ID_FILE, Clustering
from phycore.clustering.history import GlobalHistory, History
from phycore.clustering.update_info import UpdateInfo, combine_updates

__all__ = [
    "Clustering",
    "ClusterMeta",
    "DEFAULT_GROUPS",
    "GlobalHistory",
    "History",
    "NEW_CLUSTER_ID_FILE",
    "UpdateInfo",
    "combine_updates",
    "create_cluster_meta",
    "read_cluster_tsv",
    "write_cluster_tsv",
]
