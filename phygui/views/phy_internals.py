"""phy's view internals that phygui's views can serve honestly, read from their view models.

phy's OpenGL views expose some of their working state to plugins: the bounds they show
(``data_bounds``), the per-cluster data they plot (``get_clusters_data()``, in phy's Bunch
shape), the global views' cluster order (``all_cluster_ids``, ``sorted_cluster_ids``,
``cluster_idxs``, ``set_cluster_ids``, ``update_cluster_sort``), the cluster scatter view's
bindings and prepared markers, and the data functions they were built with
(``correlograms``, ``traces``...), and their mouse handlers (``on_mouse_click(e)``,
``on_mouse_wheel(e)``). :data:`INTERNALS` maps each phygui view class name to those members,
:data:`PLOT_VIEW` holds those of every plot view; :func:`phygui.compat_shims.install_view_forwards`
adds them to the classes.

Each member computes from ``view.model`` (and the controller it reads), so it answers what
the phygui view shows now. Names that only make sense for phy's OpenGL drawing (visuals,
alphas, layouts) are not here: :mod:`phycore.compat._surface` refuses them with a reason.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from phycore.bunch import Bunch

__all__ = ["INTERNALS", "PLOT_VIEW", "data_bounds", "get_clusters_data", "on_mouse_click", "on_mouse_wheel"]


def _loaded(model: Any) -> Any:
    """The model with its data loaded for the current selection (its ``_load``, once)."""
    if not getattr(model, "_data_valid", True) and hasattr(model, "_load"):
        model._load()
    return model


def data_bounds(view: Any) -> tuple[float, float, float, float] | None:
    """phy's ``data_bounds``: ``(xmin, ymin, xmax, ymax)`` the plot shows now, in data units
    (the user's pan/zoom, else the view's home bounds); None before the first drawing."""
    bounds = view._limits or view._home
    if bounds is None:
        return None
    k = view.x_scale
    return (bounds[0] / k, bounds[1], bounds[2] / k, bounds[3])


def get_clusters_data(view: Any, load_all: bool | None = None) -> list[Bunch]:
    """phy's ``get_clusters_data()``: one Bunch per drawn cluster (``cluster_id``, ``color``
    and the view's data: see each view's entry of :data:`INTERNALS`)."""
    return _CLUSTERS_DATA[type(view).__name__](view, bool(load_all))


def _event_modifiers(e: Any) -> dict[str, bool]:
    mods = set(getattr(e, "modifiers", None) or ())
    return {"ctrl": "Control" in mods, "alt": "Alt" in mods, "shift": "Shift" in mods}


def on_mouse_click(view: Any, e: Any) -> Any:
    """phy's ``on_mouse_click(e)``: a click at ``e.pos`` (pixels from the plot area's top-left
    corner) with ``e.button`` (``'Left'``, ``'Right'``) and ``e.modifiers`` (``('Control',
    'Shift')``...), handled as the same click with the mouse (``view.click``); None when the
    view was not drawn yet."""
    bounds, (w, h) = data_bounds(view), view._size
    if bounds is None or not w or not h:
        return None
    px, py = (float(v) for v in e.pos)
    x = bounds[0] + px / w * (bounds[2] - bounds[0])
    y = bounds[3] - py / h * (bounds[3] - bounds[1])
    button = str(getattr(e, "button", None) or "Left").lower()
    return view.click(x, y, button, **_event_modifiers(e))


def on_mouse_wheel(view: Any, e: Any) -> Any:
    """phy's ``on_mouse_wheel(e)``: ``e.delta`` wheel steps with ``e.modifiers``, handled as
    the same wheel over the plot (``view.wheel``: ctrl scales, alt/shift per view)."""
    delta = e.delta
    if isinstance(delta, (tuple, list)):
        delta = delta[1] or delta[0]
    return view.wheel(float(delta), **_event_modifiers(e))


#: Members of every plot view.
PLOT_VIEW: dict[str, Any] = {"on_mouse_click": on_mouse_click, "on_mouse_wheel": on_mouse_wheel}


# Per-view cluster data ---------------------------------------------------------------------------


def _amplitude_data(view: Any, load_all: bool) -> list[Bunch]:
    m = _loaded(view.model)
    out = []
    for i, (cid, layer) in enumerate(zip(m.cluster_ids, m._layers)):
        if load_all:
            spike_ids = np.asarray(m._cluster_spikes(cid, True), dtype=np.int64)
            layer = m._layer(spike_ids, cid)
        out.append(Bunch(cluster_id=cid, spike_ids=layer.spike_ids, spike_times=layer.times,
                         amplitudes=layer.amplitudes, pos=np.c_[layer.times, layer.amplitudes],
                         color=m.cluster_color(i)))
    return out


def _correlogram_data(view: Any, load_all: bool) -> list[Bunch]:
    m = _loaded(view.model)
    ccg = m._counts
    out = []
    n = len(m.cluster_ids)
    for i in range(n):
        for j in range(n):
            top = float(ccg.max() if m.options.uniform_normalization else ccg[i, j].max()) if ccg.size else 0.0
            out.append(Bunch(pair_index=(i, j), correlogram=ccg[i, j], data_bounds=(0, 0, ccg.shape[2], top),
                             color=m.cluster_color(i)))
    return out


def _feature_data(view: Any, load_all: bool) -> list[Bunch]:
    m = _loaded(view.model)
    return [Bunch(cluster_id=cid, spike_ids=p.spike_ids, data=p.features, spike_times=p.times,
                  channel_ids=list(m.channel_ids), color=m.cluster_color(i))
            for i, (cid, p) in enumerate(zip(m.cluster_ids, m._clusters))]


def _waveform_data(view: Any, load_all: bool) -> list[Bunch]:
    m = _loaded(view.model)
    return [Bunch(cluster_id=cid, index=i, data=w.data, channel_ids=w.channel_ids, spike_ids=w.spike_ids,
                  template=w.template, color=m.cluster_color(i, 0.75))
            for i, (cid, w) in enumerate(zip(m.cluster_ids, m._waves))]


def _template_data(view: Any, load_all: bool) -> list[Bunch]:
    m = _loaded(view.model)
    templates = _templates(view, m.clusters)
    order = _order(view)
    return [Bunch(templates[cid], cluster_rel=rel, cluster_idx=idx, cluster_id=cid)
            for rel, (idx, cid) in enumerate(zip(order.cluster_idxs, order.sorted_cluster_ids))]


def _scatter_data(view: Any, load_all: bool) -> dict[int, Bunch]:  # phy's is a dict, by cluster
    return {int(cid): _scatter_cluster(view, cid) for cid in view.model.clusters}


_CLUSTERS_DATA: dict[str, Callable[[Any, bool], Any]] = {
    "AmplitudeView": _amplitude_data, "CorrelogramView": _correlogram_data, "FeatureView": _feature_data,
    "WaveformView": _waveform_data, "TemplateView": _template_data,
}


# Global views: the cluster order ---------------------------------------------------------------


def _all_cluster_ids(view: Any) -> np.ndarray:
    """phy's ``all_cluster_ids``: the clusters shown, in the view's order (the cluster table's,
    or the one :func:`_set_cluster_ids` gave)."""
    m = view.model
    return np.asarray(m.rows if hasattr(m, "rows") else m.clusters, dtype=np.int64)


def _order(view: Any) -> Bunch:
    ids = _all_cluster_ids(view)
    idxs = np.argsort(ids, kind="stable")
    return Bunch(cluster_idxs=idxs, sorted_cluster_ids=ids[idxs])


def _set_cluster_ids(view: Any, cluster_ids: Any) -> None:
    """phy's ``set_cluster_ids(cluster_ids)``: show these clusters, in this order (the next
    filter or sort of the cluster table takes over again)."""
    if cluster_ids is None or not len(cluster_ids):
        return
    view.model.set_shown([int(c) for c in cluster_ids])


def _update_cluster_sort(view: Any, cluster_ids: Any) -> None:
    """phy's ``update_cluster_sort(cluster_ids)``: the same clusters in a new order."""
    _set_cluster_ids(view, cluster_ids)


