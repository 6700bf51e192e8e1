"""phy 2.1's plugin-facing surface, name by name, and how phycore answers each (private): pure data.

Every public class, function and attribute of the phy and phylib modules plugins import
(``phy``, ``phy.apps.template``, ``phy.cluster``, ``phy.cluster.views``, ``phy.gui``,
``phy.plot``, ``phy.utils``, ``phylib.io.model``, ``phylib.utils``, ``phylib.stats``) and
every public member of the classes they expose is, here, one of:

- **served** (:data:`SERVED`): a module's name through the compatibility namespace
  (``_names.MODULES``), a class member on the phycore/phygui object a plugin gets
  (:data:`TARGETS`);
- **served with a documented difference** (:data:`DOCUMENTED`): it works, and the note
  says how it differs from phy;
- **refused** (:data:`REFUSED`, or :data:`REFUSE_REST` for every other name of a Qt
  widget or OpenGL class): the reason, which says what to use instead, is the message of
  the :class:`~phycore.errors.UnsupportedPhyAPIError` a plugin gets, recorded with the
  plugin's file.

``tests/compat/test_phy_surface.py`` enumerates phy's names from phy's own code and fails
on a name classified nowhere or served here without resolving; ``docs/gen_compat.py``
renders the tables of ``docs/plugins-phy-compat.md``. Owners are phy modules
(``"phy.cluster"``) or phy classes where they are defined (``"phy.cluster.supervisor.Supervisor"``).
"""

from __future__ import annotations

from phycore.compat._names import HTML, OPENGL, QT

__all__ = ["TARGETS", "MIXIN_USERS", "SERVED", "DOCUMENTED", "REFUSED", "REFUSE_REST", "refused_member"]

# Why a name is refused, and what to use instead -------------------------------------------------

VIEW_VISUAL = ("it is one of the OpenGL visuals phy's view draws with; phygui's views draw with Dear PyGui: "
               "read the data through the controller's get_* methods, or write a matplotlib view "
               "(ManualClusteringView with PlotCanvasMpl)")
VIEW_INTERNAL = ("it is internal state of phy's OpenGL view (its arrays, layout or drawing parameters); phygui's "
                 "view keeps its own in view.model: get the data from the controller's get_* methods and change "
                 "the view with its actions (View menu, snippets)")
VIEW_STYLE = ("it is a drawing constant of phy's OpenGL view (an alpha, colour, size or pixel step); phygui's "
              "view draws with its own theme: change what it shows with its options (view.model.options, "
              "view.set_state) and actions")
VIEW_LAYOUT = ("it is phy's OpenGL layout object (Boxed/Stacked), which maps boxes to NDC; phygui's view lays "
               "itself out: use view.data_bounds, view.on_mouse_click(e) or view.click(x, y) in data units")
VIEW_SCALING = ("not every phygui view that has phy's ScalingMixin has one scaling: use view.increase()/"
                "decrease() (all of them), view.scaling (template, trace), view.box_scaling/probe_scaling "
                "and reset_scaling() (waveform), view.feature_scaling (feature)")
VIEW_COLOR_SCHEMES = ("phygui's colour schemes are the session's, shared by the views: use "
                      "supervisor.color_selector.set_color_mapping(fun=..., colormap=..., categorical=..., "
                      "logarithmic=...) and view.next_color_scheme()/previous_color_scheme()")
VIEW_SPIKE_CLUSTERS = ("phygui's global views read the spike clusters from supervisor.clustering and follow "
                       "its changes: change them with supervisor.split/merge or clustering.assign")
CONTROLLER = ("phy's controller adds its View actions toggle_spike_reorder and switch_raw_data_filter with it; "
              "phygui's View menu has toggle_spike_reorder (controller.toggle_spike_reorder), and phycore "
              "switches the raw-data filter with "
              "controller.raw_data_filter.next() (add such an action with gui.view_actions.add)")
PHY_PROCESS = "it is part of phy's own process set-up (exit hooks, its test runner); phycore needs none"
MOUSE_MPL = ("phycore's HistogramView is drawn by matplotlib into an image and gets no mouse events: set "
             "view.n_bins, view.x_min or view.x_max and call view.plot() (phy's shift/alt+wheel do this)")
WAVEFORM_DURATION = ("phycore's get_traces(t0, t1) returns the traces and the spikes' times and clusters, no "
                     "per-spike waveform windows; phygui's trace view overdraws each spike on a fixed 1 ms window "
                     "(phygui.render.tile_painter.SPIKE_HALF each side), which this attribute does not change")

