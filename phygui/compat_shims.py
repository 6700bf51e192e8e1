"""phygui's half of the phy compatibility shims (``phycore.compat``): frames, dialogs, views.

- :meth:`CompatShims.before_frame` fires the plugins' ``QTimer``\\ s that are due, so they run
  between frames on the GUI thread, like Qt's;
- :class:`ModalDialogs` shows plugin message boxes and asks their questions and text inputs
  in Dear PyGui modal windows (a question blocks the plugin, as Qt's ``exec_`` does, while
  frames go on rendering);
- :func:`install_view_forwards` gives phygui's views the phy names they lack (``next_waveforms_type``,
  ``overlap``...) by reading them from the view's model, then its options, so a phy plugin's
  ``view.toggle_waveform_overlap()`` works on phygui's waveform view; and the members every
  phy view has (``attach``, ``state_attrs``, ``default_shortcuts``, ``default_snippets``),
  written once for all of phygui's plot views; and phy's view internals phygui has the data
  for (``data_bounds``, ``get_clusters_data()``, the global views' cluster order...:
  :mod:`phygui.views.phy_internals`).
"""

from __future__ import annotations

import importlib
import logging
import weakref
from typing import Any

import attrs
import dearpygui.dearpygui as dpg

from phycore import compat

__all__ = ["CompatShims", "ModalDialogs", "PHY_VIEW_API", "install_view_forwards"]

logger = logging.getLogger("phygui")


class _Forward:
    """A phy name of a view read from ``view.model`` (then ``view.model.options``). Non-data:
    an attribute the view sets on itself wins, and assigning one sets it on the view."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, view: Any, owner: type | None = None) -> Any:
        if view is None:
            return self
        model = view.model
        if hasattr(model, self.name):
            return getattr(model, self.name)
        return getattr(model.options, self.name)


def _attach(view: Any, gui: Any) -> None:
    """phy's ``view.attach(gui)``: add the view to the GUI (once)."""
    if view not in gui.views:
        gui.add_view(view)


def _state_attrs(view: Any) -> tuple[str, ...]:
    """phy's ``state_attrs``: the view options saved in the global GUI state."""
    options = getattr(view.model, "options", None)
    if options is None or not attrs.has(type(options)):
        return ()
    local = set(getattr(view, "local_state_attrs", ()))
    return tuple(f.name for f in attrs.fields(type(options)) if f.name not in local)


def _default_shortcuts(view: Any) -> dict[str, Any]:
    """phy's ``default_shortcuts``: ``{action: shortcut}`` of the view's actions."""
    return {a.name: a.shortcut for a in (view.actions or ()) if a.shortcut}


def _default_snippets(view: Any) -> dict[str, str]:
    """phy's ``default_snippets``: ``{action: snippet alias}`` of the view's actions."""
    return {a.name: a.alias for a in (view.actions or ()) if a.alias}


def _update_color(view: Any, *args: Any, **kwargs: Any) -> None:
    """phy's ``update_color``/``update_select_color``: draw again with the current colours."""
    view.redraw()


def _status(view: Any) -> str:
    """phy's ``status``: the view's one-line status (its model's)."""
    return str(getattr(view.model, "status", "") or "")


def _marker_step(delta: int) -> Any:
    def step(view: Any) -> None:
        model = view.model
        name = "increase_marker_size" if delta > 0 else "decrease_marker_size"
        if hasattr(model, name):
            getattr(model, name)()
        else:
            model.change_marker_size(delta)

    step.__doc__ = f"phy's ``{'increase' if delta > 0 else 'decrease'}_marker_size``: bigger or smaller markers."
    return step


def _reset_marker_size(view: Any) -> None:
    """phy's ``reset_marker_size``: the view's default marker size."""
    default = attrs.fields_dict(type(view.model.options))["marker_size"].default
    view.model.set_state({"marker_size": default})


def _color_selector(view: Any) -> Any:
    return view.context.supervisor.color_selector


def _color_step(name: str) -> Any:
    def step(view: Any) -> str:
        # The view's own colour schemes (trace, cluster scatter), else the session's (Color menu).
        target = view.model if hasattr(view.model, name) else _color_selector(view)
        return str(getattr(target, name)())

    step.__doc__ = f"phy's ``{name}``: the view's, or the session's, colour scheme."
    return step


def _data_model(view: Any) -> Any:
    return view.context.controller.model


#: Members of every phy view, for phygui's data views.
PHY_VIEW_API: dict[str, Any] = {
    "attach": _attach,
    "state_attrs": property(_state_attrs),
    "default_shortcuts": property(_default_shortcuts),
    "default_snippets": property(_default_snippets),
    "update_color": _update_color,
    "update_select_color": _update_color,
    "status": property(_status),
    "sample_rate": property(lambda view: float(_data_model(view).sample_rate), doc="The data's sampling rate (Hz)."),
    "n_channels": property(lambda view: int(_data_model(view).n_channels), doc="The data's number of channels."),
    "increase_marker_size": _marker_step(1),
    "decrease_marker_size": _marker_step(-1),
    "reset_marker_size": _reset_marker_size,
    "next_color_scheme": _color_step("next_color_scheme"),
    "previous_color_scheme": _color_step("previous_color_scheme"),
    "color_scheme": property(lambda view: _color_selector(view).color_scheme, doc="The session's colour scheme."),
    "get_cluster_colors": lambda view, cluster_ids, alpha=1.0: _color_selector(view).get_colors(cluster_ids, alpha),
    "channel_labels": property(lambda view: [str(c) for c in range(int(_data_model(view).n_channels))],
                               doc="A label per channel (its index)."),
}


