"""Probe view model: sites in grey, best channels in the selection colours, offsets, shanks."""

from __future__ import annotations

from typing import Any

import numpy as np

from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.probe import ProbeModel

from .conftest import two_largest


def _count(img: np.ndarray, color: tuple[float, ...]) -> int:
    rgb = (img[..., :3] * 255).round().astype(int)
    return int((np.abs(rgb - np.array(color[:3]) * 255).max(axis=-1) <= 2).sum())


def test_sites_and_selection_colours(controller: Any) -> None:
    m = ProbeModel(controller)
    m.set_size(200, 400)
    f = m.compute()
    assert _count(f.raster.image, (0.5, 0.5, 0.5)) > len(m.positions) * 5
    ids = two_largest(controller)
    m.set_selection(ids)
    g = m.compute()
    for i, cid in enumerate(ids):
        assert _count(g.raster.image, selected_cluster_color(i)) > 10
        assert len(g.markers[cid]) == len(m.best_channels(cid))
    assert len(g.lines) == len(np.unique(m.shanks))
    assert g.labels == []
    m.toggle_show_labels()
    assert len(m.compute().labels) == len(m.positions)


def test_shared_sites_are_offset(controller: Any) -> None:
    m = ProbeModel(controller)
    ids = two_largest(controller)
    m.set_selection([ids[0], ids[0]][:1] + [ids[1]])
    ext = m.home
    mk = m.marker_positions(ext)
    a, b = m.best_channels(ids[0]), m.best_channels(ids[1])
    shared = sorted(set(a.tolist()) & set(b.tolist()))
    for ch in shared:
        pa = mk[ids[0]][a.tolist().index(ch)]
        pb = mk[ids[1]][b.tolist().index(ch)]
        assert pa[1] == pb[1] and pa[0] < m.positions[ch, 0] < pb[0]
    only = sorted(set(a.tolist()) - set(b.tolist()))
    for ch in only:
        assert np.allclose(mk[ids[0]][a.tolist().index(ch)], m.positions[ch])
