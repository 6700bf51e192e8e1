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

import warnings
from typing import Any, ClassVar

from phygui.views.context import ViewContext

__all__ = ["View", "ViewContext"]


class View:
    """Base class of dockable views.

    Parameters
    ----------
    context : ViewContext or GUI
        What the view may use: ``context.supervisor``, ``context.controller``,
        ``context.report_error``... (a GUI given here stands for its ``view_context``,
        so ``MyView(gui)`` keeps working).
    name : str, optional
        Window/dock name; default the class name (phy's convention).

    Attributes
    ----------
    context : ViewContext
    closable : bool
        Whether the user may close the view (the tables may not, as in phy).
    local_state_attrs : tuple of str
        State keys stored in the dataset's local state file rather than the global one.
    """

    closable: ClassVar[bool] = True
    local_state_attrs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: Any, name: str | None = None) -> None:
        self.context: ViewContext = context if isinstance(context, ViewContext) else context.view_context
        self.name = name or type(self).__name__
        self.window: int | str | None = None
        self.dirty = True

    @property
    def gui(self) -> ViewContext:
        """Deprecated alias of :attr:`context` (views took the whole GUI before 0.2).

        .. deprecated:: 0.2
            Use :attr:`context`; ``gui`` will be removed in 0.3.
        """
        warnings.warn("View.gui is deprecated and will be removed in phygui 0.3: use View.context "
                      "(its supervisor, controller, report_error...).", FutureWarning, stacklevel=2)
        return self.context

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
