"""A Qt label docked in the GUI (Qt widgets: unsupported)."""

from PyQt5.QtWidgets import QLabel

from phy import IPlugin, connect


class PhyStyleQtPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            gui.add_view(QLabel('hello'))
