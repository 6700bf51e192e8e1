"""A 3x3 feature grid over three channels and three PCs (phy's feature_view_custom_grid pattern)."""

import re

from phy import IPlugin, connect
from phy.cluster.views import FeatureView


def three_by_three():
    """0, 1, 2 are the best channels; A, B, C the PCs."""
    spec = """
    0A,1A 1A,2A 2A,0A
    0B,1B 1B,2B 2B,0B
    0C,1C 1C,2C 2C,0C
    """.strip()
    return [re.split(' +', line.strip()) for line in spec.splitlines()]


class PhyStyleFeatureGridPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_view_attached(view, gui):
            if isinstance(view, FeatureView):
                view.set_grid_dim(three_by_three())
