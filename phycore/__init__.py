"""phycore: a fast, safe, scriptable SDK for curating spike-sorting results.

Public names are imported lazily so that ``import phycore`` stays cheap (numba and
joblib load only when first needed).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger("phycore").addHandler(logging.NullHandler())

_EXPORTS: dict[str, str] = {
    "load_model": "phycore.model",
    "TemplateModel": "phycore.model",
    "Clustering": "phycore.clustering",
    "ClusterMeta": "phycore.clustering",
    "History": "phycore.clustering",
    "UpdateInfo": "phycore.clustering",
    "connect": "phycore.signals",
    "emit": "phycore.signals",
    "unconnect": "phycore.signals",
    "silent": "phycore.signals",
    "EventEmitter": "phycore.event_emitter",
    "Bunch": "phycore.bunch",
    "Context": "phycore.cache",
    "IPlugin": "phycore.plugins",
    "Supervisor": "phycore.supervisor",
    "TemplateController": "phycore.controller",
    "errors": "phycore.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'phycore' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name == "errors" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