#: phy class -> where its members are looked up: the object a plugin gets in phycore
#: (``"module:attribute"``; a member served on any of them counts).
TARGETS: dict[str, tuple[str, ...]] = {
    **{owner: ("phycore.controller:TemplateController", "phycore.compat._controller:ALIASES") for owner in (
        "phy.apps.base.BaseController", "phy.apps.base.WaveformMixin", "phy.apps.base.FeatureMixin",
        "phy.apps.base.TemplateMixin", "phy.apps.base.TraceMixin", "phy.apps.template.gui.TemplateController")},
    "phy.apps.base.RawDataFilter": ("phycore.controller:RawDataFilter",),
    "phy.apps.base.Selection": ("phycore.compat._sdk:Selection",),
    "phy.apps.base.StatusBarHandler": ("phycore.compat._sdk:StatusBarHandler",),
    "phy.cluster.supervisor.Supervisor": ("phycore.supervisor:Supervisor",),
    "phy.cluster.supervisor.TaskLogger": ("phycore.supervisor._task_logger:TaskLogger",),
    "phy.cluster.supervisor.ActionCreator": ("phycore.supervisor._action_creator:ActionCreator",),
    "phy.cluster.clustering.Clustering": ("phycore.clustering:Clustering",),
    "phy.cluster._utils.ClusterMeta": ("phycore.clustering:ClusterMeta",),
    "phy.cluster._utils.UpdateInfo": ("phycore.clustering:UpdateInfo",),
    "phy.cluster._utils.RotatingProperty": ("phycore.compat._sdk:RotatingProperty",),
    "phy.cluster._history.History": ("phycore.clustering.history:History",),
    "phy.cluster._history.GlobalHistory": ("phycore.clustering.history:GlobalHistory",),
    "phy.cluster.views.base.ManualClusteringView": ("phycore.compat._views:ManualClusteringView",),
    "phy.cluster.views.histogram.HistogramView": ("phycore.compat._views:HistogramView",),
    "phy.cluster.views.scatter.ScatterView": ("phycore.compat._views:ScatterView",),
    # phy's built-in views: plugins get phygui's (gui.get_view, on_view_attached); names its
    # view lacks are forwarded to the view's model (phygui.compat_shims).
    **{f"phy.cluster.views.{module}.{cls}": (f"phygui.views.{gui_module}:{cls}",
                                             f"phygui.viewmodels.{model_module}:{model}",
                                             f"phygui.viewmodels.{model_module}:{options}")
       for module, cls, gui_module, model_module, model, options in (
           ("amplitude", "AmplitudeView", "amplitude", "amplitude", "AmplitudeModel", "AmplitudeOptions"),
           ("cluscatter", "ClusterScatterView", "scatter", "scatter", "ClusterScatterModel", "ClusterScatterOptions"),
           ("correlogram", "CorrelogramView", "correlogram", "correlogram", "CorrelogramModel", "CorrelogramOptions"),
           ("feature", "FeatureView", "feature", "feature", "FeatureModel", "FeatureOptions"),
           ("histogram", "ISIView", "histogram", "histogram", "ISIModel", "HistogramOptions"),
           ("histogram", "FiringRateView", "histogram", "histogram", "FiringRateModel", "HistogramOptions"),
           ("probe", "ProbeView", "probe", "probe", "ProbeModel", "ProbeOptions"),
           ("raster", "RasterView", "raster", "raster", "RasterModel", "RasterOptions"),
           ("template", "TemplateView", "template", "template", "TemplateViewModel", "TemplateOptions"),
           ("trace", "TraceView", "trace", "trace", "TraceModel", "TraceOptions"),
           ("waveform", "WaveformView", "waveform", "waveform", "WaveformModel", "WaveformOptions"))},
    "phy.cluster.views.trace.TraceImageView": ("phygui.views.trace_image:TraceImageView",
                                               "phygui.viewmodels.trace_image:TraceImageModel",
                                               "phygui.viewmodels.trace_image:TraceImageOptions"),
    "phy.apps.template.gui.TemplateFeatureView": ("phygui.views.template_feature:TemplateFeatureView",
                                                  "phygui.viewmodels.template_feature:TemplateFeatureModel",
                                                  "phygui.viewmodels.template_feature:TemplateFeatureOptions"),
    "phy.cluster.supervisor.ClusterView": ("phygui.views.cluster_table:ClusterView",),
    "phy.cluster.supervisor.SimilarityView": ("phygui.views.cluster_table:SimilarityView",),
    "phy.gui.widgets.Table": ("phygui.views.cluster_table:ClusterView",),
    "phy.gui.actions.Actions": ("phycore.supervisor:Actions",),
    "phy.gui.actions.Snippets": ("phycore.compat._sdk:Snippets",),
    "phy.gui.gui.GUI": ("phygui.gui:GUI",),
    "phy.gui.state.GUIState": ("phycore.state:GUIState",),
    "phy.gui.qt.Debouncer": ("phycore.compat._qt:Debouncer",),
    "phy.utils.context.Context": ("phycore.cache:Context",),
    "phy.utils.color.ClusterColorSelector": ("phycore.supervisor.colors:ClusterColorSelector",),
    "phy.plot.plot.PlotCanvas": ("phycore.compat._canvas:PlotCanvas",),
    "phylib.io.model.TemplateModel": ("phycore.model:TemplateModel",),
    "phylib.utils._types.Bunch": ("phycore.bunch:Bunch",),
    "phylib.utils.event.ProgressReporter": ("phycore.compat._sdk:ProgressReporter",),
    "phylib.io.array.SpikeSelector": ("phycore.compat._readers:SpikeSelector",),
    "phylib.io.traces.BaseEphysReader": ("phycore.compat._readers:BaseEphysReader",),
    "phylib.io.traces.RandomEphysReader": ("phycore.compat._readers:RandomEphysReader",),
}

