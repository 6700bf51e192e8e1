"""Cluster scatter view model: default bindings, rebinding, log size, colours, nearest cluster."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.errors import ActionError
from phycore.signals import connect
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


def test_lasso_gives_the_clusters_inside(controller: Any) -> None:
    m = ClusterScatterModel(controller)
    ids, xy, _ = m.positions()
    # a rectangle around the two clusters of smallest x (amp)
    two = [ids[k] for k in np.argsort(xy[:, 0])[:2]]
    lo = xy[np.isin(ids, two)].min(axis=0)
    hi = xy[np.isin(ids, two)].max(axis=0)
    x_cut = np.sort(xy[:, 0])[2]
    assert m.clusters_in_lasso() == []
    for x, y in ((lo[0] - 1, lo[1] - 1), ((hi[0] + x_cut) / 2, lo[1] - 1)):
        assert m.add_lasso_point(x, y)
    assert m.clusters_in_lasso() == []  # two vertices are not a polygon
    m.add_lasso_point((hi[0] + x_cut) / 2, hi[1] + 1)
    m.add_lasso_point(lo[0] - 1, hi[1] + 1)
    inside = m.clusters_in_lasso()
    assert sorted(inside) == sorted(two)
    assert inside == [c for c in controller.supervisor.cluster_table.visible_ids if c in two]  # table order
    assert len(m.compute().lasso) == 4
    m.clear_lasso()
    assert m.clusters_in_lasso() == [] and not len(m.compute().lasso)


def test_wheel_marker_size_and_colour_scheme(fresh_controller: Any) -> None:
    m = ClusterScatterModel(fresh_controller)
    sel = fresh_controller.supervisor.color_selector
    assert m.status == "size: fr, colour: random"
    assert m.on_wheel(1.0, alt=True) == "increase_marker_size"
    assert m.options.marker_size == pytest.approx(1.1)
    assert m.on_wheel(1.0, shift=True) == "next_color_scheme"
    assert sel.color_scheme == "cluster_group" and m.status == "size: fr, colour: cluster_group"
    m.on_wheel(-1.0, shift=True)
    assert sel.color_scheme == "random"
    assert m.on_wheel(1.0) is None  # the plain wheel zooms


def test_markers_take_the_colour_mapping(fresh_controller: Any) -> None:
    m = ClusterScatterModel(fresh_controller)
    m.set_size(400, 400)
    sel = fresh_controller.supervisor.color_selector
    connect(m.on_color_mapping_changed, event="color_mapping_changed")  # as the drawer does

    def centre_colours() -> tuple[np.ndarray, np.ndarray]:
        f = m.compute()
        x0, y0, x1, y1 = f.raster.extent
        h, w = f.raster.image.shape[:2]
        cols = ((f.xy[:, 0] - x0) / (x1 - x0) * w).astype(int)
        rows = ((y1 - f.xy[:, 1]) / (y1 - y0) * h).astype(int)
        return f.raster.image[rows, cols, :3], sel.get_colors(f.cluster_ids)[:, :3]

    for scheme in ("random", "depth", "cluster_group"):
        sel.set_color_scheme(scheme)
        assert m.is_dirty
        drawn, expected = centre_colours()
        # a marker's centre shows its own colour unless a smaller marker covers it
        assert (np.abs(drawn - expected).max(axis=1) < 1e-3).mean() >= 0.75, scheme


def _reference_image(m: ClusterScatterModel) -> np.ndarray:
    """The markers drawn one disc at a time, as before the selection was drawn in one call:
    every unselected cluster, biggest first, then the selection, its first cluster last."""
    ids, xy, radius = m.positions()
    f = m.compute()
    colors = np.asarray(m.controller.supervisor.color_selector.get_colors(ids), dtype=np.float32).reshape(-1, 4)
    colors[:, 3] = 0.8
    image = np.zeros_like(f.raster.image)
    ext = f.raster.extent
    selected = set(m.cluster_ids)
    for k in np.argsort(-radius, kind="stable"):
        if ids[k] not in selected:
            draw_discs(image, xy[k:k + 1, 0], xy[k:k + 1, 1], radius[k:k + 1], colors[k:k + 1], ext)
    for i, c in reversed(list(enumerate(m.cluster_ids))):
        if c in ids:
            k = ids.index(c)
            draw_discs(image, xy[k:k + 1, 0], xy[k:k + 1, 1], radius[k:k + 1] + 1.5,
                       np.asarray([selected_cluster_color(i)], np.float32), ext)
    return image


@pytest.mark.parametrize("n_selected", [0, 1, 7, "all"])
def test_a_large_selection_draws_as_disc_by_disc(controller: Any, n_selected: Any) -> None:
    # A split selects every new cluster (~600 on a real probe): the selected markers are
    # drawn in one call and the others are told apart with a mask, with the same picture.
    m = ClusterScatterModel(controller)
    m.set_size(240, 200)
    ids = controller.supervisor.cluster_table.visible_ids
    chosen = ids[::-1] if n_selected == "all" else ids[1:1 + 2 * n_selected:2]
    m.set_selection(chosen + [10**9])  # a selected id that is not shown is left out
    image = m.compute().raster.image
    assert np.array_equal(image, _reference_image(m))
    assert image[..., 3].max() > 0
