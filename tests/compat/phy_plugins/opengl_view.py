"""The peak-channel template of each selected cluster with phy's OpenGL visuals
(phy's opengl_view pattern: unsupported)."""

import numpy as np

from phy import IPlugin
from phy.cluster.views import ManualClusteringView
from phy.plot.visuals import PlotVisual


class MyOpenGLView(ManualClusteringView):
    def __init__(self, templates=None):
        super().__init__()
        self.canvas.set_layout('stacked', n_plots=1)
        self.templates = templates
        self.visual = PlotVisual()
        self.canvas.add_visual(self.visual)


class PhyStyleOpenGLViewPlugin(IPlugin):
    def attach_to_controller(self, controller):
        controller.view_creator['MyOpenGLView'] = lambda: MyOpenGLView(templates=controller.get_templates)
