"""Raster view model: rows follow the table's sort and filter, ticks, selection, clicks."""

from __future__ import annotations

from typing import Any

import numpy as np

from phycore.signals import connect, unconnect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.raster import RasterModel, draw_ticks

from .conftest import two_largest


def test_draw_ticks_rows_and_columns() -> None:
    img = np.zeros((40, 10, 4), np.float32)
    colors = np.array([[1, 0, 0, 1], [0, 1, 0, 1]], np.float32)
    draw_ticks(img, [0.05, 0.55, 0.95], [0, 1, -1], colors, 2, (0.0, -0.5, 1.0, 1.5), 0.4)
    # row 0 is at the top (y = 1): column 0, upper half; row 1 at y = 0: column 5, lower half
    assert (img[:20, 0, 0] == 1).sum() > 10 and img[20:, 0, 0].sum() == 0
    assert (img[20:, 5, 1] == 1).sum() > 10 and img[:20, 5].sum() == 0
    assert img[:, 9].sum() == 0  # negative row skipped


def test_rows_follow_sort_and_filter(fresh_controller: Any) -> None:
    sup = fresh_controller.supervisor
    m = RasterModel(fresh_controller)
    assert m.rows == sup.cluster_table.visible_ids
    sup.sort("n_spikes", "asc")
    m.on_table_sort(None)
    assert m.is_dirty
    counts = sup.clustering.spike_counts
    assert [counts[c] for c in m.rows] == sorted(counts[c] for c in m.rows)
    ids = two_largest(fresh_controller)
    sup.filter(f"id == {ids[0]} or id == {ids[1]}")
    m.set_size(100, 40)
    f = m.compute()
    assert sorted(f.rows) == sorted(ids) and f.home[3] == 1.5


def test_selection_colours_and_click(controller: Any) -> None:
    m = RasterModel(controller)
    m.set_size(300, 120)
    ids = two_largest(controller)
    m.set_selection(ids)
    f = m.compute()
    rgb = (f.raster.image[..., :3] * 255).round().astype(int)
    for i in range(2):
        col = np.array(selected_cluster_color(i)[:3]) * 255
        assert (np.abs(rgb - col).max(axis=-1) <= 2).sum() > 20
    got = []

    def on_click(sender: Any, cid: int, button: str = "") -> None:
        got.append(cid)

    connect(on_click, event="cluster_click")
    try:
        x, y = m.row_position(ids[1])
        assert m.click(x, y) == ids[1]
    finally:
        unconnect(on_click)
    assert got == [ids[1]]
