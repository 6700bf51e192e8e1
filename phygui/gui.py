"""The GUI: a Dear PyGui viewport with dockable views, menus, shortcuts, snippets, status.

One :class:`GUI` per process (Dear PyGui has one context). Every callback runs on the main
thread (``manual_callback_management``), after each rendered frame. Any exception raised by
an action, a view or a plugin callback is caught, logged and shown in the status bar.

Threads: the GUI makes its thread the owner of the event bus
(:func:`phycore.signals.set_owner_thread`), so events emitted on other threads (an
acquisition thread, a plugin's worker) are queued and delivered here, before each frame.
Live sessions: spikes queued with ``controller.append_spikes`` are applied before each
frame; the tables and the views of the clusters that grew are refreshed at most every
:attr:`GUI.live_refresh_interval` seconds, and the status bar shows the spikes received.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import dearpygui.dearpygui as dpg

from phycore.errors import PhyCoreError
from phycore.signals import connect, emit, unconnect
from phycore.state import GUIState, load_state
from phycore.supervisor import Action, Actions

from phygui import _closing, _docks, _keyboard, _live
from phygui import layout as _layout
from phygui.default_actions import create_default_actions
from phygui.dialogs import ClosePrompt, HelpWindow, StatusBar, StatusLogHandler
from phygui.keys import KeyDispatcher
from phygui.menus import color_menu_signature, create_color_actions
from phygui.snippets import SnippetLine
from phygui.viewmodels.live import LiveActivity
from phygui.viewmodels.status import StatusModel, describe_result
from phygui.views.base import View
from phygui.views.placeholder import PLACEHOLDER_VIEWS
from phygui.views.registry import DATA_VIEWS, view_factory
from phygui.views.table import ClusterView, SimilarityView

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
    live : phygui.viewmodels.live.LiveActivity
        Live sessions: the spikes received, waiting for the next refresh of the views.
    live_refresh_interval : float
        Seconds between two refreshes of the tables and views while spikes arrive (0.5).

    Events
    ------
    add_view(gui, view), close_view(gui, view), show(gui), close(gui)
        ``close`` subscribers returning False cancel the close.
    """

    live_refresh_interval = 0.5
    live: LiveActivity
    _live_shown: float
    _owns_bus: bool
    _on_spikes_added: Callable[..., None]

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
            "TemplateGUI", data_dir, local_keys=["ClusterView.selected"],
            config_dir=getattr(controller, "config_dir", None))
        self.status = StatusModel()
        self._log_handler = StatusLogHandler(self.status)
        for name in ("phycore", "phygui"):
            logging.getLogger(name).addHandler(self._log_handler)
        self.views: list[View] = []
        self.view_classes: dict[str, Callable[..., View]] = {}
        self._closed_views: set[str] = set()
        self._view_errors: dict[str, int] = {}
        self._running = False
        self._shown = False
        self._frame = 0
        self._menu_signature: tuple[Any, ...] = ()
        self._menubar: int | str = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="phygui-")
        self._reset_layout = False
        self._status_told = False
        self.alive = True
        _live.start(self)  # sets self.live; events of other threads are delivered here

        groups = create_default_actions(self)
        self.file_actions, self.view_actions = groups["file"], groups["view"]
        self.help_actions, self.snippet_actions = groups["help"], groups["snippet"]
        self.edit_actions: Actions = self.supervisor.actions
        self.select_actions: Actions = self.supervisor.select_actions
        self.extra_action_groups: list[Actions] = []
        self.color_actions = create_color_actions(self)
        self.snippets = SnippetLine(self.action_groups)
        self.dispatcher = KeyDispatcher(self.action_groups, self.text_input_active,
                                        on_error=self._action_error, on_run=self._action_done,
                                        on_prompt=self.prompt)

        ini, viewport, open_views = _layout.layout_from_state(self.state)
        self.width, self.height = viewport.get("width", size[0]), viewport.get("height", size[1])
        wanted = list(views) if views is not None else list(_layout.DEFAULT_VIEWS)
        self._ini_path = Path(self._tmp.name) / "layout.ini"
        self._layout_text = ini or _layout.default_layout_ini(
            ["ClusterView", "SimilarityView", *wanted], self.width, self.height)
        self._ini_path.write_text(self._layout_text)

        _docks.create_viewport(self._ini_path, title or self._title(), self.width, self.height,
                               viewport.get("x", 40), viewport.get("y", 40), on_exit=self.request_close)
        self.status_bar = StatusBar(_layout.STATUS_WINDOW, self._submit_snippet)
        self.help_window = HelpWindow()
        self.close_prompt = ClosePrompt(self._answer_close)
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=self._on_key)

        self.cluster_view = self.add_view(ClusterView(self))
        self.similarity_view = self.add_view(SimilarityView(self))
        has_controller = controller is not None
        for name in wanted:
            self.register_view(name, view_factory(name, has_controller), show=False)
            if open_views is None or name in open_views:
                self.add_view(self.view_classes[name](self))
        for name in (*DATA_VIEWS, *PLACEHOLDER_VIEWS):  # View > Add view
            if name not in self.view_classes:
                self.register_view(name, view_factory(name, has_controller))
        for name, factory in dict(getattr(controller, "view_creator", None) or {}).items():
            self.register_view(name, _docks.adapt_factory(factory))  # phy's controller.view_creator
        self._rebuild_menus()
        connect(self._on_select, event="select")
        connect(self._on_cluster, event="cluster")
        connect(self._on_table, event="table_sort")
        connect(self._on_table, event="table_filter")
        dpg.setup_dearpygui()
        self._restore_selection()
        self.supervisor.attach_gui(self)
        self._update_selection_status()

    # Action groups ----------------------------------------------------------------------

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
        if action.prompt and not args:
            self.prompt(action)
            return None
        try:
            result = action(*args)
        except Exception as exc:
            self._action_error(action, exc)
            return None
        self._action_done(action, result)
        return result

    def _action_done(self, action: Action, result: Any) -> None:
        told, self._status_told = self._status_told, False
        if action.name not in ("enable_snippet_mode", "show_all_shortcuts") and not told:
            self.status.set_message(describe_result(action.name, result))
        self._update_selection_status()

    def _action_error(self, action: Action, exc: BaseException) -> None:
        logger.error("Action %s failed: %s", action.name, exc, exc_info=not isinstance(exc, PhyCoreError))
        self.status.set_error(f"{action.name}: {exc}")

    @property
    def status_message(self) -> str:
        """The status bar's message (phy's ``gui.status_message``; plugins may set it)."""
        return self.status.message

    @status_message.setter
    def status_message(self, text: str) -> None:
        self.status.set_message(str(text))
        self._status_told = True  # an action's own message is not replaced by "<action> done"

    def prompt(self, action: Action) -> None:
        """Ask for an action's arguments: open the command line with its snippet."""
        self.open_snippet(f":{action.alias or action.name} ")

    # Snippets -----------------------------------------------------------------------------

    def open_snippet(self, text: str = ":") -> None:
        """Enter snippet mode (``:``)."""
        self.snippets.open(text)
        self.status_bar.open_snippet(self.snippets.text)

    def run_snippet(self, text: str) -> Any:
        """Run a snippet (``':merge 3 7'``) and show its result; returns the result object."""
        self.status_bar.close_snippet()
        result = self.snippets.submit(text)
        if result.ok:
            self.status.set_message(describe_result(result.text, result.value))
        else:
            self.status.set_error(result.message)
        self._update_selection_status()
        return result

    def _submit_snippet(self, text: str) -> None:
        self.run_snippet(text)

    # Views (phygui._docks) --------------------------------------------------------------------

    def register_view(self, name: str, factory: Callable[..., View], show: bool = False) -> None:
        """Make a view class available in View > Add view (plugins); ``show`` creates one now."""
        self.view_classes[name] = factory
        self._menu_signature = ()
        if show:
            self.add_view(factory(self))

    def add_view(self, view: Any) -> Any:
        """Dock a view (a :class:`View` instance or class) and emit ``add_view``."""
        return _docks.add_view(self, view)

    def get_view(self, name: Any) -> View | None:
        """The view called ``name`` (or the first of that class name; phy plugins pass the
        class, e.g. ``WaveformView``), or None."""
        if isinstance(name, type):
            name = name.__name__
        return next((v for v in self.views if v.name == name or type(v).__name__ == name
                     or type(getattr(v, "phy_view", None)).__name__ == name), None)

    def close_view(self, view: View) -> None:
        """Hide a view (the View menu shows it again) and emit ``close_view``."""
        _docks.set_shown(self, view, False)
        self._emit("close_view", view)

    def show_view(self, view: View) -> None:
        """Show a closed view again."""
        _docks.set_shown(self, view, True)

    def _guard(self, view: View, method: str, *args: Any) -> Any:
        return _docks.guard(self, view, method, *args)

    # Events ---------------------------------------------------------------------------------

    def _emit(self, event: str, *args: Any) -> list[Any]:
        try:
            return emit(event, self, *args)
        except Exception as exc:  # a plugin subscriber raised (with raise_errors on)
            logger.exception("A subscriber of %s failed.", event)
            self.status.set_error(f"{event} subscriber failed: {exc}")
            return []

    def _on_select(self, sender: Any, cluster_ids: Any = None, **kwargs: Any) -> None:
        for view in self.views:
            self._guard(view, "on_select", list(self.supervisor.selected))
        self._update_selection_status()

    def _on_cluster(self, sender: Any, up: Any = None, **kwargs: Any) -> None:
        if sender is not self.supervisor:
            return
        for view in self.views:
            self._guard(view, "on_cluster", up)
        self._update_selection_status()

    def _on_table(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        for view in (self.cluster_view, self.similarity_view):
            view.dirty = True

    def _update_selection_status(self) -> None:
        counts = self.supervisor.clustering.spike_counts
        self.status.set_selection(self.supervisor.selected, counts)
        self.status.set_dirty(self.supervisor.is_dirty())

    def _restore_selection(self) -> None:
        sel = self.state.get_view_state("ClusterView").get("selected")
        if isinstance(sel, list):
            ids = [int(c) for c in sel if isinstance(c, int) and c in self.supervisor.cluster_table]
            if ids:
                self.supervisor.select(ids)

    # Keyboard (phygui._keyboard) ----------------------------------------------------------------

    def text_input_active(self) -> bool:
        """Whether a text field has the keyboard (then shortcuts do not fire)."""
        return _keyboard.text_input_active(self)

    def _on_key(self, sender: Any, key: int) -> None:
        _keyboard.on_key(self, key)

    def handle_key(self, key: int, *, ctrl: bool = False, alt: bool = False, shift: bool = False) -> Any:
        """Handle one key press (the key handler calls this; tests may too)."""
        return _keyboard.handle_key(self, key, ctrl=ctrl, alt=alt, shift=shift)

    # Menus ---------------------------------------------------------------------------------------

    def _signature(self) -> tuple[Any, ...]:
        return (tuple((g.name, len(g)) for g in self.action_groups()), tuple(v.name for v in self.views),
                tuple(sorted(self._closed_views)), tuple(self.view_classes), color_menu_signature(self))

    def _rebuild_menus(self) -> None:
        self._menu_signature = self._signature()
        self.dispatcher.rebuild()
        if self._menubar:
            dpg.delete_item(self._menubar)
        from phygui.menus import build_menus

        self._menubar = build_menus(self)

    # Frame loop ------------------------------------------------------------------------------------

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
        and the views update."""
        self.show()
        for _ in range(n_frames):
            if not dpg.is_dearpygui_running():
                break
            self._before_frame()
            dpg.render_dearpygui_frame()
            self._frame += 1
            dpg.run_callbacks(dpg.get_callback_queue())

    def _before_frame(self) -> None:
        poll = getattr(self.controller, "poll", None)
        if poll is not None:  # background work (quality metrics) lands on this thread
            try:
                busy = self.controller.busy
                if busy is not None:
                    self.status.set_progress(*busy)
                elif self.status.progress is not None and self.status.progress[0].startswith("quality"):
                    self.status.set_progress(None)
                poll()
            except Exception as exc:
                logger.exception("Background work failed.")
                self.status.set_error(f"Background work failed: {exc}")
        _live.before_frame(self, polled=poll is not None)
        if self._signature() != self._menu_signature:
            self._rebuild_menus()
        for view in self.views:
            if view.name not in self._closed_views:
                self._guard(view, "update")
        self.status.set_dirty(self.supervisor.is_dirty())
        self.status_bar.update(self.status)

    @property
    def is_open(self) -> bool:
        """Whether the window is still open: a host program that renders frames in its own
        loop (``while gui.is_open: gui.render()``) stops when this turns False."""
        return self.alive and bool(dpg.is_dearpygui_running())

    def run(self) -> None:
        """Show the window and run the event loop until the window closes."""
        self.show()
        self._running = True
        while self._running and dpg.is_dearpygui_running():
            self.render(1)
        self.destroy()

    # Save, screenshot, help -------------------------------------------------------------------------

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
            from phycore._paths import user_dir

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
        self._reset_layout = True
        for view in self.views:
            if view.name in self._closed_views:
                self.show_view(view)
        self.status.set_message("layout reset: views re-opened; the default docking applies from the next start")

    def _title(self) -> str:
        where = getattr(self.controller, "dir_path", None)
        return f"phygui - {where}" if where else "phygui"

    # Closing (phygui._closing) -----------------------------------------------------------------------

    def request_close(self) -> bool:
        """Close like the window's close button: ``close`` subscribers may cancel; unsaved
        changes open the Save / Discard / Cancel prompt. Returns True if closed now."""
        return _closing.request_close(self)

    def _answer_close(self, answer: str) -> None:
        _closing.answer_close(self, answer)

    def save_state(self) -> list[Path]:
        """Write layout, window geometry and view options to the GUI state files."""
        return _closing.save_state(self)

    def destroy(self) -> None:
        """Destroy the Dear PyGui context (the GUI cannot be used afterwards)."""
        if not self.alive:
            return
        self.alive = False
        for name in ("phycore", "phygui"):
            logging.getLogger(name).removeHandler(self._log_handler)
        unconnect(self._on_select, self._on_cluster, self._on_table)
        _live.stop(self)
        for view in self.views:
            self._guard(view, "close")
        dpg.destroy_context()
        self._tmp.cleanup()
