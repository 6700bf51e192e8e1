# Type stub of phycore/__init__.py, whose public names are imported lazily by a module
# __getattr__ that type checkers cannot follow. Keep it in step with ``_EXPORTS`` there
# (``stubtest phycore`` compares the two). No ``__getattr__`` here on purpose: a name
# that phycore does not export must stay a type error.

from phycore import errors as errors
from phycore.bunch import Bunch as Bunch
from phycore.cache import Context as Context
from phycore.event_emitter import EventEmitter as EventEmitter
from phycore.clustering import ClusterMeta as ClusterMeta
from phycore.clustering import Clustering as Clustering
from phycore.clustering import History as History
from phycore.clustering import UpdateInfo as UpdateInfo
from phycore.controller import TemplateController as TemplateController
from phycore.model import TemplateModel as TemplateModel
from phycore.model import load_model as load_model
from phycore.plugins import IPlugin as IPlugin
from phycore.signals import connect as connect
from phycore.signals import emit as emit
from phycore.signals import silent as silent
from phycore.signals import unconnect as unconnect
from phycore.supervisor import Supervisor as Supervisor

__version__: str

__all__ = [
    "Bunch",
    "ClusterMeta",
    "Clustering",
    "Context",
    "EventEmitter",
    "History",
    "IPlugin",
    "Supervisor",
    "TemplateController",
    "TemplateModel",
    "UpdateInfo",
    "connect",
    "emit",
    "errors",
    "load_model",
    "silent",
    "unconnect",
    "__version__",
]

def __dir__() -> list[str]: ...
