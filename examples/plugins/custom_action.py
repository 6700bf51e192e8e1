"""Custom action plugin: split the selected cluster by an amplitude threshold.

Adds the action ``split_by_amplitude`` (shortcut ``ctrl+alt+a``, snippet
``:sa <threshold>``): the spikes of the selected cluster whose amplitude is above the
threshold go to one new cluster, the others to another. Without an argument the
threshold is the median amplitude. Copy this file to ``~/.phy/plugins/`` and add
``'SplitByAmplitudePlugin'`` to ``c.TemplateGUI.plugins``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from phycore import IPlugin, connect

logger = logging.getLogger("phycore.plugins.custom_action")


class SplitByAmplitudePlugin(IPlugin):
    """Add ``split_by_amplitude`` to the Edit actions."""

    shortcut = "ctrl+alt+a"
    alias = "sa"

    def attach_to_controller(self, controller: Any) -> None:
        """Add the action now if the supervisor exists, else once the controller is ready.

        Plugins are attached before the Supervisor is built (so they can add columns);
        ``controller_ready`` fires right after, with or without a GUI.
        """
        if getattr(controller, "supervisor", None) is not None:
            self._add_action(controller)
            return

        @connect
        def on_controller_ready(sender: Any) -> None:
            if sender is controller:
                self._add_action(controller)

    def _add_action(self, controller: Any) -> None:
        supervisor = controller.supervisor

        def split_by_amplitude(threshold: float | None = None) -> Any:
            """Split the selected cluster into spikes above / below an amplitude threshold."""
            selected = list(supervisor.selected)
            if len(selected) != 1:
                logger.warning("split_by_amplitude needs exactly one selected cluster, not %s.", selected)
                return None
            cluster_id = selected[0]
            spike_ids = np.asarray(supervisor.clustering.spikes_in_clusters([cluster_id]))
            amplitudes = np.asarray(controller.get_amplitudes(cluster_id, load_all=True), dtype=np.float64)
            if amplitudes.shape != spike_ids.shape:
                logger.warning("get_amplitudes(%d) returned %d values for %d spikes.",
                               cluster_id, amplitudes.size, spike_ids.size)
                return None
            threshold = float(np.median(amplitudes)) if threshold is None else float(threshold)
            above = spike_ids[amplitudes > threshold]
            if above.size in (0, spike_ids.size):
                logger.info("No spike on one side of the threshold %g: nothing to split.", threshold)
                return None
            return supervisor.split(above)

        supervisor.actions.add(
            split_by_amplitude, name="split_by_amplitude", shortcut=self.shortcut, alias=self.alias,
        )
