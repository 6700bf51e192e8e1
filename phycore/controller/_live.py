"""Live acquisition in a :class:`TemplateController` (private).

An acquisition thread calls ``controller.append_spikes(...)``: the batch is validated
at once (errors reach the caller, nothing is queued) and put in a lock-protected queue.
The thread that owns the controller applies the queue in ``poll()`` (phygui calls it
every frame) or ``apply_pending()``: consecutive batches are concatenated, so the model,
the clustering and the tables are updated once per frame however often the source
pushes. Only the owner thread ever touches the model, the Supervisor and the caches.

Saving a folder whose model received spikes: ``spike_clusters.npy`` keeps one entry per
spike of the sorter's files (so phy, phylib and spikeinterface still load the folder),
and the appended spikes are written next to the session state, in
``<data>/.phy/appended_spikes/`` (``spike_times.npy`` in seconds, ``spike_templates.npy``,
``spike_clusters.npy``, ``amplitudes.npy``), with the clusters they have at save time.
The sorter's files are never written.

Per-cluster caches are kept exact with the least work: the view data of the clusters
that received spikes is dropped; a cluster's main template (``ch``, ``amp``...) is
recomputed only if a new spike came from another template; its template set (for the
similarity) only gains the new templates; its quality metrics are marked stale and
recomputed in batches (see ``_metrics.py``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.errors import ClusterIdError
from phycore.model._append import SpikeBatch, apply_batch, check_batch
from phycore.model.writers import format_npy, write_atomic

if TYPE_CHECKING:
    from phycore.controller.controller import TemplateController
    from phycore.model import TemplateModel

__all__: list[str] = []

logger = logging.getLogger("phycore.controller")

Int64Array = npt.NDArray[np.int64]


class PendingSpikes:
    """Batches of spikes waiting to be applied on the owner thread (thread-safe).

    Parameters
    ----------
    model : TemplateModel
        Read (never written) to validate batches: template count, sample rate, which
        per-spike arrays exist and their shapes, the last spike time.
    """

    def __init__(self, model: TemplateModel) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._batches: list[SpikeBatch] = []
        self._next_id = int(model.n_spikes)
        self._last_time: float | None = None
        # Columns of the first queued waveforms: later batches must match them (they are
        # applied together, before the model has waveforms to check against).
        self._waveform_width: int | None = None

    def push(self, times: Any, templates: Any, amplitudes: Any = None, **kwargs: Any) -> Int64Array:
        """Validate and queue one batch; returns the ids its spikes will get."""
        with self._lock:
            b = check_batch(self._model, times, templates, amplitudes, after=self._last_time,
                            waveform_width=self._waveform_width, **kwargs)
            ids = np.arange(self._next_id, self._next_id + b.n, dtype=np.int64)
            if b.n:
                self._batches.append(b)
                self._next_id += b.n
                self._last_time = float(b.times[-1])
                if b.waveforms is not None and self._waveform_width is None:
                    self._waveform_width = int(b.waveforms.shape[2])
            return ids

    def take(self) -> list[SpikeBatch]:
        """Remove and return every queued batch, oldest first."""
        with self._lock:
            batches, self._batches = self._batches, []
            return batches

    def __len__(self) -> int:
        """Number of queued spikes."""
        with self._lock:
            return sum(b.n for b in self._batches)


def _concat(batches: list[SpikeBatch]) -> SpikeBatch:
    """One batch made of consecutive batches of the same kind."""
    if len(batches) == 1:
        return batches[0]

    def cat(name: str) -> Any:
        parts = [getattr(b, name) for b in batches]
        return None if parts[0] is None else np.concatenate(parts)

    return SpikeBatch(**{f.name: cat(f.name) for f in attrs.fields(SpikeBatch)})


def _runs(batches: list[SpikeBatch]) -> list[SpikeBatch]:
    """Concatenate consecutive batches that agree on which optional arrays they carry."""
    def kind(b: SpikeBatch) -> tuple[bool, ...]:
        return (b.clusters is None, b.waveforms is None, b.waveform_channels is None)

    out: list[list[SpikeBatch]] = []
    for b in batches:
        if out and kind(out[-1][-1]) == kind(b):
            out[-1].append(b)
        else:
            out.append([b])
    return [_concat(run) for run in out]


def apply_pending(controller: TemplateController) -> Int64Array:
    """Apply every queued batch (owner thread); returns the ids of the spikes added."""
    batches = controller._pending.take()
    if not batches:
        return np.zeros(0, dtype=np.int64)
    clustering = controller.supervisor.clustering
    all_ids = []
    for b in _runs(batches):
        try:
            clusters = clustering.clusters_for(b.templates, b.clusters)
        except ClusterIdError as e:
            # Explicit clusters deleted by an action since the batch was queued.
            logger.warning("%s The %d spikes go by template membership instead.", e, b.n)
            clusters = clustering.clusters_for(b.templates)
        ids = apply_batch(controller.model, attrs.evolve(b, clusters=clusters))
        controller.supervisor.append_spikes(b.templates, clusters)
        all_ids.append(ids)
    ids = np.concatenate(all_ids)
    _update_rates(controller)
    return ids


def _update_rates(controller: TemplateController) -> None:
    """The recording grew: every cluster's firing rate changes (n_spikes / duration)."""
    table = controller.supervisor.cluster_table
    if "fr" in table.columns:
        fr = controller.columns.fr
        table.update_values("fr", {c: fr(c) for c in controller.supervisor.clustering.cluster_ids.tolist()})


