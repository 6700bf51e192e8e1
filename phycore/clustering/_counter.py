"""The persisted next-cluster-id counter of a :class:`Clustering` (private).

The counter lives in ``<data>/.phy/new_cluster_id.json`` as ``{"new_cluster_id": N}``,
written atomically, so ids handed out by one session are never reused by the next.

Each write is fsynced (file and folder: two fsyncs, 10-60 ms on a busy disk). A session
with a crash journal therefore does not write it at each action (see
``Clustering.sync_counter``): every journal entry, fsynced before the action returns,
carries the counter after it (``next_id``); the file is written when the session closes,
and the next session starts from the largest of the file, the ids in the journal it
finds (``Journal.id_floor`` in ``phycore.supervisor.journal``, stored here before that
journal is replayed, set aside or discarded) and ``max(spike_clusters) + 1``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from phycore.paths import atomic_write_text

__all__ = ["NEW_CLUSTER_ID_FILE", "read_counter", "save_counter"]

logger = logging.getLogger("phycore.clustering.clustering")

#: Name of the file (in ``state_dir``, i.e. ``<data>/.phy``) holding the next fresh id.
NEW_CLUSTER_ID_FILE = "new_cluster_id.json"


def read_counter(state_dir: Path) -> int | None:
    """The stored counter, or None when absent or unreadable (logged)."""
    path = state_dir / NEW_CLUSTER_ID_FILE
    if not path.exists():
        return None
    try:
        value = json.loads(path.read_text())["new_cluster_id"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(value)
        return int(value)
    except (OSError, ValueError, KeyError, TypeError) as e:
        logger.warning("Ignoring unreadable %s (%s).", path, e)
        return None


def save_counter(state_dir: Path, value: int) -> bool:
    """Write the counter (atomically, fsynced); returns False (and logs) when the folder
    is not writable."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(state_dir / NEW_CLUSTER_ID_FILE, json.dumps({"new_cluster_id": int(value)}))
        return True
    except OSError as e:
        logger.warning("Could not save the cluster id counter in %s (%s).", state_dir, e)
        return False

