"""A 2-D histogram of two PC features drawn with matplotlib (phy's matplotlib_view pattern)."""

from phy import IPlugin
from phy.cluster.views import ManualClusteringView
from phy.plot.plot import PlotCanvasMpl


class FeatureDensityView(ManualClusteringView):
    plot_canvas_class = PlotCanvasMpl

    def __init__(self, features=None):
        super().__init__()
        self.features = features

    def on_select(self, cluster_ids=(), **kwargs):
        self.cluster_ids = cluster_ids
        if not cluster_ids:
            return
        # First PC on the first two best channels of the first selected cluster.
        x, y = self.features(cluster_ids[0]).data[:, :2, 0].T
        self.canvas.ax.hist2d(x, y, 50)
        self.canvas.update()


class PhyStyleMatplotlibViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        def create_feature_density_view():
            return FeatureDensityView(features=controller._get_features)

        controller.view_creator['FeatureDensityView'] = create_feature_density_view
