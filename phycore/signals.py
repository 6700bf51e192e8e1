"""phy-style events over blinker: ``connect``, ``emit``, ``unconnect``, ``silent``.

The calling convention is phy's (``phylib.utils.event``), the storage is blinker's:

- ``connect(f)`` infers the event from the function name ``on_<event>``;
  ``connect(f, event=..., sender=...)`` names it; both are usable as decorators, with
  or without arguments.
- ``emit(event, sender, *args, **kwargs)`` calls every subscriber of ``event`` whose
  ``sender`` filter is ``None`` or *is* ``sender``, with ``(sender, *args, **kwargs)``,
  and returns the list of their results.

Where blinker and phy differ, this wrapper decides (style.md, point 7):

- **order**: subscribers run in registration order, whether they filter on a sender or
  not (blinker runs ANY receivers first, each group in set order). Subscribers
  connected with ``last=True`` (a phy option) run after all the others.
- **arguments**: positional arguments are passed through (blinker is keyword-only).
- **references**: subscribers are held strongly until :func:`unconnect` or :func:`reset`,
  so a closure connected inside ``attach_to_controller`` keeps working.
- **duplicates**: connecting the same function to the same event and sender twice
  registers it once (the second call is a no-op), so it is never called twice.
- **errors**: a subscriber that raises is logged with its traceback and the others still
  run. ``set_raise_errors(True)`` or the environment variable
  ``PHYCORE_RAISE_EVENT_ERRORS=1`` makes ``emit`` re-raise instead (the test suite does).
- **silence**: :func:`silent` suppresses every emission in its block and restores the
  previous state in ``finally``; ``emit`` then returns ``[]``.

Each bus uses a private :class:`blinker.Namespace` (never blinker's process-wide default
namespace). :func:`isolated` swaps in a fresh bus for the duration of a block.

**Threads.** By default ``emit`` calls the subscribers on the calling thread, as phy
does. :func:`set_owner_thread` turns on per-thread delivery: an emission made on any
other thread is queued (``emit`` returns ``[]`` there) and delivered, in order, on the
owner thread when it calls :func:`deliver_pending` (phygui does once per frame;
``TemplateController.poll`` does too). Subscribers then never run concurrently with
the owner's code, e.g. a GUI drawing. Thread-safe: ``emit`` (queued from non-owner
threads), ``connect``, ``unconnect`` and :func:`pending_count`. Owner thread only:
:func:`deliver_pending`. ``silent()`` and ``isolated()`` act on the whole bus (use them
on the owner thread); a queued emission is checked against ``silent`` when delivered.

Every built-in event is declared once in :data:`EVENTS`, with its sender, its arguments and
how it differs from the phy 2.1 event of that name (docs/events.md is generated from it).
Any other name may be emitted and connected (phy's ``emit('myevent', sender, 123)``
works); :func:`connect` logs a warning when a name is one typo away from a built-in one.

This module is over the ~400-line guideline because it holds :data:`EVENTS`, the one
documented table of every built-in event (style.md rule 6), next to the small bus.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import re
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast, overload

import attrs
import blinker

__all__ = [
    "EVENTS",
    "EventDoc",
    "NOT_PHY",
    "RAISE_ERRORS_ENV",
    "connect",
    "emit",
    "unconnect",
    "reset",
    "silent",
    "is_silent",
    "isolated",
    "set_raise_errors",
    "raise_errors",
    "event_name",
    "set_owner_thread",
    "owner_thread",
    "deliver_pending",
    "pending_count",
]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Environment variable: when ``1``/``true``/``yes``, a raising subscriber propagates.
RAISE_ERRORS_ENV = "PHYCORE_RAISE_EVENT_ERRORS"


@attrs.frozen
class EventDoc:
    """Documentation of one built-in event.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    sender : str
        What emits it (the first argument every subscriber receives).
    args : str
        The other arguments, as they are passed.
    doc : str
        When it is emitted and what it is for.
    phy : str
        How it differs from phy 2.1's event of the same name (sender kind, arguments or
        moment), or why it is not emitted; empty when it is phy's, unchanged.
        :data:`NOT_PHY` marks phycore's own events.
    """

    sender: str
    args: str
    doc: str
    phy: str = ""


#: :attr:`EventDoc.phy` of an event phy 2.1 does not emit.
NOT_PHY = "Not a phy 2.1 event."


_TABLE = "table (supervisor.cluster_view or supervisor.similarity_view, a TableModel)"
_CANVAS = "Not emitted: phy's OpenGL canvas event; phygui's views draw with ImPlot, which has no such step."

#: Every built-in event, with its sender and arguments (design.md, parity.md §6.4), and how it
#: differs from phy 2.1's (``tests/supervisor/test_phy_events.py`` checks that every event phy 2.1
#: emits is here, and is emitted or says why not).
EVENTS: dict[str, EventDoc] = {
    "controller_ready": EventDoc("controller", "", "End of TemplateController.__init__."),
    "gui_ready": EventDoc("controller", "gui", "The GUI has been created; plugins add views and actions."),
    "attach_gui": EventDoc("supervisor", "", "Supervisor.attach(gui) was called."),
    "select": EventDoc("supervisor", "cluster_ids, **kwargs",
                       "The cluster selection changed (cluster-table selection then similarity selection); "
                       "views redraw.",
                       "phy's cluster and similarity views also emit select(view, {'selected', 'next', "
                       "'kwargs'}) for the supervisor to relay; phycore's tables do not (the Supervisor "
                       "changes the selection itself), and no kwargs are passed."),
    "cluster": EventDoc("supervisor (a standalone clustering or cluster_meta)", "up: UpdateInfo",
                        "Once after every merge, split, label change, and their undo and redo, from the "
                        "supervisor, after its tables are updated. A Clustering or ClusterMeta used "
                        "on its own emits it too (as phy's do); inside a Supervisor they are silent.",
                        "Inside a Supervisor, phy's Clustering and ClusterMeta emit it too (the supervisor "
                        "re-emits it); here only the Supervisor does."),
    "merge_review": EventDoc("supervisor", "up: UpdateInfo",
                             "A merge candidate was rejected in the merge review (controller.merge_review), "
                             "or that reject was undone or redone (up.history 'undo' or 'redo'): "
                             "up.description is 'merge_review_reject', up.metadata_value the pair [a, b]. "
                             "A step of the undo stack that changes no cluster and no label, so it is "
                             "not a `cluster` event.", NOT_PHY),
    "color_mapping_changed": EventDoc("supervisor (or color selector)", "", "Cluster colours changed.", NOT_PHY),
    "raw_data_filter_changed": EventDoc("controller", "name: str",
                                        "controller.raw_data_filter switched filter (alt+r, or a plugin's "
                                        "set/next): the trace and waveform views redraw with it.", NOT_PHY),
    "events_changed": EventDoc("controller", "name: str",
                               "controller.set_events(name, times) changed an event type's times: the PSTH "
                               "view recomputes, the event markers of the trace, raster, amplitude and "
                               "firing-rate views are redrawn.", NOT_PHY),
    "table_sort": EventDoc(_TABLE, "cluster_ids", "The table was sorted; ids in display order."),
    "table_filter": EventDoc(_TABLE, "cluster_ids", "The table was filtered; visible ids.",
                             "Also emitted when the filter is cleared (phy emits it only for an active "
                             "filter), so views showing the visible clusters follow both."),
    "cluster_click": EventDoc("view", "cluster_id, button=", "A cluster was ctrl+clicked in the template "
                              "or raster view, before request_select or select_more.", NOT_PHY),
    "spike_click": EventDoc("trace view", "channel_id=, spike_id=, cluster_id=",
                            "Right after select_spike, with the same arguments.",
                            "phycore's older name of select_spike, kept as an alias."),
    "channel_click": EventDoc("waveform view", "channel_id=, key=, button=",
                              "Right after the waveform view's select_channel, with the same arguments.",
                              "phycore's older name of the waveform view's select_channel, kept as an alias."),
    "add_view": EventDoc("gui", "view", "A view was added to the GUI.", NOT_PHY),
    "close_dock_widget": EventDoc("view", "", "A view's window is closed, just before close_view.",
                                  "phy's sender is the view's Qt DockWidget; phygui's dock windows have no "
                                  "Python object, so the view sends it."),
    "close_view": EventDoc("view", "gui", "A view was closed (its window hidden; the View menu shows it again)."),
    "view_attached": EventDoc("view", "gui", "A view was added to the GUI (phy's name and argument order)."),
    "show": EventDoc("gui", "", "The GUI window is shown."),
    "close": EventDoc("gui", "", "The GUI is closing; a subscriber returning False cancels."),
    "request_split": EventDoc("supervisor", "",
                              "Split without spike ids: lasso views answer with the selected spike ids."),
    "request_undo_state": EventDoc("supervisor (a standalone clustering or cluster_meta)", "up: UpdateInfo",
                                   "After every action, before `cluster`: the subscribers' return values "
                                   "come back as up.undo_state of the action's undo."),
    "save_clustering": EventDoc("supervisor", "spike_clusters, groups, *labels",
                                "After a save; labels are (field, {cluster_id: value}) pairs."),
    "request_save": EventDoc("gui", "", "The user asked to save, before the Supervisor saves."),
    "spikes_added": EventDoc("supervisor (a standalone clustering)", "spike_ids, cluster_ids",
                             "Live acquisition: spikes were appended (their new ids, int64 array) to the "
                             "clusters cluster_ids (sorted list: existing clusters that grew and new "
                             "ones), once the supervisor's table rows are updated. A Clustering used on "
                             "its own emits it too. Not an action: nothing to undo.", NOT_PHY),
    # Supervisor: actions, wizard, similarity ------------------------------------------------
    "action": EventDoc("supervisor", "name, *args",
                       "An Edit or Select action of the Supervisor is run (menu, shortcut, snippet or "
                       "actions.run), before it runs: name is the Supervisor method (move_best_to_good "
                       "gives 'move', 'good', 'best'), args the method's arguments then the user's.",
                       "phy's sender is supervisor.action_creator (an ActionCreator, which phycore does "
                       "not have: the Supervisor sends it), and phy's supervisor runs the action in "
                       "reply to this event: here the action runs itself, so emitting action runs nothing. "
                       "Calling a Supervisor method directly emits nothing, as in phy."),
    "wizard_done": EventDoc("supervisor", "result",
                            "After reset_wizard, next_best, previous_best, next and previous: result is "
                            "the table's new selection {'selected': ids, 'next': id or None, 'kwargs': {}}, "
                            "or None when the wizard had nowhere to go (end of the table).",
                            "phy emits it one Qt loop iteration later, and only when the method is called "
                            "without a callback (scripts: its own GUI actions pass one); phycore emits it "
                            "at once, after every call."),
    "request_similar_clusters": EventDoc(_TABLE, "cluster_id",
                                         "The cluster-table selection changed: the similarity table is about "
                                         "to be refilled with the clusters most similar to cluster_id (the "
                                         "last selected one). Sender: supervisor.similarity_view.",
                                         "phy's supervisor answers it (the first subscriber's return value "
                                         "fills the table); phycore fills the table from "
                                         "Supervisor.similarity and ignores the return values."),
    # GUI tables --------------------------------------------------------------------------------
    "cluster_view_init": EventDoc(_TABLE, "",
                                  "The GUI builds its cluster table (sender: supervisor.cluster_view), "
                                  "before pre_build.",
                                  "phy emits it again when the table widget is reset; phygui builds it once."),
    "similarity_view_init": EventDoc(_TABLE, "",
                                     "The GUI builds its similarity table (sender: "
                                     "supervisor.similarity_view), before pre_build.",
                                     "phy emits it again when the table widget is reset; phygui builds it once."),
    "pre_build": EventDoc(_TABLE, "", "A GUI table is built, before its rows are shown.",
                          "phy's sender is the Qt table widget; phygui's is the table model behind it, "
                          "the object phy plugins reach as supervisor.cluster_view."),
    "ready": EventDoc(_TABLE, "", "A GUI table drew its rows for the first time (the frame after pre_build).",
                      "phy's sender is the Qt table widget (one Qt loop iteration after it is built); "
                      "phygui's is the table model behind it."),
    # Views -------------------------------------------------------------------------------------
    "is_busy": EventDoc("view", "busy: bool",
                        "A data view starts (True) and finishes (False) drawing its picture.",
                        "phy emits it around a view's plot after a selection (and the trace view's "
                        "redraw); phygui around every redraw of a data view. phy's supervisor waits "
                        "for busy views before an action; phycore need not (views draw between actions)."),
    "toggle_auto_update": EventDoc("view", "checked: bool",
                                   "The view's toggle_auto_update action: whether it follows the selection."),
    "lasso_updated": EventDoc("view", "polygon",
                              "A lasso vertex was added (ctrl+click): polygon is the (n, 2) array of vertices.",
                              "phy's sender is the view's OpenGL canvas and the polygon is in normalized "
                              "device coordinates; phygui's sender is the view, in the view's data "
                              "coordinates."),
    "request_select": EventDoc("view", "cluster_ids",
                               "A ctrl+click (template, raster view), a click or a lasso (cluster scatter) "
                               "asks to select cluster_ids; the GUI selects them, as phy's controller does."),
    "select_more": EventDoc("view", "cluster_ids",
                            "A ctrl+shift+click (template, raster view) or shift+click (cluster scatter) "
                            "asks to add cluster_ids to the selection; the GUI adds them."),
    "row_right_click": EventDoc(_TABLE, "cluster_id",
                                "A row was right-clicked; the similarity table then promotes it into the "
                                "cluster-table selection, the cluster table demotes it.",
                                "Not in phy 2.1 (a later phy's table event); phygui's tables then call "
                                "promote_similar / demote_cluster themselves."),
    "request_promote_similar": EventDoc("correlogram view", "cluster_id_a, cluster_id_b",
                                        "A stationary right click on a cross-correlogram between a "
                                        "cluster-table and a similarity-table selection; the similar "
                                        "one is promoted into the cluster-table selection.",
                                        "Not in phy 2.1 (a later phy's event, answered by its controller); "
                                        "phygui's correlogram view promotes the cluster itself."),
    "select_spike": EventDoc("trace view", "channel_id=, spike_id=, cluster_id=",
                             "ctrl+click near a spike in the trace view; the view then selects its cluster.",
                             "phy's controller selects the cluster in reply; phygui's trace view does it."),
    "select_channel": EventDoc("view (trace or waveform view)", "channel_id=, key=, button=",
                               "A channel was picked: shift+click in the trace view (no key), ctrl+click or "
                               "digit+click in the waveform view; the feature view shows it, and the "
                               "amplitude view's feature and raw amplitudes use it.",
                               "phy's amplitude view follows only the waveform view's; phygui's also "
                               "the trace view's."),
    "selected_channel_changed": EventDoc("waveform view", "", "After the waveform view's select_channel.",
                                         "phy's controller emits it in reply to select_channel; phygui's "
                                         "waveform view, right after."),
    "select_feature": EventDoc("feature view", "dim=, channel_id=, pc=",
                               "alt+click in the feature view picked a dimension; the amplitude view follows."),
    "selected_feature_changed": EventDoc("feature view", "", "After the feature view's select_feature.",
                                         "phy's controller emits it in reply to select_feature; phygui's "
                                         "feature view, right after."),
    "select_time": EventDoc("amplitude view", "time",
                            "A time was picked (alt+click in the amplitude view): trace view goes there."),
    "time_range_selected": EventDoc("trace view", "interval: (t0, t1)",
                                    "The trace view's time window changed (seconds), and once when the "
                                    "trace view is first drawn; the amplitude view shows it as a yellow "
                                    "band."),
    "toggle_spike_reorder": EventDoc("controller", "checked: bool",
                                     "Spike reordering was toggled (ctrl+r, controller.toggle_spike_reorder): "
                                     "the feature and amplitude views redraw their time axes."),
    # phy 2.1 events that phycore does not emit ---------------------------------------------------
    "pan": EventDoc("panzoom", "pan", "phy: an OpenGL view was panned.", _CANVAS),
    "zoom": EventDoc("panzoom", "zoom", "phy: an OpenGL view was zoomed.", _CANVAS),
    "resize": EventDoc("canvas", "width, height", "phy: an OpenGL canvas was resized.", _CANVAS),
    "visual_added": EventDoc("canvas", "visual", "phy: a visual was added to an OpenGL canvas.", _CANVAS),
    "visual_set_data": EventDoc("canvas", "visual", "phy: a visual's data were set.", _CANVAS),
}


def event_name(f: Callable[..., Any]) -> str:
    """Return ``event`` for a function named ``on_<event>``.

    .. versionadded:: 0.1.0

    Raises
    ------
    ValueError
        If the name does not have that form.
    """
    name = getattr(f, "__name__", "")
    match = re.match(r"^on_(.+)$", name)
    if not match:
        raise ValueError(f"Cannot infer the event of {f!r}: name it on_<event> or pass event=.")
    return match.group(1)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


def _env_raise() -> bool:
    return os.environ.get(RAISE_ERRORS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _same(a: Any, b: Any) -> bool:
    """Identity, except that bound methods of the same object and function are the same."""
    if a is b:
        return True
    if isinstance(a, types.MethodType) and isinstance(b, types.MethodType):
        return a.__func__ is b.__func__ and a.__self__ is b.__self__
    return False


@attrs.define(eq=False)
class _Receiver:
    """One connection: the user's function wrapped so that blinker stores a unique object."""

    func: Callable[..., Any]
    event: str
    sender: Any
    seq: int
    last: bool = False

    def __call__(self, sender: Any, *args: Any, **kwargs: Any) -> Any:
        return self.func(sender, *args, **kwargs)


