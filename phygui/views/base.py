"""The View base class every dockable view implements.

A view owns one dockable Dear PyGui window created by the GUI (its title is the view
name, so the dock layout can refer to it). The GUI calls, on the main thread:

- :meth:`View.build` once, inside the window, to create the items;
- :meth:`View.update` once per frame: cheap unless something changed (a view redraws
  only when its inputs change: selection, clustering, options, size);
- :meth:`View.on_select` / :meth:`View.on_cluster` when the SDK emits those events, and
  :meth:`View.on_spikes_added` in live sessions (throttled by the GUI);
- :meth:`View.get_state` on close (saved in the GUI state under the view name) and
  :meth:`View.set_state` with the stored dict at creation.

An exception raised by any of these is caught by the GUI, shown in the status bar and in
the view itself, and the app keeps running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from phygui.gui import GUI

__all__ = ["View"]


class View:
    """Base class of dockable views.

    Parameters
    ----------
    gui : GUI
        The GUI the view belongs to (gives access to ``gui.controller``,
        ``gui.supervisor`` and ``gui.state``).
    name : str, optional
        Window/dock name; default the class name (phy's convention).

    Attributes
    ----------
    closable : bool
        Whether the user may close the view (the tables may not, as in phy).
    local_state_attrs : tuple of str
        State keys stored in the dataset's local state file rather than the global one.
    """

    closable: ClassVar[bool] = True
    local_state_attrs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, gui: GUI, name: str | None = None) -> None:
        self.gui = gui
        self.name = name or type(self).__name__
        self.window: int | str | None = None
        self.dirty = True

    # Life cycle -------------------------------------------------------------------

    def build(self, parent: int | str) -> None:
        """Create the Dear PyGui items of the view inside ``parent`` (its window)."""

    def update(self) -> None:
        """Called every frame; redraw here when :attr:`dirty` (then clear it)."""

    def on_select(self, cluster_ids: list[int]) -> None:
        """The selection changed."""
        self.dirty = True

    def on_cluster(self, up: Any) -> None:
        """A clustering or label action happened (an :class:`~phycore.UpdateInfo`)."""
        self.dirty = True

    def on_spikes_added(self, spike_ids: Any, cluster_ids: list[int]) -> None:
        """Live sessions: spikes were appended to ``cluster_ids`` (the GUI gathers the
        ``spikes_added`` events and calls this at most every ``live_refresh_interval``)."""

    def close(self) -> None:
        """Release resources when the GUI is destroyed."""

    # State ------------------------------------------------------------------------

    def get_state(self) -> dict[str, Any]:
        """Options to persist (JSON-able values only)."""
        return {}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore options saved by :meth:`get_state`."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
