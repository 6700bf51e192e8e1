"""Template view model: templates at probe positions, colours, ctrl+click -> cluster_click."""

from __future__ import annotations

from typing import Any

import numpy as np

from phycore.signals import connect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.template import TemplateViewModel

from .conftest import two_largest


def test_all_clusters_rasterised_and_selection_on_top(controller: Any) -> None:
    m = TemplateViewModel(controller)
    m.set_size(200, 300)
    f = m.compute()
    assert f.cluster_ids == [int(c) for c in controller.supervisor.clustering.cluster_ids]
    assert (f.raster.image[..., 3] > 0).any() and f.lines == []
    raster = f.raster
    ids = two_largest(controller)
    m.set_selection(ids)
    assert m.is_dirty
    g = m.compute()
    assert g.raster is raster  # selection change: no re-rasterisation
    assert [ln.cluster_id for ln in g.lines] == ids
    assert g.lines[1].color == selected_cluster_color(1)
    m.on_table_filter(None, ids[:1])
    assert m.compute().cluster_ids == ids[:1]


def test_ctrl_click_picks_the_template_under_the_mouse(controller: Any) -> None:
    m = TemplateViewModel(controller)
    got = []
    connect(lambda sender, cid, button=None: got.append((cid, button)), event="cluster_click")
    for cid in two_largest(controller):
        m.compute()
        t = m._templates[cid]
        j = int(np.argmax(np.abs(t.data).max(axis=0)))  # the template's peak channel
        x, cx, cy, hw, ys = m._geometry(t)
        k = int(np.argmax(np.abs(t.data[:, j])))
        assert m.click(cx[j] + hw * x[k], cy[j] + ys * t.data[k, j]) == cid
    assert [g[0] for g in got] == two_largest(controller)


def test_cluster_update_reloads(fresh_controller: Any) -> None:
    m = TemplateViewModel(fresh_controller)
    m.compute()
    a, b = two_largest(fresh_controller)
    up = fresh_controller.supervisor.merge(a, b)
    m.on_cluster(None, up)
    assert m.is_dirty
    f = m.compute()
    assert up.added[0] in f.cluster_ids and a not in f.cluster_ids
    m.increase()
    assert m.options.scaling > 1
    fresh_controller.supervisor.color_selector.set_color_mapping("group")
    raster = m.compute().raster
    up = fresh_controller.supervisor.label("group", "noise", [up.added[0]])
    m.on_cluster(None, up)
    assert m.is_dirty and m.compute().raster is not raster  # recoloured
    m.on_color_mapping_changed()
    assert m.is_dirty
