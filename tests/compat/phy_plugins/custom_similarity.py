"""Similarity from the dot product of mean waveforms (phy's custom_similarity pattern)."""

from operator import itemgetter

import numpy as np

from phy import IPlugin
from phy.apps.template import from_sparse


def _normalised_dot(mw1, ch1, mw2, ch2):
    """Dot product of two normalised mean waveforms given on their own channels."""
    if not len(np.intersect1d(ch1, ch2)):
        return 0.0
    a = mw1[0] / np.sqrt(np.sum(mw1[0] ** 2))
    b = mw2[0] / np.sqrt(np.sum(mw2[0] ** 2))
    channels = np.union1d(ch1, ch2)
    # One row per sample: tile the channel lists to the waveforms' shape.
    a = from_sparse(a, np.tile(ch1, (a.shape[0], 1)), channels)
    b = from_sparse(b, np.tile(ch2, (b.shape[0], 1)), channels)
    return float(np.sum(a * b))


class PhyStyleSimilarityPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @controller.context.memcache
        def mean_waveform_similarity(cluster_id):
            mw = controller._get_mean_waveforms(cluster_id)
            out = []
            for other in controller.supervisor.clustering.cluster_ids:
                if other == cluster_id:
                    continue
                mw2 = controller._get_mean_waveforms(other)
                out.append((other, _normalised_dot(mw.data, mw.channel_ids, mw2.data, mw2.channel_ids)))
            return sorted(out, key=itemgetter(1), reverse=True)

        controller.similarity_functions['mean_waveform'] = mean_waveform_similarity
        controller.similarity = 'mean_waveform'
