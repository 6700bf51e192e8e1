"""Show only a few columns in the cluster and similarity tables (phy's custom_columns pattern)."""

from phy import IPlugin, connect


class PhyStyleColumnsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_controller_ready(sender):
            # Runs once the supervisor exists; the tables show these columns, in this order.
            controller.supervisor.columns = ['id', 'fr', 'n_spikes', 'depth']
