"""Placeholder dock windows for the data views that arrive in the next step.

They hold the places of phy's default views (waveforms, features...) in the layout and
say plainly that they draw nothing yet; they are not data views.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

from phygui.views.base import View

__all__ = ["PlaceholderView", "PLACEHOLDER_VIEWS"]

#: phy's default data views, right of the tables (parity.md §1.0).
PLACEHOLDER_VIEWS = ("WaveformView", "FeatureView", "CorrelogramView", "AmplitudeView", "TraceView",
                     "ISIView", "FiringRateView", "ProbeView")


class PlaceholderView(View):
    """An empty, clearly labelled dock window standing for a view not implemented yet."""

    def __init__(self, context: Any, name: str | None = None) -> None:
        super().__init__(context, name)
        self._text: int | str = 0

    def build(self, parent: int | str) -> None:
        dpg.add_text(f"{self.name}: placeholder", parent=parent, color=(200, 200, 120, 255))
        dpg.add_text("This data view is not implemented yet (next step).", parent=parent,
                     color=(150, 150, 150, 255))
        self._text = dpg.add_text("", parent=parent, color=(150, 150, 150, 255))

    def update(self) -> None:
        if self.dirty:
            self.dirty = False
            sel = self.context.supervisor.selected
            dpg.set_value(self._text, f"selected clusters: {', '.join(map(str, sel)) or '(none)'}")