GLOBAL_VIEW: dict[str, Any] = {
    "all_cluster_ids": property(_all_cluster_ids, doc=_all_cluster_ids.__doc__),
    "sorted_cluster_ids": property(lambda v: _order(v).sorted_cluster_ids,
                                   doc="phy's ``sorted_cluster_ids``: ``all_cluster_ids`` by increasing id."),
    "cluster_idxs": property(lambda v: _order(v).cluster_idxs,
                             doc="phy's ``cluster_idxs``: the permutation sorting ``all_cluster_ids``."),
    "set_cluster_ids": _set_cluster_ids,
    "update_cluster_sort": _update_cluster_sort,
}


# Cluster scatter view --------------------------------------------------------------------------

_DIMS = ("x_axis", "y_axis", "size")


def _bindings(view: Any) -> dict[str, str]:
    """phy's ``bindings``: ``{'x_axis': field, 'y_axis': field, 'size': field}``."""
    return {k: str(getattr(view.model.options, k)) for k in _DIMS}


def _scatter_cluster(view: Any, cluster_id: int) -> Bunch:
    """phy's ``get_cluster_data(cluster_id)``: the bound values of one cluster."""
    info = view.context.supervisor.get_cluster_info(int(cluster_id))
    return Bunch({k: info.get(v, 0.0) for k, v in _bindings(view).items()})