_V = "phy.cluster.views."
#: phy's view mixins -> the built-in views that use them: a mixin's member is served when every
#: one of those views has it (on the view, its model or its options, see :data:`TARGETS`).
MIXIN_USERS: dict[str, tuple[str, ...]] = {
    _V + "base.MarkerSizeMixin": (_V + "amplitude.AmplitudeView", _V + "cluscatter.ClusterScatterView",
                                  _V + "feature.FeatureView", _V + "raster.RasterView"),
    _V + "base.ScalingMixin": (_V + "correlogram.CorrelogramView", _V + "feature.FeatureView",
                               _V + "template.TemplateView", _V + "trace.TraceView", _V + "waveform.WaveformView",
                               _V + "histogram.ISIView", _V + "histogram.FiringRateView"),
    _V + "base.BaseColorView": (_V + "cluscatter.ClusterScatterView", _V + "raster.RasterView",
                                _V + "template.TemplateView", _V + "trace.TraceView"),
    _V + "base.BaseGlobalView": (_V + "cluscatter.ClusterScatterView", _V + "raster.RasterView",
                                 _V + "template.TemplateView"),
    _V + "base.LassoMixin": (_V + "amplitude.AmplitudeView", "phy.apps.template.gui.TemplateFeatureView"),
    _V + "base.BaseWheelMixin": (_V + "correlogram.CorrelogramView", _V + "waveform.WaveformView",
                                 _V + "feature.FeatureView", _V + "trace.TraceView"),
}

_STAND_IN = ("an isinstance stand-in: isinstance(view, {0}) recognises phygui's {0}; creating or subclassing "
             "it raises UnsupportedPhyAPIError (phygui creates its own: gui.get_view('{0}'))")
_BUILTIN = ("AmplitudeView", "ClusterScatterView", "CorrelogramView", "FeatureView", "FiringRateView", "ISIView",
            "ProbeView", "RasterView", "TemplateView", "TraceImageView", "TraceView", "WaveformView")
_PLOT = ("phygui's view.plot is its Dear PyGui plot item, not phy's redraw method: phygui's views redraw "
         "themselves when the selection or an option changes (call view.update() to force it)")
_MIXIN = "phycore has one controller class: this name is TemplateController (isinstance and issubclass work)"

#: phy owner -> {name: how phycore's version differs} (served, with that difference).
DOCUMENTED: dict[str, dict[str, str]] = {
    "phy.cluster.views": {name: _STAND_IN.format(name) for name in _BUILTIN},
    "phy.cluster": {**{name: _STAND_IN.format(name) for name in _BUILTIN},
                    "ClusterView": _STAND_IN.format("ClusterView") + "; ClusterView._styles = css colours its rows "
                                   "by label (only tr[data-group=...] color rules are read)",
                    "SimilarityView": _STAND_IN.format("SimilarityView")},
    "phy.cluster.supervisor": {"ClusterView": _STAND_IN.format("ClusterView") + "; ClusterView._styles = css "
                                              "colours its rows by label (tr[data-group=...] color rules)",
                               "SimilarityView": _STAND_IN.format("SimilarityView")},
    "phy.apps.base": {name: _MIXIN for name in ("WaveformMixin", "FeatureMixin", "TemplateMixin", "TraceMixin")},
    "phy.apps.template.gui": {"TemplateFeatureView": _STAND_IN.format("TemplateFeatureView")},
    "phy.gui": {
        "GUI": ("an isinstance stand-in for phygui's window; creating one raises UnsupportedPhyAPIError (use "
                "controller.create_gui() or the gui given to on_gui_ready)"),
        "message_box": ("shown by phygui as a modal window; without a GUI (scripts, the SDK) the message is "
                        "logged"),
        "input_dialog": ("phygui asks in a modal window; without a GUI it returns (text, False), as if cancelled"),
        "prompt": ("returns a QMessageBox stand-in; show it with show_box(box) (phygui asks in a modal window; "
                   "without a GUI the default button is returned)"),
        "busy_cursor": "does nothing: phygui shows long work in its status bar",
        "is_high_dpi": "always False: phygui scales its fonts itself",
        "Debouncer": ("runs on phygui's frame loop (phycore.compat._qt.QTimer): calls are late by up to a frame; "
                      "without a GUI the host must call phycore.compat.tick_timers()"),
    },
    "phy.plot": {"PlotCanvas": ("draws with matplotlib off-screen (Agg); its plotting methods work, its OpenGL "
                                "visuals and layouts raise UnsupportedPhyAPIError")},
    **{f"phy.cluster.views.{owner}": {"plot": _PLOT} for owner in (
        "amplitude.AmplitudeView", "cluscatter.ClusterScatterView", "correlogram.CorrelogramView",
        "feature.FeatureView", "raster.RasterView", "template.TemplateView", "trace.TraceView",
        "trace.TraceImageView", "waveform.WaveformView")},
    "phylib.stats": {"correlograms": "returns int64 counts (phylib: int32); spikes of clusters not in "
                                     "cluster_ids are ignored"},
    "phylib.io.model.TemplateModel": {
        "save_spikes_subset_waveforms": "the same files and spikes (after np.random.seed(seed); seed=0 by "
                                        "default); defaults 500 spikes and 16 channels (phy's command line); "
                                        "written atomically; raises RawDataError without raw data (phylib "
                                        "logs a warning)"},
}

