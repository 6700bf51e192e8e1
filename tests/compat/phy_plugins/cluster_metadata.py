"""Save each cluster's best channel in cluster_best_channel.tsv on save (phy's cluster_metadata pattern)."""

import logging

from phylib.io.model import save_metadata

from phy import IPlugin, connect

logger = logging.getLogger('phy')


class PhyStyleMetadataPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            @connect(sender=gui)
            def on_request_save(sender):
                filename = controller.model.dir_path / 'cluster_best_channel.tsv'
                cluster_ids = controller.supervisor.clustering.cluster_ids
                save_metadata(filename, 'best_channel',
                              {c: controller.get_best_channel(c) for c in cluster_ids})
                logger.info('Saved %s.', filename)