def _change_bindings(view: Any, **kwargs: str) -> None:
    """phy's ``change_bindings(x_axis=..., y_axis=..., size=...)``: rebind (unknown fields ignored)."""
    fields = _fields(view)
    setters = {"x_axis": view.model.set_x_axis, "y_axis": view.model.set_y_axis, "size": view.model.set_size_axis}
    for k, v in kwargs.items():
        if k in setters and v in fields:
            setters[k](v)


def _fields(view: Any) -> list[str]:
    """phy's ``fields``: the numeric cluster-table columns that can be bound."""
    from phycore.supervisor.colors import numeric_columns

    return sorted(numeric_columns(view.context.supervisor.cluster_table))


def _toggle_log_scale(view: Any, dim: str, checked: bool) -> None:
    """phy's ``toggle_log_scale(dim, checked)``: log scale for ``'x_axis'``, ``'y_axis'`` or ``'size'``."""
    if dim not in _DIMS:
        raise ValueError(f"dim must be one of {_DIMS}, got {dim!r}")
    view.model.set_state({f"{dim}_log_scale": bool(checked)})


def _prepare(view: Any) -> None:
    """phy's ``prepare_data()``: markers recomputed from the cluster table (phygui draws them
    on the next frame)."""
    view.model.invalidate(data=False)


def _marker_colors(view: Any) -> np.ndarray:
    ids = view.model.clusters
    return np.asarray(view.context.supervisor.color_selector.get_colors(ids), dtype=np.float64).reshape(-1, 4)


SCATTER: dict[str, Any] = {
    "bindings": property(_bindings, doc=_bindings.__doc__),
    "cluster_info": property(lambda v: v.context.supervisor.get_cluster_info,
                             doc="phy's ``cluster_info(cluster_id)``: a cluster's table row (a dict)."),
    "cluster_data": property(lambda v: _scatter_data(v, False),
                             doc="phy's ``cluster_data``: ``{cluster_id: get_cluster_data(cluster_id)}``."),
    "fields": property(_fields, doc=_fields.__doc__),
    "set_fields": _prepare,
    "get_cluster_data": _scatter_cluster,
    "change_bindings": _change_bindings,
    "toggle_log_scale": _toggle_log_scale,
    "marker_positions": property(lambda v: v.model.positions()[1],
                                 doc="phy's ``marker_positions``: ``(n, 2)`` positions of ``all_cluster_ids``."),
    "marker_sizes": property(lambda v: v.model.positions()[2],
                             doc="phy's ``marker_sizes``: marker radii (pixels) of ``all_cluster_ids``."),
    "marker_colors": property(_marker_colors, doc="phy's ``marker_colors``: RGBA of ``all_cluster_ids``."),
    **{name: _prepare for name in ("prepare_data", "prepare_position", "prepare_size", "prepare_color")},
}


