"""Cluster colours: phy's colour maps, selection palette and ``ClusterColorSelector``.

Colour maps are data, so they live in the SDK: views, plugins and scripts ask the
:class:`ClusterColorSelector` which colour a cluster has. The maps, the selection
palette and the value-to-colour rules are phy's (``phy.utils.color``): the same
colorcet maps (stored in :mod:`phycore.supervisor._colormap_data`), the same nearest-row
lookup for continuous values, ``value % n`` for integer categories, sorted-unique
indices for strings. Differences (all where phy fails or is unstable):

- continuous maps ignore NaN and, on a log scale, non-positive values when finding the
  range, and give those values the map's first colour (phy fails or colours every
  cluster with the first colour);
- string categories are indexed among the values of *all* the selector's clusters, so
  a cluster keeps its colour whatever the clusters asked about (phy indexes among the
  clusters of each call, and :meth:`ClusterColorSelector.get` always gives category 0);
- ``get`` returns an opaque colour by default (phy's alpha is then None);
- a custom group (not noise/mua/good) has the unsorted colour (phy: noise's).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from phycore.bunch import Bunch
from phycore.supervisor import _colormap_data as _data
from phycore.supervisor.table_model import TableModel

from phycore.errors import ActionError
from phycore.signals import emit

__all__ = ["ClusterColorSelector", "COLORMAPS", "COLOR_SCHEMES", "GROUP_COLORS", "colormaps", "add_alpha",
           "selected_cluster_color", "spike_colors", "add_selected_clusters_colors", "hex_to_rgba",
           "numeric_columns", "color_fields"]

FloatArray = npt.NDArray[np.float64]


def _rows(text: str) -> FloatArray:
    return np.array(text.split(), dtype=np.float64).reshape(-1, 3)


def _default_map() -> FloatArray:
    # phy's selection palette: glasbey with its first six colours reordered, and the
    # first two (first and second selected clusters) replaced by phy's blue and red.
    cmap = _rows(_data.GLASBEY_BW_MINC_20_MINL_30)
    cmap[[0, 1, 2, 3, 4, 5]] = cmap[[3, 0, 4, 5, 2, 1]]
    cmap[0] = [0.03137, 0.5725, 0.9882]
    cmap[1] = [1.0, 0.0078, 0.0078]
    return cmap


#: phy's built-in colour maps (``phy.utils.colormaps``): name -> ``(n, 3)`` RGB in 0..1.
colormaps = Bunch(
    blank=np.array([[0.75, 0.75, 0.75]]),
    default=_default_map(),
    cluster_group=np.array([[0.4, 0.4, 0.4], [0.5, 0.5, 0.5], [0.5254, 0.8196, 0.42745], [0.75, 0.75, 0.75]]),
    categorical=_rows(_data.GLASBEY_BW_MINC_20_MINL_30),
    rainbow=_rows(_data.RAINBOW_BGYR_35_85_C73),
    linear=_rows(_data.LINEAR_WYOR_100_45_C55),
    diverging=_rows(_data.DIVERGING_LINEAR_BJY_30_90_C45),
)
for _cmap in colormaps.values():
    _cmap.flags.writeable = False  # shared by every selector
#: The same maps, under phycore's older name.
COLORMAPS = colormaps

#: Row / marker colours per group (phy's table colours).
GROUP_COLORS = {"noise": "#777777", "mua": "#AFAFAF", "good": "#86D16D", None: "#FFFFFF"}
# Rows of the cluster_group map, as phy's default colour schemes index them.
_GROUP_INDEX = {"noise": 0, "mua": 1, "good": 2}

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
_CONTINUOUS_MAPS = ("linear", "rainbow", "diverging")


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """``'#RRGGBB'`` to an RGBA tuple of floats in 0..1."""
    h = color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, float(alpha))


def add_alpha(c: Any, alpha: float = 1.0) -> Any:
    """Add (or replace) the alpha channel of a colour or an array of colours, as phy.

    Parameters
    ----------
    c : tuple of 3 or 4 floats, or ndarray of shape (..., 3) or (..., 4)
    alpha : float

    Returns
    -------
    tuple or ndarray
        ``c``'s RGB followed by ``alpha``, of the same kind as ``c``.

    Raises
    ------
    ValueError
        ``c`` is neither a tuple nor an array of 3 or 4 channels.
    """
    if isinstance(c, tuple) and len(c) in (3, 4):
        return tuple(c[:3]) + (alpha,)
    if isinstance(c, np.ndarray) and c.shape[-1:] in ((3,), (4,)):
        rgb = c[..., :3]
        return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), alpha, dtype=np.float64)], axis=-1)
    raise ValueError(f"add_alpha() takes an RGB(A) tuple or array, not {type(c).__name__}.")


def selected_cluster_color(i: int, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """Colour of the ``i``-th selected cluster (0: blue, 1: red, ...), phy's palette."""
    rgb = colormaps.default[int(i) % len(colormaps.default)]
    return (float(rgb[0]), float(rgb[1]), float(rgb[2]), float(alpha))


