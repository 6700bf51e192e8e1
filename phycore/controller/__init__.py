"""TemplateController: ties the model, the Supervisor, the cache and the plugins together."""

from phycore.controller._raw_filter import RawDataFilter
from phycore.controller.controller import TemplateController
from phycore.controller.folder_lock import FolderLock

__all__ = ["FolderLock", "RawDataFilter", "TemplateController"]
