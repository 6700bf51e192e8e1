"""TemplateModel: everything in a Kilosort/phy folder, memory-mapped, read-only.

Loading reads the per-spike id vectors into memory and memory-maps the rest
(templates, amplitudes, PC and template features, raw data). Nothing is written into
the data folder but by the explicit ``save_spike_clusters``/``save_metadata``. In live
sessions :meth:`TemplateModel.append_spikes` grows the per-spike arrays in memory (a
:class:`~phycore.model._spikes.SpikeArrays` owns them).
Methods keep phylib's names and return conventions where phylib has them; differences
are listed in each docstring and summarized here:

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
``get_cluster_spike_waveforms``    all spikes too; ``n_spikes=100`` samples like phy's
(all spikes)                       WaveformView (:meth:`select_waveform_spikes`)
``save_spike_clusters``            int32 bytes whatever the dtype given; atomic, with a
                                   backup in ``.phy/backup/``
``merge_map``, ``sparse_clusters`` computed when read (phylib: at load)
``get_features`` float64           float32 (same values; NaN rows for missing spikes)
``clusters_channels`` (merged      best channel per cluster id = ``get_cluster_channels
whitened templates)                (c)[0]``; ``-1`` for empty ids
(``amp`` column, phy controller)   ``clusters_waveforms_amplitudes``, ``clusters_templates``
``get_amplitudes_true`` dense      dense and sparse templates
``describe()``                     ``summary()`` (dict) and ``describe()``
``n_clusters`` = max id + 1        number of non-empty clusters
=================================  ===================================================

This module is longer than the ~400-line guideline: it is the one public class of the
data layer, with phylib's method names (a plugin-facing API), and each method only
delegates to the private parts (``_loader``, ``_consistency``, ``_spikes``,
``_templates``, ``_features``, ``_cluster_stats``, ``waveforms``).

.. versionadded:: 0.1
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import numpy.typing as npt

from phycore.bunch import Bunch
from phycore.errors import ClusterIdError, DataFormatError, RawDataError, SaveError
from phycore.model import _cluster_stats as _stats
from phycore.model._batch import SpikeBatch, check_batch
from phycore.model._consistency import validate, whitening_matrices
from phycore.model._features import SparseData, _rows_for, get_pc_features, get_subset_waveforms
from phycore.model._features import get_template_features as _template_features
from phycore.model._features import project_template_features as _project_template_features
from phycore.model._fields import FieldSet
from phycore.model import _kilosort as _ks
from phycore.model._rowread import advise_rows
from phycore.model._files import find_file
from phycore.model._loader import from_arguments, load_folder
from phycore.model._spikes import SpikeArrays
from phycore.model._templates import Template, _TemplateStore
from phycore.model.params import REQUIRED_KEYS, get_template_params
from phycore.model.raw import RawTraces, open_raw
from phycore.model.tables import write_cluster_tsv
from phycore.model.waveforms import (extract_waveforms, filter_windows, highpass_filter, kept_chunks,
                                     select_spikes_evenly, spikes_in_chunks)
from phycore.model.writers import spike_clusters_bytes, write_atomic
from phycore.paths import phy_dir

__all__ = ["TemplateModel", "load_model", "apply_batch", "SparseData"]

logger = logging.getLogger("phycore.model")

Int64Array = npt.NDArray[np.int64]


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
        Default budget of :meth:`select_waveform_spikes` (100).
    n_chunks_kept : int
        Number of evenly spaced raw-data chunks waveforms are taken from (20).
    params : dict, optional
        Every key of ``params.py``. Keys that are not constructor arguments are
        readable as attributes (``model.some_key``) through ``__getattr__``.

    Attributes
    ----------
    traces : RawTraces or None
        Raw data; None when unavailable (see ``raw_data_error``).
    metadata : dict
        ``{field: {cluster_id: value}}`` from every ``*.tsv``/``*.csv`` but cluster_info.
    n_spikes_loaded : int
        Spikes read from the folder or given to ``from_arrays``; ``n_spikes`` minus
        this is the number appended by :meth:`append_spikes`.

    Notes
    -----
    The per-spike arrays (``spike_samples``, ``spike_times``, ``spike_templates``,
    ``spike_clusters``, ``amplitudes``, features...) are properties (not assignable): a
    :class:`~phycore.model._spikes.SpikeArrays` owns them and grows them.

    Cluster ids (``spike_clusters``, and ``clusters`` of :meth:`append_spikes`) must be in
    ``0 .. max(2**24, 4 * n_spikes) - 1``: per-cluster tables are sized by the largest id,
    so a stray id of 2**40 is refused with a :class:`DataFormatError` instead of asking
    for terabytes. Templates with some NaN/inf samples load with a :class:`UserWarning`;
    those samples read as 0.
    """

    # Data attributes, set by ``_setup`` (per-spike arrays are properties, read from ``_spikes``).
    files: list[str]
    has_spike_clusters_file: bool
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
    n_features_per_channel: int | None
    metadata: dict[str, dict[int, Any]]
    traces: RawTraces | None
    raw_data_error: str | None
    duration: float
    _templates: _TemplateStore
    _spikes: SpikeArrays

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

    def _setup(self, a: FieldSet, raw: RawTraces | None) -> None:
        """Validate the fields and set every data attribute."""
        validate(a, self.n_channels_dat)
        self.files = list(a.files)
        self.has_spike_clusters_file = "spike_clusters" in a
        self._spikes = SpikeArrays(a, self.sample_rate)
        self.n_spikes_loaded = self._spikes.n_loaded
        self.channel_map = self.channel_mapping = a["channel_map"]  # phylib's second name
        self.n_channels = nc = int(self.channel_map.shape[0])
        self.channel_positions = a["channel_positions"]
        self.channel_shanks, self.channel_probes = a["channel_shanks"], a["channel_probes"]
        # Not np.unique: in numpy 2.4 its first call imports numpy.ma (20-30 ms of load_model).
        self.probes = np.array(sorted(set(self.channel_probes.tolist())), dtype=self.channel_probes.dtype)
        self.n_probes = len(self.probes)
        self.wm, self.wmi = whitening_matrices(a, nc)
        tmpl, ind = a["templates"], a.get("template_ind")
        self.sparse_templates = SparseData(tmpl, ind)
        self.n_templates, self.n_samples_waveforms, self.n_channels_loc = (int(x) for x in tmpl.shape)
        self._templates = _TemplateStore(
            tmpl, ind, self.wmi, self.channel_positions, self.channel_shanks,
            n_closest_channels=self.n_closest_channels, amplitude_threshold=self.amplitude_threshold,
            template_scaling=self.template_scaling, name=a.name("templates"))
        nt = self.n_templates
        sim = a.get("similar_templates")
        self.similar_templates = np.asarray(sim) if sim is not None else np.zeros((nt, nt))
        pcf = a.get("pc_features")
        self.n_features_per_channel = None if pcf is None else int(pcf.shape[1])
        self.metadata = a.metadata
        if raw is not None:
            self.traces, self.raw_data_error = raw, None
        else:
            last = int(self.spike_samples[-1]) if self.n_spikes else None
            self.traces, self.raw_data_error = open_raw(
                self.dat_path, self.n_channels_dat, self.dtype, self.offset,
                self.sample_rate if self._sample_rate_given else None, self.channel_map, last)
        if self.raw_data_error and self.dat_path:
            logger.warning("Raw data unavailable: %s.", self.raw_data_error)
        if self.traces is not None:
            self.duration = self.traces.duration
        elif self.n_spikes:
            self.duration = float(self.spike_samples[-1] / self.sample_rate if a.spike_seconds is None
                                  else a.spike_seconds[-1])
        else:
            self.duration = 0.0

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_arrays(
        cls,
        *,
        spike_samples: npt.ArrayLike,
        spike_templates: npt.ArrayLike,
        templates: npt.ArrayLike,
        sample_rate: float,
        channel_positions: npt.ArrayLike,
        channel_map: npt.ArrayLike | None = None,
        spike_clusters: npt.ArrayLike | None = None,
        amplitudes: npt.ArrayLike | None = None,
        template_ind: npt.ArrayLike | None = None,
        channel_shanks: npt.ArrayLike | None = None,
        whitening_mat: npt.ArrayLike | None = None,
        whitening_mat_inv: npt.ArrayLike | None = None,
        similar_templates: npt.ArrayLike | None = None,
        pc_features: npt.ArrayLike | None = None,
        pc_feature_ind: npt.ArrayLike | None = None,
        template_features: npt.ArrayLike | None = None,
        template_feature_ind: npt.ArrayLike | None = None,
        raw_data: np.ndarray | None = None,
        metadata: dict[str, dict[int, Any]] | None = None,
        hp_filtered: bool = False,
        n_closest_channels: int = 12,
        amplitude_threshold: float = 0.0,
    ) -> TemplateModel:
        """Build a model from in-memory arrays (no folder), e.g. in acquisition software.

        Parameters
        ----------
        spike_samples, spike_templates : array of int
            Spike times in samples (non-decreasing) and template ids.
        templates : array
            ``(n_templates, n_samples, n_channels_loc)`` (whitened, as Kilosort writes).
        sample_rate : float
            Hz.
        channel_positions : array
            ``(n_channels, 2)``.
        channel_map, spike_clusters, amplitudes, template_ind, channel_shanks,
        whitening_mat, whitening_mat_inv, similar_templates, pc_features,
        pc_feature_ind, template_features, template_feature_ind : array, optional
            Same meaning as the files of the same name (see formats.md).
        raw_data : ndarray, optional
            ``(n_samples, n_channels_dat)`` raw samples.
        metadata : dict, optional
            ``{field: {cluster_id: value}}``.
        hp_filtered, n_closest_channels, amplitude_threshold
            As in the constructor.

        Returns
        -------
        TemplateModel
        """
        a = from_arguments(
            metadata, channel_positions=channel_positions, spike_samples=spike_samples,
            spike_templates=spike_templates, templates=templates, channel_map=channel_map,
            spike_clusters=spike_clusters, amplitudes=amplitudes, template_ind=template_ind,
            channel_shanks=channel_shanks, whitening_mat=whitening_mat,
            whitening_mat_inv=whitening_mat_inv, similar_templates=similar_templates,
            pc_features=pc_features, pc_feature_ind=pc_feature_ind,
            template_features=template_features, template_feature_ind=template_feature_ind)
        model = cls.__new__(cls)
        model.dir_path = None
        model.dat_path = []
        n_dat = raw_data.shape[1] if raw_data is not None and raw_data.ndim == 2 else None
        model._configure(n_dat, raw_data.dtype if raw_data is not None else "int16", 0, sample_rate,
                         hp_filtered, n_closest_channels, amplitude_threshold, 1.0, True, 100, 20, None)
        raw = None if raw_data is None else RawTraces.from_array(raw_data, sample_rate, a["channel_map"])
        model._setup(a, raw=raw)
        if raw is None:
            model.raw_data_error = "no raw data was given (raw_data)"
        return model

    @property
    def sync_channel_id(self) -> int | None:
        """The model channel that reads the sync column of the raw file (``sync_channel``,
        from the acquisition metadata), or None: Kilosort's ``channel_map.npy`` leaves the
        sync column out, but a channel map that includes it would show a digital line as a
        probe channel. The trace and waveform views leave this channel out.

        .. versionadded:: 0.3
        """
        sync = self.params.get("sync_channel")
        if sync is None:
            return None
        hit = np.flatnonzero(self.channel_map == int(sync))
        return int(hit[0]) if len(hit) else None

    @property
    def probe_channel_ids(self) -> npt.NDArray[np.int64]:
        """Model channels but the sync channel (:attr:`sync_channel_id`).

        .. versionadded:: 0.3
        """
        ids = np.arange(self.n_channels, dtype=np.int64)
        sync = self.sync_channel_id
        return ids if sync is None else ids[ids != sync]

    @property
    def uv_per_bit(self) -> npt.NDArray[np.float64] | None:
        """µV per raw-data unit of each model channel (``params["uv_per_bit"]``, given per
        file column by the acquisition metadata, through ``channel_map``), or None when
        the gains are unknown (phy's case: amplitudes stay in raw units).

        .. versionadded:: 0.3
        """
        uv = self.params.get("uv_per_bit")
        if uv is None:
            return None
        uv = np.atleast_1d(np.asarray(uv, dtype=np.float64))
        if uv.size == 1:
            return np.full(self.n_channels, float(uv[0]))
        cmap = self.channel_map
        if not len(cmap) or int(cmap.max()) >= uv.size:  # metadata of another layout: unknown
            return None
        return uv[cmap]

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

    # ------------------------------------------------------------------ per-spike arrays
    # Read from ``_spikes``, which replaces them with longer views when spikes are appended.

    @property
    def n_spikes(self) -> int:
        """Number of spikes (grows with :meth:`append_spikes`)."""
        return self._spikes.n

    @property
    def spike_samples(self) -> npt.NDArray[np.int64]:
        """Spike times in samples (int64)."""
        return self._spikes.samples

    @property
    def spike_times(self) -> npt.NDArray[np.float64]:
        """Spike times in seconds (float64), computed on first access."""
        return self._spikes.times

    @property
    def spike_templates(self) -> npt.NDArray[np.int64]:
        """Original template of each spike (int64; never written)."""
        return self._spikes.templates

    @property
    def spike_clusters(self) -> npt.NDArray[np.int64]:
        """Cluster of each spike: an int64 writable in-memory copy of ``spike_clusters.npy``,
        or of ``spike_templates`` when that file is absent."""
        return self._spikes.clusters

    @property
    def amplitudes(self) -> np.ndarray | None:
        """Per-spike template amplitudes (memory-mapped), or None."""
        return self._spikes.get("amplitudes")

    @property
    def spike_times_reordered(self) -> npt.NDArray[np.float64] | None:
        """``spike_times_reordered.npy`` in seconds, or None."""
        return self._spikes.get("spike_times_reordered")

    @property
    def spike_attributes(self) -> dict[str, np.ndarray]:
        """Extra ``spike_<key>.npy`` arrays with one row per spike, by key."""
        return self._spikes.attributes

    @property
    def spike_positions(self) -> np.ndarray | None:
        """Kilosort 4's ``spike_positions.npy``: x and y (µm) of each spike on the probe,
        ``(n_spikes, 2)``; None without the file. It is also the spike attribute
        ``positions``, as phylib loads it."""
        pos = self.spike_attributes.get("positions")
        if pos is None or pos.ndim != 2 or pos.shape[1] < 2 or pos.dtype.kind not in "fiu":
            return None
        return pos[:, :2]

    @property
    def kept_spikes(self) -> npt.NDArray[np.bool_] | None:
        """Kilosort 4's ``kept_spikes.npy``: True for each detected spike it kept (its
        duplicates removed), one True per spike of the folder; None without the file."""
        kept: npt.NDArray[np.bool_] | None = self._kilosort_file(
            "kept_spikes", lambda p: _ks.read_kept_spikes(p, self.n_spikes_loaded))
        return kept

    @property
    def kilosort_ops(self) -> dict[str, Any] | None:
        """Kilosort's ``ops.npy`` (its settings and intermediate results) as a dict, read
        without running code (a pickle of anything but plain data is refused with a
        warning); None without the file."""
        ops: dict[str, Any] | None = self._kilosort_file("ops", _ks.read_ops)
        return ops

    @property
    def drift(self) -> Bunch | None:
        """Kilosort 4's drift estimate (from ``ops.npy``): ``times`` (s, one per batch),
        ``depths`` (µm, one per probe block) and ``shifts`` (µm, ``(n_batches,
        n_blocks)``); None when the folder has none."""
        return _ks.drift(self.kilosort_ops, self.sample_rate)

    def _kilosort_file(self, name: str, read: Callable[[Path], Any]) -> Any:
        """Read ``<name>.npy`` of the folder once (lazily: most sessions never need it)."""
        cache = self.__dict__.setdefault("_kilosort_files", {})
        if name not in cache:
            path = None if self.dir_path is None else self.dir_path / f"{name}.npy"
            cache[name] = read(path) if path is not None and path.is_file() else None
        return cache[name]

    @property
    def sparse_features(self) -> SparseData | None:
        """PC features (``pc_features``, ``pc_feature_ind``, ``pc_feature_spike_ids``)."""
        return self._spikes.sparse("features")

    @property
    def features(self) -> np.ndarray | None:
        """PC features ``(n, n_channels_loc, n_pcs)`` (phylib's axis order), or None."""
        sf = self.sparse_features
        return None if sf is None else sf.data.transpose(0, 2, 1)

    @property
    def sparse_template_features(self) -> SparseData | None:
        """Template features (``template_features``, ``template_feature_ind``, ``..._spike_ids``)."""
        return self._spikes.sparse("template_features")

    @property
    def template_features(self) -> np.ndarray | None:
        """``template_features.npy`` ``(n, n_template_features)``, or None."""
        tf = self.sparse_template_features
        return None if tf is None else tf.data

    @property
    def spike_waveforms(self) -> SparseData | None:
        """Waveforms of a subset of spikes (``_phy_spikes_subset.*``, and appended ones)."""
        return self._spikes.sparse("waveforms")

    # ------------------------------------------------------------------ status

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

    def _check_channel_ids(self, channel_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        return _stats.check_channel_ids(channel_ids, self.n_channels)

    def _check_template_id(self, template_id: Any) -> int:
        tid = _stats.check_id(template_id, "template_id", error=ClusterIdError)
        if not 0 <= tid < self.n_templates:
            raise ClusterIdError(f"template_id {tid} does not exist "
                                 f"({self.n_templates} templates).", argument="template_id")
        return tid

    # ------------------------------------------------------------------ templates

    def get_template(self, template_id: int, channel_ids: npt.ArrayLike | None = None,
                     amplitude_threshold: float | None = None, unwhiten: bool = True) -> Template:
        """A template on its best channels (phylib ``get_template``; see :class:`Template`).

        Raises :class:`ChannelIdError` if ``channel_ids`` are outside ``0..n_channels - 1``.
        """
        tid = self._check_template_id(template_id)
        channels = None if channel_ids is None else self._check_channel_ids(channel_ids)
        return self._templates.get(tid, channels, amplitude_threshold, unwhiten)

    def prefetch_templates(self, cache_dir: str | os.PathLike[str] | None = None, key: str = "") -> None:
        """Compute every template's unwhitened waveform, best channels and amplitude now
        (batched, several times faster than one by one); later calls hit the cache.

        With ``cache_dir`` (a session's cache folder), the values are also kept there in an
        ``.npz`` file (no pickles) named after ``key`` (what identifies the folder's files,
        e.g. their fingerprint) and the template parameters; a later call with the same
        ones reads them back, bit for bit, instead of computing them (a few milliseconds
        instead of 0.3-0.5 s at 600 templates). Other such files there are deleted.
        """
        import hashlib

        store = self._templates
        if cache_dir is None or store.cols is not None:  # sparse templates: cheap, left lazy
            store.prefetch()
            return
        name = (f"{key}|{store.template_scaling!r}|{store.amplitude_threshold!r}|{store.n_closest_channels!r}|"
                f"{store._raw.shape}|{store._raw.dtype}|1")
        path = Path(cache_dir) / f"templates-{hashlib.blake2b(name.encode(), digest_size=12).hexdigest()}.npz"
        if store.load_defaults(path):
            return
        store.prefetch()
        try:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            for old in Path(cache_dir).glob("templates-*.npz"):
                old.unlink()
            store.save_defaults(path)
        except OSError as exc:  # a cache: the session goes on without it
            logger.warning("Cannot write the template cache %s: %s", path, exc)

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
        return _stats.cluster_mean_waveforms(self._templates, self.get_template_counts(cluster_id),
                                             self.n_samples_waveforms, self.n_channels, unwhiten)

    # ------------------------------------------------------------------ vectorised tables

    @property
    def templates_channels(self) -> npt.NDArray[np.int64]:
        """Peak channel of every template (phylib: whitened p2p for dense, ``template_ind[:, 0]`` for sparse)."""
        return _stats.templates_peak_channels(self._templates.data, self.sparse_templates.cols)

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

    # ------------------------------------------------------------------ phylib's merge map
    # phylib computes these at load; here they are computed when read (each read scans
    # spike_clusters), so that loading stays cheap and appended spikes are included.

    def get_merge_map(self) -> tuple[dict[int, list[int]], np.ndarray]:
        """phylib ``get_merge_map``: the templates each cluster id holds spikes of.

        Returns
        -------
        merge_map : dict
            ``{cluster_id: [template_id, ...]}`` for every id in ``0 .. max cluster id``
            (templates in increasing order; ``[]`` for ids without spikes).
        nan_idx : ndarray
            The ids whose list is empty (phylib's ``np.array`` of them).
        """
        sc, st = self.spike_clusters, self.spike_templates
        n = int(sc.max()) + 1 if self.n_spikes else 0
        out: dict[int, list[int]] = {c: [] for c in range(n)}
        # One key per (template, cluster) pair, sorted by template then cluster: the
        # order in which phylib's per-template loop appends.
        keys = np.unique(st.astype(np.int64) * max(n, 1) + sc)
        for t, c in zip((keys // max(n, 1)).tolist(), (keys % max(n, 1)).tolist()):
            out[c].append(t)
        return out, np.array([c for c, v in out.items() if not v])

    def _clusters_changed(self) -> bool:
        # phylib's condition for building cluster waveforms: clusters differ from
        # templates and templates are dense.
        return self.sparse_templates.cols is None and not np.array_equal(self.spike_clusters, self.spike_templates)

    @property
    def merge_map(self) -> dict[int, list[int]]:
        """phylib ``merge_map``: :meth:`get_merge_map`'s dict when clusters differ from
        templates and templates are dense, else ``{}``."""
        return self.get_merge_map()[0] if self._clusters_changed() else {}

    @property
    def nan_idx(self) -> np.ndarray | list[int]:
        """phylib ``nan_idx``: the cluster ids without spikes when :attr:`merge_map` is
        not empty, else ``[]``."""
        return self.get_merge_map()[1] if self._clusters_changed() else []

    def cluster_waveforms(self) -> SparseData:
        """phylib ``cluster_waveforms``: one whitened waveform per cluster id, dense.

        ``data`` is ``(max cluster id + 1, n_samples_waveforms, n_channels)`` float64: a
        cluster of one template gets that template, a cluster of several the
        spike-count-weighted mean of its templates (:meth:`get_cluster_mean_waveforms`
        with ``unwhiten=False``) on its best channels; ids without spikes are 0.
        ``cols`` is None.

        Unlike phylib, it works with sparse templates too (columns scattered to their
        channels) and it always uses :meth:`get_merge_map` (phylib reads
        :attr:`merge_map`, empty, and returns zeros, when clusters equal templates).
        Memory: 8 bytes x clusters x samples x channels, e.g. 250 MB for 1,000 clusters
        of 82 samples on 384 channels.
        """
        merge_map, _ = self.get_merge_map()
        data = np.zeros((len(merge_map), self.n_samples_waveforms, self.n_channels))
        cols = self.sparse_templates.cols
        for c, templates in merge_map.items():
            if len(templates) > 1:
                mean = self.get_cluster_mean_waveforms(c, unwhiten=False)
                data[c][:, mean["channel_ids"]] = mean["mean_waveforms"]
            elif templates and cols is None:
                data[c] = self._templates.data[templates[0]]
            elif templates:
                t_cols = np.asarray(cols)[templates[0]]
                used = t_cols >= 0
                data[c][:, t_cols[used]] = np.asarray(self._templates.data[templates[0]])[:, used]
        return SparseData(data, None)

    @property
    def sparse_clusters(self) -> SparseData:
        """phylib ``sparse_clusters``: :meth:`cluster_waveforms` when :attr:`merge_map` is
        not empty, else :attr:`sparse_templates` (computed on each read)."""
        return self.cluster_waveforms() if self._clusters_changed() else self.sparse_templates

    @property
    def clusters_waveforms_durations(self) -> npt.NDArray[np.float64]:
        """phylib ``clusters_waveforms_durations``: trough-to-peak duration (ms) of each
        :attr:`sparse_clusters` waveform on its whitened peak channel."""
        if not self._clusters_changed():
            return self.templates_waveforms_durations  # NaN templates read as 0, as phylib zeroes them
        return _stats.waveform_durations(self.cluster_waveforms().data, self.sample_rate)

    # ------------------------------------------------------------------ per-spike data

    def get_waveforms(self, spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike | None = None, *,
                      filtered: bool | None = False, subtract_median: bool = False,
                      filter_func: Callable[..., Any] | None = None,
                      filter_margin: int | None = None) -> npt.NDArray[np.float32]:
        """Raw waveforms ``(n_spikes, n_samples_waveforms, n_channels)`` float32.

        From ``_phy_spikes_subset.*`` when every spike is in that pool and no filter is
        asked, else from the raw data (numba kernel reading only the needed samples).
        ``filtered=None`` filters unless ``hp_filtered``. ``filter_func`` is any raw-data
        filter ``f(arr, axis=1)`` used instead of the high-pass; a filter runs on windows
        extended by ``filter_margin`` samples each side (see :func:`extract_waveforms`), or,
        without raw data, on the bare ``_phy_spikes_subset`` windows, as phy does. Raises
        :class:`RawDataError` when raw data is needed and unavailable (phylib returns None),
        and :class:`ChannelIdError` if ``channel_ids`` are outside ``0..n_channels - 1``.
        """
        ids = self._check_spike_ids(spike_ids)
        channels = (np.arange(self.n_channels) if channel_ids is None
                    else self._check_channel_ids(channel_ids))
        if filtered is None:
            filtered = not self.hp_filtered
        if filtered and filter_func is not None:
            raise ValueError("Pass either filtered=True (the built-in high-pass) or filter_func, not both.")
        if filtered:
            filter_func = highpass_filter(self.sample_rate)
        sw = self.spike_waveforms
        if (sw is not None and sw.cols is not None and sw.rows is not None
                and (filter_func is None or self.traces is None)):
            out = get_subset_waveforms(sw.data, sw.cols, sw.rows, ids, channels, self.n_channels)
            if out is not None:
                if subtract_median:
                    out -= np.median(out, axis=1)[:, np.newaxis, :]
                if filter_func is not None:  # no raw data around the windows: phy's bare-window filter
                    out = filter_windows(filter_func, out)
                return out
        if self.traces is None:
            raise RawDataError(f"raw data is unavailable: {self.raw_data_error}.",
                               path=str(self.dat_path[0]) if self.dat_path else None)
        return extract_waveforms(self.traces, self.spike_samples[ids], channels,
                                 self.n_samples_waveforms, subtract_median=subtract_median,
                                 filter_func=filter_func, filter_margin=filter_margin)

    def select_waveform_spikes(self, cluster_id: int, n_spikes: int | None = None) -> npt.NDArray[np.int64]:
        """Spikes used by :meth:`get_cluster_spike_waveforms`: up to ``n_spikes``
        (default ``n_spikes_waveforms``) evenly spaced spikes of the cluster, taken from
        ``n_chunks_kept`` evenly spaced raw-data chunks (or the ``_phy_spikes_subset`` pool)."""
        return self._select_waveform_spikes(self._cluster_spikes_checked(cluster_id), n_spikes)

    def _select_waveform_spikes(self, spikes: Int64Array, n_spikes: int | None) -> Int64Array:
        n = self.n_spikes_waveforms if n_spikes is None else n_spikes
        sw = self.spike_waveforms
        if sw is not None and sw.rows is not None:
            pool = spikes[np.isin(spikes, sw.rows)]
        else:
            bounds = (self.traces.chunk_bounds if self.traces is not None
                      else np.array([0, int(self.spike_samples[-1]) + 1]))
            pool = spikes[spikes_in_chunks(self.spike_samples[spikes], kept_chunks(bounds, self.n_chunks_kept))]
        return select_spikes_evenly(pool if len(pool) else spikes, n)

    def get_cluster_spike_waveforms(self, cluster_id: int, n_spikes: int | None = None, *,
                                    channel_ids: npt.ArrayLike | None = None,
                                    filtered: bool | None = False,
                                    subtract_median: bool = False) -> npt.NDArray[np.float32]:
        """Waveforms of the cluster's spikes on its best channels (phylib's: all spikes).

        Returns ``(n, n_samples_waveforms, n_channels_loc)`` float32: every spike of the
        cluster by default, as phylib (a big cluster can need gigabytes: pass a budget),
        or at most ``n_spikes`` spikes from :meth:`select_waveform_spikes` (phy's
        WaveformView uses ``n_spikes_waveforms`` = 100); ``n_spikes=-1`` also means all.
        Channels are from :meth:`get_cluster_channels`. Values are raw by default;
        ``subtract_median`` and ``filtered`` apply phy's display steps (per-channel
        median, 150 Hz high-pass).
        """
        spikes = self._cluster_spikes_checked(cluster_id)  # one scan of spike_clusters
        spike_ids = spikes if n_spikes is None or n_spikes < 0 else \
            self._select_waveform_spikes(spikes, n_spikes)
        channels = (self._templates.get(self._main_template(spikes)).channel_ids
                    if channel_ids is None else channel_ids)
        return self.get_waveforms(spike_ids, channels, filtered=filtered, subtract_median=subtract_median)

    def get_template_spike_waveforms(self, template_id: int,
                                     n_spikes: int | None = None) -> npt.NDArray[np.float32]:
        """Waveforms of up to ``n_spikes`` evenly spaced spikes of a template (all if None)."""
        spikes = select_spikes_evenly(self.get_template_spikes(template_id), n_spikes)
        return self.get_waveforms(spikes, self.get_template_channels(template_id))

    def get_features(self, spike_ids: npt.ArrayLike,
                     channel_ids: npt.ArrayLike) -> npt.NDArray[np.float32] | None:
        """PC features ``(n_spikes, n_channels, n_pcs)`` float32 on the given channels.

        A spike's columns are looked up in ``pc_feature_ind`` through its original
        template; channels a spike has no feature on are 0; spikes absent from
        ``pc_feature_spike_ids`` are NaN. Raises :class:`ChannelIdError` if
        ``channel_ids`` are outside ``0..n_channels - 1``.

        Without ``pc_features.npy`` but with the ``_phy_spikes_subset`` waveform pool, as
        phylib: 3 features per channel computed from the pool's waveforms of the given
        spikes (:func:`~phycore.model.spikes_subset.waveform_features`); spikes not in the
        pool are NaN (phylib: 0). None without either.
        """
        sf = self.sparse_features
        if sf is None:
            return self._pool_features(spike_ids, channel_ids)
        ids = self._check_spike_ids(spike_ids)
        return get_pc_features(sf.data, sf.cols, sf.rows, self.spike_templates, ids,
                               self._check_channel_ids(channel_ids), self.n_channels)

    def prefetch_features(self, spike_ids: npt.ArrayLike) -> int:
        """Ask the OS to read ahead the ``pc_features.npy`` rows of ``spike_ids`` (the
        features of clusters likely to be selected next), so that a later
        :meth:`get_features` of them does not wait for the disk. A page-cache hint only:
        nothing is kept in the process, so no result can be stale after a merge or split.
        Returns the number of byte ranges announced (0 without a memory-mapped file)."""
        sf = self.sparse_features
        if sf is None:
            return 0
        idx, _ = _rows_for(self._check_spike_ids(spike_ids), sf.rows)
        return advise_rows(sf.data, idx)

    def _pool_features(self, spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike) -> npt.NDArray[np.float32] | None:
        sw = self.spike_waveforms
        if sw is None or sw.cols is None or sw.rows is None:
            return None
        from phycore.model.spikes_subset import waveform_features

        ids, channels = self._check_spike_ids(spike_ids), self._check_channel_ids(channel_ids)
        out = np.full((len(ids), len(channels), 3), np.nan, dtype=np.float32)
        # phylib computes the components from the distinct requested spikes of the pool.
        pool = np.intersect1d(ids, sw.rows)
        if len(pool):
            w = get_subset_waveforms(sw.data, sw.cols, sw.rows, pool, channels, self.n_channels)
            assert w is not None  # every spike of ``pool`` is in the pool
            f = waveform_features(w)
            present = np.isin(ids, pool)
            out[present] = f[np.searchsorted(pool, ids[present])]
        return out

    def get_template_features(self, spike_ids: npt.ArrayLike) -> npt.NDArray[np.float32] | None:
        """Template features ``(n_spikes, n_templates)`` float32 (NaN rows for spikes without)."""
        tf = self.sparse_template_features
        if tf is None:
            return None
        ids = self._check_spike_ids(spike_ids)
        return _template_features(tf.data, tf.cols, tf.rows, self.spike_templates, ids, self.n_templates)

    def project_template_features(self, spike_ids: npt.ArrayLike,
                                  weights: npt.ArrayLike) -> npt.NDArray[np.float64] | None:
        """``get_template_features(spike_ids) @ weights`` in float64, ``(n_spikes, k)`` for
        ``weights`` of shape ``(n_templates, k)``, without the dense array; None without
        template features."""
        tf = self.sparse_template_features
        if tf is None:
            return None
        ids = self._check_spike_ids(spike_ids)
        return _project_template_features(tf.data, tf.cols, tf.rows, self.spike_templates, ids,
                                          self.n_templates, np.asarray(weights))

    def get_depths(self) -> npt.NDArray[np.float64] | None:
        """Per-spike depth from PC features (phylib ``get_depths``), or None."""
        return _stats.depths(self.sparse_features, self.n_spikes, self.spike_templates,
                             self.channel_positions[:, 1])

    def get_amplitudes_true(self, sample2unit: float = 1.0,
                            use: str = "templates") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Spike amplitudes in raw-data units (phylib ``get_amplitudes_true``).

        Returns ``(spike_amplitudes, templates_in_units, template_amplitudes)``. Only
        ``use='templates'`` is supported; sparse templates are supported too (phylib
        raises NotImplementedError), each unwhitened on its own channels.
        """
        return _stats.amplitudes_true(self._templates, self.amplitudes, self.spike_templates,
                                      sample2unit, use)

    def get_traces(self, t0: float, t1: float, channel_ids: npt.ArrayLike | None = None, *,
                   filtered: bool | None = False) -> npt.NDArray[np.float32]:
        """Raw traces between ``t0`` and ``t1`` seconds, ``(n_samples, n_channels)`` float32.

        Raises :class:`ChannelIdError` if ``channel_ids`` are outside ``0..n_channels - 1``.
        """
        if self.traces is None:
            raise RawDataError(f"raw data is unavailable: {self.raw_data_error}.")
        if filtered is None:
            filtered = not self.hp_filtered
        return self.traces.get_window(t0, t1, channel_ids, filtered=filtered)

    # ------------------------------------------------------------------ saving (phylib's)

    def _data_dir(self, what: str) -> Path:
        if self.dir_path is None:
            raise SaveError(f"{what}: this model was built from arrays and has no folder to write to.")
        return self.dir_path

    def save_spike_clusters(self, spike_clusters: npt.ArrayLike) -> Path:
        """Write ``spike_clusters.npy`` (phylib ``save_spike_clusters``); returns its path.

        Parameters
        ----------
        spike_clusters : array of int, shape (n_spikes_loaded,) or (n_spikes,)
            Cluster of every spike; spikes appended after loading are not written (they
            are not in the sorter's files).

        Returns
        -------
        Path
            The existing ``spike_clusters.npy`` (or ALF ``spikes.clusters.npy``), else a
            new ``spike_clusters.npy``.

        Raises
        ------
        DataFormatError
            Wrong length, non-integer or negative ids: the file would not load back.
        SaveError
            An in-memory model (no folder).

        Notes
        -----
        The bytes are those phy writes: int32 (the dtype of phylib's in-memory
        ``spike_clusters``), whatever the integer dtype given. The file is replaced
        atomically and the old one kept in ``.phy/backup/`` (the curation save's backups);
        ``model.spike_clusters`` is not changed, as in phylib. A controller session saves
        through :meth:`TemplateController.save` instead, which also writes the tables.
        """
        d = self._data_dir("save_spike_clusters")
        sc = np.asarray(spike_clusters)
        if sc.ndim != 1 or len(sc) not in (self.n_spikes_loaded, self.n_spikes):
            raise DataFormatError(f"spike_clusters must have shape ({self.n_spikes_loaded},), got {sc.shape}.",
                                  argument="spike_clusters")
        if sc.dtype.kind not in "iu" or (sc.size and int(sc.min()) < 0):
            raise DataFormatError(f"spike_clusters must hold non-negative integer ids (dtype {sc.dtype}).",
                                  argument="spike_clusters")
        path = find_file(d, "spike_clusters.npy", ("spikes.clusters.npy",)) or d / "spike_clusters.npy"
        logger.debug("Save spike clusters to %s.", path)
        return write_atomic(path, spike_clusters_bytes(sc[:self.n_spikes_loaded]),
                            backup_dir=phy_dir(d) / "backup")

    def save_metadata(self, name: str, values: dict[int, Any]) -> Path:
        """Write ``cluster_<name>.tsv`` from ``{cluster_id: value}`` (phylib ``save_metadata``).

        None values are left out; the bytes are phy's (see
        :func:`~phycore.model.tables.write_cluster_tsv`). Atomic, the old file kept in
        ``.phy/backup/``; :attr:`metadata` is not changed, as in phylib. Raises
        :class:`SaveError` for an in-memory model and :class:`DataFormatError` for a
        value holding a line break. Returns the path.
        """
        d = self._data_dir("save_metadata")
        path = d / f"cluster_{name}.tsv"
        data = write_cluster_tsv(name, {c: v for c, v in values.items() if v is not None}).encode("utf-8")
        logger.debug("Save cluster metadata to %s.", path)
        return write_atomic(path, data, backup_dir=phy_dir(d) / "backup")

    def save_spikes_subset_waveforms(self, max_n_spikes_per_template: int = 500,
                                     max_n_channels: int | None = 16, sample2unit: float | None = 1.0, *,
                                     seed: int | None = 0, progress: Any = None) -> list[Path]:
        """Write phy's ``_phy_spikes_subset.*.npy`` waveform cache (phy's ``extract-waveforms``,
        phylib ``save_spikes_subset_waveforms``) and use it; returns the three paths.

        Same files, bytes and spikes as phylib (the random sample of templates with more
        than ``max_n_spikes_per_template`` spikes is phylib's after ``np.random.seed(seed)``);
        see :func:`phycore.model.spikes_subset.save_spikes_subset_waveforms` for the
        parameters. Differences: the defaults are phy's command line's (500 spikes, 16
        channels; phylib's method has none), the files are written atomically, and
        unavailable raw data raises :class:`RawDataError` (phylib logs a warning and
        writes nothing). Afterwards :attr:`spike_waveforms` reads the new files (unless
        spikes were appended live, whose pool stays in memory).
        """
        from phycore.model.spikes_subset import save_spikes_subset_waveforms as save

        paths = save(self, max_n_spikes_per_template, max_n_channels, sample2unit, seed=seed, progress=progress)
        w = np.load(paths[0], mmap_mode="r")
        ch, sp = np.load(paths[1]).astype(np.int64), np.load(paths[2]).astype(np.int64)
        if not self._spikes.set_subset(w, ch, sp):
            logger.info("Spikes were appended: the model keeps its in-memory waveform pool.")
        return paths

    # ------------------------------------------------------------------ phylib's loaders
    # Plugins call phylib's private ``_load_*`` methods. They return the data already
    # loaded, in phylib's shapes (nothing is re-read, nothing is written: phylib's
    # ``_load_spike_clusters`` creates spike_clusters.npy, this one does not).

    def _load_metadata(self) -> dict[str, dict[int, Any]]:
        return {k: dict(v) for k, v in self.metadata.items()}

    def _load_spike_attributes(self) -> Bunch:
        return Bunch(self.spike_attributes)

    def _load_channel_map(self) -> npt.NDArray[np.int64]:
        return self.channel_map

    def _load_channel_positions(self) -> npt.NDArray[np.float64]:
        return self.channel_positions

    def _load_channel_probes(self) -> npt.NDArray[np.int64]:
        return self.channel_probes

    def _load_channel_shanks(self) -> npt.NDArray[np.int64]:
        return self.channel_shanks

    def _load_traces(self, channel_map: Any = None) -> RawTraces | None:
        return self.traces

    def _load_amplitudes(self) -> np.ndarray | None:
        return self.amplitudes

    def _load_spike_templates(self) -> npt.NDArray[np.int64]:
        return self.spike_templates

    def _load_spike_clusters(self) -> npt.NDArray[np.int32]:
        return self.spike_clusters.astype(np.int32)  # phylib's dtype, a copy

    def _load_spike_reorder(self) -> npt.NDArray[np.float64] | None:
        return self.spike_times_reordered

    def _load_spike_samples(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        return self.spike_samples, self.spike_times

    def _load_spike_waveforms(self) -> Bunch | None:
        sw = self.spike_waveforms
        return None if sw is None else Bunch(waveforms=sw.data, spike_channels=sw.cols, spike_ids=sw.rows)

    def _load_similar_templates(self) -> np.ndarray:
        return self.similar_templates

    def _load_templates(self) -> Bunch:
        return Bunch(data=self._templates.data, cols=self.sparse_templates.cols)

    def _load_wm(self) -> npt.NDArray[np.float64]:
        return self.wm

    def _load_wmi(self) -> npt.NDArray[np.float64]:
        return self.wmi

    def _load_features(self) -> Bunch | None:
        sf = self.sparse_features
        return None if sf is None else Bunch(data=self.features, cols=sf.cols, rows=sf.rows)

    def _load_template_features(self) -> Bunch | None:
        tf = self.sparse_template_features
        return None if tf is None else Bunch(data=tf.data, cols=tf.cols, rows=tf.rows)

    # ------------------------------------------------------------------ live acquisition

    def append_spikes(self, times: npt.ArrayLike, templates: npt.ArrayLike,
                      amplitudes: npt.ArrayLike | None = None, *, features: npt.ArrayLike | None = None,
                      template_features: npt.ArrayLike | None = None,
                      waveforms: npt.ArrayLike | None = None,
                      waveform_channels: npt.ArrayLike | None = None,
                      clusters: npt.ArrayLike | None = None) -> Int64Array:
        """Append spikes recorded after the last one (live acquisition); returns their ids.

        Parameters
        ----------
        times : array of float, shape (n,)
            Seconds, sorted, none before the model's last spike.
        templates : array of int, shape (n,)
            Original template of each spike (an existing template id).
        amplitudes : array of float, shape (n,)
            Template amplitudes; required iff the model has amplitudes.
        features, template_features : array, optional
            One row per spike, shaped like the model's (``(n, n_pcs, n_channels_loc)`` and
            ``(n, n_template_features)``); required iff the model has them.
        waveforms : array, shape (n, n_samples_waveforms, k), optional
            Waveforms of the new spikes, served by ``get_waveforms`` without raw data.
        waveform_channels : array of int, shape (n, k), optional
            Channel of each waveform column (-1 = none); default the first ``k`` best
            channels of each spike's template.
        clusters : array of int, shape (n,), optional
            Cluster of each spike in :attr:`spike_clusters`; default the live template
            membership of ``spike_clusters`` (the cluster holding most spikes of the same
            template; a new id for a template without spikes).

        Returns
        -------
        ndarray of int64
            The ids of the new spikes (``n_spikes_before .. n_spikes - 1``).

        Raises
        ------
        DataFormatError
            A bad argument (named in the message); the model is then left unchanged.

        Notes
        -----
        Nothing is ever written to the data folder: the arrays grow in memory (on the
        first append, memory-mapped per-spike files are copied into memory once).
        ``n_spikes_loaded`` keeps the number of spikes read from the files or arrays.
        ``duration`` grows to the last spike time when it goes past it. Not thread-safe:
        call it from the thread that owns the model (the controller queues appends from
        other threads and applies them in ``poll()``).

        .. versionadded:: 0.2
        """
        b = check_batch(self, times, templates, amplitudes, features=features,
                        template_features=template_features, waveforms=waveforms,
                        waveform_channels=waveform_channels, clusters=clusters)
        return self._append_batch(b)

    def _append_batch(self, b: SpikeBatch) -> Int64Array:
        channels = b.waveform_channels
        if b.n and b.waveforms is not None and channels is None:
            # Looked up here, on the model's thread (the template cache is not locked).
            channels = self._best_channels(b.templates, b.waveforms.shape[2])
        if b.n:
            self.duration = max(float(self.duration), float(b.times[-1]))
        return self._spikes.append(b, channels)

    def _best_channels(self, tids: Int64Array, k: int) -> Int64Array:
        """The first ``k`` best channels of each spike's template (-1 padded)."""
        ch = np.full((len(tids), k), -1, dtype=np.int64)
        for t in np.unique(tids).tolist():
            best = self._templates.get(t).channel_ids[:k]
            ch[tids == t, :len(best)] = best
        return ch


def apply_batch(model: TemplateModel, batch: SpikeBatch) -> Int64Array:
    """Append a batch validated by :func:`~phycore.model.check_batch` (see
    :meth:`TemplateModel.append_spikes`); returns the new spike ids.

    .. versionadded:: 0.2
    """
    return model._append_batch(batch)


def load_model(params_path: str | Path) -> TemplateModel:
    """Open the dataset described by a ``params.py`` file (parsed, never executed).

    Parameters
    ----------
    params_path : str or Path
        Path to ``params.py``.

    Returns
    -------
    TemplateModel

    Raises
    ------
    ParamsError
        If ``params.py`` is malformed, has a bad value or lacks a key of
        :data:`~phycore.model.params.REQUIRED_KEYS` (``sample_rate``).
    DataFormatError
        If a data file has the wrong shape, dtype or content, including a cluster id in
        ``spike_clusters.npy`` that is negative or above ``max(2**24, 4 * n_spikes) - 1``
        (per-cluster tables are sized by the largest id; renumber such clusters).
    """
    p = get_template_params(params_path, required=REQUIRED_KEYS)
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
