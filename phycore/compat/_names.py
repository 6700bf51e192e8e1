"""What the ``phy`` compatibility namespace serves (private): pure data, no imports.

:data:`MODULES` maps each served module (``phy``, ``phy.cluster.views``...) to its public
names, each given as ``"module:attribute"`` of the phycore object behind it. The targets
are imported only when a plugin first reads the name, so this table (and the finder that
reads it) depends on no layer of phycore: the plugin loader can install it.

:data:`UNSUPPORTED_MODULES` and :data:`UNSUPPORTED_NAMES` list the parts of phy that
cannot work here, each with the sentence a plugin author reads.
"""

from __future__ import annotations

__all__ = ["MODULES", "UNSUPPORTED_MODULES", "UNSUPPORTED_NAMES", "UNSUPPORTED_REST", "BUILTIN_VIEWS", "ROOTS",
           "PHY_VERSION"]

#: Top-level packages the namespace stands for.
ROOTS = ("phy", "phylib")

#: ``phy.__version__`` as plugins see it: phy's plugin API version, marked as ours.
PHY_VERSION = "2.1.0+phycore"

QT = ("it is part of phy's Qt user interface; phygui draws with Dear PyGui, so Qt widgets, docks, "
      "key sequences and windows do not exist")
OPENGL = ("it is part of phy's OpenGL plotting layer (visuals, gloo, layouts, transforms); write the view "
          "with matplotlib instead: subclass ManualClusteringView, set plot_canvas_class = PlotCanvasMpl "
          "and draw on self.canvas.ax")
HTML = ("it is part of phy's HTML/JavaScript widgets; phygui's cluster and similarity tables are native "
        "(CSS styling does not apply; use supervisor.columns, sort and filter)")

_EV = "phycore.compat._events"
_SDK = "phycore.compat._sdk"
_QT = "phycore.compat._qt"
_VIEWS = "phycore.compat._views"
_CANVAS_MOD = "phycore.compat._canvas"
_PLUGINS = "phycore.plugins"
_COLORS = "phycore.supervisor.colors"
_BUNCH = "phycore.bunch:Bunch"
_READERS = "phycore.compat._readers"

#: Names of phy's built-in views: plugins may test ``isinstance(view, FeatureView)``.
BUILTIN_VIEWS = (
    "WaveformView", "FeatureView", "AmplitudeView", "CorrelogramView", "ISIView", "FiringRateView",
    "TemplateView", "TraceView", "TraceImageView", "ProbeView", "RasterView", "ClusterScatterView",
    "TemplateFeatureView",
)

_EVENTS = {
    "connect": f"{_EV}:connect",
    "unconnect": f"{_EV}:unconnect",
    "emit": f"{_EV}:emit",
    "silent": "phycore.signals:silent",
    "reset": "phycore.signals:reset",
    "set_silent": f"{_EV}:set_silent",
}
_PLUGIN_API = {
    "IPlugin": f"{_PLUGINS}:IPlugin",
    "get_plugin": f"{_PLUGINS}:get_plugin",
    "discover_plugins": f"{_PLUGINS}:discover_plugins",
    "attach_plugins": f"{_PLUGINS}:attach_plugins",
}
_COLOR_API = {
    "selected_cluster_color": f"{_COLORS}:selected_cluster_color",
    "add_alpha": f"{_SDK}:add_alpha",
    "ClusterColorSelector": f"{_COLORS}:ClusterColorSelector",
}
_CONFIG_API = {
    "phy_config_dir": f"{_SDK}:phy_config_dir",
    "ensure_dir_exists": f"{_SDK}:ensure_dir_exists",
    "load_master_config": "phycore.plugins:load_master_config",
}
_IO_API = {name: f"{_SDK}:{name}" for name in (
    "load_json", "save_json", "load_pickle", "save_pickle", "read_python", "read_text", "write_text", "read_tsv",
    "write_tsv")}
