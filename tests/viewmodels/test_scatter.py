"""Cluster scatter view model: default bindings, rebinding, log size, colours, nearest cluster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.errors import ActionError
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.scatter import ClusterScatterModel, draw_discs

from .conftest import two_largest


def test_default_bindings_positions(controller: Any) -> None:
    m = ClusterScatterModel(controller)
    t = controller.supervisor.cluster_table
    ids, xy, radius = m.positions()
    assert ids == t.visible_ids
    assert np.allclose(xy[:, 0], [float(t.get(c, "amp")) for c in ids])
    assert np.allclose(xy[:, 1], [float(t.get(c, "depth")) for c in ids])
    fr = np.array([float(t.get(c, "fr")) for c in ids])
    # log size: monotonic in fr, within 5..30 px diameters
    assert np.all(np.diff(radius[np.argsort(fr)]) >= -1e-9)
    assert radius.min() >= 2.5 - 1e-9 and radius.max() <= 15 + 1e-9


def test_rebind_and_errors(controller: Any) -> None:
    m = ClusterScatterModel(controller)
    m.set_x_axis("n_spikes")
    m.set_size_axis("amp")
    ids, xy, _ = m.positions()
    t = controller.supervisor.cluster_table
    assert np.allclose(xy[:, 0], [float(t.get(c, "n_spikes")) for c in ids])
    with pytest.raises(ActionError):
        m.set_y_axis("group")
    with pytest.raises(ActionError):
        m.set_y_axis("nope")
    m.toggle_y_log_scale()
    ids, xy2, _ = m.positions()
    d = np.array([float(t.get(c, "depth")) for c in ids])
    assert np.allclose(xy2[:, 1], np.log1p(d - d.min()))
    assert m.snippets["set_x_axis"] == "csx"


def test_colours_and_nearest(controller: Any) -> None:
    m = ClusterScatterModel(controller)
    m.set_size(300, 300)
    ids = two_largest(controller)
    m.set_selection(ids)
    f = m.compute()
    rgb = (f.raster.image[..., :3] * 255).round().astype(int)
    for i in range(2):
        col = np.array(selected_cluster_color(i)[:3]) * 255
        assert (np.abs(rgb - col).max(axis=-1) <= 2).sum() > 10
    for c in f.cluster_ids:
        x, y = m.cluster_position(c)
        hit = m.cluster_at(x, y)
        assert np.allclose(m.cluster_position(hit), (x, y))


def test_draw_discs() -> None:
    img = np.zeros((20, 20, 4), np.float32)
    draw_discs(img, [0.5], [0.5], 5.0, [[1, 0, 0, 1]], (0, 0, 1, 1))
    assert img[10, 10, 0] == 1 and img[0, 0, 3] == 0 and (img[..., 3] > 0).sum() > 60
