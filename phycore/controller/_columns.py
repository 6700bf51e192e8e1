"""Per-cluster values of the cluster table (phy's TemplateGUI columns), from live state.

Private. Everything is keyed by cluster id; as ids are never reused, a value computed
once for a cluster stays valid for the whole session and only new clusters (an
UpdateInfo's ``added``) ever cost anything.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from phycore.clustering import Clustering
from phycore.model import TemplateModel

__all__ = ["ClusterColumns"]

#: ``template_counts`` from the Clustering's kept histograms (False: a bincount of the
#: cluster's spikes, the path before; the same values, for benchmarks).
_FROM_CLUSTERING = True


class ClusterColumns:
    """The ``ch``, ``sh``, ``depth``, ``fr``, ``amp`` columns and the best channels.

    Parameters
    ----------
    model : TemplateModel
        The dataset (templates, channels).
    clustering : Clustering
        Live assignment (its per-cluster spike index makes each lookup O(cluster size)).
    """

    def __init__(self, model: TemplateModel, clustering: Clustering,
                 initial_templates: npt.NDArray[np.int64] | None = None) -> None:
        self.model = model
        self.clustering = clustering
        self._template: dict[int, int] = {}
        self._by_template: dict[int, tuple[int, float]] = {}
        # (ch, sh, depth, amp) of each cluster: the four columns from one lookup (a split
        # over every cluster adds ~600 rows; each column going through template() and
        # the template's info again cost ~4x more). Dropped with the cluster's template.
        self._peak: dict[int, tuple[int, int, float, float]] = {}
        self._positions: dict[int, tuple[float, float]] = {}  # pos_x, pos_y of each cluster
        if initial_templates is not None:
            # Main template of every loaded cluster, from one vectorised pass (indexed by id).
            for c in clustering.cluster_ids:
                if c < len(initial_templates) and initial_templates[c] >= 0:
                    self._template[int(c)] = int(initial_templates[c])

    def template(self, cluster_id: int) -> int:
        """The original template owning most of the cluster's spikes."""
        cid = int(cluster_id)
        t = self._template.get(cid)
        if t is None:
            if self.clustering.has_templates:
                # Derived by the Clustering from each action: no pass over the cluster's spikes.
                templates, counts = self.clustering.template_counts(cid)
                t = int(templates[np.argmax(counts)]) if len(counts) else 0  # ties: smallest template
            else:
                spikes = self.clustering.spikes_in_clusters([cid])
                t = int(np.argmax(np.bincount(self.model.spike_templates[spikes], minlength=1)))
            self._template[cid] = t
        return t

    def template_counts(self, cluster_id: int, store: bool = True) -> npt.NDArray[np.int64]:
        """Number of the cluster's spikes from each original template (at least
        ``n_templates`` entries: ``np.bincount(spike_templates[spikes], minlength=...)``).
        ``store=False``: a cluster whose histogram the Clustering does not keep yet is
        counted without keeping it (a worker thread's read)."""
        if _FROM_CLUSTERING and self.clustering.has_templates:
            # Kept by the Clustering from each action: no pass over the cluster's spikes
            # (a bincount of 100,000s of spikes per call: the template-feature view's weights).
            templates, counts = self.clustering.template_counts(int(cluster_id), store=store)
            n = max(int(self.model.n_templates), int(templates[-1]) + 1 if len(templates) else 0)
            out = np.zeros(n, dtype=np.int64)
            out[templates] = counts
            return out
        spikes = self.clustering.spikes_in_clusters([int(cluster_id)])
        return np.bincount(self.model.spike_templates[spikes], minlength=self.model.n_templates)

    def best_channels(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Best channels of the cluster (those of its main template, by amplitude)."""
        return np.asarray(self.model.get_template(self.template(cluster_id)).channel_ids, dtype=np.int64)

    def _template_info(self, template_id: int) -> tuple[int, float]:
        """``(peak channel, peak-to-peak amplitude)`` of a template, cached: the table
        rows of the hundreds of clusters a split over every cluster creates mostly
        share their main templates."""
        info = self._by_template.get(template_id)
        if info is None:
            tpl = self.model.get_template(template_id)
            amp = float(tpl.amplitude.max()) if len(tpl.amplitude) else 0.0
            info = self._by_template[template_id] = (int(tpl.best_channel), amp)
        return info

    def best_channel(self, cluster_id: int) -> int:
        """Peak channel of the cluster (index into the model's channels)."""
        return self._template_info(self.template(cluster_id))[0]

    def _peak_values(self, cluster_id: int) -> tuple[int, int, float, float]:
        """``(ch, sh, depth, amp)`` of a cluster, cached by id."""
        cid = int(cluster_id)
        values = self._peak.get(cid)
        if values is None:
            best, amp = self._template_info(self.template(cid))
            model = self.model
            values = self._peak[cid] = (int(model.channel_map[best]), int(model.channel_shanks[best]),
                                        float(model.channel_positions[best, 1]), amp)
        return values

    def ch(self, cluster_id: int) -> int:
        """phy's ``ch`` column: raw-file channel index of the peak channel."""
        return self._peak_values(cluster_id)[0]

    def sh(self, cluster_id: int) -> int:
        """Shank of the peak channel."""
        return self._peak_values(cluster_id)[1]

    def depth(self, cluster_id: int) -> float:
        """y position of the peak channel."""
        return self._peak_values(cluster_id)[2]

    def fr(self, cluster_id: int) -> float:
        """Mean firing rate in Hz."""
        duration = float(self.model.duration) or 1.0
        return float(self.clustering.spike_counts[int(cluster_id)]) / duration

    def amp(self, cluster_id: int) -> float:
        """Peak-to-peak amplitude of the main unwhitened template."""
        return self._peak_values(cluster_id)[3]

    def _position(self, cluster_id: int) -> tuple[float, float]:
        """Median (x, y) of the cluster's spike positions, cached by id."""
        cid = int(cluster_id)
        xy = self._positions.get(cid)
        if xy is None:
            pos = self.model.spike_positions
            spikes = self.clustering.spikes_in_clusters([cid]) if pos is not None else np.zeros(0, np.int64)
            spikes = spikes[spikes < (0 if pos is None else len(pos))]  # live: appended spikes have none
            med = np.median(np.asarray(pos[spikes], dtype=np.float64), axis=0) if pos is not None and len(spikes) \
                else (np.nan, np.nan)
            xy = self._positions[cid] = (float(med[0]), float(med[1]))
        return xy

    def pos_x(self, cluster_id: int) -> float:
        """Median x (µm) of the cluster's spike positions (Kilosort 4's ``spike_positions.npy``)."""
        return self._position(cluster_id)[0]

    def pos_y(self, cluster_id: int) -> float:
        """Median y (µm, the depth along the probe) of the cluster's spike positions; phy's
        ``depth`` column is the y of the peak channel."""
        return self._position(cluster_id)[1]

    def as_metrics(self) -> dict[str, Callable[[int], Any]]:
        """``{column: f(cluster_id)}`` in phy's column order; with spike positions (Kilosort 4)
        also ``pos_x`` and ``pos_y`` after ``depth`` (a phygui addition)."""
        out: dict[str, Callable[[int], Any]] = {"ch": self.ch, "sh": self.sh, "depth": self.depth}
        if self.model.spike_positions is not None:
            out.update(pos_x=self.pos_x, pos_y=self.pos_y)
        return {**out, "fr": self.fr, "amp": self.amp}

    def forget(self, cluster_ids: Any) -> None:
        """Drop cached values of clusters that no longer exist."""
        for c in cluster_ids:
            self._template.pop(int(c), None)
            self._peak.pop(int(c), None)
            self._positions.pop(int(c), None)