_MODEL_API = {
    "TemplateModel": "phycore.model:TemplateModel",
    "load_model": "phycore.model:load_model",
    "from_sparse": f"{_SDK}:from_sparse",
}
_TEMPLATE_APP = {
    "TemplateController": "phycore.controller:TemplateController",
    "template_gui": f"{_SDK}:template_gui",
    "template_describe": f"{_SDK}:template_describe",
    "get_template_params": "phycore.model.params:get_template_params",
    **_MODEL_API,
}
_TABLES = {"ClusterView": f"{_VIEWS}:ClusterView", "SimilarityView": f"{_VIEWS}:SimilarityView"}
_CLUSTERING = {
    "Clustering": "phycore.clustering:Clustering",
    "ClusterMeta": "phycore.clustering:ClusterMeta",
    "UpdateInfo": "phycore.clustering:UpdateInfo",
    "Supervisor": "phycore.supervisor:Supervisor",
    **_TABLES,
}
_HISTORY = {"History": "phycore.clustering.history:History",
            "GlobalHistory": "phycore.clustering.history:GlobalHistory"}
_DIALOGS = {name: f"{_QT}:{name}" for name in ("prompt", "message_box", "input_dialog", "Debouncer")}
_DIALOGS.update(busy_cursor=f"{_SDK}:busy_cursor", is_high_dpi=f"{_SDK}:is_high_dpi")
_STATS = {"correlograms": "phycore.analysis.ccg:correlograms", "firing_rate": "phycore.analysis.ccg:firing_rate"}
_CANVAS = {
    "PlotCanvas": f"{_CANVAS_MOD}:PlotCanvas",
    "PlotCanvasMpl": f"{_CANVAS_MOD}:PlotCanvasMpl",
}
_VIEW_API = {
    "ManualClusteringView": f"{_VIEWS}:ManualClusteringView",
    "HistogramView": f"{_VIEWS}:HistogramView",
    "ScatterView": f"{_VIEWS}:ScatterView",
    **{name: f"{_VIEWS}:{name}" for name in BUILTIN_VIEWS},
    "select_traces": f"{_SDK}:select_traces",
}

#: Served module -> {public name: "target.module:attribute"}.
MODULES: dict[str, dict[str, str]] = {
    "phy": {"Bunch": _BUNCH, **_PLUGIN_API, **_EVENTS,
            "load_master_config": "phycore.plugins:load_master_config"},
    "phy.utils": {"Bunch": _BUNCH, "Context": "phycore.cache:Context", **_PLUGIN_API, **_EVENTS,
                  **_COLOR_API, **_CONFIG_API, **_IO_API, "colormaps": f"{_SDK}:colormaps"},
    "phy.utils.plugin": dict(_PLUGIN_API),
    "phy.utils.color": {**_COLOR_API, "colormaps": f"{_SDK}:colormaps"},
    "phy.utils.context": {"Context": "phycore.cache:Context"},
    "phy.utils.config": dict(_CONFIG_API),
    "phy.apps": {"BaseController": "phycore.controller:TemplateController"},
    "phy.apps.base": {"BaseController": "phycore.controller:TemplateController",
                      "RawDataFilter": "phycore.controller:RawDataFilter",
                      "Selection": f"{_SDK}:Selection", "StatusBarHandler": f"{_SDK}:StatusBarHandler",
                      # phycore has one controller class: the mixins name it.
                      **{m: "phycore.controller:TemplateController"
                         for m in ("WaveformMixin", "FeatureMixin", "TemplateMixin", "TraceMixin")}},
    "phy.apps.template": dict(_TEMPLATE_APP),
    "phy.apps.template.gui": {**_TEMPLATE_APP, "TemplateFeatureView": f"{_VIEWS}:TemplateFeatureView"},
    "phy.cluster": {**_CLUSTERING, **_VIEW_API},
    "phy.cluster.supervisor": {"Supervisor": "phycore.supervisor:Supervisor", **_TABLES,
                               "TaskLogger": "phycore.supervisor._task_logger:TaskLogger",
                               "ActionCreator": "phycore.supervisor._action_creator:ActionCreator"},
    "phy.cluster.clustering": {"Clustering": "phycore.clustering:Clustering"},
    "phy.cluster._history": dict(_HISTORY),
    "phy.cluster._utils": {"ClusterMeta": "phycore.clustering:ClusterMeta",
                           "UpdateInfo": "phycore.clustering:UpdateInfo",
                           "RotatingProperty": f"{_SDK}:RotatingProperty",
                           "create_cluster_meta": "phycore.clustering.cluster_meta:create_cluster_meta"},
    "phy.cluster.views": dict(_VIEW_API),
    "phy.cluster.views.base": {"ManualClusteringView": f"{_VIEWS}:ManualClusteringView"},
    "phy.cluster.views.histogram": {k: _VIEW_API[k] for k in ("HistogramView", "ISIView", "FiringRateView")},
    "phy.cluster.views.scatter": {"ScatterView": _VIEW_API["ScatterView"]},
    "phy.plot": dict(_CANVAS),
    "phy.plot.plot": dict(_CANVAS),
    "phy.gui": {"Actions": "phycore.supervisor:Actions", "GUI": f"{_VIEWS}:GUI", "Snippets": f"{_SDK}:Snippets",
                "GUIState": "phycore.state:GUIState", **_DIALOGS},
    "phy.gui.actions": {"Actions": "phycore.supervisor:Actions", "Snippets": f"{_SDK}:Snippets"},
    "phy.gui.state": {"GUIState": "phycore.state:GUIState"},
    # The Qt names plugins use most, on phygui's frame loop (phycore.compat._qt).
    "phy.gui.qt": {**_DIALOGS, **{name: f"{_QT}:{name}" for name in (
        "QTimer", "QMessageBox", "QInputDialog", "show_box")}},
    "phylib": {},
    "phylib.utils": {"Bunch": _BUNCH, **_EVENTS, **_IO_API, "ProgressReporter": f"{_SDK}:ProgressReporter"},
    "phylib.utils.event": {**_EVENTS, "ProgressReporter": f"{_SDK}:ProgressReporter"},
    "phylib.utils.color": {k: _COLOR_API[k] for k in ("selected_cluster_color", "add_alpha")},
    "phylib.stats": dict(_STATS),
    "phylib.stats.ccg": dict(_STATS),
    "phylib.io": {},
    "phylib.io.model": {**_MODEL_API, "Bunch": _BUNCH, "get_template_params": _TEMPLATE_APP["get_template_params"],
                        **{name: f"{_SDK}:{name}" for name in (
                            "save_metadata", "load_metadata", "read_array", "write_array", "read_python",
                            "read_tsv", "get_closest_channels", "linear_positions", "SKIP_SPIKE_ATTRS")},
                        **{name: f"{_READERS}:{name}" for name in (
                            "RandomEphysReader", "get_ephys_reader", "extract_waveforms", "export_waveforms",
                            "get_spike_waveforms", "compute_features")},
                        "SpikeSelector": f"{_READERS}:SpikeSelector"},
    "phylib.io.traces": {name: f"{_READERS}:{name}" for name in (
        "BaseEphysReader", "FlatEphysReader", "NpyEphysReader", "ArrayEphysReader",
        "RandomEphysReader", "get_ephys_reader", "extract_waveforms", "export_waveforms", "get_spike_waveforms")},
    "phylib.io.array": {"SpikeSelector": f"{_READERS}:SpikeSelector"},
}

