"""The GUI's link to other threads, background work and live sessions: :class:`LiveLink`.

Before each frame, ``controller.poll()`` lands the background work (quality metrics,
whose progress the status bar shows) and the queued spikes on the GUI thread. The GUI
thread owns the event bus (:func:`phycore.signals.set_owner_thread`, unless a host
program set an owner first): events emitted on other threads are queued and delivered
before each frame, by ``controller.poll()`` or, without a controller, here. The
``spikes_added`` events of the Supervisor are gathered in a
:class:`~phygui.viewmodels.live_activity.LiveActivity` and handed to the views at most
every ``interval`` seconds; the status bar shows the spikes received. Queued spikes are
applied at most every :data:`LIVE_APPLY_INTERVAL` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from phycore.signals import connect, deliver_pending, owner_thread, set_owner_thread, unconnect
from phygui.viewmodels.live_activity import LiveActivity

__all__ = ["LiveLink", "LIVE_APPLY_INTERVAL"]

logger = logging.getLogger("phygui")

#: Seconds between two applications of queued spikes while the GUI runs (unless the
#: host program set ``controller.live_apply_interval`` itself).
LIVE_APPLY_INTERVAL = 0.1


class LiveLink:
    """Owns the event bus for the GUI thread and throttles live refreshes.

    Parameters
    ----------
    controller : TemplateController or None
        Polled before each frame (``poll()``, ``busy``); its ``live_apply_interval`` is set to :data:`LIVE_APPLY_INTERVAL` unless the host
        program chose one.
    supervisor : Supervisor
        The sender of the ``spikes_added`` events listened to.
    status : StatusModel
        Shows the spikes received and their rate.
    interval : float
        Seconds between two refreshes of the views while spikes arrive.
    on_refresh : callable
        ``on_refresh(spike_ids, cluster_ids)``: hands the spikes gathered since the last
        refresh to the views.
    on_table : callable, optional
        ``on_table()``: the poll changed table cells (the metrics of new clusters, which
        no event announces, or rows of clusters that received spikes): the tables redraw
        their visible rows.

    Attributes
    ----------
    activity : LiveActivity
        The spikes received, waiting for the next refresh.
    """

    def __init__(self, controller: Any, supervisor: Any, status: Any, interval: float,
                 on_refresh: Callable[[Any, Any], None], on_table: Callable[[], None] | None = None) -> None:
        self.activity = LiveActivity(interval)
        self.controller = controller
        self.interval = interval
        self.status = status
        self._on_refresh = on_refresh
        self._on_table = on_table
        self._shown = 0.0
        self._owns_bus = owner_thread() is None
        if self._owns_bus:
            set_owner_thread()
        if controller is not None and "live_apply_interval" not in vars(controller) and \
                getattr(controller, "live_apply_interval", None) == 0.0:
            # Queued spikes join the tables ten times a second, not every frame: a batch costs
            # per cluster it touches, and a frame's batch already touches most clusters.
            controller.live_apply_interval = LIVE_APPLY_INTERVAL
        connect(self._on_spikes_added, event="spikes_added", sender=supervisor)

    def _on_spikes_added(self, sender: Any, spike_ids: Any, cluster_ids: Any) -> None:
        self.activity.add(spike_ids, cluster_ids)

    def before_frame(self) -> None:
        """Poll the controller (or deliver other threads' events without one), then hand the
        spikes received since the last refresh to the views and update the status bar."""
        polled = self._poll()
        if not polled and owner_thread() == threading.get_ident():
            deliver_pending()
        now = time.monotonic()
        batch = self.activity.flush(now)
        if batch is not None:
            self._on_refresh(*batch)
        if self.activity.n_received and now - self._shown >= self.interval:
            self._shown = now  # the rate is redrawn twice a second, not every frame
            self.status.set_live(self.activity.text(now))

    def _poll(self) -> bool:
        poll = getattr(self.controller, "poll", None)
        if poll is None:
            return False
        try:  # background work (quality metrics) lands on this thread
            busy = self.controller.busy
            if busy is not None:
                self.status.set_progress(*busy)
            elif self.status.progress is not None and self.status.progress[0].startswith("quality"):
                self.status.set_progress(None)
            if poll() and self._on_table is not None:
                self._on_table()
        except Exception as exc:
            logger.exception("Background work failed.")
            self.status.set_error(f"Background work failed: {exc}")
        return True

    def stop(self) -> None:
        """Stop listening; give the event bus back if the GUI took it."""
        unconnect(self._on_spikes_added)
        if self._owns_bus and owner_thread() == threading.get_ident():
            set_owner_thread(None)