# Other views -------------------------------------------------------------------------------------


def _templates(view: Any, cluster_ids: Any) -> dict[int, Bunch]:
    """phy's ``templates(cluster_ids)``: ``{cluster_id: Bunch(template, channel_ids)}``."""
    c = view.context.controller
    out = {}
    for cid in cluster_ids:
        td = c.get_template_waveforms(int(cid))
        out[int(cid)] = Bunch(template=np.asarray(td.data), channel_ids=np.asarray(td.channel_ids))
    return out


def _show_time_range(view: Any, interval: tuple[float, float] = (0, 0)) -> None:
    """phy's ``show_time_range(interval)``: shade that time range (the trace view's window)."""
    view.model.on_time_range_selected(view, tuple(interval))


def _zoom_to_time_range(view: Any, interval: Any) -> None:
    """phy's ``zoom_to_time_range((t0, t1))``: show that time range on every row."""
    if not interval or not view.plot:
        return
    home = view._home or view._padded((0.0, -0.5, view.model.duration, max(len(view.model.rows), 1) - 0.5))
    view._set_limits((float(interval[0]) * view.x_scale, home[1], float(interval[1]) * view.x_scale, home[3]))


def _raster_spike_ids(view: Any) -> np.ndarray:
    clusters = view.context.supervisor.clustering.spike_clusters
    return np.isin(clusters, _all_cluster_ids(view))


def _on_select_channel(view: Any, sender: Any = None, channel_id: int | None = None, key: int | None = None,
                       button: str | None = None) -> None:
    """phy's ``on_select_channel(sender, channel_id, key, button)``: show that channel in
    the x (left button, key 1) or y (right button, key 2) dimension."""
    if channel_id is not None:
        view.model.on_channel_click(sender, int(channel_id), key=key, button=button or "left")


def _waveform_functions(view: Any) -> dict[str, Callable[[int], Bunch]]:
    """phy's ``waveforms``: ``{waveforms_type: function(cluster_id) -> Bunch(data, channel_ids...)}``
    for the types the data has (``waveforms``, ``mean_waveforms``, ``templates``)."""
    c = view.context.controller

    def mean(cluster_id: int) -> Bunch:
        w = c.get_waveforms(cluster_id)
        return Bunch(cluster_id=cluster_id, spike_ids=w.spike_ids, channel_ids=w.channel_ids,
                     data=np.asarray(w.data).mean(axis=0, keepdims=True))

    functions = {"waveforms": c.get_waveforms, "mean_waveforms": mean, "templates": c.get_template_waveforms}
    return {t: functions[t] for t in view.model.waveforms_types}


def _amplitude_functions(view: Any) -> dict[str, Callable[..., list[Bunch]]]:
    """phy's ``amplitudes``: ``{amplitudes_type: function(cluster_ids, load_all=False)}``
    giving a Bunch (``spike_ids``, ``spike_times``, ``amplitudes``) per cluster (None: the
    background spikes), for the types the data has."""
    m = view.model

    def function(kind: str) -> Callable[..., list[Bunch]]:
        def amplitudes(cluster_ids: Any, load_all: bool = False) -> list[Bunch]:
            out = []
            for cid in cluster_ids:
                spike_ids, times, amps = m.amplitudes_of(cid, kind, load_all)
                out.append(Bunch(spike_ids=spike_ids, spike_times=times, amplitudes=amps))
            return out

        return amplitudes

    return {kind: function(kind) for kind in m.amplitudes_types}


