"""phygui: the Dear PyGui desktop app for curating spike-sorting results with phycore."""

__version__ = "0.1.0"
