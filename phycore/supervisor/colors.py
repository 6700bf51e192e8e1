"""Cluster colours: the selection palette and the colour mapping of global views.

Colour maps are data, so they live in the SDK: views, plugins and scripts ask the
:class:`ClusterColorSelector` which colour a cluster has. The palettes are phy's
(sampled from colorcet's glasbey, rainbow and linear maps, stored here as hex).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.supervisor.table_model import TableModel

from phycore.errors import ActionError
from phycore.signals import emit

__all__ = ["ClusterColorSelector", "COLORMAPS", "COLOR_SCHEMES", "GROUP_COLORS", "selected_cluster_color",
           "hex_to_rgba", "numeric_columns", "color_fields"]

# phy's selection palette: first selected cluster blue, second red, then glasbey colours.
_SELECTION = (
    "#0892FC #FF0202 #98FF00 #FFA530 #B600FF #028800 #FF8FC8 #79525F #00FECF #B0A5FF #94AD84 #9A6900 "
    "#376A62 #D3008C #FEF590 #C86F66 #9EE3FF #00C946 #A977AD #B8BB02 #F4C0B1 #FF28FD #F3CEFF #009F7D"
).split()
_CATEGORICAL = ["#D70000", "#028800", "#B600FF", "#06ACC6"] + _SELECTION[2:]
_RAINBOW = "#0035F9 #0071A0 #3E9350 #68AF0F #B3C11B #F5CD25 #FFA413 #FF7300 #FF2A00".split()
_LINEAR = "#FFFFFF #EEF0B7 #E8DA8A #E5C164 #E3A745 #E28B2C #E06D1D #DB4A19 #D50F1D".split()

#: Row / marker colours per group (phy's table colours and cluster_group map).
GROUP_COLORS = {"noise": "#777777", "mua": "#AFAFAF", "good": "#86D16D", None: "#FFFFFF"}
_GROUP_ORDER = {"noise": 0, "mua": 1, "good": 2}
_GROUP_MAP = ["#666666", "#808080", "#86D16D", "#BFBFBF"]


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``'#RRGGBB'`` to an RGBA tuple of floats in 0..1."""
    h = color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, float(alpha))


COLORMAPS: dict[str, list[str]] = {
    "categorical": _CATEGORICAL,
    "rainbow": _RAINBOW,
    "linear": _LINEAR,
    "cluster_group": _GROUP_MAP,
    "blank": ["#BFBFBF"],
}


#: Named colour schemes: ``name -> (field, colormap, categorical, logarithmic)``. phy's
#: (``blank``, ``random``, ``cluster_group``, ``depth``, ``firing_rate``), then two more
#: table columns; :meth:`ClusterColorSelector.next_color_scheme` cycles through them.
COLOR_SCHEMES: dict[str, tuple[str, str, bool, bool]] = {
    "blank": ("cluster_id", "blank", True, False),
    "random": ("cluster_id", "categorical", True, False),
    "cluster_group": ("group", "cluster_group", True, False),
    "depth": ("depth", "linear", False, False),
    "firing_rate": ("fr", "linear", False, True),
    "n_spikes": ("n_spikes", "linear", False, True),
    "amplitude": ("amp", "linear", False, False),
}

#: Colour maps for continuous values (the others map categories).
_CONTINUOUS_MAPS = ("linear", "rainbow")


def numeric_columns(table: TableModel, sample: int = 50) -> list[str]:
    """Columns of a cluster table holding numbers (checked on its first ``sample`` rows).

    Parameters
    ----------
    table : TableModel
        Anything with ``columns``, ``ids`` and ``get(cluster_id, column)``.
    sample : int
        How many rows to look at.
    """
    ids = list(table.ids)[:sample]
    out = []
    for column in table.columns:
        for c in ids:
            v = table.get(c, column)
            if isinstance(v, bool) or v is None:
                continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                continue
            if not math.isnan(x):
                out.append(column)
                break
    return out