def _feature_attributes(view: Any) -> dict[str, Callable[..., Bunch]]:
    """phy's ``attributes``: the non-feature dimensions of the grid, ``{'time':
    function(cluster_id, load_all=False) -> Bunch(data=spike times, spike_ids)}`` (phygui's
    feature view has the ``time`` one)."""
    c = view.context.controller

    def time(cluster_id: int, load_all: bool = False) -> Bunch:
        n = None if load_all else view.model.options.n_spikes_features
        spike_ids = np.asarray(c.get_spike_ids(int(cluster_id), n), dtype=np.int64)
        return Bunch(data=np.asarray(c.model.spike_times[spike_ids]), spike_ids=spike_ids)

    return {"time": time}


def _firing_rate(view: Any) -> Callable[[Any, float], np.ndarray]:
    """phy's ``firing_rate(cluster_ids, bin_size)``: the ``(n, n)`` expected count per bin of
    each correlogram for independent trains (the grey baseline), from the spikes the
    correlograms count."""
    from phycore.analysis import correlogram_baseline

    def rate(cluster_ids: Any, bin_size: float) -> np.ndarray:
        c = view.context.controller
        counts = c.supervisor.clustering.spike_counts
        n = np.array([int(counts[int(cid)]) for cid in cluster_ids], dtype=np.int64)
        cap = getattr(getattr(c, "view_data", None), "n_spikes_correlograms", None)
        return correlogram_baseline(np.minimum(n, cap) if cap else n, float(bin_size), float(c.model.duration))

    return rate


def _toggle_highlighted_spikes(view: Any, checked: bool) -> None:
    """phy's ``toggle_highlighted_spikes(checked)``: show the spikes of all clusters (True) or
    of the selected ones only (the trace view's ``toggle_show_all_spikes``)."""
    view.model.toggle_show_all_spikes(bool(checked))


def _model_of(view: Any) -> Any:
    return view.context.controller.model


