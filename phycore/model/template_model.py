"""TemplateModel: everything in a Kilosort/phy folder, memory-mapped, read-only.

Loading reads the per-spike id vectors into memory and memory-maps the rest
(templates, amplitudes, PC and template features, raw data). Nothing is ever written
into the data folder. In live sessions :meth:`TemplateModel.append_spikes` grows the
per-spike arrays in memory (see ``_append.py``). Methods keep phylib's names and return conventions where
phylib has them; differences are listed in each docstring and summarized here:

=================================  ===================================================
phylib ``TemplateModel``           phycore ``TemplateModel``
=================================  ===================================================
``TemplateModel(**params)``        explicit keyword arguments; other params.py keys in
                                   ``params`` and readable as attributes
``spike_clusters`` int32           int64, writable in-memory copy; ``spike_clusters.npy``
                                   is never created on load
``get_template(t)`` -> Bunch       :class:`Template` (attrs; ``t['key']`` also works);
                                   ``amplitude`` is ordered like ``channel_ids``
``get_waveforms`` -> raw dtype     float32; raises RawDataError instead of returning None
``get_cluster_spike_waveforms``    at most ``n_spikes_waveforms`` (100) spikes by
(all spikes)                       default, like phy's WaveformView; ``n_spikes=-1`` = all
``get_features`` float64           float32 (same values; NaN rows for missing spikes)
``clusters_channels`` (merged      best channel per cluster id = ``get_cluster_channels
whitened templates)                (c)[0]``; ``-1`` for empty ids
(``amp`` column, phy controller)   ``clusters_waveforms_amplitudes``, ``clusters_templates``
``get_amplitudes_true`` dense      dense and sparse templates
``describe()``                     ``summary()`` (dict) and ``describe()``
``n_clusters`` = max id + 1        number of non-empty clusters
=================================  ===================================================

.. versionadded:: 0.1
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from phycore.errors import ClusterIdError
from phycore.model import _append
from phycore.model import _cluster_stats as _stats
from phycore.model import _spike_api
from phycore.model import _build
from phycore.model._build import setup_model
from phycore.model._features import SparseData
from phycore.model._loader import _Arrays, load_folder
from phycore.model._templates import Template, _TemplateStore
from phycore.model.params import get_template_params
from phycore.model.raw import RawTraces

__all__ = ["TemplateModel", "load_model", "SparseData"]

logger = logging.getLogger("phycore.model")


class TemplateModel:
    """A Kilosort/phy dataset (phylib's ``TemplateModel``, read-only and memory-mapped).

    Parameters
    ----------
    dir_path : str or Path
        Folder with the ``.npy``/``.tsv`` files.
    dat_path : str, Path or list, optional
        Raw data file(s), concatenated in time; relative paths are resolved
        against ``dir_path``. None or blank = no raw data.
    n_channels_dat : int, optional
        Number of interleaved channels in the raw files.
    dtype : str or numpy dtype
        Raw data sample type (default int16).
    offset : int
        Header bytes in each raw file.
    sample_rate : float, optional
        Hz. If missing, 1 Hz is used with a logged warning (as phylib does).
    hp_filtered : bool
        Whether the raw data is already high-pass filtered. ``filtered=None`` in the
        waveform/trace methods means "filter unless ``hp_filtered``".
    n_closest_channels : int
        Max number of best channels for dense templates (12).
    amplitude_threshold : float
        Fraction of the peak amplitude a best channel needs (dense templates; 0).
    template_scaling : float
        Multiplier applied when unwhitening templates.
    show_mapped_channels : bool
        Whether views label channels with ``channel_map`` values.
    n_spikes_waveforms : int
        Default number of spikes in :meth:`get_cluster_spike_waveforms` (100).
    n_chunks_kept : int
        Number of evenly spaced raw-data chunks waveforms are taken from (20).
    params : dict, optional
        Every key of ``params.py``. Keys that are not constructor arguments are
        readable as attributes (``model.some_key``) through ``__getattr__``.

    Attributes
    ----------
    spike_samples : ndarray
        int64 spike times in samples.
    spike_times : ndarray
        float64 spike times in seconds.
    spike_templates : ndarray
        int64 original template of each spike (never written).
    spike_clusters : ndarray
        int64 writable in-memory copy of ``spike_clusters.npy``, or of
        ``spike_templates`` when that file is absent.
    amplitudes : ndarray or None
        Per-spike template amplitudes (memory-mapped).
    traces : RawTraces or None
        Raw data; None when unavailable (see ``raw_data_error``).
    metadata : dict
        ``{field: {cluster_id: value}}`` from every ``*.tsv``/``*.csv`` but cluster_info.
    n_spikes_loaded : int
        Spikes read from the folder or given to ``from_arrays``; ``n_spikes`` minus
        this is the number appended by :meth:`append_spikes`.
    """

    # Data attributes, set by ``setup_model`` (phycore/model/_build.py).
    files: list[str]
    spike_samples: npt.NDArray[np.int64]
    _spike_seconds: npt.NDArray[np.float64] | None
    spike_templates: npt.NDArray[np.int64]
    spike_clusters: npt.NDArray[np.int64]
    has_spike_clusters_file: bool
    amplitudes: np.ndarray | None
    spike_times_reordered: npt.NDArray[np.float64] | None
    n_spikes: int
    n_spikes_loaded: int
    channel_map: npt.NDArray[np.int64]
    channel_mapping: npt.NDArray[np.int64]
    n_channels: int
    channel_positions: npt.NDArray[np.float64]
    channel_shanks: npt.NDArray[np.int64]
    channel_probes: npt.NDArray[np.int64]
    probes: npt.NDArray[np.int64]
    n_probes: int
    wm: npt.NDArray[np.float64]
    wmi: npt.NDArray[np.float64]
    sparse_templates: SparseData
    n_templates: int
    n_samples_waveforms: int
    n_channels_loc: int
    similar_templates: np.ndarray
    sparse_features: SparseData | None
    features: np.ndarray | None
    n_features_per_channel: int | None
    sparse_template_features: SparseData | None
    template_features: np.ndarray | None
    spike_waveforms: SparseData | None
    spike_attributes: dict[str, np.ndarray]
    metadata: dict[str, dict[int, Any]]
    traces: RawTraces | None
    raw_data_error: str | None
    duration: float
    _templates: _TemplateStore

    def __init__(
        self,
        dir_path: str | Path,
        dat_path: str | Path | Sequence[str | Path] | None = None,
        *,
        n_channels_dat: int | None = None,
        dtype: Any = "int16",
        offset: int = 0,
        sample_rate: float | None = None,
        hp_filtered: bool = False,
        n_closest_channels: int = 12,
        amplitude_threshold: float = 0.0,
        template_scaling: float = 1.0,
        show_mapped_channels: bool = True,
        n_spikes_waveforms: int = 100,
        n_chunks_kept: int = 20,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.dir_path: Path | None = Path(dir_path).resolve()
        paths = [] if dat_path is None else ([dat_path] if isinstance(dat_path, (str, Path)) else list(dat_path))
        self.dat_path = [Path(p) if Path(p).is_absolute() else self.dir_path / p
                         for p in paths if str(p).strip()]
        self._configure(n_channels_dat, dtype, offset, sample_rate, hp_filtered, n_closest_channels,
                        amplitude_threshold, template_scaling, show_mapped_channels,
                        n_spikes_waveforms, n_chunks_kept, params)
        self._setup(load_folder(self.dir_path), raw=None)

    def _configure(self, n_channels_dat: int | None, dtype: Any, offset: int,
                   sample_rate: float | None, hp_filtered: bool, n_closest_channels: int,
                   amplitude_threshold: float, template_scaling: float,
                   show_mapped_channels: bool, n_spikes_waveforms: int, n_chunks_kept: int,
                   params: dict[str, Any] | None) -> None:
        self.params: dict[str, Any] = dict(params or {})
        self.n_channels_dat = int(n_channels_dat) if n_channels_dat else None
        self.dtype = np.dtype(dtype)
        self.offset = int(offset)
        self._sample_rate_given = bool(sample_rate)
        if not sample_rate:
            logger.warning("No sample rate was given; using 1 Hz.")
        self.sample_rate = float(sample_rate or 1.0)
        self.hp_filtered = bool(hp_filtered)
        self.n_closest_channels = int(n_closest_channels)
        self.amplitude_threshold = float(amplitude_threshold)
        self.template_scaling = float(template_scaling)
        self.show_mapped_channels = bool(show_mapped_channels)
        self.n_spikes_waveforms = int(n_spikes_waveforms)
        self.n_chunks_kept = int(n_chunks_kept)

    def _setup(self, a: _Arrays, raw: RawTraces | None) -> None:
        setup_model(self, a, raw)

    # ------------------------------------------------------------------ construction

    # Defined in _build.py (docstring there).
    from_arrays = classmethod(_build.from_arrays)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: fall back to params.py keys, like phylib
        # exposes every params.py key as an attribute.
        params = self.__dict__.get("params")
        if params is not None and name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        return (f"<TemplateModel {self.dir_path} n_spikes={self.n_spikes} "
                f"n_templates={self.n_templates} n_channels={self.n_channels}>")

    # ------------------------------------------------------------------ status

    @cached_property
    def spike_times(self) -> npt.NDArray[np.float64]:
        """Spike times in seconds (float64), computed on first access."""
        if self._spike_seconds is not None:
            return self._spike_seconds
        return self.spike_samples / self.sample_rate

    @property
    def has_raw_data(self) -> bool:
        """Whether raw data can be read."""
        return self.traces is not None

    @property
    def template_ids(self) -> npt.NDArray[np.int64]:
        """Templates that have at least one spike (sorted)."""
        return np.nonzero(np.bincount(self.spike_templates, minlength=self.n_templates))[0]

    @property
    def cluster_ids(self) -> npt.NDArray[np.int64]:
        """Clusters that have at least one spike (sorted), from the live ``spike_clusters``."""
        return _stats.unique_ids(self.spike_clusters)

    @property
    def n_clusters(self) -> int:
        """Number of non-empty clusters (phylib: ``max id + 1``)."""
        return len(self.cluster_ids)

    def summary(self) -> dict[str, Any]:
        """Basic facts about the dataset, for ``phygui params.py --info``.

        Returns
        -------
        dict
            ``n_spikes``, ``n_clusters``, ``n_templates``, ``n_channels``, ``duration``,
            ``sample_rate``, ``dir_path``, ``files`` (names read), ``dat_path``,
            ``has_raw_data``, ``raw_data_error``, ``sparse_templates``, ``has_features``,
            ``has_template_features``.
        """
        return {
            "dir_path": str(self.dir_path) if self.dir_path else None,
            "n_spikes": self.n_spikes, "n_clusters": self.n_clusters,
            "n_templates": self.n_templates, "n_channels": self.n_channels,
            "duration": float(self.duration), "sample_rate": self.sample_rate,
            "files": list(self.files), "dat_path": [str(p) for p in self.dat_path],
            "has_raw_data": self.has_raw_data, "raw_data_error": self.raw_data_error,
            "sparse_templates": self.sparse_templates.cols is not None,
            "has_features": self.sparse_features is not None,
            "has_template_features": self.sparse_template_features is not None,
        }

    def describe(self) -> None:
        """Print :meth:`summary` (phylib's ``describe``)."""
        for k, v in self.summary().items():
            print(f"{k:<24}{v}")

    def close(self) -> None:
        """Release the raw data memory maps (other memmaps are freed with the model)."""
        if self.traces is not None:
            self.traces.close()
            self.traces = None
            self.raw_data_error = "the model was closed"

    # ------------------------------------------------------------------ ids

    def _cluster_spikes_checked(self, cluster_id: Any) -> npt.NDArray[np.int64]:
        cid = _stats.check_id(cluster_id, "cluster_id")
        spikes = np.flatnonzero(self.spike_clusters == cid)
        if not len(spikes):
            raise ClusterIdError(f"cluster_id {cid} does not exist (it has no spikes).",
                                 argument="cluster_id")
        return spikes

    def _check_spike_ids(self, spike_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return _stats.check_spike_ids(spike_ids, self.n_spikes)

    def _check_template_id(self, template_id: Any) -> int:
        tid = _stats.check_id(template_id, "template_id", error=ClusterIdError)
        if not 0 <= tid < self.n_templates:
            raise ClusterIdError(f"template_id {tid} does not exist "
                                 f"({self.n_templates} templates).", argument="template_id")
        return tid

    # ------------------------------------------------------------------ templates

    def get_template(self, template_id: int, channel_ids: npt.ArrayLike | None = None,
                     amplitude_threshold: float | None = None, unwhiten: bool = True) -> Template:
        """A template on its best channels (phylib ``get_template``; see :class:`Template`)."""
        return self._templates.get(self._check_template_id(template_id), channel_ids,
                                   amplitude_threshold, unwhiten)

    def prefetch_templates(self) -> None:
        """Compute every template's unwhitened waveform, best channels and amplitude now
        (batched, several times faster than one by one); later calls hit the cache."""
        self._templates.prefetch()

    def get_template_channels(self, template_id: int) -> npt.NDArray[np.int64]:
        """Best channels of a template, by decreasing amplitude."""
        return self.get_template(template_id).channel_ids

    def get_template_waveforms(self, template_id: int) -> npt.NDArray[np.float32]:
        """Unwhitened template ``(n_samples, n_best_channels)``."""
        return self.get_template(template_id).template

    def get_template_spikes(self, template_id: int) -> npt.NDArray[np.int64]:
        """Spikes whose original template is ``template_id``."""
        return np.nonzero(self.spike_templates == self._check_template_id(template_id))[0]

    def get_cluster_spikes(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Spikes of a cluster (sorted). Raises :class:`ClusterIdError` if it has none."""
        return self._cluster_spikes_checked(cluster_id)

    def get_template_counts(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Number of spikes of the cluster in each template, ``(n_templates,)``."""
        st = self.spike_templates[self._cluster_spikes_checked(cluster_id)]
        return np.bincount(st, minlength=self.n_templates)

    def _main_template(self, spikes: npt.NDArray[np.int64]) -> int:
        return int(np.argmax(np.bincount(self.spike_templates[spikes], minlength=self.n_templates)))

    def get_cluster_template(self, cluster_id: int) -> int:
        """Template with the most spikes in the cluster (smallest id on ties)."""
        return self._main_template(self._cluster_spikes_checked(cluster_id))

    def get_cluster_channels(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Best channels of a cluster: those of its template with the most spikes."""
        return self._templates.get(self.get_cluster_template(cluster_id)).channel_ids

    def get_cluster_mean_waveforms(self, cluster_id: int, unwhiten: bool = True) -> dict[str, Any]:
        """Spike-count-weighted mean of the cluster's templates on its best channels.

        Returns
        -------
        dict
            ``mean_waveforms`` ``(n_samples, n_channels)`` and ``channel_ids``.
        """
        return _stats.cluster_mean_waveforms(self, self.get_template_counts(cluster_id), unwhiten)

    # ------------------------------------------------------------------ vectorised tables

    @property
    def templates_channels(self) -> npt.NDArray[np.int64]:
        """Peak channel of every template (phylib: whitened p2p for dense, ``template_ind[:, 0]`` for sparse)."""
        return _stats.templates_peak_channels(self.sparse_templates.data, self.sparse_templates.cols)

    @property
    def templates_probes(self) -> npt.NDArray[np.int64]:
        """Probe of every template's peak channel."""
        return self.channel_probes[self.templates_channels]

    @property
    def templates_amplitudes(self) -> npt.NDArray[np.float64]:
        """Mean ``amplitudes.npy`` value per template (non-empty templates, sorted ids)."""
        return _stats.mean_per_id(self.spike_templates, self.amplitudes)

    @property
    def clusters_amplitudes(self) -> npt.NDArray[np.float64]:
        """Mean ``amplitudes.npy`` value per cluster (non-empty clusters, sorted ids)."""
        return _stats.mean_per_id(self.spike_clusters, self.amplitudes)

    @property
    def templates_waveforms_durations(self) -> npt.NDArray[np.float64]:
        """Trough-to-peak duration (ms) on each template's whitened peak channel."""
        return _stats.waveform_durations(np.asarray(self._templates.data), self.sample_rate)

    @property
    def clusters_templates(self) -> npt.NDArray[np.int64]:
        """Template with the most spikes of each cluster, indexed by cluster id (-1 = empty)."""
        return _stats.dominant_templates(self.spike_clusters, self.spike_templates, self.n_templates)

    @property
    def clusters_channels(self) -> npt.NDArray[np.int64]:
        """Best channel of each cluster, indexed by cluster id (-1 = empty cluster).

        Same channel as ``get_cluster_channels(c)[0]`` (the ``ch`` column). phylib's
        property instead averages merged clusters' whitened templates.
        """
        dom = self.clusters_templates
        best = self._templates.best_channels_all()
        return np.where(dom >= 0, best[np.maximum(dom, 0)], -1)

    @property
    def clusters_waveforms_amplitudes(self) -> npt.NDArray[np.float64]:
        """Peak-to-peak amplitude of each cluster's main unwhitened template (the ``amp``
        column), indexed by cluster id (NaN = empty cluster)."""
        dom = self.clusters_templates
        amp = self._templates.amplitudes_all()
        return np.where(dom >= 0, amp[np.maximum(dom, 0)], np.nan)

    # ------------------------------------------------------------------ per-spike data
    # Defined in _spike_api.py (docstrings there), bound here as plain methods.

    get_waveforms = _spike_api.get_waveforms
    select_waveform_spikes = _spike_api.select_waveform_spikes
    _select_waveform_spikes = _spike_api._select_waveform_spikes
    get_cluster_spike_waveforms = _spike_api.get_cluster_spike_waveforms
    get_template_spike_waveforms = _spike_api.get_template_spike_waveforms
    get_features = _spike_api.get_features
    get_template_features = _spike_api.get_template_features
    get_depths = _spike_api.get_depths
    get_amplitudes_true = _spike_api.get_amplitudes_true
    get_traces = _spike_api.get_traces

    # ------------------------------------------------------------------ live acquisition
    # Defined in _append.py (docstring there).

    append_spikes = _append.append_spikes


def load_model(params_path: str | Path) -> TemplateModel:
    """Open the dataset described by a ``params.py`` file (parsed, never executed).

    Parameters
    ----------
    params_path : str or Path
        Path to ``params.py``.

    Returns
    -------
    TemplateModel
    """
    p = get_template_params(params_path)
    return TemplateModel(
        p["dir_path"], p["dat_path"], n_channels_dat=p.get("n_channels_dat"), dtype=p["dtype"],
        offset=p["offset"], sample_rate=p.get("sample_rate"), hp_filtered=p["hp_filtered"],
        n_closest_channels=int(p.get("n_closest_channels", 12)),
        amplitude_threshold=float(p.get("amplitude_threshold", 0.0)),
        template_scaling=float(p.get("template_scaling", 1.0)),
        show_mapped_channels=bool(p.get("show_mapped_channels", True)),
        n_spikes_waveforms=int(p.get("n_spikes_waveforms", 100)),
        params=p,
    )
