"""The Supervisor's side of live sessions: appended spikes reach the tables (private).

Appending is not an action: nothing goes on the undo stack. Only the table rows of the
clusters that received spikes are recomputed (``n_spikes`` and every column), as for an
action; the similarity table's copies of those rows follow.

Crash journal: appended spikes are not in the data files, so a journal written after
them could not be replayed on the folder. At the first append the journal gets an
``{"op": "append"}`` marker and stops recording; a replay applies the entries before
the marker and says why it stops there.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from phycore.clustering import UpdateInfo
from phycore.signals import emit
from phycore.supervisor._edits import refresh_similarity_rows

if TYPE_CHECKING:
    from phycore.supervisor.supervisor import Supervisor

__all__: list[str] = []

logger = logging.getLogger("phycore.supervisor")


def append_spikes(sup: Supervisor, spike_templates: Any, clusters: Any = None) -> UpdateInfo:
    """See :meth:`Supervisor.append_spikes`."""
    up = sup.clustering.append_spikes(spike_templates, clusters)
    if not len(up.spike_ids):
        return up
    touched = sorted(up.added + up.changed)
    sup.cluster_table.update_rows({c: sup._compute_row(c) for c in touched})
    refresh_similarity_rows(sup, touched)
    sup._unsaved_appends += len(up.spike_ids)
    if sup.journal is not None and not sup._replaying:
        sup.journal.append({"op": "append", "n_spikes": int(len(up.spike_ids))})
        logger.warning("Spikes were appended: the crash journal stops here (appended spikes are not "
                       "in the data files, so later actions could not be replayed on them).")
        sup.journal = None
    emit("spikes_added", sup, up.spike_ids, touched)
    return up