#: phy classes that are Qt widgets or OpenGL objects: every member not served is refused for this reason.
REFUSE_REST: dict[str, str] = {
    **{owner: OPENGL for owner in (
        "phy.plot.axes.Axes", "phy.plot.axes.AxisLocator", "phy.plot.base.BaseCanvas", "phy.plot.base.BaseLayout",
        "phy.plot.base.BaseVisual", "phy.plot.base.GLSLInserter", "phy.plot.interact.Boxed",
        "phy.plot.interact.Grid", "phy.plot.interact.Lasso", "phy.plot.panzoom.PanZoom", "phy.plot.plot.PlotCanvas",
        "phy.plot.transform.BaseTransform", "phy.plot.transform.Range", "phy.plot.transform.Scale",
        "phy.plot.transform.TransformChain", "phy.plot.transform.Translate", "phy.plot.utils.BatchAccumulator",
        "phy.plot.visuals.HistogramVisual", "phy.plot.visuals.ImageVisual", "phy.plot.visuals.LineVisual",
        "phy.plot.visuals.PlotVisual", "phy.plot.visuals.PolygonVisual", "phy.plot.visuals.ScatterVisual",
        "phy.plot.visuals.TextVisual", "phy.plot.visuals.UniformPlotVisual",
        "phy.plot.visuals.UniformScatterVisual")},
    **{owner: QT for owner in (
        "phy.gui.gui.GUI", "phy.gui.gui.DockWidget", "phy.gui.qt.Debouncer",
        "phy.gui.qt.Worker", "phy.gui.widgets.IPythonView", "phy.gui.widgets.KeyValueWidget")},
    **{owner: HTML for owner in (
        "phy.gui.widgets.Table", "phy.cluster.supervisor.ClusterView", "phy.cluster.supervisor.SimilarityView")},
}


def _names_class(owner: str, class_name: str) -> bool:
    """Whether phy's class ``owner`` is served by (or is) a class named ``class_name``."""
    if owner.rsplit(".", 1)[-1] == class_name:
        return True
    if any(t.rsplit(":", 1)[-1] == class_name for t in TARGETS.get(owner, ())):
        return True
    return any(_names_class(user, class_name) for user in MIXIN_USERS.get(owner, ()))


def refused_member(class_name: str, name: str) -> str | None:
    """Why phy's ``name`` is refused on an object of class ``class_name`` (phy's class, or the
    phycore/phygui class serving it, e.g. ``"TemplateController"``), if it is."""
    for owner, names in REFUSED.items():
        if name in names and _names_class(owner, class_name):
            return names[name]
    for owner, reason in REFUSE_REST.items():
        if _names_class(owner, class_name):
            return reason
    return None


