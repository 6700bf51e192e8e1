"""Custom column plugin: an ISI-violation quality metric in the cluster table.

Adds a column ``isi_viol``: the fraction of a cluster's inter-spike intervals shorter
than 1.5 ms (refractory period violations). Copy this file to ``~/.phy/plugins/`` and
add ``'IsiViolationColumnPlugin'`` to ``c.TemplateGUI.plugins``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phycore import IPlugin


def isi_violation_fraction(spike_times: np.ndarray, refractory_period: float = 0.0015) -> float:
    """Fraction of inter-spike intervals shorter than ``refractory_period`` (seconds)."""
    if len(spike_times) < 2:
        return 0.0
    isi = np.diff(np.sort(np.asarray(spike_times, dtype=np.float64)))
    return float(np.mean(isi < refractory_period))


class IsiViolationColumnPlugin(IPlugin):
    """Add the ``isi_viol`` column (fraction of ISIs under :attr:`refractory_period`)."""

    column = "isi_viol"
    refractory_period = 0.0015

    def attach_to_controller(self, controller: Any) -> None:
        """Register the metric, memcached per cluster id when the controller has a context."""

        def isi_viol(cluster_id: int) -> float:
            spike_ids = controller.supervisor.clustering.spikes_in_clusters([cluster_id])
            return isi_violation_fraction(controller.model.spike_times[spike_ids], self.refractory_period)

        context = getattr(controller, "context", None)
        if context is not None:
            # Results are keyed by cluster id and dropped when an action changes the cluster.
            isi_viol = context.memcache(isi_viol)

        # phy style: controller.cluster_metrics is read when the cluster table is built.
        # If the supervisor already exists, add the column to it directly as well.
        controller.cluster_metrics[self.column] = isi_viol
        supervisor = getattr(controller, "supervisor", None)
        if supervisor is not None:
            supervisor.add_column(self.column, isi_viol)
