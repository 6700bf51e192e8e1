"""Two new actions: a message in the status bar, and selecting the first N clusters
(phy's action_status_bar pattern)."""

from phy import IPlugin, connect


class PhyStyleActionsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            gui.file_actions.separator()

            @gui.file_actions.add(shortcut='a')
            def display_message():
                """Say hello in the status bar."""
                gui.status_message = 'Hello from a phy plugin'

            gui.select_actions.separator()

            @gui.select_actions.add(submenu='My submenu', shortcut='ctrl+alt+n', prompt=True,
                                    prompt_default=lambda: 3)
            def select_n_first_clusters(n_clusters):
                # phy's table answers asynchronously through a callback.
                @controller.supervisor.cluster_view.get_ids
                def get_cluster_ids(cluster_ids):
                    controller.supervisor.select(cluster_ids[:n_clusters])
