"""phygui: the Dear PyGui desktop app for curating spike-sorting results with phycore."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os

__version__ = "0.1.0"

__all__ = ["__version__", "template_gui", "create_gui"]


def template_gui(params_path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Open the curation window on ``params.py`` and run it (see :func:`phygui.app.template_gui`)."""
    from phygui.app import template_gui as _template_gui

    _template_gui(params_path, **kwargs)


def create_gui(controller: Any, **kwargs: Any) -> Any:
    """Create the GUI of a controller without running it (see :func:`phygui.app.create_gui`)."""
    from phygui.app import create_gui as _create_gui

    return _create_gui(controller, **kwargs)
