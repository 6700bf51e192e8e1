"""Colour good clusters in red with CSS (phy's cluster_view_styling pattern: the row colour is applied)."""

from phy import IPlugin
from phy.cluster.supervisor import ClusterView


class PhyStyleStylingPlugin(IPlugin):
    def attach_to_controller(self, controller):
        ClusterView._styles += "table tr[data-group='good'] { color: red; }"
