"""Split the first selected cluster in two by k-means on its template amplitudes
(phy's custom_split pattern; scipy's k-means instead of scikit-learn's)."""

import numpy as np

from phy import IPlugin, connect


def k_means(x):
    """Two labels from k-means on the rows of x."""
    from scipy.cluster.vq import kmeans2
    _, labels = kmeans2(x.astype(np.float64), 2, minit='++', seed=0)
    return labels


class PhyStyleSplitPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            @controller.supervisor.edit_actions.add(shortcut='s')
            def custom_split():
                """Split the first selected cluster by k-means on its amplitudes."""
                cluster_ids = controller.supervisor.selected
                bunchs = controller._amplitude_getter(cluster_ids, name='template', load_all=True)
                spike_ids = bunchs[0].spike_ids
                labels = k_means(bunchs[0].amplitudes.reshape((-1, 1)))
                assert spike_ids.shape == labels.shape
                controller.supervisor.actions.split(spike_ids, labels)
