"""Statistics for views and the cluster table: numba kernels behind typed wrappers.

Every heavy loop is a private ``@njit(cache=True)`` kernel with a plain-numpy
reference in the tests (``tests/analysis/reference.py``). Per-cluster functions take
the spike arrays plus either the full assignment (``spike_clusters=``, one pass over
all spikes) or a per-cluster lookup (``spikes_per_cluster=``, a mapping or callable
``cluster_id -> spike ids``, touching only the requested clusters). This package
never imports ``phycore.clustering``: ``UpdateInfo`` objects are duck-typed
(``.added``, ``.deleted``, ``.spike_ids``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from phycore.analysis.amplitudes import (
    amplitude_histograms,
    binned_mean_over_time,
    spike_depths,
    template_depths,
)
from phycore.analysis.ccg import (
    autocorrelograms,
    correlogram_baseline,
    correlogram_bins,
    correlogram_lags,
    correlograms,
    firing_rate,
    refractory_lines,
)
from phycore.analysis.isi import isi_bin_edges, isi_histograms
from phycore.analysis.isolation import PCFeatures
from phycore.analysis.metrics import (
    SpikeTrainMetrics,
    amplitude_cutoffs,
    hill_contamination,
    noise_levels,
    snr,
    spike_train_metrics,
)
from phycore.analysis.rates import firing_rate_over_time, mean_firing_rates, time_bin_edges
from phycore.analysis.psth import PSTH, align_spikes, psth, psth_bin_edges
from phycore.analysis.similarity import masked_cosine_similarity, template_similarity, top_similar
from phycore.analysis.stability import DriftMetrics, drift_metrics, firing_ranges
from phycore.analysis.template_snr import TemplatePeaks
from phycore.analysis.metric_table import ClusterMetrics, MetricParams
from phycore.analysis.waveform_summary import ClusterWaveform, WaveformSummary

__all__ = [
    "ClusterMetrics",
    "ClusterWaveform",
    "DriftMetrics",
    "MetricParams",
    "PCFeatures",
    "PSTH",
    "SpikeTrainMetrics",
    "TemplatePeaks",
    "WaveformSummary",
    "align_spikes",
    "amplitude_cutoffs",
    "amplitude_histograms",
    "autocorrelograms",
    "binned_mean_over_time",
    "correlogram_baseline",
    "correlogram_bins",
    "correlogram_lags",
    "correlograms",
    "drift_metrics",
    "firing_rate",
    "firing_ranges",
    "firing_rate_over_time",
    "hill_contamination",
    "isi_bin_edges",
    "isi_histograms",
    "masked_cosine_similarity",
    "mean_firing_rates",
    "noise_levels",
    "psth",
    "psth_bin_edges",
    "refractory_lines",
    "snr",
    "spike_depths",
    "spike_train_metrics",
    "template_depths",
    "template_similarity",
    "time_bin_edges",
    "top_similar",
]
