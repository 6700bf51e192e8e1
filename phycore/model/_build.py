"""Turning an :class:`_Arrays` bundle into TemplateModel attributes (private)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from phycore.errors import DataFormatError
from phycore.model._features import SparseData
from phycore.model._loader import _Arrays
from phycore.model._templates import _TemplateStore
from phycore.model._validate import validate
from phycore.model.raw import RawTraces, open_raw

if TYPE_CHECKING:
    from phycore.model.template_model import TemplateModel

__all__: list[str] = []

logger = logging.getLogger("phycore.model")


def arrays_from_kwargs(*, spike_samples: Any, spike_templates: Any, templates: Any,
                       channel_positions: Any, metadata: Any = None, **kw: Any) -> _Arrays:
    """Bundle ``TemplateModel.from_arrays`` arguments; names stand in for file names."""
    channel_map = kw.pop("channel_map", None)
    spike_clusters = kw.pop("spike_clusters", None)
    pos = np.asarray(channel_positions, dtype=np.float64)
    nc = pos.shape[0]

    def opt(x: Any, dtype: Any = None) -> Any:
        return None if x is None else np.asarray(x, dtype=dtype)

    a = _Arrays(
        spike_samples=np.asarray(spike_samples, dtype=np.int64).reshape(-1),
        spike_templates=np.asarray(spike_templates, dtype=np.int64).reshape(-1),
        templates=np.asarray(templates), channel_positions=pos,
        channel_map=np.arange(nc, dtype=np.int64) if channel_map is None else np.asarray(channel_map, np.int64),
        spike_clusters=None if spike_clusters is None else np.array(spike_clusters, dtype=np.int64),
        amplitudes=opt(kw.get("amplitudes")),
        template_ind=opt(kw.get("template_ind"), np.int64), channel_shanks=opt(kw.get("channel_shanks"), np.int64),
        whitening_mat=opt(kw.get("whitening_mat")), whitening_mat_inv=opt(kw.get("whitening_mat_inv")),
        similar_templates=opt(kw.get("similar_templates")), pc_features=opt(kw.get("pc_features")),
        pc_feature_ind=opt(kw.get("pc_feature_ind"), np.int64), template_features=opt(kw.get("template_features")),
        template_feature_ind=opt(kw.get("template_feature_ind"), np.int64), metadata=dict(metadata or {}),
    )
    if a.templates is not None and a.templates.ndim != 3:
        raise DataFormatError(f"templates must be 3-D, got shape {a.templates.shape}.",
                              argument="templates")
    for key in ("spike_samples", "spike_templates", "templates", "channel_positions"):
        a.names[key] = key
    for key in kw:
        a.names[key] = key
    return a


def setup_model(model: TemplateModel, a: _Arrays, raw: RawTraces | None) -> None:
    """Validate ``a`` and set every data attribute of ``model``."""
    validate(a, model.n_channels_dat)
    model.files = list(a.files)
    if a.spike_seconds is not None and not len(a.spike_samples):
        a.spike_samples = np.round(a.spike_seconds * model.sample_rate).astype(np.int64)
    model.spike_samples = a.spike_samples
    # spike_times (seconds) is computed on first access (TemplateModel.spike_times).
    model._spike_seconds = (None if a.spike_seconds is None
                            else np.asarray(a.spike_seconds, dtype=np.float64))
    model.n_spikes = int(a.spike_templates.shape[0])
    model.n_spikes_loaded = model.n_spikes
    model.spike_templates = a.spike_templates
    # The loader already returns an in-memory int64 copy; from_arrays copies too.
    model.spike_clusters = (
        np.asarray(a.spike_clusters, dtype=np.int64) if a.spike_clusters is not None
        else model.spike_templates.copy())
    model.has_spike_clusters_file = a.spike_clusters is not None
    model.amplitudes = a.amplitudes
    model.spike_times_reordered = (
        None if a.spike_times_reordered is None else a.spike_times_reordered / model.sample_rate)
    model.channel_map = a.channel_map
    model.channel_mapping = model.channel_map  # phylib's name
    model.n_channels = int(a.channel_map.shape[0])
    model.channel_positions = a.channel_positions
    model.channel_shanks = a.channel_shanks
    model.channel_probes = a.channel_probes
    model.probes = np.unique(model.channel_probes)
    model.n_probes = len(model.probes)
    nc = model.n_channels
    model.wm = np.asarray(a.whitening_mat if a.whitening_mat is not None else np.eye(nc), dtype=np.float64)
    if a.whitening_mat_inv is not None:
        model.wmi = np.asarray(a.whitening_mat_inv, dtype=np.float64)
    else:
        try:
            model.wmi = np.linalg.inv(model.wm)  # in memory only, never written
        except np.linalg.LinAlgError:
            raise DataFormatError(f"{a.name('whitening_mat')} is not invertible.",
                                  path=a.name("whitening_mat")) from None
    tmpl = a.templates
    assert tmpl is not None  # required by load_folder and from_arrays
    model.sparse_templates = SparseData(tmpl, a.template_ind)
    model.n_templates, model.n_samples_waveforms, model.n_channels_loc = (int(x) for x in tmpl.shape)
    model._templates = _TemplateStore(
        tmpl, a.template_ind, model.wmi, model.channel_positions, model.channel_shanks,
        n_closest_channels=model.n_closest_channels, amplitude_threshold=model.amplitude_threshold,
        template_scaling=model.template_scaling)
    nt = model.n_templates
    model.similar_templates = (np.asarray(a.similar_templates) if a.similar_templates is not None
                              else np.zeros((nt, nt)))
    model.sparse_features = (None if a.pc_features is None else
                            SparseData(a.pc_features, a.pc_feature_ind, a.pc_feature_spike_ids))
    model.features = None if a.pc_features is None else a.pc_features.transpose(0, 2, 1)
    model.n_features_per_channel = None if a.pc_features is None else int(a.pc_features.shape[1])
    model.sparse_template_features = (
        None if a.template_features is None else
        SparseData(a.template_features, a.template_feature_ind, a.template_feature_spike_ids))
    model.template_features = a.template_features
    model.spike_waveforms = (None if a.subset_waveforms is None else
                            SparseData(a.subset_waveforms, a.subset_channels, a.subset_spikes))
    model.spike_attributes = a.spike_attributes
    model.metadata = a.metadata
    last = int(model.spike_samples[-1]) if model.n_spikes else None
    if raw is not None:
        model.traces, model.raw_data_error = raw, None
    else:
        model.traces, model.raw_data_error = open_raw(
            model.dat_path, model.n_channels_dat, model.dtype, model.offset,
            model.sample_rate if model._sample_rate_given else None,
            model.channel_map, last)
    if model.raw_data_error and model.dat_path:
        logger.warning("Raw data unavailable: %s.", model.raw_data_error)
    model.duration = (model.traces.duration if model.traces is not None
                     else float(model.spike_samples[-1] / model.sample_rate
                                if a.spike_seconds is None else a.spike_seconds[-1])
                     if model.n_spikes else 0.0)


def from_arrays(
    cls: type[TemplateModel],
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
    a = arrays_from_kwargs(
        spike_samples=spike_samples, spike_templates=spike_templates, templates=templates,
        channel_positions=channel_positions, channel_map=channel_map,
        spike_clusters=spike_clusters, amplitudes=amplitudes, template_ind=template_ind,
        channel_shanks=channel_shanks, whitening_mat=whitening_mat,
        whitening_mat_inv=whitening_mat_inv, similar_templates=similar_templates,
        pc_features=pc_features, pc_feature_ind=pc_feature_ind,
        template_features=template_features, template_feature_ind=template_feature_ind,
        metadata=metadata)
    model = cls.__new__(cls)
    model.dir_path = None
    model.dat_path = []
    n_dat = raw_data.shape[1] if raw_data is not None and raw_data.ndim == 2 else None
    model._configure(n_dat, raw_data.dtype if raw_data is not None else "int16", 0, sample_rate,
                    hp_filtered, n_closest_channels, amplitude_threshold, 1.0, True, 100, 20, None)
    raw = None if raw_data is None else RawTraces.from_array(raw_data, sample_rate, a.channel_map)
    model._setup(a, raw=raw)
    if raw is None:
        model.raw_data_error = "no raw data was given (raw_data)"
    return model