#: phy owner -> the names phycore serves (checked by tests/compat/test_phy_surface.py).
SERVED: dict[str, str] = {
    "phy": "Bunch IPlugin connect discover_plugins emit get_plugin load_master_config unconnect",
    "phy.apps.base": "BaseController RawDataFilter Selection StatusBarHandler",
    "phy.apps.base.BaseController": (
        "at_least_one_view close cluster_metrics config_dir context create_amplitude_view "
        "create_cluster_scatter_view create_correlogram_view create_gui create_ipython_view create_probe_view "
        "create_raster_view default_shortcuts default_snippets default_views dir_path "
        "get_background_spike_ids get_best_channel get_best_channel_label get_best_channels get_channel_shank "
        "get_clusters_on_channel get_mean_firing_rate get_probe_depth get_spike_ids get_spike_times gui_name "
        "model n_chunks_kept n_spikes_amplitudes n_spikes_correlograms on_save_clustering "
        "peak_channel_similarity raw_data_filter selection selector similarity similarity_functions "
        "supervisor view_creator attached_plugins cache_dir default_show_mapped_channels get_channel_amplitudes "
        "gui_version"
    ),
    "phy.apps.base.FeatureMixin": (
        "create_amplitude_view create_feature_view get_spike_feature_amplitudes n_spikes_features "
        "n_spikes_features_background"
    ),
    "phy.apps.base.RawDataFilter": "add_filter apply add_default_filter",
    "phy.apps.base.Selection": "cluster_ids controller",
    "phy.apps.base.StatusBarHandler": "emit gui",
    "phy.apps.base.TemplateMixin": (
        "create_template_view get_amplitudes get_cluster_amplitude get_spike_template_amplitudes "
        "get_spike_template_features get_template_amplitude get_template_counts get_template_for_cluster "
        "get_mean_spike_template_amplitudes"
    ),
    "phy.apps.base.TraceMixin": "create_trace_image_view create_trace_view",
    "phy.apps.base.WaveformMixin": (
        "batch_size_waveforms create_waveform_view get_spike_raw_amplitudes n_spikes_waveforms "
        "get_mean_spike_raw_amplitudes"
    ),
    "phy.apps.template": (
        "TemplateController TemplateModel from_sparse get_template_params load_model template_describe "
        "template_gui"
    ),
    "phy.apps.template.gui": "TemplateController template_describe template_gui",
    "phy.apps.template.gui.TemplateController": (
        "create_template_feature_view default_views get_best_channels get_template_amplitude gui_name "
        "similarity template_similarity get_channel_amplitudes"
    ),
    "phy.cluster": (
        "ClusterMeta Clustering HistogramView ManualClusteringView ScatterView Supervisor UpdateInfo "
        "select_traces"
    ),
    "phy.cluster._history": "GlobalHistory History",
    "phy.cluster._history.GlobalHistory": "action add_to_current_action process_ups redo undo",
    "phy.cluster._history.History": (
        "add back clear current_item current_position forward is_first is_last iter redo undo"
    ),
    "phy.cluster._utils": "ClusterMeta RotatingProperty UpdateInfo create_cluster_meta",
    "phy.cluster._utils.ClusterMeta": "add_field fields from_dict get redo set set_from_descendants to_dict undo",
    "phy.cluster._utils.RotatingProperty": "add current get keys next previous set",
    "phy.cluster.clustering": "Clustering",
    "phy.cluster.clustering.Clustering": (
        "assign cluster_ids merge n_clusters n_spikes new_cluster_id redo reset spike_clusters spike_ids "
        "spikes_in_clusters spikes_per_cluster split undo"
    ),
    "phy.cluster.supervisor": "Supervisor ActionCreator TaskLogger",
    "phy.cluster.supervisor.ActionCreator": (
        "add attach default_shortcuts default_snippets edit_actions select_actions supervisor"
    ),
    "phy.cluster.supervisor.TaskLogger": (
        "auto_select_after_action cluster_view dequeue enqueue enqueue_after has_finished last_state last_task "
        "log process show_history similarity_view supervisor"
    ),
    "phy.cluster.supervisor.ClusterView": "set_state",
    "phy.cluster.supervisor.Supervisor": (
        "actions attach block clear_filter cluster_info cluster_meta cluster_metrics cluster_view clustering "
        "columns fields filter first get_cluster_info get_labels is_dirty label last merge move n_spikes next "
        "next_best previous previous_best redo reset_wizard save select select_actions selected "
        "selected_clusters selected_similar shown_cluster_ids similarity similarity_view sort split state "
        "task_logger undo unselect_similar action_creator cluster_labels context view_actions"
    ),
    "phy.cluster.views": "HistogramView ManualClusteringView ScatterView select_traces",
    "phy.cluster.views.amplitude.AmplitudeView": (
        "amplitudes amplitudes_type amplitudes_types attach cluster_ids data_bounds default_shortcuts duration "
        "get_clusters_data max_n_clusters n_bins next_amplitudes_type on_mouse_click previous_amplitudes_type "
        "quantile show_time_range state_attrs status"
    ),
    "phy.cluster.views.base.BaseColorView": (
        "attach color_scheme get_cluster_colors next_color_scheme on_mouse_wheel previous_color_scheme "
        "state_attrs update_color update_select_color"
    ),
    "phy.cluster.views.base.BaseWheelMixin": "on_mouse_wheel",
    "phy.cluster.views.base.BaseGlobalView": (
        "all_cluster_ids cluster_idxs cluster_ids on_select set_cluster_ids sorted_cluster_ids update_cluster_sort"
    ),
    "phy.cluster.views.base.LassoMixin": "attach on_request_split",
    "phy.cluster.views.base.ManualClusteringView": (
        "actions attach auto_update canvas close cluster_ids data_bounds default_shortcuts default_snippets "
        "ex_status get_clusters_data gui local_state_attrs max_n_clusters on_cluster on_select "
        "on_select_threaded plot plot_canvas_class screenshot set_state shortcuts show state state_attrs "
        "status toggle_auto_update update_status"
    ),
    "phy.cluster.views.base.MarkerSizeMixin": (
        "attach decrease_marker_size increase_marker_size local_state_attrs marker_size on_mouse_wheel "
        "reset_marker_size state_attrs"
    ),
    "phy.cluster.views.base.ScalingMixin": "attach decrease increase on_mouse_wheel",
    "phy.cluster.views.cluscatter.ClusterScatterView": (
        "all_cluster_ids attach bindings change_bindings cluster_data cluster_info data_bounds default_shortcuts "
        "default_snippets fields get_cluster_data get_clusters_data local_state_attrs marker_colors on_mouse_click "
        "marker_positions marker_size marker_sizes on_cluster on_select prepare_color prepare_data "
        "prepare_position prepare_size set_cluster_ids set_fields set_size set_x_axis set_y_axis size "
        "size_log_scale state_attrs status toggle_log_scale update_color update_select_color x_axis "
        "x_axis_log_scale y_axis y_axis_log_scale"
    ),
    "phy.cluster.views.correlogram.CorrelogramView": (
        "attach bin_size cluster_ids correlograms decrease default_shortcuts default_snippets firing_rate "
        "get_clusters_data increase local_state_attrs max_n_clusters on_mouse_wheel refractory_period "
        "sample_rate set_bin set_refractory_period "
        "set_window state_attrs status toggle_labels toggle_normalization uniform_normalization window_size"
    ),
    "phy.cluster.views.feature.FeatureView": (
        "attach attributes channel_ids channel_labels clear_channels cluster_ids default_shortcuts feature_scaling "
        "features fixed_channels get_clusters_data grid_dim max_n_clusters n_cols n_rows on_mouse_click "
        "on_request_split "
        "on_select_channel set_grid_dim state_attrs status toggle_automatic_channel_selection"
    ),
    "phy.cluster.views.histogram.FiringRateView": "alias_char bin_unit default_shortcuts default_snippets n_bins x_min",
    "phy.cluster.views.histogram.HistogramView": (
        "alias_char attach bin_size bin_unit cluster_ids cluster_stat data_bounds default_shortcuts "
        "default_snippets get_clusters_data local_state_attrs max_n_clusters n_bins plot set_bin_size "
        "set_n_bins set_x_max set_x_min state_attrs status x_delta x_max x_min"
    ),
    "phy.cluster.views.histogram.ISIView": "alias_char bin_unit default_shortcuts default_snippets n_bins x_max x_min",
    "phy.cluster.views.probe.ProbeView": (
        "attach best_channels channel_labels cluster_ids data_bounds dead_channels do_show_labels max_n_clusters "
        "n_channels "
        "on_select positions state_attrs toggle_show_labels"
    ),
    "phy.cluster.views.raster.RasterView": (
        "all_cluster_ids attach data_bounds default_shortcuts duration n_clusters n_spikes on_mouse_click on_select "
        "set_cluster_ids spike_clusters spike_ids spike_times status update_cluster_sort update_color "
        "zoom_to_time_range"
    ),
    "phy.cluster.views.scatter.ScatterView": (
        "coords data_bounds default_shortcuts get_clusters_data max_n_clusters plot"
    ),
    "phy.cluster.views.template.TemplateView": (
        "all_cluster_ids channel_ids channel_labels cluster_colors cluster_idxs data_bounds default_shortcuts "
        "get_clusters_data local_state_attrs n_channels on_mouse_click on_select scaling set_cluster_ids "
        "sorted_cluster_ids "
        "state_attrs status templates update_cluster_sort update_color"
    ),
    "phy.cluster.views.trace.TraceImageView": (
        "attach default_shortcuts default_snippets local_state_attrs origin scaling state_attrs"
    ),
    "phy.cluster.views.trace.TraceView": (
        "attach auto_scale auto_update channel_labels channel_positions channel_y_ranks cluster_ids data_bounds "
        "default_shortcuts default_snippets do_show_labels dt duration get_spike_times go_left go_right go_to "
        "go_to_end go_to_next_spike go_to_previous_spike go_to_start half_duration interval interval_duration "
        "jump_left jump_right local_state_attrs n_channels narrow on_mouse_click on_mouse_wheel on_select origin "
        "sample_rate scaling scaling_coeff_x set_interval shift shift_amount show_all_spikes state_attrs status "
        "switch_origin time toggle_auto_scale toggle_highlighted_spikes toggle_show_labels traces update_color "
        "widen"
    ),
    "phy.cluster.views.waveform.WaveformView": (
        "attach box_scaling channel_ids cluster_ids data_bounds default_shortcuts default_snippets "
        "do_show_labels extend_horizontally extend_vertically get_clusters_data local_state_attrs max_n_clusters "
        "narrow next_waveforms_type on_mouse_click overlap previous_waveforms_type probe_scaling sample_rate "
        "shrink_horizontally shrink_vertically state_attrs status toggle_mean_waveforms toggle_show_labels "
        "toggle_waveform_overlap wave_duration waveforms waveforms_type waveforms_types widen"
    ),
    "phy.gui": "Actions GUIState Snippets",
    "phy.gui.actions.Actions": (
        "add disable enable get menu name remove run separator shortcuts gui insert_menu_before remove_all "
        "show_shortcuts submenu view view_submenu"
    ),
    "phy.gui.actions.Snippets": "actions command cursor gui is_mode_on mode_off mode_on run",
    "phy.gui.gui.GUI": (
        "add_view create_and_add_view file_actions get_view help_actions list_views show snippets state "
        "status_message view_actions view_count views"
    ),
    "phy.gui.qt.Debouncer": "delay is_waiting pending_functions stop_waiting submit trigger",
    "phy.gui.state.GUIState": "add_local_keys get_view_state load save update_view_state",
    "phy.gui.widgets.Table": "select",
    "phy.plot.plot.PlotCanvas": (
        "axes canvas constrain_bounds enable_axes enable_lasso enable_panzoom has_axes has_lasso has_panzoom "
        "hist interact layout lines n_plots plot polygon scatter set_layout text uplot uscatter"
    ),
    "phy.utils": (
        "Bunch ClusterColorSelector Context IPlugin add_alpha attach_plugins colormaps connect emit "
        "ensure_dir_exists load_json load_master_config load_pickle phy_config_dir read_python read_text "
        "read_tsv reset save_json save_pickle selected_cluster_color set_silent silent unconnect write_text "
        "write_tsv"
    ),
    "phy.utils.color.ClusterColorSelector": (
        "cluster_ids get get_colors get_values map set_cluster_ids set_color_mapping vmax vmin"
    ),
    "phy.utils.context.Context": "cache cache_dir cache_limit load load_memcache memcache save save_memcache verbose",
    "phylib.io.model": (
        "Bunch SKIP_SPIKE_ATTRS TemplateModel from_sparse get_closest_channels get_template_params "
        "linear_positions load_metadata load_model read_array read_python read_tsv save_metadata write_array "
        "RandomEphysReader SpikeSelector compute_features export_waveforms extract_waveforms get_ephys_reader "
        "get_spike_waveforms"
    ),
    "phylib.io.array.SpikeSelector": "chunks_kept get_spikes_per_cluster spike_times spikes_are_disjoint",
    "phylib.io.traces.BaseEphysReader": (
        "chunk_bounds dir_path dtype duration iter_chunks n_channels n_chunks n_parts n_samples name ndim "
        "part_bounds sample_offset sample_onset sample_rate shape subset_time_range"
    ),
    "phylib.io.traces.RandomEphysReader": "chunk_bounds dtype n_channels name part_bounds sample_rate",
    "phylib.io.model.TemplateModel": (
        "amplitude_threshold amplitudes channel_mapping channel_positions channel_probes channel_shanks close "
        "cluster_ids cluster_waveforms clusters_amplitudes clusters_channels clusters_waveforms_durations "
        "dat_path describe dir_path dtype duration features get_amplitudes_true get_cluster_channels "
        "get_cluster_mean_waveforms get_cluster_spike_waveforms get_cluster_spikes get_depths get_features "
        "get_merge_map get_template get_template_channels get_template_counts get_template_features "
        "get_template_spike_waveforms get_template_spikes get_template_waveforms get_waveforms merge_map "
        "metadata n_channels n_channels_dat n_channels_loc n_closest_channels n_clusters "
        "n_features_per_channel n_probes n_samples_waveforms n_spikes n_templates nan_idx offset probes "
        "sample_rate save_metadata save_spike_clusters similar_templates sparse_clusters sparse_features "
        "sparse_template_features sparse_templates spike_attributes spike_clusters spike_samples "
        "spike_templates spike_times spike_times_reordered spike_waveforms template_features template_ids "
        "templates_amplitudes templates_channels templates_probes templates_waveforms_durations traces wm wmi"
    ),
    "phylib.stats": "firing_rate",
    "phylib.utils": (
        "Bunch ProgressReporter connect emit load_json load_pickle read_python read_text read_tsv reset "
        "save_json save_pickle set_silent silent unconnect write_text write_tsv"
    ),
    "phylib.utils._types.Bunch": "copy",
    "phylib.utils.event.ProgressReporter": (
        "increment is_complete progress reset set_complete set_complete_message set_progress_message value "
        "value_max"
    ),
}

