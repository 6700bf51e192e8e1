"""A mean inter-spike interval column (phy's cluster_metrics pattern)."""

import numpy as np

from phy import IPlugin


class PhyStyleMeanIsiPlugin(IPlugin):
    def attach_to_controller(self, controller):
        # Called before the supervisor is built: every entry becomes a table column.
        def meanisi(cluster_id):
            times = controller.get_spike_times(cluster_id).data
            return float(np.diff(times).mean()) if len(times) > 1 else 0.0

        controller.cluster_metrics['meanisi'] = controller.context.memcache(meanisi)
