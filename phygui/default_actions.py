"""The GUI's own action groups: File, View, Help and the snippet-mode key.

They are ordinary :class:`phycore.supervisor.Actions` groups, like the Supervisor's Edit
and Select groups, so menus, shortcuts, snippets and plugins treat them all alike.
"""

from __future__ import annotations

from typing import Any

from phycore.supervisor import Actions

__all__ = ["GUI_SHORTCUTS", "create_default_actions"]

#: phy's GUI-level shortcuts (parity.md §2.1, "Other GUI actions").
GUI_SHORTCUTS: dict[str, str | tuple[str, ...]] = {
    "save": "ctrl+s",
    "exit": "ctrl+q",
    "enable_snippet_mode": ":",
    "show_all_shortcuts": ("h", "f1"),
    "about": "?",
    "reset_layout": "ctrl+alt+l",
    "screenshot": "ctrl+alt+p",
    "toggle_spike_reorder": "ctrl+r",
    "switch_raw_data_filter": "alt+r",
}


def create_default_actions(gui: Any) -> dict[str, Actions]:
    """Create ``file``, ``view``, ``help`` and ``snippet`` groups bound to ``gui``.

    ``gui`` is a :class:`phygui.gui.GUI` (typed ``Any``: the GUI imports this module); the
    actions call its public methods (``save``, ``request_close``, ``screenshot``...).

    Returns
    -------
    dict
        ``{'file': Actions, 'view': Actions, 'help': Actions, 'snippet': Actions}``.
    """
    file = Actions("File", default_shortcuts=GUI_SHORTCUTS)
    view = Actions("View", default_shortcuts=GUI_SHORTCUTS)
    help_ = Actions("Help", default_shortcuts=GUI_SHORTCUTS)
    snippet = Actions("Snippets", menu="", default_shortcuts=GUI_SHORTCUTS)

    def save() -> object:
        """Save the clustering and labels (phy's files, atomically, with backups)."""
        return gui.save()

    def exit() -> None:
        """Close the window (asks to save unsaved changes)."""
        gui.request_close()

    def export_curation_to_spikeinterface(path: str = "") -> str:
        """Write the curation (merges, splits, labels) for SpikeInterface's apply_curation
        (default: <data>/curation.json)."""
        return _export_curation(gui, path)

    file.add(save)
    file.add(export_curation_to_spikeinterface)
    file.separator()
    file.add(exit)

    def reset_layout() -> None:
        """Put every view back where phy puts it."""
        gui.reset_layout()

    def screenshot(path: str = "") -> str:
        """Save a PNG of the window (default: ~/.phy/screenshots/)."""
        return str(gui.screenshot(path or None))

    view.add(reset_layout)
    view.add(screenshot)

    def switch_raw_data_filter() -> str:
        """Next raw-data filter of the trace and waveform views (raw, high_pass, plugins' filters)."""
        rdf = getattr(gui.controller, "raw_data_filter", None)
        if rdf is None:  # a GUI of a bare Supervisor: no raw data
            gui.status_message = "no raw-data filters: this session has no controller"
            return ""
        # Both views redraw on the controller's raw_data_filter_changed event.
        return str(rdf.next())

    view.add(switch_raw_data_filter)

    def toggle_spike_reorder(checked: bool) -> bool:
        """Feature and amplitude views: time axes from spike_times_reordered.npy (phy's ctrl+r)."""
        return _toggle_spike_reorder(gui, view, checked)

    controller = getattr(gui, "controller", None)
    view.add(toggle_spike_reorder, checkable=True, checked=bool(getattr(controller, "spike_reorder", False)))

    def show_all_shortcuts() -> None:
        """List every shortcut and snippet."""
        gui.show_help()

    def about() -> str:
        """Version information."""
        return gui.about()

    help_.add(show_all_shortcuts)
    help_.add(about)

    def enable_snippet_mode(text: str = "") -> None:
        """Open the command line in the status bar (type ':')."""
        gui.open_snippet(":" + text if text else ":")

    snippet.add(enable_snippet_mode)
    return {"file": file, "view": view, "help": help_, "snippet": snippet}


def _export_curation(gui: Any, path: str) -> str:
    """The controller's export, with the status bar naming the file (no menu prompt: one
    click writes the default file; ``:export_curation_to_spikeinterface PATH`` picks another).
    Not in phy 2.1, which has no way to hand a curation back to SpikeInterface
    (docs/spikeinterface.md)."""
    export = getattr(gui.controller, "export_curation", None)
    if export is None:  # a GUI of a bare Supervisor: no original sorting to refer to
        gui.status_message = "no curation to export: this session has no controller"
        return ""
    written = str(export(path or None))
    gui.status_message = f"curation exported for SpikeInterface's apply_curation: {written}"
    return written


def _toggle_spike_reorder(gui: Any, view: Actions, checked: bool) -> bool:
    """The controller's switch, with the status bar saying what the time axes show now."""
    controller = gui.controller
    if getattr(getattr(controller, "model", None), "spike_times_reordered", None) is None:
        action = view.get("toggle_spike_reorder")
        if action is not None:
            action.checked = False  # the menu item stays unticked
        where = f" in {controller.dir_path}" if getattr(controller, "dir_path", None) else ""
        gui.status_message = f"spike reordering unavailable: no spike_times_reordered.npy{where}"
        return False
    on = controller.toggle_spike_reorder(checked)
    gui.status_message = ("spike reordering on: feature and amplitude time axes use spike_times_reordered.npy"
                          if on else "spike reordering off: feature and amplitude time axes use spike_times")
    return on
