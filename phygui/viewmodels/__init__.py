"""Pure view models of the GUI: SDK state in, numpy arrays out (they never import Dear PyGui).

Each ``phygui/viewmodels/<x>.py`` has its drawer in ``phygui/views/<x>.py``. The base
classes of the view models are exported here.
"""

from phygui.viewmodels._base import ClusterViewModel, LassoViewModel

__all__ = ["ClusterViewModel", "LassoViewModel"]
