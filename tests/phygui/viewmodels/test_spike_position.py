"""Spike position view model: Kilosort 4's spike positions, clusters over a grey background, lasso split."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from phycore import TemplateController
from phycore.model.synthetic import make_dataset
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.items import BACKGROUND_COLOR
from phygui.viewmodels.spike_position import SpikePositionModel
from phygui.views.registry import offered_views, view_available

from .conftest import two_largest


@pytest.fixture(scope="module")
def ks4_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Kilosort 4-like synthetic folder (``spike_positions.npy``), no raw data."""
    d = tmp_path_factory.mktemp("ks4")
    make_dataset(d, n_spikes=3000, n_channels=16, n_templates=6, duration=3.0, raw=False,
                 flavor="ks4", n_channels_loc=8, seed=4)
    return d


def _controller(src: Path, dst: Path) -> Any:
    shutil.copytree(src, dst)
    return TemplateController(dst / "params.py", metrics=False)


@pytest.fixture(scope="module")
def ks4(ks4_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A read-only controller on the folder (tests must not curate with it)."""
    c = _controller(ks4_dir, tmp_path_factory.mktemp("ks4_ro") / "data")
    yield c
    c.close()


@pytest.fixture
def ks4_fresh(ks4_dir: Path, tmp_path: Path) -> Iterator[Any]:
    """A controller on a private copy (for splits)."""
    c = _controller(ks4_dir, tmp_path / "data")
    yield c
    c.close()


def _pixels(frame: Any, color: tuple[float, ...], tol: int = 40) -> int:
    img = (frame.raster.image[..., :3] * 255).round().astype(int)
    rgb = (np.array(color[:3]) * 255).round().astype(int)
    return int(((np.abs(img - rgb).max(axis=-1) <= tol) & (frame.raster.image[..., 3] > 0)).sum())


def test_offered_only_with_spike_positions(ks4: Any, controller: Any) -> None:
    assert ks4.model.spike_positions is not None and controller.model.spike_positions is None
    assert view_available("SpikePositionView", ks4) and "SpikePositionView" in offered_views(ks4)
    assert not view_available("SpikePositionView", controller)
    assert "SpikePositionView" not in offered_views(controller)


def test_clusters_over_background(ks4: Any) -> None:
    m = SpikePositionModel(ks4)
    pos = ks4.model.spike_positions
    bg = m.background()
    assert 0 < len(bg) <= m.options.n_spikes_background
    np.testing.assert_array_equal(bg, pos[:: int(np.ceil(len(pos) / m.options.n_spikes_background))])
    m.set_viewport(300, 240)
    empty = m.compute()
    assert _pixels(empty, BACKGROUND_COLOR) > 50  # nothing selected: the whole probe in grey
    pair = two_largest(ks4)
    m.set_selection(pair)
    frame = m.compute()
    for i in range(2):
        assert _pixels(frame, selected_cluster_color(i)) > 20, i
    for p, c in zip(m.points(), pair):
        ids = ks4.get_spike_ids(c, ks4.n_spikes_amplitudes)
        np.testing.assert_array_equal(p.spike_ids, ids)
        np.testing.assert_array_equal(p.xy, pos[ids])
    # The axes are the whole probe's: a new selection does not move them.
    assert frame.home == empty.home
    x0, y0, x1, y1 = frame.home
    assert x0 < pos[:, 0].min() and pos[:, 0].max() < x1 and y0 < pos[:, 1].min() and pos[:, 1].max() < y1
    assert "2 clusters" in m.status


def test_background_budget_option(ks4: Any) -> None:
    m = SpikePositionModel(ks4)
    m.set_state({"n_spikes_background": 100})
    assert 50 <= len(m.background()) <= 100


def test_lasso_split(ks4_fresh: Any) -> None:
    ks4 = ks4_fresh
    m = SpikePositionModel(ks4)
    pair = two_largest(ks4)
    m.set_selection(pair)
    pos = np.asarray(ks4.model.spike_positions, dtype=np.float64)
    sc = ks4.supervisor.clustering.spike_clusters
    own = np.flatnonzero(np.isin(sc, pair))
    cx, cy = np.median(pos[own], axis=0)
    for x, y in ((cx - 200, cy - 200), (cx, cy - 200), (cx, cy + 200), (cx - 200, cy + 200)):
        m.add_lasso_point(x, y)
    expected = own[m.lasso.contains(pos[own])]
    assert 0 < len(expected) < len(own)
    np.testing.assert_array_equal(m.spikes_in_lasso(), expected)
    up = m.split()
    assert up is not None
    after = ks4.supervisor.clustering.spike_clusters
    new = np.unique(after[expected])
    assert len(new) == 1 and np.array_equal(np.flatnonzero(after == new[0]), expected)


def test_position_columns(ks4: Any, controller: Any) -> None:
    """Spike positions give the cluster table ``pos_x`` / ``pos_y`` (medians) after ``depth``."""
    cols = ks4.supervisor.cluster_table.columns
    assert cols.index("pos_x") == cols.index("depth") + 1 and cols.index("pos_y") == cols.index("depth") + 2
    c = two_largest(ks4)[0]
    spikes = ks4.supervisor.clustering.spikes_in_clusters([c])
    row = ks4.supervisor.cluster_table.row(c)
    np.testing.assert_allclose([row["pos_x"], row["pos_y"]], np.median(ks4.model.spike_positions[spikes], axis=0))
    assert "pos_x" not in controller.supervisor.cluster_table.columns
