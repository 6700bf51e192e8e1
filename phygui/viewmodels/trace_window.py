"""View models showing a time window of the recording, with phy's navigation commands.

:class:`TimeWindowModel` keeps the window ``(t0, t1)`` (seconds) in its options'
``interval`` (local state), clipped to the recording, and emits
``time_range_selected(sender, interval)`` on every change (the amplitude view draws the
window as a band). The commands are phy's TraceView ones: 10 % steps of the window,
10 % jumps of the recording, start/end, next/previous spike of the first selected
cluster, narrow/widen by 1.25, alt+wheel scrolling.
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from phycore.signals import emit
from phygui.viewmodels._base import ClusterViewModel

__all__ = ["TimeWindowModel", "row_channel", "time_channel_text"]

_WIDTH_STEP = 1.25


class TimeWindowModel(ClusterViewModel):
    """A view model of a time window (subclasses' options have an ``interval`` field).

    Parameters
    ----------
    controller : TemplateController (duck-typed: ``model.sample_rate``, ``model.duration``,
        ``model.spike_times``, ``supervisor.clustering.spike_clusters``)
    options : attrs instance, optional
    sender : object, optional
        Sender of ``time_range_selected``.

    Events
    ------
    time_range_selected(sender, interval)
        Every change of the window.
    """

    #: Width of the first window (s), centred on the middle of the recording.
    default_width = 0.25
    #: Factor of widen/narrow (phy's ``scaling_coeff_x``).
    width_step = _WIDTH_STEP
    #: Fraction of the window go_left/go_right shift by (phy's ``shift_amount``).
    shift_step = 0.1

    def __init__(self, controller: Any, options: Any = None, sender: Any = None) -> None:
        super().__init__(controller, options)
        self.sender = sender if sender is not None else self
        self.sample_rate = float(controller.model.sample_rate)
        self.duration = float(controller.model.duration)
        if self.options.interval is None:
            w = self.default_width
            self.options = attrs.evolve(self.options, interval=self._clip(self.duration / 2 - w / 2, w))

    @property
    def interval(self) -> tuple[float, float]:
        """``(t0, t1)`` in seconds."""
        assert self.options.interval is not None
        return self.options.interval

    def _clip(self, t0: float, width: float) -> tuple[float, float]:
        width = float(min(max(width, 1e-3), self.duration))
        t0 = float(min(max(t0, 0.0), self.duration - width))
        return (t0, t0 + width)

    def set_interval(self, interval: Sequence[float]) -> tuple[float, float]:
        """Show ``[t0, t1]`` (clipped to the recording); emits ``time_range_selected``."""
        t0, t1 = (float(v) for v in interval)
        new = self._clip(t0, t1 - t0)
        if new != self.options.interval:
            self.options = attrs.evolve(self.options, interval=new)
            self.extent = None
            self.invalidate(data=False)
            emit("time_range_selected", self.sender, new)
        return new

    def go_to(self, time: float) -> None:
        """Centre the window on a time (s)."""
        t0, t1 = self.interval
        self.set_interval((float(time) - (t1 - t0) / 2, float(time) + (t1 - t0) / 2))

    def on_select_time(self, sender: Any, time: float) -> None:
        """``select_time`` (alt+click in the amplitude view): centre the window there."""
        self.go_to(time)

    def shift(self, delay: float) -> None:
        """Shift the window by a delay (s)."""
        t0, t1 = self.interval
        self.set_interval((t0 + float(delay), t1 + float(delay)))

    def go_left(self) -> None:
        """Shift the window left by 10 % of its width."""
        t0, t1 = self.interval
        self.shift(-self.shift_step * (t1 - t0))

    def go_right(self) -> None:
        """Shift the window right by 10 % of its width."""
        t0, t1 = self.interval
        self.shift(self.shift_step * (t1 - t0))

    def navigate(self, delta: float) -> None:
        """alt+wheel: scroll in time by 10 % of the window per wheel step (phy)."""
        t0, t1 = self.interval
        self.shift(-float(delta) * 0.1 * (t1 - t0))

    def jump_left(self) -> None:
        """Jump left by 10 % of the recording."""
        self.shift(-0.1 * self.duration)

    def jump_right(self) -> None:
        """Jump right by 10 % of the recording."""
        self.shift(0.1 * self.duration)

    def go_to_start(self) -> None:
        """Go to the start of the recording."""
        t0, t1 = self.interval
        self.set_interval((0.0, t1 - t0))

    def go_to_end(self) -> None:
        """Go to the end of the recording."""
        t0, t1 = self.interval
        self.set_interval((self.duration - (t1 - t0), self.duration))

    def _first_cluster_times(self) -> npt.NDArray[np.float64]:
        if not self.cluster_ids:
            return np.zeros(0)
        sc = np.asarray(self.controller.supervisor.clustering.spike_clusters)
        return np.asarray(self.controller.model.spike_times)[sc == self.cluster_ids[0]]

    def go_to_next_spike(self) -> None:
        """Centre on the next spike of the first selected cluster (wraps)."""
        times = self._first_cluster_times()
        if times.size:
            c = sum(self.interval) / 2
            i = int(np.searchsorted(times, c + 1e-9 + 0.5 / self.sample_rate, side="right"))
            self.go_to(float(times[i % len(times)]))

    def go_to_previous_spike(self) -> None:
        """Centre on the previous spike of the first selected cluster (wraps)."""
        times = self._first_cluster_times()
        if times.size:
            c = sum(self.interval) / 2
            i = int(np.searchsorted(times, c - 0.5 / self.sample_rate, side="left")) - 1
            self.go_to(float(times[i % len(times)]))

    def narrow(self) -> None:
        """Narrow the window (x1.25), keeping its centre."""
        self._zoom(1 / self.width_step)

    def widen(self) -> None:
        """Widen the window (x1.25), keeping its centre."""
        self._zoom(self.width_step)

    def _zoom(self, k: float) -> None:
        t0, t1 = self.interval
        c, w = (t0 + t1) / 2, (t1 - t0) * k
        self.set_interval((c - w / 2, c + w / 2))



def row_channel(order: npt.NDArray[np.int64], y: float) -> int | None:
    """The channel of the row at height ``y`` of a time-by-channel view whose rows are
    ``order`` (None outside the rows)."""
    r = int(round(y))
    return int(order[r]) if 0 <= r < len(order) else None


def time_channel_text(controller: Any, order: npt.NDArray[np.int64], x: float, y: float) -> str:
    """Tooltip of a time-by-channel view: the time and the channel (its ``channel_map`` id)."""
    ch = row_channel(order, y)
    if ch is None:
        return f"{x:.4f} s"
    return f"{x:.4f} s, channel {int(np.asarray(controller.model.channel_map)[ch])}"
