"""Listen to phy's events (phy's hello pattern, plus select and view_attached)."""

from phy import IPlugin, connect


class PhyStyleHelloPlugin(IPlugin):
    def attach_to_controller(self, controller):
        self.events = []
        controller.phy_style_hello = self  # lets the tests read what it heard

        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            self.events.append(('gui_ready', type(gui).__name__))

            @connect(sender=controller.supervisor)
            def on_cluster(sender, up):
                self.events.append(('cluster', up.description, list(up.added)))

        @connect
        def on_select(sender, cluster_ids):
            self.events.append(('select', list(cluster_ids)))

        @connect
        def on_view_attached(view, gui):
            self.events.append(('view_attached', type(view).__name__))