def on_spikes_added(controller: TemplateController, spike_ids: Int64Array, cluster_ids: list[int]) -> None:
    """Keep the per-cluster caches exact for the clusters that received spikes; runs
    before the Supervisor recomputes their table rows."""
    controller.context.invalidate(cluster_ids)
    model, clustering = controller.model, controller.supervisor.clustering
    templates = np.asarray(model.spike_templates[spike_ids], dtype=np.int64)
    clusters = np.asarray(clustering.spike_clusters[spike_ids], dtype=np.int64)
    members = controller._template_similarity.templates_of
    for c in cluster_ids:
        new = np.unique(templates[clusters == c])
        if np.any(new != controller.columns.template(c)):
            controller.columns.forget([c])  # the main template may have changed
        if c in members:
            members[c] = np.union1d(members[c], new).astype(np.int64)
    if controller.quality is not None:
        controller.quality.mark_stale(cluster_ids)


def on_changed(controller: TemplateController, cluster_ids: list[int]) -> None:
    """An undo/redo in a live session changed clusters that keep their id: forget their
    cached values before the Supervisor recomputes their rows."""
    controller.context.invalidate(cluster_ids)
    controller.columns.forget(cluster_ids)
    controller._template_similarity.forget(cluster_ids)
    q = controller.quality
    if q is not None:
        if q.ready:
            q.forget(cluster_ids)
        else:
            q.mark_stale(cluster_ids)


#: Folder, under ``<data>/.phy``, where a save puts the spikes appended to a folder model.
APPENDED_DIR = "appended_spikes"


def save_appended(controller: TemplateController, spike_clusters: npt.NDArray[np.int64]) -> list[Path]:
    """Write the appended spikes of a folder model under ``.phy/appended_spikes/``."""
    model = controller.model
    n0 = model.n_spikes_loaded
    if model.n_spikes == n0:
        return []
    out = controller.phy_dir / APPENDED_DIR
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"spike_times": model.spike_times[n0:], "spike_templates": model.spike_templates[n0:],
              "spike_clusters": spike_clusters[n0:]}
    if model.amplitudes is not None:
        arrays["amplitudes"] = model.amplitudes[n0:]
    logger.info("%d appended spikes saved in %s (the sorter's files are left as they are).",
                model.n_spikes - n0, out)
    return [write_atomic(out / f"{name}.npy", format_npy(arr)) for name, arr in arrays.items()]
