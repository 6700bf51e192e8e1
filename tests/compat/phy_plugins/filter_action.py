"""`:fr 10` shows only clusters firing faster than 10 spikes/s (phy's filter_action pattern)."""

from phy import IPlugin, connect


class PhyStyleFilterPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            @gui.view_actions.add(alias='fr')
            def filter_firing_rate(rate):
                """Show clusters with a firing rate above `rate`."""
                controller.supervisor.filter(f'fr > {float(rate):.1f}')
