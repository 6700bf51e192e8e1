"""More spikes in the views (phy's n_spikes_views pattern)."""

from phy import IPlugin, connect


class PhyStyleNspikesPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.n_spikes_amplitudes = 123

        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            controller.n_spikes_waveforms = 37