def _positions(values: npt.ArrayLike, lookup: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    values, lookup = np.asarray(values).ravel(), np.asarray(lookup).ravel()
    order = np.argsort(lookup, kind="stable")
    pos = np.searchsorted(lookup[order], values)
    pos = np.minimum(pos, max(lookup.size - 1, 0))
    if lookup.size == 0 or np.any(lookup[order][pos] != values):
        raise ActionError(f"Every value of `{name}` must be one of the cluster ids.", argument=name)
    return np.asarray(order[pos], dtype=np.int64)


def spike_colors(spike_clusters: npt.ArrayLike, cluster_ids: npt.ArrayLike) -> FloatArray:
    """RGBA colour ``(n_spikes, 4)`` of each spike: the selection colour of the position of
    its cluster in ``cluster_ids`` (phy's ``spike_colors``).

    Raises
    ------
    ActionError
        A spike's cluster is not in ``cluster_ids`` (phy gives it a wrong colour).
    """
    idx = _positions(spike_clusters, cluster_ids, "spike_clusters")
    return np.asarray(add_alpha(colormaps.default[idx % len(colormaps.default)]), dtype=np.float64)


def add_selected_clusters_colors(selected_clusters: npt.ArrayLike, cluster_ids: npt.ArrayLike,
                                 cluster_colors: npt.NDArray[np.float64] | None = None) -> FloatArray:
    """Give the selected clusters their selection colour in an array of cluster colours.

    The ``k``-th selected cluster gets ``selected_cluster_color(k)`` (opaque) at its row
    of ``cluster_colors``; selected clusters absent from ``cluster_ids`` are skipped but
    still count in ``k``, as in phy.

    Parameters
    ----------
    selected_clusters : array-like of int
    cluster_ids : array-like of int
        The clusters of the rows of ``cluster_colors``.
    cluster_colors : ndarray of shape (n_clusters, 4), optional
        Modified in place. Default: every cluster blank grey (phy requires it).

    Returns
    -------
    ndarray of shape (n_clusters, 4)
    """
    sel, ids = np.asarray(selected_clusters, dtype=np.int64).ravel(), np.asarray(cluster_ids, dtype=np.int64).ravel()
    if cluster_colors is None:
        cluster_colors = np.asarray(add_alpha(np.repeat(colormaps.blank, ids.size, axis=0)), dtype=np.float64)
    kept = np.isin(sel, ids)
    rows = _positions(sel[kept], ids, "selected_clusters") if kept.any() else np.zeros(0, np.int64)
    k = np.flatnonzero(kept)
    cluster_colors[rows] = add_alpha(colormaps.default[k % len(colormaps.default)])
    return cluster_colors


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


def _categorize(values: Sequence[Any], universe: Sequence[Any] = ()) -> list[Any]:
    """phy's rule: if any value is a string, replace each value by its index among the
    sorted distinct lower-cased strings (None as ''), here taken over ``universe`` too."""
    if not any(isinstance(v, str) for v in [*values, *universe]):
        return list(values)

    def key(v: Any) -> str:
        return str(v).lower() if v is not None else ""

    index = {k: i for i, k in enumerate(sorted({key(v) for v in [*values, *universe]}))}
    return [index[key(v)] for v in values]


def _as_numbers(values: Sequence[Any]) -> npt.NDArray[Any]:
    """Integer array when every value is an integer, else float64 with NaN for non-numbers."""
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)

    def num(v: Any) -> float:
        try:
            return float(v)
        except (TypeError, ValueError):
            return math.nan

    return np.array([num(v) for v in values], dtype=np.float64)


