"""A view that adds an OpenGL visual to its canvas without importing phy.plot.visuals
(the OpenGL call fails when the view is created, not when the file is imported)."""

from phy import IPlugin
from phy.cluster.views import ManualClusteringView


class CanvasVisualView(ManualClusteringView):
    def __init__(self):
        super().__init__()
        self.canvas.add_visual(object())


class PhyStyleCanvasVisualPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.view_creator['CanvasVisualView'] = CanvasVisualView
