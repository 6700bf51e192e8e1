"""A button in the waveform view's title bar (phy's custom_button pattern: Qt docks, unsupported)."""

from phy import IPlugin, connect
from phy.cluster.views import WaveformView


class PhyStyleButtonPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_view_attached(view, gui):
            if isinstance(view, WaveformView):
                @view.dock.add_button(icon='f105')
                def next_waveforms_type(checked):
                    view.next_waveforms_type()
