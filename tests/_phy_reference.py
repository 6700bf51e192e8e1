"""phy's pure curation classes as test oracles, imported without phy.cluster's Qt-dependent
``__init__``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

__all__ = ["phy_cluster_module", "phy_clustering_class"]


def phy_cluster_module(name: str) -> Any:
    """``phy.cluster.<name>`` (``'clustering'``, ``'_history'``, ``'_utils'``), or None when
    phy is not installed.

    ``phy/cluster/__init__.py`` imports the Qt GUI; registering an empty ``phy.cluster``
    package with the right ``__path__`` first lets its pure modules import alone.
    """
    spec = importlib.util.find_spec("phy")
    if spec is None or not spec.submodule_search_locations:
        return None
    if "phy.cluster" not in sys.modules:
        package = types.ModuleType("phy.cluster")
        package.__path__ = [str(Path(list(spec.submodule_search_locations)[0]) / "cluster")]
        sys.modules["phy.cluster"] = package
    return importlib.import_module(f"phy.cluster.{name}")


def phy_clustering_class() -> Any:
    """``phy.cluster.clustering.Clustering``, or None when phy is not installed."""
    module = phy_cluster_module("clustering")
    return None if module is None else module.Clustering