INTERNALS: dict[str, dict[str, Any]] = {
    "AmplitudeView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        "get_clusters_data": get_clusters_data,
        "show_time_range": _show_time_range,
        "amplitudes": property(_amplitude_functions, doc=_amplitude_functions.__doc__),
    },
    "ClusterScatterView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        "get_clusters_data": lambda view, cluster_ids=None: (
            _scatter_data(view, False) if cluster_ids is None
            else {int(c): _scatter_cluster(view, c) for c in cluster_ids}),
        **GLOBAL_VIEW, **SCATTER,
    },
    "CorrelogramView": {
        "get_clusters_data": get_clusters_data,
        "correlograms": property(lambda v: v.context.controller.get_correlograms,
                                 doc="phy's ``correlograms(cluster_ids, bin_size, window_size)``."),
        "firing_rate": property(_firing_rate, doc=_firing_rate.__doc__),
    },
    "FeatureView": {
        "get_clusters_data": get_clusters_data,
        "grid_dim": property(lambda v: [list(row) for row in v.model.grid],
                             doc="phy's ``grid_dim``: the grid spec, e.g. ``[['time,0A', '1A,0A', ...], ...]``."),
        "n_rows": property(lambda v: v.model.grid_shape[0], doc="phy's ``n_rows`` of the grid."),
        "n_cols": property(lambda v: v.model.grid_shape[1], doc="phy's ``n_cols`` of the grid."),
        "features": property(lambda v: v.context.controller.get_features,
                             doc="phy's ``features(cluster_id, channel_ids=None)``: the controller's."),
        "on_select_channel": _on_select_channel,
        "attributes": property(_feature_attributes, doc=_feature_attributes.__doc__),
    },
    "ISIView": {
        "alias_char": property(lambda v: v.model.alias, doc="phy's ``alias_char``: the snippet prefix (isi)."),
        "bin_unit": property(lambda v: v.model.unit, doc="phy's ``bin_unit``: the unit shown (ms)."),
    },
    "FiringRateView": {
        "alias_char": property(lambda v: v.model.alias, doc="phy's ``alias_char``: the snippet prefix (fr)."),
        "bin_unit": property(lambda v: v.model.unit, doc="phy's ``bin_unit``: the unit shown (s)."),
    },
    "ProbeView": {
        "data_bounds": property(lambda v: data_bounds(v) or tuple(v.model.home),
                                doc="phy's ``data_bounds``: the probe's bounds (or the plot's pan/zoom)."),
        "dead_channels": property(lambda v: (), doc="phy's ``dead_channels``: none (phy's controller passes "
                                                     "none either; phygui draws every channel alike)."),
    },
    "RasterView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        **GLOBAL_VIEW,
        "n_clusters": property(lambda v: len(v.model.rows), doc="phy's ``n_clusters``: rows shown."),
        "n_spikes": property(lambda v: len(_model_of(v).spike_times), doc="phy's ``n_spikes``: all spikes."),
        "spike_times": property(lambda v: np.asarray(_model_of(v).spike_times), doc="phy's ``spike_times`` (s)."),
        "spike_clusters": property(lambda v: v.context.supervisor.clustering.spike_clusters,
                                   doc="phy's ``spike_clusters``: the current clustering's."),
        "spike_ids": property(_raster_spike_ids, doc="phy's ``spike_ids``: mask of the spikes of the shown rows."),
        "zoom_to_time_range": _zoom_to_time_range,
    },
    "TemplateView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        "get_clusters_data": get_clusters_data,
        **GLOBAL_VIEW,
        "cluster_colors": property(
            lambda v: np.asarray(v.context.supervisor.color_selector.get_colors(_order(v).sorted_cluster_ids, 0.75)),
            doc="phy's ``cluster_colors``: RGBA of ``sorted_cluster_ids``."),
        "channel_ids": property(lambda v: np.arange(int(_model_of(v).n_channels)),
                                doc="phy's ``channel_ids``: every channel."),
        "templates": property(lambda v: (lambda cluster_ids: _templates(v, cluster_ids)), doc=_templates.__doc__),
    },
    "TraceView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        "channel_positions": property(lambda v: np.asarray(_model_of(v).channel_positions),
                                      doc="phy's ``channel_positions``."),
        "toggle_highlighted_spikes": _toggle_highlighted_spikes,
        "interval_duration": property(lambda v: float(v.model.default_width),
                                      doc="phy's ``interval_duration``: the first window's width (s)."),
        "scaling_coeff_x": property(lambda v: float(v.model.width_step),
                                    doc="phy's ``scaling_coeff_x``: the widen/narrow factor."),
        "shift_amount": property(lambda v: float(v.model.shift_step),
                                 doc="phy's ``shift_amount``: go_left/go_right shift, as a fraction of the window."),
        "dt": property(lambda v: 1.0 / float(_model_of(v).sample_rate), doc="phy's ``dt``: 1 / sample rate."),
        "traces": property(lambda v: (lambda interval: v.context.controller.get_traces(*interval)),
                           doc="phy's ``traces(interval)``: the controller's ``get_traces(t0, t1)``."),
        "get_spike_times": property(lambda v: v.model._first_cluster_times,
                                    doc="phy's ``get_spike_times()``: the spike times of the first selected cluster."),
    },
    "WaveformView": {
        "data_bounds": property(data_bounds, doc=data_bounds.__doc__),
        "get_clusters_data": get_clusters_data,
        "wave_duration": property(
            lambda v: float(_model_of(v).n_samples_waveforms) / float(_model_of(v).sample_rate),
            doc="phy's ``wave_duration``: a waveform's duration (s)."),
        "waveforms": property(_waveform_functions, doc=_waveform_functions.__doc__),
    },
}