class ClusterColorSelector:
    """Colour of each cluster from a value per cluster, as phy's ``ClusterColorSelector``.

    The value comes from ``fun(cluster_id)`` (phy's way), or from a cluster-table field
    (``values``, the Supervisor's way: ``cluster_id``, ``group`` or any column).

    Parameters
    ----------
    fun : callable or object, optional
        ``fun(cluster_id) -> value``, or a constant value (phy).
    colormap : str or array-like of shape (n, 3), optional
        A name of :data:`colormaps` or the colours themselves. Default ``categorical``.
    categorical : bool, optional
        Integer values pick ``colormap[value % n]`` and strings a colour per distinct
        string; otherwise values map linearly from ``[vmin, vmax]`` onto the colours.
        Default True.
    logarithmic : bool, optional
        Map ``log(value)``. Default False.
    cluster_ids : sequence of int or callable, optional
        The clusters that set ``vmin``/``vmax`` (and the string categories); a callable
        returning the current ids keeps them up to date after every action.
    values : callable, optional
        ``f(field, cluster_ids) -> list of values``: colour by the field
        :attr:`color_field` of a table (see :meth:`set_color_mapping`).
    sender : object, optional
        When given, :meth:`set_color_mapping` emits ``color_mapping_changed(sender)``
        (the Supervisor passes itself, as in phy).

    Attributes
    ----------
    color_field : str
        The table field (``values`` mode), or ``fun``'s name.
    colormap : str or None
        The map's name (None for a custom array); the colours are ``_colormap``.
    categorical, logarithmic : bool
    vmin, vmax : float
        Value range of the last mapping.

    Examples
    --------
    >>> cs = ClusterColorSelector(fun=depth_of, colormap="linear", categorical=False,
    ...                           cluster_ids=[0, 1, 2])  # doctest: +SKIP
    >>> cs.get_colors([0, 2], alpha=0.5)  # doctest: +SKIP
    """

    def __init__(self, fun: Any = None, colormap: str | npt.ArrayLike | None = None,
                 categorical: bool | None = None, logarithmic: bool | None = None,
                 cluster_ids: Sequence[int] | npt.NDArray[np.int64] | Callable[[], Any] | None = None, *,
                 values: Callable[[str, Sequence[int]], list[Any]] | None = None, sender: Any = None) -> None:
        self._values = values
        self._sender = sender
        self._fun: Any = None
        self._ids: Any = cluster_ids if cluster_ids is not None else ()
        self.color_field = "cluster_id"
        self.colormap: str | None = "categorical"
        self._colormap: FloatArray = colormaps.categorical
        self.categorical = True
        self.logarithmic = False
        self.vmin: float = 0.0
        self.vmax: float = 1.0
        self._apply(fun, None, colormap, categorical, logarithmic)

    # Mapping settings ------------------------------------------------------------------

    def _apply(self, fun: Any, color_field: str | None, colormap: Any, categorical: bool | None,
               logarithmic: bool | None) -> None:
        if isinstance(colormap, str):
            if colormap not in colormaps:
                raise ActionError(f"Unknown colormap {colormap!r}; choose one of {sorted(colormaps)}.",
                                  argument="colormap")
            self.colormap, self._colormap = colormap, colormaps[colormap]
        elif colormap is not None:
            cmap = np.asarray(colormap, dtype=np.float64)
            if cmap.ndim != 2 or cmap.shape[1] != 3 or not len(cmap):
                raise ActionError("A colormap must be a name or an (n, 3) array of RGB colours.",
                                  argument="colormap")
            self.colormap, self._colormap = None, cmap
        if fun is not None:
            self._fun = fun
            self.color_field = getattr(fun, "__name__", "custom")
        if color_field is not None:
            self._fun = None
            self.color_field = color_field
            if color_field == "group" and colormap is None:
                self.colormap, self._colormap, self.categorical = "cluster_group", colormaps.cluster_group, True
        self.categorical = self.categorical if categorical is None else bool(categorical)
        self.logarithmic = self.logarithmic if logarithmic is None else bool(logarithmic)
        self._update_range()

    def set_color_mapping(self, color_field: Any = None, colormap: str | npt.ArrayLike | None = None,
                          categorical: bool | None = None, logarithmic: bool | None = None, *,
                          fun: Any = None) -> None:
        """Change what is coloured and how; emits ``color_mapping_changed`` with a sender.

        Parameters
        ----------
        color_field : str or callable, optional
            A table field (``values`` mode), or phy's ``fun`` given positionally.
        colormap : str or array-like of shape (n, 3), optional
        categorical, logarithmic : bool, optional
        fun : callable, optional
            phy's keyword: colour by ``fun(cluster_id)``.

        Raises
        ------
        ActionError
            Unknown colour map name or malformed array.
        """
        if callable(color_field):
            fun, color_field = color_field, None
        self._apply(fun, color_field, colormap, categorical, logarithmic)
        if self._sender is not None:
            emit("color_mapping_changed", self._sender)

    def set_cluster_ids(self, cluster_ids: Sequence[int] | npt.NDArray[np.int64] | Callable[[], Any]) -> None:
        """Set the clusters whose values give the range (phy); a callable stays live."""
        self._ids = cluster_ids
        self._update_range()

    @property
    def cluster_ids(self) -> npt.NDArray[np.int64]:
        """The clusters that set the value range."""
        ids = self._ids() if callable(self._ids) else self._ids
        return np.asarray(ids, dtype=np.int64).ravel()

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
        if self._fun is not None:
            return None
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
            colormap=cmap if isinstance(cmap, str) and cmap in colormaps else None,
            categorical=cat if isinstance(cat, bool) else None,
            logarithmic=log if isinstance(log, bool) else None)

    # Values and colours ----------------------------------------------------------------

    def _raw(self, cluster_ids: Sequence[int]) -> list[Any]:
        ids = [int(c) for c in cluster_ids]
        if self._fun is not None:
            return [self._fun(c) for c in ids] if callable(self._fun) else [self._fun] * len(ids)
        if self.color_field in ("cluster_id", "id") or self._values is None:
            return ids
        values = list(self._values(self.color_field, ids))
        if self.color_field == "group":  # phy's cluster_group scheme: noise, mua, good, other
            return [_GROUP_INDEX.get(v, 3) for v in values]
        return values

    def get_values(self, cluster_ids: Sequence[int]) -> npt.NDArray[Any]:
        """Values of some clusters, as mapped: categories for strings (phy's ``get_values``)."""
        raw = self._raw(cluster_ids)
        if self.categorical and any(isinstance(v, str) for v in raw):
            raw = _categorize(raw, self._raw(self.cluster_ids.tolist()))
        return _as_numbers(raw)

    def _scaled(self, values: npt.NDArray[Any]) -> FloatArray:
        x = np.asarray(values, dtype=np.float64)
        if self.logarithmic:
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
        return x

    def _update_range(self) -> None:
        x = self._scaled(self.get_values(self.cluster_ids.tolist())) if self.cluster_ids.size else np.zeros(0)
        finite = x[np.isfinite(x)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        # vmin/vmax are in value units (phy's), the range used below in mapped units.
        self._lo, self._hi = lo, hi
        self.vmin, self.vmax = (math.exp(lo), math.exp(hi)) if self.logarithmic and finite.size else (lo, hi)

    def map(self, values: npt.ArrayLike) -> FloatArray:
        """RGB colours ``(n, 3)`` of values, with the current map and range (phy's ``map``)."""
        v = np.asarray(values)
        cmap = self._colormap
        n = cmap.shape[0]
        if self.categorical and np.issubdtype(v.dtype, np.integer):
            return np.asarray(cmap[np.mod(v.astype(np.int64), n)], dtype=np.float64)
        x = self._scaled(v)
        span = (self._hi - self._lo) or 1.0
        with np.errstate(invalid="ignore"):
            i = np.round((n - 1) * (x - self._lo) / span)
        i = np.clip(np.where(np.isfinite(i), i, 0), 0, n - 1).astype(np.int64)
        return np.asarray(cmap[i], dtype=np.float64)

    def get_colors(self, cluster_ids: Sequence[int] | npt.NDArray[np.int64], alpha: float = 1.0) -> FloatArray:
        """RGBA colours ``(n, 4)`` of clusters."""
        ids = [int(c) for c in cluster_ids]
        values = self.get_values(ids)
        if callable(self._ids) and not (self.categorical and np.issubdtype(values.dtype, np.integer)):
            self._update_range()  # live clusters: the range follows every action
        rgb = self.map(values) if ids else np.zeros((0, 3))
        return np.asarray(add_alpha(rgb.reshape(len(ids), 3), alpha), dtype=np.float64)

    def get(self, cluster_id: int, alpha: float | None = 1.0) -> tuple[float, ...]:
        """RGBA colour of one cluster (opaque when ``alpha`` is None)."""
        return tuple(float(x) for x in self.get_colors([cluster_id], 1.0 if alpha is None else alpha)[0])
