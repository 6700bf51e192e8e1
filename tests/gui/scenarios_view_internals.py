"""GUI scenarios of phy's view internals served by phygui's views (``data_bounds``,
``get_clusters_data()``, the global views' cluster order, the cluster scatter view's bindings,
the data functions, ``on_mouse_click(e)``/``on_mouse_wheel(e)``): see
:mod:`phygui.views.phy_internals`. Each is run in its own process by a ``subprocess``-marked
test of ``test_gui_view_internals.py``; any logged error fails them.

Run one by hand:  xvfb-run -a python -m tests.gui.scenarios_view_internals cluster_data /path/to/data
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from phycore.bunch import Bunch
from tests.gui.strict import controller_scenarios, scenario_main


def _gui(controller: Any) -> Any:
    from phygui.app import create_gui

    return create_gui(controller)


def _bounds_ok(bounds: Any) -> bool:
    return bounds is not None and len(bounds) == 4 and bounds[0] < bounds[2] and bounds[1] < bounds[3]


def scenario_cluster_data(controller: Any, dataset: Path) -> None:
    gui = _gui(controller)
    try:
        sup = gui.supervisor
        a, b = sup.cluster_table.visible_ids[:2]
        sup.select(a, b)
        gui.render(4)
        colors = [tuple(gui.get_view("WaveformView").model.cluster_color(i)) for i in range(2)]
        # Waveforms: one Bunch per selected cluster, the model's data and phy's selection colour.
        wv = gui.get_view("WaveformView")
        data = wv.get_clusters_data()
        assert [d.cluster_id for d in data] == [a, b] and all(isinstance(d, Bunch) for d in data)
        assert data[0].data.ndim == 3 and data[0].data.shape[2] == len(data[0].channel_ids)
        assert tuple(data[0].color[:3]) == colors[0][:3]
        assert wv.wave_duration == controller.model.n_samples_waveforms / controller.model.sample_rate
        assert set(wv.waveforms) == set(wv.model.waveforms_types)
        assert np.array_equal(wv.waveforms["templates"](a).data, controller.get_template_waveforms(a).data)
        assert _bounds_ok(wv.data_bounds)
        # Features: spikes, features (n, n_channels, n_pcs) on the shown channels; the grid.
        fv = gui.get_view("FeatureView")
        fdata = fv.get_clusters_data()
        assert [d.cluster_id for d in fdata] == [a, b]
        assert fdata[0].data.shape[:2] == (len(fdata[0].spike_ids), len(fv.channel_ids))
        assert (fv.n_rows, fv.n_cols) == (4, 4) and fv.grid_dim[0][0] == "time,0A"
        assert fv.features(a).cluster_id == a
        t = fv.attributes["time"](a)
        assert np.array_equal(t.data, controller.model.spike_times[t.spike_ids])
        if len(fv.channel_ids) > 2:
            new = next(c for c in range(controller.model.n_channels) if c not in fv.channel_ids)
            fv.on_select_channel(channel_id=new, button="Right")
            assert fv.channel_ids[1] == new
        # Amplitudes: spike times and amplitudes, pos = (time, amplitude).
        av = gui.get_view("AmplitudeView")
        adata = av.get_clusters_data()
        assert [d.cluster_id for d in adata] == [a, b]
        assert np.array_equal(adata[0].pos[:, 0], adata[0].spike_times)
        assert len(av.get_clusters_data(load_all=True)[0].spike_ids) == sup.clustering.spike_counts[a]
        amps = av.amplitudes[av.amplitudes_type]([None, a])  # None: the background spikes
        assert len(amps) == 2 and np.array_equal(amps[1].amplitudes, adata[0].amplitudes)
        assert np.array_equal(amps[1].spike_ids, adata[0].spike_ids) and set(av.amplitudes) == set(av.amplitudes_types)
        av.show_time_range((1.0, 2.0))
        assert av.model.time_range == (1.0, 2.0)
        assert _bounds_ok(av.data_bounds)
        # Correlograms: one Bunch per pair, the controller's counts; the baseline function.
        cv = gui.get_view("CorrelogramView")
        cdata = cv.get_clusters_data()
        ccg = controller.get_correlograms([a, b], cv.bin_size, cv.window_size)
        assert [d.pair_index for d in cdata] == [(0, 0), (0, 1), (1, 0), (1, 1)]
        assert np.array_equal(cdata[1].correlogram, ccg[0, 1])
        assert np.array_equal(cv.correlograms([a, b], cv.bin_size, cv.window_size), ccg)
        assert cv.firing_rate([a, b], cv.bin_size).shape == (2, 2)
        # Histograms: phy's snippet prefix and unit.
        assert (gui.get_view("ISIView").alias_char, gui.get_view("ISIView").bin_unit) == ("isi", "ms")
        assert (gui.get_view("FiringRateView").alias_char, gui.get_view("FiringRateView").bin_unit) == ("fr", "s")
        # Traces: time step, channel positions, the data functions.
        tv = gui.get_view("TraceView")
        assert tv.dt == 1.0 / controller.model.sample_rate
        assert np.array_equal(tv.channel_positions, controller.model.channel_positions)
        assert np.array_equal(tv.traces((0.0, 0.1))["traces"], controller.get_traces(0.0, 0.1)["traces"])
        times = tv.get_spike_times()
        assert len(times) == sup.clustering.spike_counts[a] and np.all(np.diff(times) >= 0)
        assert _bounds_ok(tv.data_bounds)
        assert (tv.interval_duration, tv.scaling_coeff_x, tv.shift_amount) == (0.25, 1.25, 0.1)
        t0, t1 = tv.interval
        tv.go_right()
        assert np.allclose(tv.interval, (t0 + tv.shift_amount * (t1 - t0), t1 + tv.shift_amount * (t1 - t0)))
        tv.toggle_highlighted_spikes(True)
        assert tv.show_all_spikes
        tv.toggle_highlighted_spikes(False)
        assert not tv.show_all_spikes
        # Probe: its bounds.
        assert _bounds_ok(gui.get_view("ProbeView").data_bounds) and gui.get_view("ProbeView").dead_channels == ()
        gui.render(2)
    finally:
        gui.destroy()


def scenario_global_views(controller: Any, dataset: Path) -> None:
    gui = _gui(controller)
    try:
        sup = gui.supervisor
        ids = list(sup.cluster_table.visible_ids)
        sup.select(ids[0])
        gui.render(4)
        tv, rv, cs = (gui.get_view(n) or gui.create_and_add_view(n)
                      for n in ("TemplateView", "RasterView", "ClusterScatterView"))
        gui.render(4)
        for view in (tv, rv, cs):  # the views' order; sorted ids and the permutation between them
            assert list(view.all_cluster_ids) == (ids if view is not tv else list(tv.model.clusters)), view.name
            assert list(view.sorted_cluster_ids) == sorted(ids)
            assert list(np.asarray(view.all_cluster_ids)[view.cluster_idxs]) == sorted(ids)
        # set_cluster_ids: these clusters, in this order; the table's next sort takes over.
        sub = ids[:3][::-1]
        for view in (tv, rv, cs):
            view.set_cluster_ids(sub)
            assert list(view.all_cluster_ids) == sub, view.name
        assert rv.n_clusters == 3 and rv.spike_ids.sum() == sum(sup.clustering.spike_counts[c] for c in sub)
        rv.update_cluster_sort(sub[::-1])
        assert list(rv.all_cluster_ids) == sub[::-1]
        gui.render(2)
        sup.sort("n_spikes", "asc")  # the raster follows the table's sort, the scatter its filter
        sup.clear_filter()
        gui.render(2)
        assert list(rv.all_cluster_ids) == list(sup.cluster_table.visible_ids) == list(cs.all_cluster_ids)
        assert rv.n_spikes == len(controller.model.spike_times) == len(rv.spike_times) == len(rv.spike_clusters)
        # Template view: the templates, in phy's global-view order, with their colours.
        tdata = tv.get_clusters_data()
        assert [d.cluster_id for d in tdata] == sorted(tv.all_cluster_ids)
        assert [d.cluster_idx for d in tdata] == list(tv.cluster_idxs)
        assert np.array_equal(tdata[0].template, controller.get_template_waveforms(tdata[0].cluster_id).data)
        assert tv.cluster_colors.shape == (len(ids), 4)
        assert list(tv.channel_ids) == list(range(controller.model.n_channels))
        assert set(tv.templates(ids[:2])) == set(ids[:2])
        # Raster: zoom to a time range (the plot's bounds follow on the next frames).
        rv.zoom_to_time_range((1.0, 2.0))
        gui.render(4)
        x0, _, x1, _ = rv.data_bounds
        assert abs(x0 - 1.0) < 1e-6 and abs(x1 - 2.0) < 1e-6
        # Cluster scatter: bindings, fields, per-cluster values, markers.
        assert cs.bindings == {"x_axis": cs.x_axis, "y_axis": cs.y_axis, "size": cs.size}
        assert "fr" in cs.fields and "n_spikes" in cs.fields
        cs.change_bindings(x_axis="n_spikes", y_axis="not_a_field")
        assert cs.x_axis == "n_spikes" and cs.y_axis != "not_a_field"
        c = ids[0]
        assert cs.get_cluster_data(c).x_axis == cs.cluster_info(c)["n_spikes"]
        assert set(cs.get_clusters_data([c, ids[1]])) == {c, ids[1]} and set(cs.cluster_data) == set(ids)
        n = len(cs.all_cluster_ids)
        assert cs.marker_positions.shape == (n, 2) and len(cs.marker_sizes) == n and cs.marker_colors.shape == (n, 4)
        cs.toggle_log_scale("x_axis", True)
        assert cs.x_axis_log_scale and cs.model.options.x_axis_log_scale
        cs.prepare_data()
        assert cs.model.is_dirty
        assert _bounds_ok(cs.data_bounds) and _bounds_ok(tv.data_bounds)
        gui.render(2)
    finally:
        gui.destroy()


def _pixel(view: Any, x: float, y: float) -> tuple[float, float]:
    """Plot pixel (from the plot area's top-left) of a data point: the inverse of on_mouse_click's."""
    x0, y0, x1, y1 = view.data_bounds
    w, h = view._size
    return (x - x0) / (x1 - x0) * w, (y1 - y) / (y1 - y0) * h


def scenario_mouse_events(controller: Any, dataset: Path) -> None:
    gui = _gui(controller)
    try:
        sup = gui.supervisor
        ids = list(sup.cluster_table.visible_ids)
        sup.select(ids[0])
        gui.render(4)
        # A phy mouse event on the cluster scatter view selects the cluster under it...
        cs = gui.get_view("ClusterScatterView")
        target = ids[1]
        pos = _pixel(cs, *cs.model.cluster_position(target))
        assert cs.on_mouse_click(Bunch(pos=pos, button="Left", modifiers=())) == target
        gui.render(2)
        assert sup.selected == [target]
        # ... shift adds it to the selection (select_more).
        pos = _pixel(cs, *cs.model.cluster_position(ids[2]))
        cs.on_mouse_click(Bunch(pos=pos, button="Left", modifiers=("Shift",)))
        gui.render(2)
        assert sup.selected == [target, ids[2]]
        # The wheel: control+wheel scales the traces, as over the plot.
        tv = gui.get_view("TraceView")
        before = tv.scaling
        assert tv.on_mouse_wheel(Bunch(pos=(10, 10), delta=1.0, modifiers=("Control",))) is not None
        assert tv.scaling != before
        assert tv.on_mouse_wheel(Bunch(pos=(10, 10), delta=(0.0, 1.0), modifiers=())) is None  # plain: zoom
        gui.render(2)
    finally:
        gui.destroy()


#: ``run(name, dataset)``: ``scenario_<name>`` in this process, failing on logged errors.
run = controller_scenarios(globals())


if __name__ == "__main__":
    scenario_main(run)
