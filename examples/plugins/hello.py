"""Hello-world plugin: says hello when the GUI is ready and when clusters are selected.

Copy this file to ``~/.phy/plugins/`` and list the plugin in ``~/.phy/phy_config.py``::

    c.TemplateGUI.plugins = ['HelloPlugin']
"""

from __future__ import annotations

import logging
from typing import Any

from phycore import IPlugin, connect

logger = logging.getLogger("phycore.plugins.hello")


class HelloPlugin(IPlugin):
    """Log a line on ``gui_ready`` and on every ``select``.

    Attributes
    ----------
    messages : list of str
        Every line logged, so scripts and tests can read them back.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def _say(self, message: str) -> None:
        self.messages.append(message)
        logger.info(message)

    def attach_to_controller(self, controller: Any) -> None:
        """Subscribe to ``gui_ready`` and ``select``."""
        self._say("Hello from HelloPlugin!")

        # Handlers defined here are closures: the event bus holds them strongly.
        @connect
        def on_gui_ready(sender: Any, gui: Any) -> None:
            self._say(f"Hello, the GUI {type(gui).__name__} is ready.")

        @connect
        def on_select(sender: Any, cluster_ids: Any, **kwargs: Any) -> None:
            self._say(f"Hello, clusters {list(cluster_ids)} are selected.")