#: Modules that cannot be served (a prefix covers its submodules) -> why.
UNSUPPORTED_MODULES: dict[str, str] = {
    "phy.plot.visuals": OPENGL,
    "phy.plot.gloo": OPENGL,
    "phy.plot.base": OPENGL,
    "phy.plot.interact": OPENGL,
    "phy.plot.transform": OPENGL,
    "phy.plot.panzoom": OPENGL,
    "phy.plot.axes": OPENGL,
    "phy.plot.utils": OPENGL,
    "phy.gui.gui": QT,
    "phy.gui.widgets": HTML,
}

#: Served modules whose other names are all refused for one reason (Qt re-exports).
UNSUPPORTED_REST: dict[str, str] = {
    "phy.gui.qt": QT + " (QTimer, QMessageBox, QInputDialog, message_box, input_dialog and prompt are served)",
}

#: Names of served modules that cannot be provided -> why (the surface table,
#: ``_surface.py``, adds the rest of phy's refused names).
UNSUPPORTED_NAMES: dict[str, dict[str, str]] = {
    "phy.plot": {name: OPENGL for name in (
        "PlotVisual", "ScatterVisual", "LineVisual", "HistogramVisual", "PolygonVisual", "TextVisual",
        "ImageVisual", "UniformPlotVisual", "UniformScatterVisual", "BaseVisual", "BaseCanvas", "Grid",
        "Boxed", "Stacked", "NDC", "extend_bounds", "get_linear_x")},
    "phy.gui": {"HTMLWidget": HTML, "IPythonView": QT, "Table": HTML, "create_app": QT, "run_app": QT},
    "phy.gui.actions": {"_get_qkeysequence": QT},
}
