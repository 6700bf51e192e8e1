"""The types of the GUI-state values phygui reads, for :class:`phycore.state.GUIState`'s ``schema``.

A state file that is valid JSON can still hold ``"n_spikes_waveforms": "many"``; a view
given that fails on every frame. The schema is derived from the view models' option
classes (their annotations are the one declaration of the types), plus the GUI's own
entries, so that :class:`~phycore.state.GUIState` drops such values at load.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Callable

import attrs
import numpy as np

from phygui.views.registry import DATA_VIEWS

__all__ = ["state_schema", "value_check"]

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


def state_schema() -> dict[str, dict[str, Any]]:
    """The schema of phygui's state: each data view's options, the tables, the window.

    (The colour mapping is left out: its ``set_state`` already ignores values of the
    wrong type.)

    Returns
    -------
    dict
        ``{view or section name: {key: check}}``: a :data:`phycore.state.StateSchema` for
        :func:`phycore.state.load_state`.
    """
    table: dict[str, Any] = {
        "current_sort": value_check(tuple[str, str] | None),
        "selected": value_check(tuple[int, ...]),
    }
    schema: dict[str, dict[str, Any]] = {
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
    })
    return schema
