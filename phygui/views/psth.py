"""PSTHView: the drawer of :class:`~phygui.viewmodels.psth.PSTHModel`."""

from __future__ import annotations

import functools
import re
from typing import ClassVar

from phygui.viewmodels.psth import PSTHModel
from phygui.views._plot import PlotView

__all__ = ["PSTHView"]

#: The submenu of the view's menu choosing the event type (as the amplitude view's types).
EVENT_SUBMENU = "Align on event type"


class PSTHView(PlotView):
    """Spikes of each selected cluster aligned on an event type: raster and histogram.

    Not in the default layout (View > Add view). x is in ms. The event type is chosen in
    the "Align on event type" submenu (the types known when the view was made), with
    ``next_event_type`` / ``previous_event_type``, or ``:psthe <name>``; the window with
    ``:psthw <pre> <post>`` and ``ctrl+wheel``, the bin with ``:psthb <ms>`` and ``alt+wheel``.
    """

    model_class = PSTHModel
    x_scale = 1000.0
    ticks: ClassVar[tuple[bool, bool]] = (True, False)
    pad: ClassVar[tuple[float, float, float, float]] = (0.01, 0.01, 0.01, 0.01)
    listens = {"events_changed": "on_events_changed"}

    def _add_actions(self) -> None:
        super()._add_actions()
        for name in self.model.event_types:
            self.actions.add(functools.partial(self.model.set_event_type, name),
                             name=f"align_on_{re.sub(r'[^0-9a-zA-Z_]', '_', name)}",
                             docstring=f"Align on the {name!r} events.", submenu=EVENT_SUBMENU,
                             show_shortcut=False, menu=self.name)