def _has_marker_size(model_class: type) -> bool:
    options = getattr(model_class, "options_class", None)
    return options is not None and attrs.has(options) and "marker_size" in attrs.fields_dict(options)


#: What a view's model must have for a member of :data:`PHY_VIEW_API` to work on it.
_NEEDS: dict[str, Any] = {
    "increase_marker_size": lambda m: hasattr(m, "increase_marker_size") or hasattr(m, "change_marker_size"),
    "decrease_marker_size": lambda m: hasattr(m, "decrease_marker_size") or hasattr(m, "change_marker_size"),
    "reset_marker_size": _has_marker_size,
}


def install_view_forwards() -> list[str]:
    """Add the forwards and :data:`PHY_VIEW_API` to phygui's view classes (idempotent);
    returns ``Class.name`` of those added."""
    from phygui.views.phy_internals import INTERNALS, PLOT_VIEW
    from phygui.views.registry import DATA_VIEWS

    added = []
    for cls in DATA_VIEWS.values():
        internals = {**(PLOT_VIEW if hasattr(cls, "click") else {}), **INTERNALS.get(cls.__name__, {})}
        for name, value in internals.items():  # phy's view internals, first
            if not hasattr(cls, name):
                setattr(cls, name, value)
                added.append(f"{cls.__name__}.{name}")
        for name, value in PHY_VIEW_API.items():
            needs = _NEEDS.get(name)
            if not hasattr(cls, name) and (needs is None or needs(getattr(cls, "model_class", object))):
                setattr(cls, name, value)
                added.append(f"{cls.__name__}.{name}")
    for target, names in compat.view_forwards().items():
        module, _, cls_name = target.partition(":")
        cls = getattr(importlib.import_module(module), cls_name)
        for name in names:
            if not hasattr(cls, name):
                setattr(cls, name, _Forward(name))
                added.append(f"{cls_name}.{name}")
    return added


class ModalDialogs:
    """Plugin dialogs as Dear PyGui modal windows (a :class:`phycore.compat.DialogHost`).

    Attributes
    ----------
    buttons : dict
        ``{answer: item}`` of the dialog shown (tests press them with their callbacks).
    """

    def __init__(self, gui: Any) -> None:
        self._gui = weakref.ref(gui)
        self._answer: str | None = None
        self._pending = False
        self.buttons: dict[str, int | str] = {}
        self.window: int | str = 0

    def message(self, title: str, text: str, level: str) -> None:
        """Show a message without waiting (the status bar shows it too)."""
        gui = self._gui()
        if gui is not None:
            gui.status_message = f"{title}: {text}"
        self._window(title, text, ["ok"], wait=False)

    def ask(self, title: str, text: str, buttons: list[str], default: str) -> str | None:
        """Show the buttons and wait (rendering frames) for one to be pressed."""
        return self._window(title, text, buttons, wait=True)

    def ask_text(self, title: str, label: str, text: str) -> str | None:
        """Ask for a line of text; None if cancelled."""
        return self._window(title, label, ["ok", "cancel"], wait=True, field_text=text)

    def _window(self, title: str, text: str, buttons: list[str], *, wait: bool,
                field_text: str | None = None) -> str | None:
        self.close()
        self._answer, self._pending = None, True
        # Near the middle of the window, where a Qt dialog opens (its size is known only once drawn).
        pos = (max(0, dpg.get_viewport_client_width() // 2 - 240), max(0, dpg.get_viewport_client_height() // 3))
        with dpg.window(label=title, modal=True, no_collapse=True, autosize=True, pos=pos) as window:
            self.window = window
            dpg.add_text(text, wrap=480)
            field = dpg.add_input_text(default_value=field_text, width=360) if field_text is not None else 0
            with dpg.group(horizontal=True):
                self.buttons = {name: dpg.add_button(label=name.replace("_", " ").capitalize(),
                                                     callback=self._press, user_data=(name, field))
                                for name in buttons}
        if not wait:
            return None
        while self._pending and self._alive():
            self._frame()
        return self._answer

    def _press(self, sender: Any = None, app_data: Any = None, user_data: Any = None) -> None:
        name, field = user_data
        if field and name == "ok":
            self._answer = str(dpg.get_value(field))
        else:
            self._answer = None if field else name
        self.close()

    def close(self) -> None:
        """Close the dialog shown, if any (an unanswered question gets None)."""
        self._pending = False
        if self.window and dpg.does_item_exist(self.window):
            dpg.delete_item(self.window)
        self.window = 0

    def _alive(self) -> bool:
        gui = self._gui()
        return gui is not None and gui.alive and bool(dpg.is_dearpygui_running())

    def _frame(self) -> None:
        # A nested frame loop, as Qt's QDialog.exec_: the window keeps drawing while a plugin waits.
        dpg.render_dearpygui_frame()
        dpg.run_callbacks(dpg.get_callback_queue())


class CompatShims:
    """What phygui runs for phy plugins: registered by :class:`~phygui.gui.GUI` at start."""

    def __init__(self, gui: Any) -> None:
        self.dialogs = ModalDialogs(gui)
        compat.set_dialog_host(self.dialogs)
        install_view_forwards()

    def before_frame(self) -> None:
        """Fire the plugin timers that are due."""
        if compat.active_timers():
            compat.tick_timers()

    def close(self) -> None:
        """Stop showing plugin dialogs (scripts after the GUI get the defaults again)."""
        if compat.dialog_host() is self.dialogs:
            compat.set_dialog_host(None)
