"""Per-spike data access of :class:`TemplateModel` (waveforms, features, traces).

These functions are bound as methods in the ``TemplateModel`` class body (listed
there one by one), which keeps ``template_model.py`` short without mixins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from phycore.errors import RawDataError
from phycore.model import _cluster_stats as _stats
from phycore.model._features import get_pc_features, get_subset_waveforms, get_template_features as _tf
from phycore.model.waveforms import extract_waveforms, kept_chunks, select_spikes_evenly, spikes_in_chunks

if TYPE_CHECKING:
    from phycore.model.template_model import TemplateModel

__all__: list[str] = []


def get_waveforms(self: TemplateModel, spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike | None = None,
                  *, filtered: bool | None = False,
                  subtract_median: bool = False) -> npt.NDArray[np.float32]:
    """Raw waveforms ``(n_spikes, n_samples_waveforms, n_channels)`` float32.

    From ``_phy_spikes_subset.*`` when every spike is in that pool and no filter is
    asked, else from the raw data (numba kernel reading only the needed samples).
    ``filtered=None`` filters unless ``hp_filtered``. Raises :class:`RawDataError`
    when raw data is needed and unavailable (phylib returns None).
    """
    spike_ids = self._check_spike_ids(spike_ids)
    channel_ids = (np.arange(self.n_channels) if channel_ids is None
                   else np.asarray(channel_ids, dtype=np.int64).reshape(-1))
    if filtered is None:
        filtered = not self.hp_filtered
    sw = self.spike_waveforms
    if sw is not None and not filtered:
        out = get_subset_waveforms(sw.data, sw.cols, sw.rows, spike_ids, channel_ids, self.n_channels)
        if out is not None:
            if subtract_median:
                out -= np.median(out, axis=1)[:, np.newaxis, :]
            return out
    if self.traces is None:
        raise RawDataError(f"raw data is unavailable: {self.raw_data_error}.",
                           path=str(self.dat_path[0]) if self.dat_path else None)
    return extract_waveforms(self.traces, self.spike_samples[spike_ids], channel_ids,
                             self.n_samples_waveforms, filtered=filtered,
                             subtract_median=subtract_median)


def select_waveform_spikes(self: TemplateModel, cluster_id: int, n_spikes: int | None = None) -> npt.NDArray[np.int64]:
    """Spikes used by :meth:`get_cluster_spike_waveforms`: up to ``n_spikes``
    (default ``n_spikes_waveforms``) evenly spaced spikes of the cluster, taken from
    ``n_chunks_kept`` evenly spaced raw-data chunks (or the ``_phy_spikes_subset`` pool)."""
    return self._select_waveform_spikes(self._cluster_spikes_checked(cluster_id), n_spikes)


def _select_waveform_spikes(self: TemplateModel, spikes: npt.NDArray[np.int64],
                            n_spikes: int | None) -> npt.NDArray[np.int64]:
    n = self.n_spikes_waveforms if n_spikes is None else n_spikes
    if self.spike_waveforms is not None:
        pool = spikes[np.isin(spikes, self.spike_waveforms.rows)]
    else:
        bounds = (self.traces.chunk_bounds if self.traces is not None
                  else np.array([0, int(self.spike_samples[-1]) + 1]))
        pool = spikes[spikes_in_chunks(self.spike_samples[spikes], kept_chunks(bounds, self.n_chunks_kept))]
    return select_spikes_evenly(pool if len(pool) else spikes, n)


def get_cluster_spike_waveforms(self: TemplateModel, cluster_id: int, n_spikes: int | None = None, *,
                                channel_ids: npt.ArrayLike | None = None,
                                filtered: bool | None = False,
                                subtract_median: bool = False) -> npt.NDArray[np.float32]:
    """Waveforms of a sample of the cluster's spikes on its best channels.

    Returns ``(n, n_samples_waveforms, n_channels_loc)`` float32 with
    ``n <= n_spikes`` (default ``n_spikes_waveforms`` = 100; None in phylib means all
    spikes, use ``n_spikes=-1`` here for all). Spikes are from
    :meth:`select_waveform_spikes`; channels from :meth:`get_cluster_channels`.
    Values are raw by default; ``subtract_median`` and ``filtered`` apply phy's
    display steps (per-channel median, 150 Hz high-pass).
    """
    spikes = self._cluster_spikes_checked(cluster_id)  # one scan of spike_clusters
    spike_ids = spikes if n_spikes is not None and n_spikes < 0 else \
        self._select_waveform_spikes(spikes, n_spikes)
    channels = (self._templates.get(self._main_template(spikes)).channel_ids
                if channel_ids is None else channel_ids)
    return self.get_waveforms(spike_ids, channels, filtered=filtered, subtract_median=subtract_median)


def get_template_spike_waveforms(self: TemplateModel, template_id: int, n_spikes: int | None = None) -> npt.NDArray[np.float32]:
    """Waveforms of up to ``n_spikes`` evenly spaced spikes of a template (all if None)."""
    spikes = select_spikes_evenly(self.get_template_spikes(template_id), n_spikes)
    return self.get_waveforms(spikes, self.get_template_channels(template_id))


def get_features(self: TemplateModel, spike_ids: npt.ArrayLike, channel_ids: npt.ArrayLike) -> npt.NDArray[np.float32] | None:
    """PC features ``(n_spikes, n_channels, n_pcs)`` float32 on the given channels.

    A spike's columns are looked up in ``pc_feature_ind`` through its original
    template; channels a spike has no feature on are 0; spikes absent from
    ``pc_feature_spike_ids`` are NaN. None without ``pc_features.npy``.
    """
    sf = self.sparse_features
    if sf is None:
        return None
    spike_ids = self._check_spike_ids(spike_ids)
    return get_pc_features(sf.data, sf.cols, sf.rows, self.spike_templates, spike_ids,
                           np.asarray(channel_ids, dtype=np.int64).reshape(-1), self.n_channels)


def get_template_features(self: TemplateModel, spike_ids: npt.ArrayLike) -> npt.NDArray[np.float32] | None:
    """Template features ``(n_spikes, n_templates)`` float32 (NaN rows for spikes without)."""
    tf = self.sparse_template_features
    if tf is None:
        return None
    spike_ids = self._check_spike_ids(spike_ids)
    return _tf(tf.data, tf.cols, tf.rows, self.spike_templates, spike_ids,
                                 self.n_templates)


def get_depths(self: TemplateModel) -> npt.NDArray[np.float64] | None:
    """Per-spike depth from PC features (phylib ``get_depths``), or None."""
    return _stats.depths(self)


def get_amplitudes_true(self: TemplateModel, sample2unit: float = 1.0, use: str = "templates") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spike amplitudes in raw-data units (phylib ``get_amplitudes_true``).

    Returns ``(spike_amplitudes, templates_in_units, template_amplitudes)``. Only
    ``use='templates'`` is supported; sparse templates are supported too (phylib
    raises NotImplementedError), each unwhitened on its own channels.
    """
    return _stats.amplitudes_true(self, sample2unit, use)


def get_traces(self: TemplateModel, t0: float, t1: float, channel_ids: npt.ArrayLike | None = None, *,
               filtered: bool | None = False) -> npt.NDArray[np.float32]:
    """Raw traces between ``t0`` and ``t1`` seconds, ``(n_samples, n_channels)`` float32."""
    if self.traces is None:
        raise RawDataError(f"raw data is unavailable: {self.raw_data_error}.")
    if filtered is None:
        filtered = not self.hp_filtered
    return self.traces.get_window(t0, t1, channel_ids, filtered=filtered)
