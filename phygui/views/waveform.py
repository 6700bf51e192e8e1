"""WaveformView: the drawer of :class:`~phygui.viewmodels.waveform.WaveformModel`."""

from __future__ import annotations

from typing import Any

from phygui.viewmodels.waveform import WaveformModel
from phygui.views._plot import PlotView

__all__ = ["WaveformView"]


class WaveformView(PlotView):
    """Spike waveforms at the probe positions (raster bundles, mean/template lines, labels).

    ctrl+click (or digit+click) in a channel box emits ``select_channel`` (the feature view
    follows it).
    """

    model_class = WaveformModel
    phy_names = ("box_scaling", "channel_ids", "cluster_ids", "decrease", "do_show_labels", "extend_horizontally",
                 "extend_vertically", "increase", "max_n_clusters", "narrow", "next_waveforms_type", "overlap",
                 "previous_waveforms_type", "probe_scaling", "reset_scaling", "shortcuts", "shrink_horizontally",
                 "shrink_vertically", "status", "toggle_mean_waveforms", "toggle_show_labels",
                 "toggle_waveform_overlap", "waveforms_type", "waveforms_types", "widen")
    pad = (0.06, 0.01, 0.01, 0.01)
    local_state_attrs = ("box_scaling", "probe_scaling")
    #: alt+r (switch_raw_data_filter) redraws the raw waveforms with the new filter.
    listens = {"raw_data_filter_changed": "on_raw_data_filter_changed"}

    def click(self, x: float, y: float, button: str = "left", *, ctrl: bool = False, alt: bool = False,
              shift: bool = False, key: int | None = None) -> Any:
        """ctrl+click, or a click with a digit 1-9 held: select the channel of the box under
        the mouse (``select_channel(channel_id, key, button)``, as phy's). The feature view puts
        it in slot ``key - 1`` when a digit is held, else left: x (slot 0), right: y (slot 1)."""
        if key is None and self.plot:
            key = self.held_digit()
        if not (ctrl or key is not None):
            return None
        return self.model.click(x, y, button=button, key=key)
