"""Probe view model: the channel sites, and the best channels of the selected clusters
(parity.md §1.7).

All sites are grey dots at ``channel_positions`` (rasterised: a probe may have
thousands); each selected cluster's best channels are overdrawn in its selection colour,
with small horizontal offsets when several clusters share a site. Each shank gets an
outline. Channel labels (``channel_map``) can be shown, decimated to at most 200.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from phygui.viewmodels._base import ClusterViewModel
from phygui.viewmodels.items import AXIS_COLOR, Label, Polyline, RasterLayer
from phygui.render.raster import Raster, draw_points

__all__ = ["ProbeModel", "ProbeOptions", "ProbeFrame"]

_SITE_COLOR = (0.5, 0.5, 0.5, 1.0)
_SHANK_COLOR = AXIS_COLOR[:3] + (0.35,)
_SITE_PX = 5
_BEST_PX = 7
_MAX_LABELS = 200


@attrs.define(frozen=True)
class ProbeOptions:
    """``do_show_labels`` (global state, default off like phy)."""

    do_show_labels: bool = False


@attrs.define(eq=False)
class ProbeFrame:
    """Sites and best channels as an image, shank outlines, labels, home bounds."""

    raster: RasterLayer
    lines: list[Polyline]
    labels: list[Label]
    home: tuple[float, float, float, float]
    markers: dict[int, npt.NDArray[np.float64]]  # cluster -> (n, 2) drawn positions


class ProbeModel(ClusterViewModel):
    """View model of the probe view (no mouse actions, like phy's)."""

    default_size = (300, 600)
    max_n_clusters = 20
    options_class = ProbeOptions
    menu = ("toggle_show_labels",)

    def __init__(self, controller: Any, options: ProbeOptions | None = None) -> None:
        super().__init__(controller, options)
        m = controller.model
        self.positions = np.asarray(m.channel_positions, dtype=np.float64).reshape(-1, 2)
        shanks = getattr(m, "channel_shanks", None)
        self.shanks = (np.zeros(len(self.positions), np.int64) if shanks is None
                       else np.asarray(shanks, dtype=np.int64).reshape(-1))
        p = self.positions
        lo, hi = p.min(axis=0) if len(p) else np.zeros(2), p.max(axis=0) if len(p) else np.ones(2)
        span = hi - lo
        pad = 0.08 * max(float(span.max()), 1.0)
        w = max(float(span[0]), 0.15 * float(span[1]), 1.0)  # a single column still gets some width
        cx = (lo[0] + hi[0]) / 2
        self.home = (cx - w / 2 - pad, float(lo[1]) - pad, cx + w / 2 + pad, float(hi[1]) + pad)

    def best_channels(self, cluster_id: int) -> npt.NDArray[np.int64]:
        """Best channels of a cluster (the SDK's)."""
        return np.asarray(self.controller.get_best_channels(int(cluster_id)), dtype=np.int64)

    def marker_positions(self, ext: tuple[float, float, float, float]) -> dict[int, npt.NDArray[np.float64]]:
        """Drawn position of each selected cluster's best channels, offset when sharing a site."""
        per_site: dict[int, list[int]] = {}
        best = {cid: self.best_channels(cid) for cid in self.cluster_ids}
        for cid in self.cluster_ids:
            for ch in best[cid].tolist():
                per_site.setdefault(ch, []).append(cid)
        step = _BEST_PX * (ext[2] - ext[0]) / max(self.size[0], 1)  # one marker width, in data units
        out = {}
        for cid in self.cluster_ids:
            pos = self.positions[best[cid]].copy()
            for j, ch in enumerate(best[cid].tolist()):
                sharing = per_site[ch]
                pos[j, 0] += (sharing.index(cid) - (len(sharing) - 1) / 2) * step
            out[cid] = pos
        return out

    def compute(self, extent: tuple[float, float, float, float] | None = None) -> ProbeFrame:
        """Rasterise the sites and the selection's best channels."""
        ext = self._extent(extent, self.home)
        palette = [_SITE_COLOR] + [self.cluster_color(i) for i in range(len(self.cluster_ids))]
        image = Raster(self.size[1], self.size[0], palette, ext)
        draw_points(image, self.positions[:, 0], self.positions[:, 1], 0, size=_SITE_PX)
        markers = self.marker_positions(ext)
        for i, cid in enumerate(self.cluster_ids):
            pos = markers[cid]
            draw_points(image, pos[:, 0], pos[:, 1], 1 + i, size=_BEST_PX)
        lines = []
        pad = 0.5 * _SITE_PX * (ext[2] - ext[0]) / max(self.size[0], 1) * 2
        for s in np.unique(self.shanks):
            p = self.positions[self.shanks == s]
            x0, y0 = p.min(axis=0) - pad
            x1, y1 = p.max(axis=0) + pad
            lines.append(Polyline(np.array([x0, x1, x1, x0, x0]), np.array([y0, y0, y1, y1, y0]), _SHANK_COLOR,
                                  kind="shank", box=int(s)))
        labels = []
        if self.options.do_show_labels:
            cmap = np.asarray(self.controller.model.channel_map)
            step = max(1, len(self.positions) // _MAX_LABELS)
            labels = [Label(float(self.positions[k, 0]), float(self.positions[k, 1]), str(int(cmap[k])), anchor="left")
                      for k in range(0, len(self.positions), step)]
        self.is_dirty = False
        return ProbeFrame(RasterLayer(image.rgba(), ext), lines, labels, self.home, markers)

    def hover(self, x: float, y: float) -> str:
        """Tooltip: the channel under the mouse."""
        if not len(self.positions):
            return ""
        k = int(np.argmin(((self.positions - (x, y)) ** 2).sum(axis=1)))
        return f"channel {int(np.asarray(self.controller.model.channel_map)[k])}"

    def toggle_show_labels(self, checked: bool | None = None) -> None:
        """Channel labels."""
        self._set(False, do_show_labels=not self.options.do_show_labels if checked is None else bool(checked))
