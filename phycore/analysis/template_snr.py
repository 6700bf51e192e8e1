"""Signal-to-noise ratio of clusters from their templates, for the metric table.

A cluster's waveform is the spike-count-weighted mean of the templates of its spikes
(the templates must be in the units of the noise, i.e. of the raw data); its SNR is
:func:`phycore.analysis.snr` of that mean, SpikeInterface's ``snr`` with
``method="extremum"`` by default: the largest absolute value of the mean template,
on the channel where it is largest, divided by that channel's noise level.

Only each template's strongest ``n_channels`` channels are kept (a few MB for
thousands of templates, instead of a dense ``n_templates x n_samples x
n_channels`` array): the channel of a cluster's extremum is one of its templates'
strongest channels, and the contributions of its other templates there are kept
when the channel is among theirs too (otherwise they are small, far from their
peak, and counted as zero).

.. versionadded:: 0.4
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from phycore.analysis._validate import as_1d, positive_int
from phycore.analysis.metrics import snr
from phycore.errors import DataFormatError

__all__ = ["TemplatePeaks"]


class TemplatePeaks:
    """Templates reduced to their strongest channels, to compute clusters' SNR.

    Read-only after construction, so worker threads may call :meth:`snr` concurrently.

    Parameters
    ----------
    templates : array-like or sequence of arrays
        ``(n_templates, n_samples, n_channels_t)`` in raw-data units, or a sequence of
        ``n_templates`` arrays ``(n_samples, k_t)`` (one per template, e.g. a model's
        unwhitened templates on their best channels).
    spike_templates : array-like of int, shape (n_spikes,)
        Original template of each spike.
    noise : array-like of float, shape (n_channels,)
        Noise level per channel, in the units of the templates
        (:func:`phycore.analysis.noise_levels`).
    channel_ids : array-like of int or sequence of arrays, optional
        The channel of each template column (``-1`` marks an unused column); default:
        column ``j`` is channel ``j``.
    n_channels : int
        Channels kept per template (default 8), by decreasing amplitude.
    method : {"extremum", "peak_to_peak"}
        Amplitude of the mean template (:func:`phycore.analysis.snr`).
    """

    def __init__(
        self,
        templates: npt.ArrayLike | Sequence[npt.ArrayLike],
        spike_templates: npt.ArrayLike,
        noise: npt.ArrayLike,
        *,
        channel_ids: npt.ArrayLike | Sequence[npt.ArrayLike] | None = None,
        n_channels: int = 8,
        method: str = "extremum",
    ) -> None:
        k = positive_int(n_channels, "n_channels")
        self.noise = as_1d(noise, "noise", np.float64)
        self.spike_templates = as_1d(spike_templates, "spike_templates").astype(np.int64, copy=False)
        self.method = method
        snr(np.zeros((1, 1, 1)), [1.0], method=method)  # validates the method
        n_templates = len(templates)  # type: ignore[arg-type]
        waves: list[np.ndarray] = []
        chans: list[np.ndarray] = []
        for t in range(n_templates):
            w = np.asarray(templates[t], dtype=np.float32)  # type: ignore[index]
            if w.ndim != 2:
                raise DataFormatError(f"template {t} must be (n_samples, n_channels), got {w.shape}.",
                                      argument="templates")
            ch = np.arange(w.shape[1]) if channel_ids is None else np.asarray(channel_ids[t], np.int64)  # type: ignore[index]
            if ch.shape != (w.shape[1],):
                raise DataFormatError(f"template {t} has {w.shape[1]} columns but {ch.size} channel ids.",
                                      argument="channel_ids")
            used = ch >= 0
            w, ch = w[:, used], ch[used]
            if ch.size and ch.max() >= self.noise.size:
                raise DataFormatError("`channel_ids` refers to channels without a noise level.",
                                      argument="channel_ids")
            amp = np.abs(w).max(axis=0) if w.shape[0] else np.zeros(ch.size)
            keep = np.argsort(-amp, kind="stable")[:k]
            waves.append(w[:, keep])
            chans.append(ch[keep])
        self.n_samples = max((w.shape[0] for w in waves), default=0)
        self.waves = np.zeros((n_templates, self.n_samples, k), np.float32)
        self.channels = np.full((n_templates, k), -1, np.int64)
        for t, (w, ch) in enumerate(zip(waves, chans)):
            self.waves[t, : w.shape[0], : w.shape[1]] = w
            self.channels[t, : ch.size] = ch
        if self.spike_templates.size and (self.spike_templates.min() < 0
                                          or self.spike_templates.max() >= n_templates):
            raise DataFormatError("`spike_templates` refers to missing templates.", argument="spike_templates")

    def with_spike_templates(self, spike_templates: npt.ArrayLike) -> TemplatePeaks:
        """A copy for a longer ``spike_templates`` (spikes appended in a live session)."""
        st = as_1d(spike_templates, "spike_templates").astype(np.int64, copy=False)
        if st.size and (st.min() < 0 or st.max() >= self.waves.shape[0]):
            raise DataFormatError("`spike_templates` refers to missing templates.", argument="spike_templates")
        other = object.__new__(TemplatePeaks)
        other.__dict__.update(self.__dict__)
        other.spike_templates = st
        return other

    def snr(self, spike_ids: npt.ArrayLike) -> float:
        """SNR of the cluster made of these spikes (NaN for no spike)."""
        ids = np.asarray(spike_ids, dtype=np.int64)
        if ids.size == 0:
            return float("nan")
        counts = np.bincount(self.spike_templates[ids])
        tids = np.flatnonzero(counts)
        chans = np.unique(self.channels[tids])
        chans = chans[chans >= 0]
        if chans.size == 0:
            return float("nan")
        mean = np.zeros((self.n_samples, chans.size))
        for t in tids.tolist():
            cols = self.channels[t]
            ok = cols >= 0
            mean[:, np.searchsorted(chans, cols[ok])] += counts[t] * self.waves[t][:, ok]
        mean /= ids.size
        return float(snr(mean[None], self.noise[chans], method=self.method)[0])
