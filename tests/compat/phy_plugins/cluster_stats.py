"""A histogram view of the PC features of each selected cluster (phy's cluster_stats pattern)."""

import numpy as np

from phy import Bunch, IPlugin
from phy.cluster.views import HistogramView


class FeatureHistogramView(HistogramView):
    n_bins = 40
    x_max = None
    alias_char = 'fh'


class PhyStyleClusterStatsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def feature_histogram(cluster_id):
            # Absolute value of the first PC on the best channel.
            return Bunch(data=np.abs(controller.get_features(cluster_id).data[:, 0, 0]))

        def create_view():
            return FeatureHistogramView(cluster_stat=feature_histogram)

        controller.view_creator['FeatureHistogram'] = create_view
