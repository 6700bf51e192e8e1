"""phy controller names that phy's documented plugins use and TemplateController lacks (private).

phy's own example plugins call a few private controller helpers (``_get_features``,
``_amplitude_getter``, ``_get_mean_waveforms``...), ``get_spike_times``, the spike
``selector`` and ``at_least_one_view``. They are not part of phycore's API, so they are
given to a controller *instance* — only the names it lacks — when a plugin that imports
``phy`` attaches to it. Each is a thin adapter over the controller's public methods and
returns phy's ``Bunch`` shapes. The ``n_spikes_*`` budgets a plugin sets on the controller
are handed to the view data at ``controller_ready`` and ``gui_ready``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from phycore import signals
from phycore.bunch import Bunch
from phycore.compat._sdk import Selection
from phycore.errors import UnsupportedPhyAPIError

__all__ = ["install_controller_aliases", "Selector", "SPIKE_BUDGETS", "ALIASES"]

logger = logging.getLogger("phycore.plugins")

#: phy's per-view spike budgets; those the view data has are applied, the others ignored.
SPIKE_BUDGETS = ("n_spikes_waveforms", "n_spikes_features", "n_spikes_amplitudes", "n_spikes_correlograms",
                 "n_spikes_features_background", "batch_size_waveforms")


class SpikeSampler(Protocol):
    """What :class:`Selector` needs of a controller (``TemplateController`` has it)."""

    def get_spike_ids(self, cluster_id: int, n: int | None = None) -> np.ndarray: ...


class Selector:
    """phy's ``controller.selector``: evenly spaced spikes of clusters.

    Parameters
    ----------
    controller : TemplateController
    """

    def __init__(self, controller: SpikeSampler) -> None:
        self._controller = controller

    def select_spikes(self, cluster_ids: Sequence[int] | None = None, max_n_spikes_per_cluster: int | None = None,
                      batch_size: int | None = None, subset_chunks: bool = False) -> npt.NDArray[np.int64]:
        """Sorted spike ids: at most ``max_n_spikes_per_cluster`` of each cluster (``batch_size``
        and ``subset_chunks`` are accepted for phy compatibility)."""
        parts = [self._controller.get_spike_ids(int(c), max_n_spikes_per_cluster) for c in cluster_ids or ()]
        return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _spike_times(c: Any, cluster_id: int, load_all: bool = False) -> Bunch:
    n = None if load_all else c.view_data.n_spikes_amplitudes
    spike_ids = c.get_spike_ids(int(cluster_id), n)
    times = np.asarray(c.model.spike_times[spike_ids], dtype=np.float64)
    return Bunch(data=times, spike_ids=spike_ids, lim=(0.0, float(c.model.duration)))


def _amplitude_getter(c: Any, cluster_ids: Sequence[int], name: str | None = None,
                      load_all: bool = False) -> list[Bunch]:
    if name not in (None, "template"):
        raise UnsupportedPhyAPIError(
            f"controller._amplitude_getter(name={name!r}) is not supported by phycore: only template "
            "amplitudes ('template') are available to plugins.", argument="name")
    out = []
    for cid in cluster_ids:
        d = c.get_amplitude_data(int(cid), load_all=load_all)
        if d is None:
            raise UnsupportedPhyAPIError("controller._amplitude_getter: this dataset has no amplitudes.npy.",
                                         argument="name")
        out.append(Bunch(cluster_id=int(cid), spike_ids=d.spike_ids, amplitudes=d.data, spike_times=d.spike_times))
    return out


def _template_waveforms(c: Any, cluster_id: int) -> Bunch:
    d = c.get_template_waveforms(int(cluster_id))
    template = np.asarray(d.data)
    amplitude = template.max(axis=0) - template.min(axis=0) if template.size else np.zeros(0)
    return Bunch(template=template, data=template, amplitude=amplitude, channel_ids=d.channel_ids)


def _mean_waveforms(c: Any, cluster_id: int) -> Bunch:
    d = c.get_waveforms(int(cluster_id))
    mean = np.asarray(d.data, dtype=np.float64).mean(axis=0)[np.newaxis]
    return Bunch(data=mean, channel_ids=d.channel_ids)


def _at_least_one_view(c: Any, view_name: str) -> None:
    def open_view(gui: Any) -> None:
        if any(getattr(v, "name", "").split(" (")[0] == view_name for v in gui.views):
            return
        factory = gui.view_classes.get(view_name)
        if factory is None:
            raise UnsupportedPhyAPIError(f"controller.at_least_one_view({view_name!r}): no view of that name; "
                                         f"add it to controller.view_creator first.", argument="view_name")
        gui.add_view(factory(gui))

    if getattr(c, "gui", None) is not None:
        open_view(c.gui)
        return

    def on_gui_ready(sender: Any, gui: Any) -> None:
        open_view(gui)

    signals.connect(on_gui_ready, event="gui_ready", sender=c)


def _aliases(c: Any) -> dict[str, Any]:
    return {
        "get_spike_times": lambda cluster_id, load_all=False: _spike_times(c, cluster_id, load_all),
        "_get_features": lambda cluster_id, channel_ids=None, load_all=False: c.get_features(
            cluster_id, channel_ids, load_all),
        "_amplitude_getter": lambda cluster_ids, name=None, load_all=False: _amplitude_getter(
            c, cluster_ids, name, load_all),
        "_get_template_waveforms": lambda cluster_id: _template_waveforms(c, cluster_id),
        "get_templates": lambda cluster_ids: {int(i): _template_waveforms(c, i) for i in cluster_ids},
        "_get_mean_waveforms": lambda cluster_id: _mean_waveforms(c, cluster_id),
        "selector": Selector(c),
        "at_least_one_view": lambda view_name: _at_least_one_view(c, view_name),
        "selection": Selection(c),
        # Readable before a plugin sets them: the view data's budgets (phy's class defaults otherwise).
        **{name: getattr(c.view_data, name) for name in SPIKE_BUDGETS if hasattr(getattr(c, "view_data", None), name)},
    }


#: The names :func:`install_controller_aliases` may add (the spike budgets are read, not added).
ALIASES = ("get_spike_times", "_get_features", "_amplitude_getter", "_get_template_waveforms", "get_templates",
           "_get_mean_waveforms", "selector", "at_least_one_view", "selection", *SPIKE_BUDGETS)


def _apply_budgets(c: Any) -> None:
    view_data = getattr(c, "view_data", None)
    for name in SPIKE_BUDGETS:
        if name not in vars(c):
            continue
        if view_data is not None and hasattr(type(view_data), name):
            setattr(view_data, name, int(vars(c)[name]))
        else:
            logger.info("controller.%s has no effect in phycore (no view uses it).", name)


def install_controller_aliases(controller: object) -> list[str]:
    """Give ``controller`` the phy names it lacks (see the module doc); idempotent.

    Parameters
    ----------
    controller : TemplateController

    Returns
    -------
    list of str
        The names added by this call.
    """
    added = []
    for name, value in _aliases(controller).items():
        if name in vars(controller) or hasattr(type(controller), name):
            continue
        setattr(controller, name, value)
        added.append(name)
    if added:  # first call for this controller
        def apply_budgets(sender: Any, *args: Any) -> None:
            _apply_budgets(controller)

        signals.connect(apply_budgets, event="controller_ready", sender=controller, last=True)
        signals.connect(apply_budgets, event="gui_ready", sender=controller, last=True)
    return added