#: phy owner -> {name: why it is refused} (each reason says what to use instead).
REFUSED: dict[str, dict[str, str]] = {
    "phy": {
        "on_exit": PHY_PROCESS, "test": PHY_PROCESS,
    },
    "phy.apps.base.BaseController": {
        "create_misc_actions": CONTROLLER,
    },
    "phy.apps.base.TraceMixin": {
        "waveform_duration": WAVEFORM_DURATION,
    },
    "phy.cluster.views.amplitude.AmplitudeView": {
        "hist_visual": VIEW_VISUAL, "histogram_alpha": VIEW_STYLE,
        "histogram_scale": VIEW_STYLE, "marker_alpha": VIEW_STYLE, "patch_visual": VIEW_VISUAL,
        "time_range_color": VIEW_STYLE, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.base.BaseColorView": {
        "add_color_scheme": VIEW_COLOR_SCHEMES, "color_schemes": VIEW_COLOR_SCHEMES,
    },
    "phy.cluster.views.base.BaseGlobalView": {
        "set_spike_clusters": VIEW_SPIKE_CLUSTERS,
    },
    "phy.cluster.views.base.ScalingMixin": {
        "reset_scaling": VIEW_SCALING, "scaling": VIEW_SCALING,
    },
    "phy.cluster.views.cluscatter.ClusterScatterView": {
        "label_visual": VIEW_VISUAL, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.correlogram.CorrelogramView": {
        "correlogram_visual": VIEW_VISUAL, "line_visual": VIEW_VISUAL, "text_visual": VIEW_VISUAL,
    },
    "phy.cluster.views.feature.FeatureView": {
        "line_visual": VIEW_VISUAL, "text_visual": VIEW_VISUAL, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.histogram.HistogramView": {
        "on_mouse_wheel": MOUSE_MPL, "text_visual": VIEW_VISUAL, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.probe.ProbeView": {
        "cluster_visual": VIEW_VISUAL, "dead_channel_alpha": VIEW_STYLE,
        "probe_visual": VIEW_VISUAL, "selected_marker_size": VIEW_STYLE, "text_visual": VIEW_VISUAL,
        "unselected_marker_size": VIEW_STYLE,
    },
    "phy.cluster.views.raster.RasterView": {
        "set_spike_clusters": VIEW_SPIKE_CLUSTERS, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.scatter.ScatterView": {
        "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.template.TemplateView": {
        "select_visual": VIEW_VISUAL, "visual": VIEW_VISUAL,
    },
    "phy.cluster.views.trace.TraceImageView": {
        "trace_visual": VIEW_VISUAL, "vrange": VIEW_STYLE,
    },
    "phy.cluster.views.trace.TraceView": {
        "default_trace_color": VIEW_STYLE, "stacked": VIEW_LAYOUT, "text_visual": VIEW_VISUAL,
        "trace_color_0": VIEW_STYLE, "trace_color_1": VIEW_STYLE,
        "trace_quantile": VIEW_STYLE, "trace_visual": VIEW_VISUAL, "waveform_visual": VIEW_VISUAL,
    },
    "phy.cluster.views.waveform.WaveformView": {
        "ax_color": VIEW_STYLE, "boxed": VIEW_LAYOUT, "filtered_tags": VIEW_INTERNAL, "line_visual": VIEW_VISUAL,
        "text_visual": VIEW_VISUAL, "tick_size": VIEW_STYLE, "tick_visual": VIEW_VISUAL,
        "waveform_agg_visual": VIEW_VISUAL, "waveform_visual": VIEW_VISUAL,
    },
    "phy.gui": {
        "DockWidget": QT, "IPythonView": QT, "KeyValueWidget": QT, "Table": HTML, "Worker": QT, "create_app": QT,
        "require_qt": QT, "run_app": QT, "screen_size": QT, "screenshot": QT, "thread_pool": QT,
    },
    "phy.plot": {
        "Axes": OPENGL, "AxisLocator": OPENGL, "BaseCanvas": OPENGL, "BaseLayout": OPENGL, "BaseVisual": OPENGL,
        "BatchAccumulator": OPENGL, "Boxed": OPENGL, "GLSLInserter": OPENGL, "Grid": OPENGL,
        "HistogramVisual": OPENGL, "ImageVisual": OPENGL, "Lasso": OPENGL, "LineVisual": OPENGL, "NDC": OPENGL,
        "PanZoom": OPENGL, "PlotVisual": OPENGL, "PolygonVisual": OPENGL, "Range": OPENGL, "Scale": OPENGL,
        "ScatterVisual": OPENGL, "Subplot": OPENGL, "TextVisual": OPENGL, "TransformChain": OPENGL,
        "Translate": OPENGL, "UniformPlotVisual": OPENGL, "UniformScatterVisual": OPENGL, "extend_bounds": OPENGL,
        "get_linear_x": OPENGL,
    },
}
