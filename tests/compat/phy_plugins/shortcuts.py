"""Rebind a shortcut through Qt key sequences (phy's shortcuts pattern: unsupported)."""

from phy import IPlugin, connect
from phy.gui.actions import _get_qkeysequence


class PhyStyleShortcutsPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect(sender=controller)
        def on_gui_ready(sender, gui):
            action = gui.edit_actions.get('merge')
            action.qaction.setShortcuts([_get_qkeysequence('ctrl+shift+m')])
