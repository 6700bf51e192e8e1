"""Threads and live sessions in the GUI (private).

The GUI thread owns the event bus (:func:`phycore.signals.set_owner_thread`, unless a host
program set an owner first): events emitted on other threads are queued and delivered
before each frame, by ``controller.poll()`` or, without a controller, here. The
``spikes_added`` events of the Supervisor are gathered in ``gui.live`` (a
:class:`~phygui.viewmodels.live.LiveActivity`) and handed to the views at most every
``gui.live_refresh_interval`` seconds; the status bar shows the spikes received. Queued
spikes are applied at most every :data:`LIVE_APPLY_INTERVAL` seconds.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from phycore.signals import connect, deliver_pending, owner_thread, set_owner_thread, unconnect

from phygui.viewmodels.live import LiveActivity

if TYPE_CHECKING:
    from phygui.gui import GUI

__all__: list[str] = []

#: Seconds between two applications of queued spikes while the GUI runs (unless the
#: host program set ``controller.live_apply_interval`` itself).
LIVE_APPLY_INTERVAL = 0.1


def start(gui: GUI) -> None:
    """Own the event bus (if nobody does) and listen to the Supervisor's ``spikes_added``."""
    gui.live = LiveActivity(gui.live_refresh_interval)
    gui._live_shown = 0.0
    gui._owns_bus = owner_thread() is None
    if gui._owns_bus:
        set_owner_thread()
    controller = gui.controller
    if controller is not None and "live_apply_interval" not in vars(controller) and \
            getattr(controller, "live_apply_interval", None) == 0.0:
        # Queued spikes join the tables ten times a second, not every frame: a batch costs
        # per cluster it touches, and a frame's batch already touches most clusters.
        controller.live_apply_interval = LIVE_APPLY_INTERVAL

    def on_spikes_added(sender: Any, spike_ids: Any, cluster_ids: Any) -> None:
        gui.live.add(spike_ids, cluster_ids)

    gui._on_spikes_added = on_spikes_added
    connect(on_spikes_added, event="spikes_added", sender=gui.supervisor)


def before_frame(gui: GUI, polled: bool) -> None:
    """Deliver other threads' events (unless ``controller.poll()`` just did), then hand the
    spikes received since the last refresh to the views and update the status bar."""
    if not polled and owner_thread() == threading.get_ident():
        deliver_pending()
    now = time.monotonic()
    batch = gui.live.flush(now)
    if batch is not None:
        spike_ids, cluster_ids = batch
        for view in gui.views:
            gui._guard(view, "on_spikes_added", spike_ids, cluster_ids)
        gui._update_selection_status()
    if gui.live.n_received and now - gui._live_shown >= gui.live_refresh_interval:
        gui._live_shown = now  # the rate is redrawn twice a second, not every frame
        gui.status.set_live(gui.live.text(now))


def stop(gui: GUI) -> None:
    """Stop listening; give the event bus back if the GUI took it."""
    unconnect(gui._on_spikes_added)
    if gui._owns_bus and owner_thread() == threading.get_ident():
        set_owner_thread(None)
