"""TraceImageView: the drawer of :class:`~phygui.viewmodels.trace_image.TraceImageModel`.

The picture is one static texture made when the window or an option changes (the shared
:class:`~phygui.views._plot.PlotView` machinery), so idle frames cost nothing.
"""

from __future__ import annotations

from typing import ClassVar

from phygui.viewmodels.trace_image import TraceImageModel
from phygui.views._plot import PlotView
from phygui.views.trace import TimeWindowProperties

__all__ = ["TraceImageView"]


class TraceImageView(TimeWindowProperties, PlotView):
    """The raw traces of all channels in a time window as a heat map (channels × time)."""

    model_class = TraceImageModel
    phy_names = ("auto_scale", "decrease", "duration", "go_left", "go_right", "go_to", "go_to_end", "go_to_start",
                 "increase", "interval", "jump_left", "jump_right", "n_channels", "narrow", "origin",
                 "sample_rate", "scaling", "set_interval", "shift", "status", "switch_origin", "toggle_auto_scale",
                 "vrange", "widen")
    ticks: ClassVar[tuple[bool, bool]] = (True, False)
    pad: ClassVar[tuple[float, float, float, float]] = (0.0, 0.0, 0.0, 0.0)
    local_state_attrs = ("interval", "scaling")
    listens: ClassVar[dict[str, str]] = {"select_time": "on_select_time",
                                         "raw_data_filter_changed": "on_raw_data_filter_changed"}
