"""Cluster colours: the selection palette and the colour mapping of global views.

Colour maps are data, so they live in the SDK: views, plugins and scripts ask the
:class:`ClusterColorSelector` which colour a cluster has. The palettes are phy's
(sampled from colorcet's glasbey, rainbow and linear maps, stored here as hex).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing as npt

from phycore.errors import ActionError
from phycore.signals import emit

__all__ = ["ClusterColorSelector", "COLORMAPS", "GROUP_COLORS", "selected_cluster_color", "hex_to_rgba"]

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


def selected_cluster_color(i: int, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """Colour of the ``i``-th selected cluster (0: blue, 1: red, ...)."""
    return hex_to_rgba(_SELECTION[i % len(_SELECTION)], alpha)


def _interpolate(colormap: Sequence[str], x: float) -> tuple[float, float, float]:
    anchors = np.array([hex_to_rgba(c)[:3] for c in colormap])
    if len(anchors) == 1 or not math.isfinite(x):
        return tuple(anchors[0])  # type: ignore[return-value]
    pos = min(max(x, 0.0), 1.0) * (len(anchors) - 1)
    k = min(int(pos), len(anchors) - 2)
    t = pos - k
    return tuple((1 - t) * anchors[k] + t * anchors[k + 1])  # type: ignore[return-value]


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
                 cluster_ids: Callable[[], Sequence[int]], sender: Any = None) -> None:
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