def color_fields(table: TableModel) -> list[str]:
    """Fields clusters can be coloured by: ``cluster_id``, ``group`` and every numeric column."""
    return ["cluster_id", "group"] + [c for c in numeric_columns(table) if c != "id"]


def selected_cluster_color(i: int, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """Colour of the ``i``-th selected cluster (0: blue, 1: red, ...)."""
    return hex_to_rgba(_SELECTION[i % len(_SELECTION)], alpha)


def _interpolate(colormap: Sequence[str], x: float) -> tuple[float, float, float]:
    anchors = np.array([hex_to_rgba(c)[:3] for c in colormap])
    if len(anchors) == 1 or not math.isfinite(x):
        return tuple(anchors[0])
    pos = min(max(x, 0.0), 1.0) * (len(anchors) - 1)
    k = min(int(pos), len(anchors) - 2)
    t = pos - k
    return tuple((1 - t) * anchors[k] + t * anchors[k + 1])


class ClusterColorSelector:
    """Colour of each cluster from one field (id, group, or any table column).

    Parameters
    ----------
    values : callable
        ``f(field, cluster_ids) -> list of values`` (the Supervisor's table).
    cluster_ids : callable
        ``f() -> current cluster ids`` (to normalise continuous maps).
    sender : object
        Sender of ``color_mapping_changed`` (the Supervisor, as in phy).

    Events
    ------
    color_mapping_changed(sender)
        After :meth:`set_color_mapping`.
    """

    def __init__(self, values: Callable[[str, Sequence[int]], list[Any]],
                 cluster_ids: Callable[[], Sequence[int] | npt.NDArray[np.int64]], sender: Any = None) -> None:
        self._values = values
        self._cluster_ids = cluster_ids
        self._sender = sender
        self.color_field = "cluster_id"
        self.colormap = "categorical"
        self.categorical = True
        self.logarithmic = False

    def set_color_mapping(self, color_field: str | None = None, colormap: str | None = None,
                          categorical: bool | None = None, logarithmic: bool | None = None) -> None:
        """Change the field and/or the colour map; emits ``color_mapping_changed``."""
        if colormap is not None and colormap not in COLORMAPS:
            raise ActionError(f"Unknown colormap {colormap!r}; choose one of {sorted(COLORMAPS)}.",
                              argument="colormap")
        if color_field is not None:
            self.color_field = color_field
            if color_field == "group":
                self.colormap, self.categorical = "cluster_group", True
        self.colormap = colormap or self.colormap
        self.categorical = self.categorical if categorical is None else bool(categorical)
        self.logarithmic = self.logarithmic if logarithmic is None else bool(logarithmic)
        emit("color_mapping_changed", self._sender)

    def color_by(self, color_field: str) -> None:
        """Colour by a field with a fitting map: categorical for ``cluster_id``, the group
        map for ``group``, otherwise a continuous map (the current one if continuous)."""
        field = "cluster_id" if color_field == "id" else str(color_field)
        if field == "cluster_id":
            self.set_color_mapping(field, "categorical", True)
        elif field == "group":
            self.set_color_mapping(field)
        else:
            cmap = self.colormap if self.colormap in _CONTINUOUS_MAPS else "linear"
            self.set_color_mapping(field, cmap, False)

    def set_colormap(self, colormap: str) -> None:
        """Change the colour map; categorical maps map values to categories, the others
        map them continuously."""
        self.set_color_mapping(colormap=colormap, categorical=colormap not in _CONTINUOUS_MAPS)

    @property
    def color_scheme(self) -> str | None:
        """Name of the :data:`COLOR_SCHEMES` entry matching the mapping (None: a custom one)."""
        for name, scheme in COLOR_SCHEMES.items():
            if scheme == (self.color_field, self.colormap, self.categorical, self.logarithmic):
                return name
        return None

    def set_color_scheme(self, name: str) -> None:
        """Apply a named scheme of :data:`COLOR_SCHEMES` (phy's ``random``, ``depth``...)."""
        if name not in COLOR_SCHEMES:
            raise ActionError(f"Unknown color scheme {name!r}; choose one of {list(COLOR_SCHEMES)}.",
                              argument="name")
        field, colormap, categorical, logarithmic = COLOR_SCHEMES[name]
        self.set_color_mapping(field, colormap, categorical, logarithmic)

    def _step_scheme(self, step: int) -> str:
        names = list(COLOR_SCHEMES)
        current = self.color_scheme
        i = names.index(current) + step if current is not None else (0 if step > 0 else -1)
        name = names[i % len(names)]
        self.set_color_scheme(name)
        return name

    def next_color_scheme(self) -> str:
        """Switch to the next named scheme (phy's shift+wheel); returns its name."""
        return self._step_scheme(+1)

    def previous_color_scheme(self) -> str:
        """Switch to the previous named scheme; returns its name."""
        return self._step_scheme(-1)

    def get_state(self) -> dict[str, Any]:
        """The mapping as a JSON-able dict (kept in the GUI state)."""
        return {"color_field": self.color_field, "colormap": self.colormap, "categorical": self.categorical,
                "logarithmic": self.logarithmic}

    def set_state(self, state: Mapping[str, object] | None) -> None:
        """Restore :meth:`get_state`'s dict; entries of the wrong type or unknown maps are ignored."""
        if not isinstance(state, dict):
            return
        field, cmap = state.get("color_field"), state.get("colormap")
        cat, log = state.get("categorical"), state.get("logarithmic")
        self.set_color_mapping(
            color_field=field if isinstance(field, str) and field else None,
            colormap=cmap if cmap in COLORMAPS else None,
            categorical=cat if isinstance(cat, bool) else None,
            logarithmic=log if isinstance(log, bool) else None)

    def get_values(self, cluster_ids: Sequence[int]) -> list[Any]:
        """Values of the colour field for some clusters."""
        if self.color_field in ("cluster_id", "id"):
            return [int(c) for c in cluster_ids]
        return list(self._values(self.color_field, cluster_ids))

    def get_colors(self, cluster_ids: Sequence[int], alpha: float = 1.0) -> npt.NDArray[np.float64]:
        """RGBA colours ``(n, 4)`` of clusters."""
        ids = [int(c) for c in cluster_ids]
        colormap = COLORMAPS[self.colormap]
        values = self.get_values(ids)
        if self.color_field == "group":
            rgb = [hex_to_rgba(_GROUP_MAP[_GROUP_ORDER.get(v, 3)])[:3] for v in values]
        elif self.categorical:
            rgb = [self._categorical(colormap, v) for v in values]
        else:
            rgb = self._continuous(colormap, values)
        out = np.ones((len(ids), 4))
        if ids:
            out[:, :3] = np.asarray(rgb, dtype=np.float64).reshape(len(ids), 3)
        out[:, 3] = alpha
        return out

    def get(self, cluster_id: int, alpha: float = 1.0) -> tuple[float, ...]:
        """RGBA colour of one cluster."""
        return tuple(self.get_colors([cluster_id], alpha)[0])

    def _categorical(self, colormap: Sequence[str], value: Any) -> tuple[float, float, float]:
        if value is None:
            return hex_to_rgba(COLORMAPS["blank"][0])[:3]
        if isinstance(value, (int, np.integer)):
            k = int(value)
        else:
            k = sum(ord(ch) * 31**i for i, ch in enumerate(str(value)))  # stable across runs
        return hex_to_rgba(colormap[k % len(colormap)])[:3]

    def _continuous(self, colormap: Sequence[str], values: list[Any]) -> list[tuple[float, float, float]]:
        def num(v: Any) -> float:
            try:
                x = float(v)
            except (TypeError, ValueError):
                return math.nan
            if self.logarithmic:
                return math.log10(x) if x > 0 else math.nan
            return x

        everything = [num(v) for v in self._values(self.color_field, list(self._cluster_ids()))]
        finite = [x for x in everything if math.isfinite(x)]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        span = (hi - lo) or 1.0
        return [_interpolate(colormap, (num(v) - lo) / span) for v in values]
