"""phygui: the Dear PyGui desktop app for curating spike-sorting results with phycore."""

__version__ = "0.1.0"

__all__ = ["__version__", "template_gui", "create_gui"]


def template_gui(params_path, **kwargs):  # type: ignore[no-untyped-def]
    """Open the curation window on ``params.py`` and run it (see :func:`phygui.app.template_gui`)."""
    from phygui.app import template_gui as _template_gui

    return _template_gui(params_path, **kwargs)


def create_gui(controller, **kwargs):  # type: ignore[no-untyped-def]
    """Create the GUI of a controller without running it (see :func:`phygui.app.create_gui`)."""
    from phygui.app import create_gui as _create_gui

    return _create_gui(controller, **kwargs)
