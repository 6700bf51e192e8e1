"""Live acquisition in a :class:`TemplateController`: the queue of spikes and their files.

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

Per-cluster caches are kept exact by :class:`~phycore.controller._session_caches.SessionCaches`.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phycore.errors import ClusterIdError
from phycore.model import SpikeBatch, apply_batch, check_batch
from phycore.model import TemplateModel
from phycore.model.writers import format_npy, write_atomic
from phycore.supervisor import Supervisor

__all__ = ["APPENDED_DIR", "PendingSpikes", "appended_files", "save_appended"]

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

    def push(self, times: npt.ArrayLike, templates: npt.ArrayLike, amplitudes: npt.ArrayLike | None = None,
             **kwargs: npt.ArrayLike | None) -> Int64Array:
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

    def apply(self, model: TemplateModel, supervisor: Supervisor) -> Int64Array:
        """Apply every queued batch (owner thread) to the model, then to the Supervisor;
        returns the ids of the spikes added."""
        batches = self.take()
        if not batches:
            return np.zeros(0, dtype=np.int64)
        clustering = supervisor.clustering
        all_ids = []
        for b in _runs(batches):
            try:
                clusters = clustering.clusters_for(b.templates, b.clusters)
            except ClusterIdError as e:
                # Explicit clusters deleted by an action since the batch was queued.
                logger.warning("%s The %d spikes go by template membership instead.", e, b.n)
                clusters = clustering.clusters_for(b.templates)
            all_ids.append(apply_batch(model, attrs.evolve(b, clusters=clusters)))
            supervisor.append_spikes(b.templates, clusters)
        return np.concatenate(all_ids)

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


#: Folder, under ``<data>/.phy``, where a save puts the spikes appended to a folder model.
APPENDED_DIR = "appended_spikes"


def appended_files(model: TemplateModel, phy_dir: Path, spike_clusters: npt.NDArray[np.int64]) -> dict[Path, bytes]:
    """``{path: content}`` of the appended spikes of a folder model, for a save to write
    (under ``<phy_dir>/appended_spikes/``, in the same transaction as the other files)."""
    n0 = model.n_spikes_loaded
    if model.n_spikes == n0:
        return {}
    out = phy_dir / APPENDED_DIR
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"spike_times": model.spike_times[n0:], "spike_templates": model.spike_templates[n0:],
              "spike_clusters": spike_clusters[n0:]}
    if model.amplitudes is not None:
        arrays["amplitudes"] = model.amplitudes[n0:]
    logger.info("%d appended spikes saved in %s (the sorter's files are left as they are).",
                model.n_spikes - n0, out)
    return {out / f"{name}.npy": format_npy(arr) for name, arr in arrays.items()}


def save_appended(model: TemplateModel, phy_dir: Path, spike_clusters: npt.NDArray[np.int64]) -> list[Path]:
    """Write the appended spikes of a folder model under ``<phy_dir>/appended_spikes/``."""
    return [write_atomic(path, data) for path, data in appended_files(model, phy_dir, spike_clusters).items()]
