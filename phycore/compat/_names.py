"""What the ``phy`` compatibility namespace serves (private): pure data, no imports.

:data:`MODULES` maps each served module (``phy``, ``phy.cluster.views``...) to its public
names, each given as ``"module:attribute"`` of the phycore object behind it. The targets
are imported only when a plugin first reads the name, so this table (and the finder that
reads it) depends on no layer of phycore: the plugin loader can install it.

:data:`UNSUPPORTED_MODULES` and :data:`UNSUPPORTED_NAMES` list the parts of phy that
cannot work here, each with the sentence a plugin author reads.
"""

from __future__ import annotations

__all__ = ["MODULES", "UNSUPPORTED_MODULES", "UNSUPPORTED_NAMES", "BUILTIN_VIEWS", "ROOTS", "PHY_VERSION"]

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
_VIEWS = "phycore.compat._views"
_CANVAS_MOD = "phycore.compat._canvas"
_PLUGINS = "phycore.plugins"
_COLORS = "phycore.supervisor.colors"
_BUNCH = "phycore.bunch:Bunch"

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
_IO_API = {
    "load_json": f"{_SDK}:load_json",
    "save_json": f"{_SDK}:save_json",
}
_MODEL_API = {
    "TemplateModel": "phycore.model:TemplateModel",
    "load_model": "phycore.model:load_model",
    "from_sparse": f"{_SDK}:from_sparse",
}
_TEMPLATE_APP = {
    "TemplateController": "phycore.controller:TemplateController",
    "template_gui": f"{_SDK}:template_gui",
    **_MODEL_API,
}
_CLUSTERING = {
    "Clustering": "phycore.clustering:Clustering",
    "ClusterMeta": "phycore.clustering:ClusterMeta",
    "UpdateInfo": "phycore.clustering:UpdateInfo",
    "Supervisor": "phycore.supervisor:Supervisor",
}
_CANVAS = {
    "PlotCanvas": f"{_CANVAS_MOD}:PlotCanvas",
    "PlotCanvasMpl": f"{_CANVAS_MOD}:PlotCanvasMpl",
}
_VIEW_API = {
    "ManualClusteringView": f"{_VIEWS}:ManualClusteringView",
    "HistogramView": f"{_VIEWS}:HistogramView",
    "ScatterView": f"{_VIEWS}:ScatterView",
    **{name: f"{_VIEWS}:{name}" for name in BUILTIN_VIEWS},
}

#: Served module -> {public name: "target.module:attribute"}.
MODULES: dict[str, dict[str, str]] = {
    "phy": {"Bunch": _BUNCH, **_PLUGIN_API, **_EVENTS,
            "load_master_config": "phycore.plugins:load_master_config"},
    "phy.utils": {"Bunch": _BUNCH, "Context": "phycore.cache:Context", **_PLUGIN_API, **_EVENTS,
                  **_COLOR_API, **_CONFIG_API, **_IO_API},
    "phy.utils.plugin": dict(_PLUGIN_API),
    "phy.utils.color": dict(_COLOR_API),
    "phy.utils.context": {"Context": "phycore.cache:Context"},
    "phy.utils.config": dict(_CONFIG_API),
    "phy.apps": {"BaseController": "phycore.controller:TemplateController"},
    "phy.apps.base": {"BaseController": "phycore.controller:TemplateController",
                      "RawDataFilter": "phycore.controller:RawDataFilter"},
    "phy.apps.template": dict(_TEMPLATE_APP),
    "phy.apps.template.gui": dict(_TEMPLATE_APP),
    "phy.cluster": {**_CLUSTERING, **_VIEW_API},
    "phy.cluster.supervisor": {"Supervisor": "phycore.supervisor:Supervisor"},
    "phy.cluster.clustering": {"Clustering": "phycore.clustering:Clustering"},
    "phy.cluster._utils": {"ClusterMeta": "phycore.clustering:ClusterMeta",
                           "UpdateInfo": "phycore.clustering:UpdateInfo"},
    "phy.cluster.views": dict(_VIEW_API),
    "phy.cluster.views.base": {"ManualClusteringView": f"{_VIEWS}:ManualClusteringView"},
    "phy.cluster.views.histogram": {k: _VIEW_API[k] for k in ("HistogramView", "ISIView", "FiringRateView")},
    "phy.cluster.views.scatter": {"ScatterView": _VIEW_API["ScatterView"]},
    "phy.plot": dict(_CANVAS),
    "phy.plot.plot": dict(_CANVAS),
    "phy.gui": {"Actions": "phycore.supervisor:Actions"},
    "phy.gui.actions": {"Actions": "phycore.supervisor:Actions"},
    "phylib": {},
    "phylib.utils": {"Bunch": _BUNCH, **_EVENTS, **_IO_API},
    "phylib.utils.event": dict(_EVENTS),
    "phylib.utils.color": {k: _COLOR_API[k] for k in ("selected_cluster_color", "add_alpha")},
    "phylib.io": {},
    "phylib.io.model": {**_MODEL_API, "save_metadata": f"{_SDK}:save_metadata"},
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
    "phy.gui.qt": QT,
    "phy.gui.gui": QT,
    "phy.gui.widgets": HTML,
    "phy.gui.state": QT,
}

#: Names of served modules that cannot be provided -> why.
UNSUPPORTED_NAMES: dict[str, dict[str, str]] = {
    "phy.plot": {name: OPENGL for name in (
        "PlotVisual", "ScatterVisual", "LineVisual", "HistogramVisual", "PolygonVisual", "TextVisual",
        "ImageVisual", "UniformPlotVisual", "UniformScatterVisual", "BaseVisual", "BaseCanvas", "Grid",
        "Boxed", "Stacked", "NDC", "extend_bounds", "get_linear_x")},
    "phy.cluster.supervisor": {"ClusterView": HTML, "SimilarityView": HTML},
    "phy.cluster": {"ClusterView": HTML, "SimilarityView": HTML},
    "phy.gui": {"GUI": QT, "HTMLWidget": HTML, "IPythonView": QT, "Table": HTML, "Debouncer": QT,
                "create_app": QT, "run_app": QT},
    "phy.gui.actions": {"_get_qkeysequence": QT, "Snippets": QT},
    "phy.cluster.views": {"select_traces": OPENGL},
}
