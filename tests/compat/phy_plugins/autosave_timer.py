"""Autosave with a Qt timer, ask before a bulk relabel, ask for a label (phy-style Qt use:
QTimer, QMessageBox.question, QInputDialog.getText and message_box from phy.gui.qt)."""

from phy import IPlugin, connect
from phy.gui.qt import QInputDialog, QMessageBox, QTimer, message_box


class PhyStyleAutosavePlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.autosaves = []

        @connect
        def on_gui_ready(sender, gui):
            timer = QTimer()
            timer.setInterval(60 * 1000)

            def autosave():
                controller.autosaves.append(len(controller.supervisor.clustering.cluster_ids))
                gui.status_message = f"autosave {len(controller.autosaves)}"

            timer.timeout.connect(autosave)
            timer.start()
            controller.autosave_timer = timer

            @gui.edit_actions.add(shortcut='ctrl+alt+l')
            def label_selected_as():
                text, ok = QInputDialog.getText(None, "Label", "Label of the selected clusters:", text="good")
                if not ok:
                    return
                answer = QMessageBox.question(None, "Label", f"Label them all {text}?")
                if answer == QMessageBox.Yes:
                    controller.supervisor.label("group", text)
                    message_box(f"labelled {text}", title="Label")