class _Bus:
    """A set of connections over a private blinker namespace."""

    def __init__(self) -> None:
        self.namespace = blinker.Namespace()
        self.receivers: list[_Receiver] = []
        self.silent = False
        self._seq = itertools.count()
        # Guards the receiver lists: connect/unconnect may happen on any thread.
        self.lock = threading.RLock()
        #: Thread ident whose emissions run directly; others are queued (None: all run directly).
        self.owner: int | None = None
        self.queue: collections.deque[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = collections.deque()

    def connect(self, func: Callable[..., Any], event: str, sender: Any, last: bool) -> None:
        with self.lock:
            for r in self.receivers:
                if _same(r.func, func) and r.event == event and r.sender is sender:
                    return
            r = _Receiver(func, event, sender, next(self._seq), last)
            self.receivers.append(r)
            signal = self.namespace.signal(event)
            signal.connect(r, sender=blinker.ANY if sender is None else sender, weak=False)

    def unconnect(self, items: tuple[Any, ...]) -> None:
        with self.lock:
            keep = []
            for r in self.receivers:
                bound_self = getattr(r.func, "__self__", None)
                if any(_same(r.func, x) or (r.sender is not None and r.sender is x)
                       or (bound_self is not None and bound_self is x) for x in items):
                    self.namespace.signal(r.event).disconnect(
                        r, sender=blinker.ANY if r.sender is None else r.sender)
                else:
                    keep.append(r)
            self.receivers = keep

    def emit(self, event: str, sender: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
        if self.owner is not None and threading.get_ident() != self.owner:
            self.queue.append((event, sender, args, kwargs))  # deque.append is thread-safe
            return []
        if self.silent:
            return []
        signal = self.namespace.get(event)
        if signal is None:
            return []
        with self.lock:
            # Every receiver of the private namespace is a _Receiver (see _Bus.connect).
            receivers = sorted(cast("Iterator[_Receiver]", signal.receivers_for(sender)),
                               key=lambda r: (r.last, r.seq))
        results = []
        for r in receivers:
            try:
                results.append(r(sender, *args, **kwargs))
            except Exception:
                if raise_errors():
                    raise
                logger.exception("Error in subscriber %s of event %r (sender %r).",
                                 getattr(r.func, "__qualname__", r.func), event, type(sender).__name__)
        return results


_bus = _Bus()
_raise_errors: bool | None = None


@overload
def connect(f: F, event: str | None = None, sender: object = None, *, last: bool = False) -> F: ...


@overload
def connect(
    f: None = None, event: str | None = None, sender: object = None, *, last: bool = False
) -> Callable[[F], F]: ...


def connect(
    f: F | None = None,
    event: str | None = None,
    sender: object = None,
    *,
    last: bool = False,
) -> F | Callable[[F], F]:
    """Subscribe ``f`` to an event; usable as ``@connect``, ``@connect(...)`` or a call.

    .. versionadded:: 0.1.0

    Parameters
    ----------
    f : callable, optional
        Called as ``f(sender, *args, **kwargs)``. Without it, a decorator is returned.
    event : str, optional
        Event name; by default inferred from ``f``'s name ``on_<event>``.
    sender : object, optional
        Only call ``f`` when this very object (identity) emits. None: any sender.
    last : bool
        Run after the subscribers connected without ``last`` (phy's option).

    Returns
    -------
    callable
        ``f`` itself (or a decorator when ``f`` is None), held strongly until unconnected.

    Notes
    -----
    Connecting the same ``f`` to the same event and sender again is a no-op.
    A name one typo away from a built-in event (see :data:`EVENTS`) logs a warning.
    """
    if f is None:
        def decorator(func: F) -> F:
            return connect(func, event=event, sender=sender, last=last)

        return decorator
    if not callable(f):
        raise TypeError(f"connect() needs a callable, got {f!r}.")
    name = event if event is not None else event_name(f)
    if name not in EVENTS:
        close = [e for e in EVENTS if _one_edit_apart(name, e)]
        if close:
            logger.warning("Event %r is not a built-in event; did you mean %r?", name, close[0])
    _bus.connect(f, name, sender, last)
    return f


def emit(event: str, sender: object, *args: Any, **kwargs: Any) -> list[Any]:
    """Call the subscribers of ``event`` with ``(sender, *args, **kwargs)``.

    .. versionadded:: 0.1.0

    Returns
    -------
    list
        Their return values, in calling order (``[]`` inside :func:`silent`). A subscriber
        that raised contributes nothing (unless errors are re-raised, see
        :func:`set_raise_errors`).
    """
    return _bus.emit(event, sender, args, kwargs)


def unconnect(*fs: object) -> None:
    """Remove subscribers: each argument is a subscribed function, a sender (all the
    subscribers filtering on it), or an object (all its bound methods).

    .. versionadded:: 0.1.0
    """
    _bus.unconnect(fs)


def reset() -> None:
    """Remove every subscriber and leave silent mode.

    .. versionadded:: 0.1.0
    """
    global _bus
    _bus = _Bus()


@contextlib.contextmanager
def silent() -> Iterator[None]:
    """Suppress every emission inside the block (nestable; restored even on error).

    .. versionadded:: 0.1.0
    """
    bus = _bus
    previous = bus.silent
    bus.silent = True
    try:
        yield
    finally:
        bus.silent = previous


def is_silent() -> bool:
    """Whether emissions are currently suppressed.

    .. versionadded:: 0.1.0
    """
    return _bus.silent


@contextlib.contextmanager
def isolated() -> Iterator[None]:
    """Run the block with a fresh, empty bus; the previous bus comes back afterwards.

    .. versionadded:: 0.1.0
    """
    global _bus
    previous = _bus
    _bus = _Bus()
    try:
        yield
    finally:
        _bus = previous


def set_raise_errors(value: bool | None) -> None:
    """Re-raise (True) or log (False) subscriber exceptions; None follows the
    ``PHYCORE_RAISE_EVENT_ERRORS`` environment variable (the default).
    .. versionadded:: 0.1.0
    """
    global _raise_errors
    _raise_errors = value


def raise_errors() -> bool:
    """Whether a raising subscriber makes :func:`emit` raise.

    .. versionadded:: 0.1.0
    """
    return _env_raise() if _raise_errors is None else _raise_errors


def set_owner_thread(thread: threading.Thread | int | str | None = "current") -> None:
    """Deliver every emission on one thread; emissions from other threads are queued.

    .. versionadded:: 0.2

    Parameters
    ----------
    thread : Thread, int, "current" or None
        The owner (a :class:`threading.Thread` or a thread ident); default
        ``"current"``, the calling thread. None turns queuing off: every emission runs on its own thread again
        (anything still queued is delivered by the next :func:`deliver_pending`).
    """
    if thread == "current":
        thread = threading.current_thread()
    if isinstance(thread, threading.Thread):
        if thread.ident is None:
            raise ValueError("set_owner_thread() needs a started thread.")
        thread = thread.ident
    if thread is not None and (isinstance(thread, (str, bool)) or not isinstance(thread, int)):
        raise TypeError(f"thread must be a Thread, a thread ident, 'current' or None, got {thread!r}.")
    _bus.owner = thread


def owner_thread() -> int | None:
    """Ident of the thread emissions are delivered on, or None (per-thread delivery off).

    .. versionadded:: 0.2
    """
    return _bus.owner


def pending_count() -> int:
    """Number of queued emissions waiting for :func:`deliver_pending` (thread-safe).

    .. versionadded:: 0.2
    """
    return len(_bus.queue)


def deliver_pending(max_events: int | None = None) -> int:
    """Deliver queued emissions (oldest first) on the owner thread; returns how many.

    .. versionadded:: 0.2

    Parameters
    ----------
    max_events : int, optional
        Deliver at most this many (the rest wait for the next call); default all, including
        those queued while delivering.

    Raises
    ------
    RuntimeError
        When called on another thread than the owner (:func:`set_owner_thread`).
    """
    bus = _bus
    if bus.owner is not None and threading.get_ident() != bus.owner:
        raise RuntimeError("deliver_pending() must be called on the owner thread set by set_owner_thread().")
    n = 0
    while bus.queue and (max_events is None or n < max_events):
        event, sender, args, kwargs = bus.queue.popleft()
        n += 1
        bus.emit(event, sender, args, kwargs)
    return n
