"""TemplateController: ties the model, the Supervisor, the cache and the plugins together."""

from phycore.controller.controller import TemplateController

__all__ = ["TemplateController"]
