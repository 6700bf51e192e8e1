"""The types of the GUI-state values phygui reads, for :class:`phycore.state.GUIState`'s ``schema``.

A state file that is valid JSON can still hold ``"n_spikes_waveforms": "many"``; a view
given that fails on every frame. The schema is derived from the view models' option
classes (their annotations are the one declaration of the types), plus the GUI's own
entries, so that :class:`~phycore.state.GUIState` drops such values at load.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from typing import Any, Callable

import attrs
import numpy as np

from phygui.views.registry import DATA_VIEWS

__all__ = ["RAW_FILTER_STATE", "SUPERVISOR_STATE", "local_state_keys", "state_schema", "value_check"]

#: The Supervisor's entries of the global state (phy's names, top-level keys): how many
#: similar clusters ``select_n_similar`` selects, and whether navigation skips noise and mua.
SUPERVISOR_STATE = ("n_similar_clusters_to_select", "skip_masked_clusters")
#: The state key of the controller's current raw-data filter (phy's name).
RAW_FILTER_STATE = "raw_data_filter_name"

_NUMBERED = re.compile(r"^(.*) \(\d+\)$")  # "TraceView (1)": a second view of the class

Check = Callable[[Any], bool]


def _named(check: Check, name: str) -> Check:
    check.__name__ = name  # what GUIState's warning says was expected
    return check


def value_check(annotation: Any) -> Check:
    """``f(value) -> bool``: whether a JSON value fits an option's annotation.

    Handles ``bool``, ``int``, ``float`` (an ``int`` is accepted), ``str``, ``None``,
    unions and ``tuple[...]`` (a JSON list, or a 1-D array of phy's state files);
    any other annotation accepts everything. The function's ``__name__`` describes the
    expected value in JSON terms (``[float, float] or null``).
    """
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is None or annotation is type(None):
        return _named(lambda v: v is None, "null")
    if origin in (typing.Union, types.UnionType):
        checks = [value_check(a) for a in args]
        return _named(lambda v: any(c(v) for c in checks), " or ".join(c.__name__ for c in checks))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = value_check(args[0])
            return _named(lambda v: _is_sequence(v) and all(item(x) for x in v), f"a list of {item.__name__}")
        items = [value_check(a) for a in args]
        return _named(lambda v: _is_sequence(v) and len(v) == len(items) and all(c(x) for c, x in zip(items, v)),
                      f"[{', '.join(c.__name__ for c in items)}]")
    if annotation is bool:
        return _named(lambda v: isinstance(v, (bool, np.bool_)), "true or false")
    if annotation is int:
        return _named(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool), "int")
    if annotation is float:
        return _named(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool),
                      "float")
    if annotation is str:
        return _named(lambda v: isinstance(v, str), "str")
    return _named(lambda v: True, "anything")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim == 1)


def _options_schema(options_class: type) -> dict[str, Check]:
    hints = typing.get_type_hints(options_class)
    return {f.name: value_check(hints.get(f.name, Any)) for f in attrs.fields(options_class)}


def state_schema() -> dict[str, Any]:
    """The schema of phygui's state: each data view's options, the tables, the window.

    (The colour mapping is left out: its ``set_state`` already ignores values of the
    wrong type.)

    Returns
    -------
    dict
        ``{view or section name: {key: check}}`` and the Supervisor's top-level entries
        (``{key: check}``): a :data:`phycore.state.StateSchema` for :func:`phycore.state.load_state`.
    """
    table: dict[str, Any] = {
        "current_sort": value_check(tuple[str, str] | None),
        "selected": value_check(tuple[int, ...]),
    }
    schema: dict[str, Any] = {
        name: _options_schema(view.model_class.options_class)  # type: ignore[attr-defined]
        for name, view in DATA_VIEWS.items()}
    schema.update({
        "ClusterView": table,
        "SimilarityView": table,
        "GUI": {
            "layout_ini": value_check(str | None),
            "viewport": {k: value_check(int) for k in ("width", "height", "x", "y")},
            "open_views": value_check(tuple[str, ...]),
        },
        "n_similar_clusters_to_select": _named(lambda v: value_check(int)(v) and v >= 1, "int >= 1"),
        "skip_masked_clusters": value_check(bool),
        RAW_FILTER_STATE: value_check(str),
    })
    return schema


def local_state_keys(view_names: Iterable[str] = (), views: Iterable[Any] = ()) -> list[str]:
    """The ``"ViewName.attr"`` keys kept in the dataset's local state file, as phy.

    phy registers each open view's ``local_state_attrs`` when the GUI closes, plus
    ``ClusterView.selected``. Here the keys of every data view class, and of the names in
    ``view_names`` (``"TraceView (1)"`` counts as a ``TraceView``), are registered too,
    open or not: the state a view left in another session (read from the local file)
    must go back to the local file, never to the global one where the next dataset
    would inherit it.

    Parameters
    ----------
    view_names : iterable of str
        More view names, e.g. the keys of the state (unknown names are skipped).
    views : iterable of objects
        Open views: their own ``local_state_attrs`` (plugin views, phy views) count too.

    Returns
    -------
    list of str
    """
    # The raw-data filter is per dataset too (phy keeps it global): whether a folder needs
    # one depends on its data (``hp_filtered``), so one folder's choice must not leak.
    keys = ["ClusterView.selected", RAW_FILTER_STATE]
    for name in (*DATA_VIEWS, *view_names):
        numbered = _NUMBERED.match(name)
        cls = DATA_VIEWS.get(numbered.group(1) if numbered else name)
        keys += [f"{name}.{attr}" for attr in getattr(cls, "local_state_attrs", ())]
    for view in views:
        for obj in (view, getattr(view, "phy_view", None)):
            keys += [f"{view.name}.{attr}" for attr in (getattr(obj, "local_state_attrs", None) or ())]
    return list(dict.fromkeys(keys))
