"""Waveform view model: layout, budget, determinism, colours, commands, channel_click."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from phycore.signals import connect
from phycore.supervisor.colors import selected_cluster_color
from phygui.viewmodels.box_layout import non_overlapping_boxes
from phygui.viewmodels.waveform import WaveformModel, WaveformOptions, overlap_transform

from .conftest import two_largest


@pytest.fixture
def wm(controller: Any) -> WaveformModel:
    m = WaveformModel(controller)
    m.set_selection(two_largest(controller))
    m.set_size(300, 240)
    return m


def test_boxes_at_probe_positions_of_best_channels(wm: WaveformModel, controller: Any) -> None:
    frame = wm.compute()
    chans = sorted(set().union(*(set(controller.get_best_channels(c).tolist()) for c in wm.cluster_ids)))
    assert frame.channel_ids.tolist() == chans
    centres, (w, h) = non_overlapping_boxes(controller.model.channel_positions[chans])
    np.testing.assert_allclose(frame.boxes, np.c_[centres - (w, h), centres + (w, h)])
    labels = [lab.text for lab in frame.labels]
    assert labels == [str(int(controller.model.channel_map[c])) for c in chans]


def test_budget_respected_and_deterministic(wm: WaveformModel, controller: Any) -> None:
    wm.compute()
    for cid, w in zip(wm.cluster_ids, wm._waves):
        assert len(w.spike_ids) == min(100, controller.supervisor.clustering.spike_counts[cid])
        assert np.all(controller.supervisor.clustering.spike_clusters[w.spike_ids] == cid)
    first = wm.compute().raster.image
    wm.change_n_spikes_waveforms(7)
    small = wm.compute()
    assert all(len(w.spike_ids) == 7 for w in wm._waves)
    wm.change_n_spikes_waveforms(100)
    again = wm.compute().raster.image
    assert np.array_equal(first, again)
    assert not np.array_equal(first, small.raster.image)


def test_cluster_colours_in_raster(wm: WaveformModel) -> None:
    img = wm.compute().raster.image
    drawn = img[img[..., 3] > 0.2][:, :3]
    for i in range(2):
        rgb = np.asarray(selected_cluster_color(i)[:3], np.float32)
        assert np.any(np.abs(drawn - rgb).max(axis=1) < 1e-3), f"colour of cluster #{i} missing"


def test_side_by_side_and_overlap(wm: WaveformModel) -> None:
    t = np.linspace(-1, 1, 5)
    a, b = overlap_transform(t, 0, 2, False), overlap_transform(t, 1, 2, False)
    assert a[0] == -1 and b[-1] == 1 and a[-1] < b[0]  # two slots with a gap
    assert np.array_equal(overlap_transform(t, 1, 2, True), t)
    side = wm.compute().raster.image
    wm.toggle_waveform_overlap()
    assert wm.options.overlap and wm.is_dirty
    assert not np.array_equal(side, wm.compute().raster.image)


def test_types_and_vector_items(wm: WaveformModel) -> None:
    assert wm.waveforms_types == ["waveforms", "mean_waveforms", "templates"]
    wm.toggle_mean_waveforms()
    f = wm.compute()
    assert f.waveforms_type == "mean_waveforms" and f.raster is None
    means = [ln for ln in f.lines if ln.kind == "mean"]
    assert [ln.cluster_id for ln in means] == wm.cluster_ids
    assert means[0].color == selected_cluster_color(0)
    wm.next_waveforms_type()
    assert wm.compute().waveforms_type == "templates"
    wm.next_waveforms_type()
    assert wm.options.waveforms_type == "waveforms"
    wm.previous_waveforms_type()
    assert wm.options.waveforms_type == "templates"
    wm.set_waveforms_type("waveforms")
    wm.toggle_template_overlay()
    assert any(ln.kind == "template" for ln in wm.compute().lines)
    with pytest.raises(ValueError, match="waveform type"):
        wm.set_waveforms_type("nope")


def test_all_channels_toggle(wm: WaveformModel, controller: Any) -> None:
    wm.toggle_all_channels()
    f = wm.compute()
    assert f.channel_ids.tolist() == list(range(controller.model.n_channels))
    assert all(len(w.spike_ids) <= 100 for w in wm._waves)


def test_scaling_commands_and_state(wm: WaveformModel) -> None:
    wm.compute()
    b0 = wm.compute().boxes
    wm.widen()
    wm.increase()
    wm.extend_vertically()
    assert wm.options.box_scaling == pytest.approx((1.1, 1.1))
    assert wm.options.probe_scaling == pytest.approx((1.0, 1.1))
    b1 = wm.compute().boxes
    assert (b1[:, 2] - b1[:, 0]) == pytest.approx(1.1 * (b0[:, 2] - b0[:, 0]))
    state = wm.get_state()
    assert state["box_scaling"] == pytest.approx([1.1, 1.1])
    other = WaveformModel(wm.controller)
    other.set_state({**state, "unknown_key": 1})
    assert other.options == wm.options
    wm.toggle_show_labels()
    assert wm.compute().labels == []
    wm.reset_scaling()
    assert wm.options.box_scaling == (1.0, 1.0)


def test_ctrl_click_emits_channel_click(wm: WaveformModel) -> None:
    got = []
    connect(lambda sender, **kw: got.append((sender, kw)), event="channel_click")
    f = wm.compute()
    k = 3
    x, y = (f.boxes[k, 0] + f.boxes[k, 2]) / 2, (f.boxes[k, 1] + f.boxes[k, 3]) / 2
    assert wm.click(x, y, button="right", key=2) == f.channel_ids[k]
    assert got == [(wm, {"channel_id": int(f.channel_ids[k]), "key": 2, "button": "right"})]


def test_selection_cap_and_dirty_flag(controller: Any) -> None:
    m = WaveformModel(controller, WaveformOptions(n_spikes_waveforms=5))
    ids = [int(c) for c in controller.supervisor.clustering.cluster_ids]
    m.set_selection(ids * 3)
    assert m.cluster_ids == (ids * 3)[:8]
    m.compute()
    assert not m.is_dirty
    m.set_selection(m.cluster_ids)
    assert not m.is_dirty  # same selection: nothing to redo


def test_on_cluster_marks_dirty(wm: WaveformModel) -> None:
    wm.compute()
    wm.on_cluster(None, type("Up", (), {"added": [999], "deleted": [12345]})())
    assert not wm.is_dirty
    wm.on_cluster(None, type("Up", (), {"added": [999], "deleted": [wm.cluster_ids[0]]})())
    assert wm.is_dirty
