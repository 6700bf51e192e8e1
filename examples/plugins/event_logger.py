"""Event-logging plugin: append every built-in event to a text file.

Handy to learn which events fire, with which sender and arguments, when you curate.

One line per event: time, event name, sender type and arguments. The file is
``event_log.txt`` in the user directory (``$PHY_USER_DIR`` or ``~/.phy``) unless
:attr:`EventLoggerPlugin.path` is set. Copy this file to ``~/.phy/plugins/`` and add
``'EventLoggerPlugin'`` to ``c.TemplateGUI.plugins``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

from phycore import IPlugin, connect
from phycore.signals import EVENTS  # the table of built-in events: name -> sender, arguments, doc


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class EventLoggerPlugin(IPlugin):
    """Log each built-in event (``phycore.signals.EVENTS``) to :attr:`path`."""

    path: Path | None = None

    def attach_to_controller(self, controller: Any) -> None:
        """Subscribe one writer per event."""
        if self.path is None:
            base = os.environ.get("PHY_USER_DIR") or "~/.phy"
            self.path = Path(base).expanduser() / "event_log.txt"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for event in EVENTS:
            connect(self._writer(event), event=event)

    def _writer(self, event: str) -> Callable[..., None]:
        def on_event(sender: Any, *args: Any, **kwargs: Any) -> None:
            parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
            line = f"{time.strftime('%H:%M:%S')}\t{event}\t{type(sender).__name__}\t{', '.join(parts)}\n"
            assert self.path is not None
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)

        on_event.__name__ = f"log_{event}"
        return on_event
