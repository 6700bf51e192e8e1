"""The GUI: a Dear PyGui viewport with dockable views, menus, shortcuts, snippets, status.

One :class:`GUI` per process (Dear PyGui has one context). Every callback runs on the main
thread (``manual_callback_management``), after each rendered frame. Any exception raised by
an action, a view or a plugin callback is caught, logged and shown in the status bar.

The GUI is made of small parts that own their state: the dock windows and their views
(:class:`~phygui.docks.Docks`), the key routing (:class:`~phygui.key_router.KeyRouter`),
the actions and the command line (:class:`~phygui.commands.Commands`), the menu bar
(:class:`~phygui.menus.MenuBar`), the close prompt (:class:`~phygui.close_prompt.ClosePrompt`)
and the link to other threads and live sessions (:class:`~phygui.live_link.LiveLink`).
Views get a :class:`~phygui.views.context.ViewContext`, not the GUI. The GUI wires them
and keeps phy's public GUI API (``add_view``, ``get_view``, ``status_message``...),
mostly as one-line delegations: that API is why this module is a little over 400 lines.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.signals import connect, emit, unconnect
from phycore.state import GUIState, load_state
from phycore.supervisor import Action, Actions

from phygui import dock_layout as _layout
from phygui.close_prompt import ClosePrompt
from phygui.commands import Commands
from phygui.compat_shims import CompatShims
from phygui.default_actions import create_default_actions
from phygui.docks import Docks, create_viewport
from phygui.heap import HeapFreeze
from phygui.help_window import HelpWindow
from phygui.key_router import KeyRouter
from phygui.keys import KeyDispatcher
from phygui.live_link import LiveLink
from phygui.menus import COLOR_STATE_KEY, MenuBar, create_color_actions
from phygui.screen import fit_viewport, screen_size
from phygui.snippets import SnippetLine
from phygui.status_bar import StatusBar, StatusLogHandler
from phygui.window_backgrounds import WindowBackgrounds
from phygui.viewmodels.async_data import jobs_after_updates, warm_on_copies
from phygui.viewmodels.live_activity import LiveActivity
from phygui.viewmodels.status import StatusModel, read_only_text
from phygui.views.input_state import forget_released
from phygui.views.input_state import install as install_input_state
from phygui.views.base import View
from phygui.views.cluster_table import ClusterView, SimilarityView
from phygui.views.context import ViewContext
from phygui.views.registry import view_available
from phygui.views.state_schema import RAW_FILTER_STATE, SUPERVISOR_STATE, local_state_keys, state_schema

__all__ = ["GUI", "NoDisplayError", "has_display"]

logger = logging.getLogger("phygui")


class NoDisplayError(RuntimeError):
    """There is no display to open a window on (Dear PyGui would abort the process)."""


def has_display() -> bool:
    """Whether an X11 or Wayland display is available."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class GUI:
    """Viewport, docks, menus, status bar, actions, shortcuts, snippets and GUI state.

    Parameters
    ----------
    controller : TemplateController, optional
        The session; ``supervisor`` is taken from it.
    supervisor : Supervisor, optional
        When there is no controller (tests, scripts).
    views : sequence of str, optional
        Views to open besides the tables (default: phy's default views; those of later steps
        are placeholders).
    state : GUIState, optional
        GUI state (default: loaded from ``~/.phy/TemplateGUI`` and ``<data>/.phy``).
    size : (int, int)
        Window size when the state has none.

    Attributes
    ----------
    file_actions, edit_actions, select_actions, view_actions, help_actions : Actions
        The action groups behind the menus (Edit and Select are the Supervisor's).
    docks : Docks
        The views and their dock windows.
    view_context : ViewContext
        What the views get of the GUI.
    key_router, commands, menu_bar, close_prompt, live_link
        The other parts (see the module docstring).
    live : phygui.viewmodels.live_activity.LiveActivity
        Live sessions: the spikes received, waiting for the next refresh of the views.
    live_refresh_interval : float
        Seconds between two refreshes of the tables and views while spikes arrive (0.5).

    Events
    ------
    add_view(gui, view), show(gui), close(gui), request_save(gui)
        ``close`` subscribers returning False cancel the close.
    close_dock_widget(view), close_view(view, gui)
        phy's order: the view is the sender.

    The GUI answers phy's ``request_select(sender, cluster_ids)`` and
    ``select_more(sender, cluster_ids)`` (from any sender, as phy's controller does).
    """

    live_refresh_interval = 0.5

    def __init__(self, controller: Any = None, *, supervisor: Any = None, views: Sequence[str] | None = None,
                 state: GUIState | None = None, size: tuple[int, int] = (1600, 1000),
                 title: str | None = None) -> None:
        if not has_display():
            raise NoDisplayError("No display: set DISPLAY (X11) or WAYLAND_DISPLAY, or run under a virtual "
                                 "display: xvfb-run -a phygui params.py")
        self.controller = controller
        self.supervisor = supervisor if supervisor is not None else controller.supervisor
        data_dir = getattr(controller, "dir_path", None)
        self.state = state if state is not None else load_state(
            "TemplateGUI", data_dir, local_keys=local_state_keys(),
            config_dir=getattr(controller, "config_dir", None), schema=state_schema(),
            read_only=bool(getattr(controller, "read_only", False)))
        self._restore_supervisor_state()
        self.status = StatusModel()
        if getattr(controller, "read_only", False):
            self.status.set_read_only(read_only_text(controller))
        self._log_handler = StatusLogHandler(self.status)
        for name in ("phycore", "phygui"):
            logging.getLogger(name).addHandler(self._log_handler)
        self._running = False
        self._shown = False
        self._frame = 0
        self._warm_stop = threading.Event()
        self.warming: Future[Any] | None = None  # warm_views()' job
        self.heap = HeapFreeze()  # no full garbage collection of the loaded session mid-action
        # New clusters' metric rows wait for the views' data (see _release_metrics).
        self._metrics = getattr(controller, "quality", None)
        if self._metrics is not None:
            self._metrics.hold(True)
        self._tmp = tempfile.TemporaryDirectory(prefix="phygui-")
        self.alive = True
        # Events of other threads are delivered on this thread from now on.
        self.live_link = LiveLink(controller, self.supervisor, self.status, self.live_refresh_interval,
                                  on_refresh=self._on_live_refresh, on_table=self._on_table)

        groups = create_default_actions(self)
        self.file_actions, self.view_actions = groups["file"], groups["view"]
        self.help_actions, self.snippet_actions = groups["help"], groups["snippet"]
        self.edit_actions: Actions = self.supervisor.actions
        self.select_actions: Actions = self.supervisor.select_actions
        self.extra_action_groups: list[Actions] = []
        self.color_actions = create_color_actions(self)
        self.snippets = SnippetLine(self.action_groups)

        ini, viewport, open_views = _layout.layout_from_state(self.state)
        # A saved or default geometry bigger than this screen would cut off the right docks.
        viewport = fit_viewport(size, viewport, screen_size())
        self.width, self.height = viewport["width"], viewport["height"]
        wanted = list(views) if views is not None else list(_layout.DEFAULT_VIEWS)
        wanted = [v for v in wanted if view_available(v, controller)]  # phy's creation rules
        ini_path = Path(self._tmp.name) / "layout.ini"
        layout_text = ini or _layout.default_layout_ini(
            ["ClusterView", "SimilarityView", *wanted], self.width, self.height)
        ini_path.write_text(layout_text)
        self.view_context = ViewContext(self.supervisor, controller, self.status,
                                        add_action_group=self.add_action_group, guard=self._guard)
        self.docks = Docks(self, self.view_context, self.state, self.status, self._emit, layout_text, ini_path,
                           (self.width, self.height))

        create_viewport(ini_path, title or self._title(), self.width, self.height,
                        viewport["x"], viewport["y"], on_exit=self.request_close)
        self.status_bar = StatusBar(_layout.STATUS_WINDOW, self.run_snippet)
        self.commands = Commands(self.snippets, self.status, self.status_bar,
                                 after_action=self._update_selection_status)
        self.help_window = HelpWindow()
        self.close_prompt = ClosePrompt(self.supervisor, self.status, emit_event=self._emit, save=self.save,
                                        quit=self._quit, read_only=read_only_text(controller))
        install_input_state()
        self.key_router = KeyRouter(self.action_groups, self.snippets, self.status_bar,
                                    tables=lambda: [v for v in self.views if getattr(v, "filter_input", 0)],
                                    modal_open=lambda: self.close_prompt.shown or self.docks.modal_open(),
                                    on_error=self.commands.failed,
                                    on_run=self.commands.done, on_prompt=self.commands.prompt)
        self.menu_bar = MenuBar(self)
        self.backgrounds = WindowBackgrounds()
        self.compat_shims = CompatShims(self)  # phy plugins' timers, dialogs and view names

        self.cluster_view = self.add_view(ClusterView(self.view_context))
        self.similarity_view = self.add_view(SimilarityView(self.view_context))
        self.docks.open_views(wanted, open_views, has_data=controller is not None,
                              view_creator=getattr(controller, "view_creator", None))
        self._refresh_menus()
        connect(self._on_select, event="select")
        connect(self._on_cluster, event="cluster")
        connect(self._on_table, event="table_sort")
        connect(self._on_table, event="table_filter")
        connect(self._on_request_select, event="request_select")
        connect(self._on_select_more, event="select_more")
        dpg.setup_dearpygui()
        self._restore_selection()
        self.supervisor.attach_gui(self)
        self._update_selection_status()

    @property
    def views(self) -> list[View]:
        """Every view, hidden ones included (see :attr:`docks`)."""
        return self.docks.views

    @property
    def view_classes(self) -> dict[str, Callable[..., View]]:
        """``{name: factory(gui) -> View}``: the views of View > Add view."""
        return self.docks.view_classes

    @property
    def dispatcher(self) -> KeyDispatcher:
        """The keymap of every action group (see :attr:`key_router`)."""
        return self.key_router.dispatcher

    @property
    def live(self) -> LiveActivity:
        """Live sessions: the spikes received, waiting for the next refresh of the views."""
        return self.live_link.activity

    def action_groups(self) -> list[Actions]:
        """Every action group, in shortcut/snippet priority order."""
        return [self.file_actions, self.edit_actions, self.select_actions, self.view_actions,
                self.help_actions, self.snippet_actions, *self.extra_action_groups]

    def add_action_group(self, name: str, menu: str | None = None) -> Actions:
        """A new action group for a plugin or a view (shown in its own menu)."""
        group = Actions(name, menu=menu)
        self.extra_action_groups.append(group)
        return group

    def run_action(self, action: Action, *args: Any) -> Any:
        """Run an action like a menu click: prompts open the command line; errors are shown."""
        return self.commands.run(action, *args)

    @property
    def status_message(self) -> str:
        """The status bar's message (phy's ``gui.status_message``; plugins may set it)."""
        return self.status.message

    @status_message.setter
    def status_message(self, text: str) -> None:
        self.commands.set_message(text)  # an action's own message is not replaced by "<action> done"

    def prompt(self, action: Action) -> None:
        """Ask for an action's arguments: open the command line with its snippet."""
        self.commands.prompt(action)

    def open_snippet(self, text: str = ":") -> None:
        """Enter snippet mode (``:``)."""
        self.commands.open_snippet(text)

    def run_snippet(self, text: str) -> Any:
        """Run a snippet (``':merge 3 7'``) and show its result; returns the result object."""
        return self.commands.run_snippet(text)

    def register_view(self, name: str, factory: Callable[..., View], show: bool = False) -> None:
        """Make a view class available in View > Add view (plugins); ``show`` creates one now."""
        self.docks.register(name, factory)
        if show:
            self.add_view(factory(self))

    def add_view(self, view: Any) -> Any:
        """Dock a view (a :class:`View` instance or class) and emit ``add_view``."""
        return self.docks.add(view)

    def get_view(self, name: Any) -> View | None:
        """The view called ``name`` (or the first of that class name; phy plugins pass the
        class, e.g. ``WaveformView``), or None."""
        return self.docks.get(name)

    def _open_views(self) -> list[Any]:
        # phy drops a closed view; phygui hides it (View > show brings it back): phy's
        # listings count the open ones. A phy plugin view is listed as itself, not its host.
        return [getattr(v, "phy_view", v) for v in self.views if self.docks.is_shown(v)]

    @property
    def view_count(self) -> dict[str, int]:
        """phy's ``view_count``: ``{class name: number of open views}`` (tables included)."""
        count: dict[str, int] = {}
        for view in self._open_views():
            count[type(view).__name__] = count.get(type(view).__name__, 0) + 1
        return count

    def list_views(self, *classes: Any) -> list[Any]:
        """phy's ``list_views(*classes)``: the open views of any of these classes, given as
        classes or class names (a class also matches views of a class of the same name)."""
        names = {c if isinstance(c, str) else c.__name__ for c in classes}
        return [v for v in self._open_views() if type(v) in classes or type(v).__name__ in names]

    def create_and_add_view(self, view_name: str) -> Any:
        """phy's ``create_and_add_view``: create a view of View > Add view by name and dock
        it; returns it, or None for an unknown name or a factory that returns None."""
        factory = self.view_classes.get(view_name)
        view = factory(self) if factory is not None else None
        if view is None:
            logger.warning("Could not create view %s.", view_name)
            return None
        added = self.add_view(view)
        return getattr(added, "phy_view", added)

    def close_view(self, view: View) -> None:
        """Hide a view (the View menu shows it again); emits phy's ``close_dock_widget(view)``
        (phy's sender, the Qt dock, has no counterpart here) then ``close_view(view, gui)``."""
        self.docks.set_shown(view, False)
        sender = getattr(view, "phy_view", view)  # a plugin's own view object, as view_attached
        try:
            emit("close_dock_widget", sender)
            emit("close_view", sender, self)
        except Exception as exc:  # a plugin subscriber raised (with raise_errors on)
            logger.exception("A subscriber of close_view failed.")
            self.status.set_error(f"close_view subscriber failed: {exc}")

    def show_view(self, view: View) -> None:
        """Show a closed view again."""
        self.docks.set_shown(view, True)

    def _guard(self, view: View, method: str, *args: Any) -> Any:
        return self.docks.guard(view, method, *args)

    def _emit(self, event: str, *args: Any) -> list[Any]:
        try:
            return emit(event, self, *args)
        except Exception as exc:  # a plugin subscriber raised (with raise_errors on)
            logger.exception("A subscriber of %s failed.", event)
            self.status.set_error(f"{event} subscriber failed: {exc}")
            return []

    def warm_views(self, after: Future[Any] | None = None) -> Future[Any] | None:
        """When nothing is selected: have the shown views compute, on their worker pool,
        the pictures of the cluster table's first two rows, and drop them (numba loads
        the views' kernels there, not at the user's first selection; see
        :func:`~phygui.viewmodels.async_data.warm_on_copies`). ``after``: wait for this
        future first (numba's loading). A selection stops it. Returns its future, or None
        (something is selected: its own jobs do this; or no cluster)."""
        ids = [int(c) for c in self.supervisor.cluster_table.visible_ids[:2]]
        if self.supervisor.selected or not ids:
            return None
        models = [getattr(v, "model") for v in self.views if hasattr(v, "model") and self.docks.is_shown(v)]
        self.warming = warm_on_copies(models, ids, after=after, stop=self._warm_stop)
        return self.warming

    def _on_select(self, sender: Any, cluster_ids: Any = None, **kwargs: Any) -> None:
        self._warm_stop.set()  # the views' own jobs load what they need now
        self.docks.call_all("on_select", list(self.supervisor.selected))
        self._update_selection_status()

    def _on_request_select(self, sender: Any, cluster_ids: Any) -> None:
        self.supervisor.select(list(cluster_ids))

    def _on_select_more(self, sender: Any, cluster_ids: Any) -> None:
        # Added last (so a re-clicked cluster moves to the end), in the cluster table.
        ids = [int(c) for c in cluster_ids]
        self.supervisor.select([c for c in self.supervisor.selected_clusters if c not in ids] + ids)

    def _on_cluster(self, sender: Any, up: Any = None, **kwargs: Any) -> None:
        if sender is not self.supervisor:
            return
        self.docks.call_all("on_cluster", up)
        self._update_selection_status()

    def _on_table(self, sender: Any = None, *args: Any, **kwargs: Any) -> None:
        for view in (self.cluster_view, self.similarity_view):
            view.dirty = True

    def _update_selection_status(self) -> None:
        counts = self.supervisor.clustering.spike_counts
        self.status.set_selection(self.supervisor.selected, counts)
        self.status.set_dirty(self.supervisor.is_dirty())

    def _restore_supervisor_state(self) -> None:
        # phy's Supervisor reads these two global entries at start (its defaults otherwise).
        sup, state = self.supervisor, self.state
        if SUPERVISOR_STATE[0] in state:
            sup.n_similar_clusters_to_select = int(state[SUPERVISOR_STATE[0]])
        if SUPERVISOR_STATE[1] in state:
            sup.skip_masked = bool(state[SUPERVISOR_STATE[1]])
            action = sup.select_actions.get("skip_noise_and_mua")
            if action is not None:
                action.checked = sup.skip_masked
        # The dataset's last raw-data filter, if it still exists (a plugin's may be gone).
        rf = getattr(self.controller, "raw_data_filter", None)
        name = state.get(RAW_FILTER_STATE)
        if rf is not None and name in rf.names and name != rf.current:
            rf.set(name)

    def _restore_selection(self) -> None:
        sel = self.state.get_view_state("ClusterView").get("selected")
        if isinstance(sel, list):
            ids = [int(c) for c in sel if isinstance(c, int) and c in self.supervisor.cluster_table]
            if ids:
                self.supervisor.select(ids)

    def _on_live_refresh(self, spike_ids: Any, cluster_ids: Any) -> None:
        self.docks.call_all("on_spikes_added", spike_ids, cluster_ids)
        self._update_selection_status()

    def text_input_active(self) -> bool:
        """Whether a text field has the keyboard (then shortcuts do not fire)."""
        return self.key_router.text_input_active()

    def handle_key(self, key: int, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> Any:
        """Handle one key press (the key handler calls this; tests may too)."""
        return self.key_router.handle_key(key, ctrl=ctrl, alt=alt, shift=shift)

    def _refresh_menus(self) -> None:
        if self.menu_bar.refresh():
            self.dispatcher.rebuild()  # new actions: new shortcuts

    def show(self) -> None:
        """Show the window and emit ``show``."""
        if not self._shown:
            dpg.show_viewport()
            self._shown = True
            self._emit("show")

    def render(self, n_frames: int = 1) -> None:
        """Render frames and run the queued callbacks after each (tests, screenshots, and
        host programs that own the loop). Before each frame: events queued by other threads
        are delivered, ``controller.poll()`` applies queued spikes and background work,
        and the views update. After the first frame, and after the one that finds the
        background work done, the heap is frozen (:mod:`phygui.heap`)."""
        self.show()
        for _ in range(n_frames):
            if not dpg.is_dearpygui_running():
                break
            with jobs_after_updates():  # the views' data jobs start as the frame renders
                self._before_frame()
            dpg.render_dearpygui_frame()
            self._frame += 1
            dpg.run_callbacks(dpg.get_callback_queue())
            forget_released()
            self.heap.after_frame(busy=getattr(self.controller, "busy", None) is not None)

    def _before_frame(self) -> None:
        self.live_link.before_frame()
        self.compat_shims.before_frame()
        self._refresh_menus()
        self.docks.update_shown()
        self.status.set_dirty(self.supervisor.is_dirty())
        self.status_bar.update(self.status)
        docked = [v.window for v in self.docks.views if v.window is not None and v.name not in self.docks.closed]
        self.backgrounds.before_frame([*docked, self.status_bar.window], blockers=self.menu_bar.items())
        self._release_metrics()

    def _release_metrics(self) -> None:
        """Start the metric rows of the clusters made since, once no shown view waits for
        its data: on two cores the rows (~35 ms of CPU for a merged cluster) would take a
        core from the views' jobs, and a table cell may well appear a few frames later."""
        if self._metrics is None or not self._metrics.n_held:  # (most frames: no view scan)
            return
        for view in self.docks.views:
            if view.name not in self.docks.closed:
                try:
                    if bool(getattr(view, "data_pending", False)):
                        return
                except Exception:  # a plugin view's property: not a reason to hold the rows
                    continue
        self._metrics.start_held()

    @property
    def is_open(self) -> bool:
        """Whether the window is still open: a host program that renders frames in its own
        loop (``while gui.is_open: gui.render()``) stops when this turns False."""
        return self.alive and bool(dpg.is_dearpygui_running())

    def run(self) -> None:
        """Show the window and run the event loop until the window closes."""
        self.show()
        self._running = True
        self.view_context.async_data = True  # views draw when their data is ready, never a frozen frame
        while self._running and dpg.is_dearpygui_running():
            self.render(1)
        self.destroy()

    def save(self) -> Any:
        """Save through the Supervisor, with the time it took in the status bar; emits
        ``request_save(gui)`` first (phy plugins write their own files then)."""
        self._emit("request_save")
        self.status.set_progress("saving", 0.0)
        t0 = time.perf_counter()
        try:
            paths = self.supervisor.save()
        finally:
            self.status.set_progress(None)
        self.status.set_message(f"saved {len(paths)} file(s) in {time.perf_counter() - t0:.2f} s")
        return paths

    def screenshot(self, path: str | os.PathLike[str] | None = None, render: bool = True) -> Path:
        """Save the window to a PNG (written while the next frame renders)."""
        if path is None:
            from phycore.paths import user_dir

            path = user_dir() / "screenshots" / f"phygui-{time.strftime('%Y%m%d-%H%M%S')}.png"
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        dpg.output_frame_buffer(file=str(out))
        if render:
            self.render(2)
        self.status.set_message(f"screenshot saved to {out}")
        return out

    def show_help(self) -> list[tuple[str, str, str, str]]:
        """Open the window listing every shortcut and snippet."""
        return self.help_window.show(self.action_groups())

    def about(self) -> str:
        """One line about the program and the dataset."""
        from phycore import __version__  # one distribution, one version

        text = f"phygui {__version__} (Dear PyGui {dpg.get_dearpygui_version()})"
        self.status.set_message(text)
        return text

    def reset_layout(self) -> None:
        """Re-open closed views and forget the saved dock layout: phy's default arrangement is
        used from the next start (Dear PyGui cannot re-dock windows while running)."""
        self.state.setdefault("GUI", {})["layout_ini"] = None
        self.docks.reset_layout()
        self.status.set_message("layout reset: views re-opened; the default docking applies from the next start")

    def _title(self) -> str:
        where = getattr(self.controller, "dir_path", None)
        title = f"phygui - {where}" if where else "phygui"
        if getattr(self.controller, "read_only", False):
            title += f" [{read_only_text(self.controller)}]"
        return title

    def request_close(self) -> bool:
        """Close like the window's close button: ``close`` subscribers may cancel; unsaved
        changes open the Save / Discard / Cancel prompt. Returns True if closed now."""
        return self.close_prompt.request()

    def _quit(self) -> None:
        self.save_state()
        self._running = False
        dpg.stop_dearpygui()

    def save_state(self) -> list[Path]:
        """Write layout, window geometry, view options and the colour mapping to the GUI state
        files (never raises: a failure is logged)."""
        try:
            state = self.docks.collect_state(self.supervisor.selected_clusters)
            state[COLOR_STATE_KEY] = self.supervisor.color_selector.get_state()
            state["n_similar_clusters_to_select"] = int(self.supervisor.n_similar_clusters_to_select)
            state["skip_masked_clusters"] = bool(self.supervisor.skip_masked)
            rf = getattr(self.controller, "raw_data_filter", None)
            if rf is not None:
                state[RAW_FILTER_STATE] = str(rf.current)
            self.state.update(state)
            # phy's split: each view's local_state_attrs go to <data>/.phy/state.json only.
            self.state.add_local_keys(local_state_keys(list(self.state), self.views))
            return self.state.save()
        except Exception:
            logger.exception("Could not save the GUI state.")
            return []

    def destroy(self) -> None:
        """Destroy the Dear PyGui context (the GUI cannot be used afterwards)."""
        if not self.alive:
            return
        self.alive = False
        self.heap.release()
        if self._metrics is not None:
            self._metrics.hold(False)  # the controller may outlive the window (scripts)
        self._warm_stop.set()
        if self.warming is not None and not self.warming.cancel():
            self.warming.exception()  # running: it ends with the model it is on (no file read after close)
        for name in ("phycore", "phygui"):
            logging.getLogger(name).removeHandler(self._log_handler)
        unconnect(self._on_select, self._on_cluster, self._on_table, self._on_request_select, self._on_select_more)
        self.live_link.stop()
        self.compat_shims.close()
        self.docks.close()
        self.backgrounds.close()
        dpg.destroy_context()
        self._tmp.cleanup()
